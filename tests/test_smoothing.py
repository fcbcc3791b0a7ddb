import numpy as np
import pytest

from emotion_app.labels import EMOTIONS
from emotion_app.smoothing import FaceTracker, MessageGate


def probs(emotion: str, p: float = 0.9) -> np.ndarray:
    row = np.full(7, (1 - p) / 6)
    row[EMOTIONS.index(emotion)] = p
    return row


def test_ema_stops_single_frame_flicker():
    tracker = FaceTracker(alpha=0.35)
    box = (10, 10, 100, 100)
    for i in range(10):
        tracker.update([box], probs("happy")[None], i / 25)
    track, = tracker.update([(12, 11, 100, 100)], probs("sad")[None], 0.4)  # one odd frame
    assert track.emotion == "happy" and track.face_id == 1
    for i in range(10):
        track, = tracker.update([box], probs("sad")[None], 0.44 + i / 25)
    assert track.emotion == "sad"  # a lasting change does come through


def test_faces_keep_their_ids_and_new_faces_get_new_ones():
    tracker = FaceTracker()
    a, b = (0, 0, 100, 100), (300, 0, 100, 100)
    first = tracker.update([a, b], np.vstack([probs("happy"), probs("sad")]), 0.0)
    swapped = tracker.update([b, a], np.vstack([probs("sad"), probs("happy")]), 0.04)
    assert [t.face_id for t in first] == [1, 2] and [t.face_id for t in swapped] == [2, 1]
    third = tracker.update([(600, 0, 80, 80)], probs("fear")[None], 0.08)
    assert third[0].face_id == 3 and {t.face_id for t in tracker.tracks} == {1, 2, 3}
    assert [t.missed for t in tracker.tracks if t.face_id != 3] == [1, 1]


def test_lost_faces_are_forgotten_after_a_second_unseen():
    tracker = FaceTracker()
    tracker.update([(0, 0, 50, 50)], probs("happy")[None], 0.0)
    tracker.update([], np.zeros((0, 7)), 0.5)
    assert [t.face_id for t in tracker.tracks] == [1]  # hidden for a moment: kept
    tracker.update([], np.zeros((0, 7)), 1.5)
    assert tracker.tracks == []
    (track,) = tracker.update([(0, 0, 50, 50)], probs("sad")[None], 1.6)
    assert track.face_id == 2 and track.emotion == "sad"  # back later: a fresh start


def test_alpha_is_validated():
    with pytest.raises(ValueError, match="alpha"):
        FaceTracker(alpha=0)


def test_message_gate_holds_until_a_change_lasts():
    gate = MessageGate(hold_seconds=1.5)
    assert gate.update("happy", 0.0) == "happy"  # the first emotion shows at once
    assert gate.update("sad", 0.5) == "happy"  # a flicker does not change the message
    assert gate.update("happy", 0.6) == "happy"
    assert gate.update("sad", 1.0) == "happy"
    assert gate.update("sad", 2.0) == "happy"
    assert gate.update("sad", 2.6) == "sad"  # sad for 1.6 s: now it changes
    assert gate.update(None, 3.0) == "sad"
    assert gate.update(None, 4.6) is None  # the face left for good
