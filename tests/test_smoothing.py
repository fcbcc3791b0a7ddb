import numpy as np
import pytest

from emotion_app.labels import EMOTIONS
from emotion_app.smoothing import FaceTracker, MessageGate, iou, match_boxes


def probs(emotion: str, p: float = 0.9) -> np.ndarray:
    row = np.full(7, (1 - p) / 6)
    row[EMOTIONS.index(emotion)] = p
    return row


def test_iou():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1
    assert iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)


def test_matching_is_one_to_one_by_best_overlap():
    previous = [(0, 0, 100, 100), (200, 0, 100, 100)]
    current = [(205, 5, 100, 100), (5, 0, 100, 100), (500, 500, 50, 50)]
    assert match_boxes(previous, current) == {0: 1, 1: 0}


def test_ema_stops_single_frame_flicker():
    tracker = FaceTracker(alpha=0.35)
    box = (10, 10, 100, 100)
    for _ in range(10):
        tracker.update([box], probs("happy")[None])
    track, = tracker.update([(12, 11, 100, 100)], probs("sad")[None])  # one odd frame
    assert track.emotion == "happy" and track.face_id == 1
    for _ in range(10):
        track, = tracker.update([box], probs("sad")[None])
    assert track.emotion == "sad"  # a lasting change does come through


def test_faces_keep_their_ids_and_new_faces_get_new_ones():
    tracker = FaceTracker()
    a, b = (0, 0, 100, 100), (300, 0, 100, 100)
    first = tracker.update([a, b], np.vstack([probs("happy"), probs("sad")]))
    swapped = tracker.update([b, a], np.vstack([probs("sad"), probs("happy")]))
    assert [t.face_id for t in first] == [1, 2] and [t.face_id for t in swapped] == [2, 1]
    third = tracker.update([(600, 0, 80, 80)], probs("fear")[None])
    assert third[0].face_id == 3


def test_lost_faces_are_forgotten_after_max_missed():
    tracker = FaceTracker(max_missed=2)
    tracker.update([(0, 0, 50, 50)], probs("happy")[None])
    for _ in range(3):
        tracker.update([], np.zeros((0, 7)))
    assert tracker.tracks == []


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
