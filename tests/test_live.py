import csv
import io
import threading

import cv2
import numpy as np
import pytest

from emotion_app.labels import EMOTIONS
from emotion_app.live import FaceState, FrameResult, LiveAnalyzer, LiveOptions, Timeline, ice_servers
from emotion_app.overlay import Painter


@pytest.fixture(scope="module")
def camera_frame(astronaut_bgr):
    frame = np.full((480, 640, 3), 235, np.uint8)
    frame[:, 64:576] = cv2.resize(astronaut_bgr, (512, 480))
    return frame


def test_frames_are_annotated_and_results_queued(random_predictor, camera_frame):
    analyzer = LiveAnalyzer(random_predictor, Painter(), options=LiveOptions(detect_every=3))
    detected = []

    class Spy:
        """Records, per frame, whether faces were detected or the tracked ones re-classified."""

        def find_faces(self, image, settings=None):
            detected[-1] = True
            return random_predictor.find_faces(image, settings)

        def predict(self, image, settings=None, faces=None):
            return random_predictor.predict(image, settings, faces=faces)

    analyzer.predictor = Spy()
    for _ in range(6):
        detected.append(False)
        out = analyzer.process(camera_frame)
    assert out.shape == camera_frame.shape and not np.array_equal(out, camera_frame[:, ::-1])
    # Full detection on frames 0 and 3 only; the tracked boxes are re-classified in between.
    assert detected == [True, False, False, True, False, False]
    results = [analyzer.results.get_nowait() for _ in range(6)]
    assert all(len(r.faces) == 1 and r.faces[0].face_id == 1 for r in results)
    assert results[-1].time > results[0].time and results[-1].fps > 0


def test_mirror_flips_the_frame(random_predictor):
    analyzer = LiveAnalyzer(random_predictor, Painter())
    frame = np.zeros((60, 80, 3), np.uint8)
    frame[:, :40] = 255
    assert analyzer.process(frame)[:, 40:].min() == 255
    analyzer.set_options(mirror=False)
    assert analyzer.process(frame)[:, :40].min() == 255


def test_queue_never_blocks_the_video(random_predictor):
    analyzer = LiveAnalyzer(random_predictor, Painter())
    frame = np.zeros((60, 80, 3), np.uint8)
    for _ in range(analyzer.results.maxsize + 5):
        analyzer.process(frame)
    assert analyzer.results.qsize() == analyzer.results.maxsize


def test_timeline_csv_has_run_time_face_and_seven_probabilities():
    timeline = Timeline()
    timeline.add(FrameResult(0.04, (FaceState(1, "happy", 0.9, tuple(np.eye(7)[3])),
                                    FaceState(2, "sad", 0.8, tuple(np.eye(7)[4]))), 25.0, run=2))
    rows = list(csv.reader(io.StringIO(timeline.to_csv().decode())))
    assert rows[0] == ["run", "time_s", "face", *EMOTIONS, "room"]
    assert rows[1][:3] == ["2", "0.04", "1"] and float(rows[1][3 + 3]) == 1.0
    assert rows[2][2] == "2" and len(rows) == 3


def test_timeline_keeps_the_start_of_a_session_and_says_when_it_is_full():
    """It once kept only the last 20,000 rows, so a long session's CSV silently lost its start."""
    timeline = Timeline(max_rows=100, recent_rows=10)
    for i in range(150):
        timeline.add(FrameResult(float(i), (FaceState(1, "happy", 1.0, tuple(np.eye(7)[3])),), 0.0))
    rows = timeline.rows()
    assert len(rows) == 100 and rows[0][1] == 0.0 and timeline.full
    assert [row[1] for row in timeline.recent()] == [float(i) for i in range(140, 150)]  # the chart's window


def test_timeline_is_bounded_and_thread_safe():
    timeline = Timeline(max_rows=100)
    result = FrameResult(0.0, (FaceState(1, "happy", 1.0, tuple(np.eye(7)[3])),), 0.0)
    threads = [threading.Thread(target=lambda: [timeline.add(result) for _ in range(500)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(50):
        timeline.to_csv()
    for thread in threads:
        thread.join()
    assert len(timeline.rows()) == 100 and timeline.full


def test_each_start_begins_a_new_run_with_fresh_tracks(random_predictor, astronaut_bgr):
    """The analyzer once kept its tracker, clock and face numbers across STOP/START."""
    analyzer = LiveAnalyzer(random_predictor, Painter())
    for _ in range(3):
        analyzer.process(astronaut_bgr)
    first = analyzer.timeline.rows()
    analyzer.new_run()
    analyzer.process(astronaut_bgr)
    second = analyzer.timeline.rows()[len(first):]
    assert {row[0] for row in first} == {1} and [row[0] for row in second] == [2]
    assert second[0][1] == 0.0 and second[0][2] == first[0][2]  # time from zero, face numbers afresh


def test_a_new_run_forgets_the_last_runs_tracks(random_predictor, astronaut_bgr):
    """A face where face 2 just was is face 1 of the new run, not face 2 carried over."""
    analyzer = LiveAnalyzer(random_predictor, Painter())
    analyzer.options.detect_every = 1
    left, right = (np.full((512, 1400, 3), 200, np.uint8) for _ in range(2))
    left[:, :512], right[:, -512:] = astronaut_bgr, astronaut_bgr
    analyzer.process(left)
    analyzer.process(right)  # too far to be the same face: a new track
    assert [row[2] for row in analyzer.timeline.rows()] == [1, 2]
    analyzer.new_run()
    analyzer.process(right)
    assert analyzer.timeline.rows()[-1][:3] == (2, 0.0, 1)


def test_ice_servers_from_environment():
    assert ice_servers({}) == []
    servers = ice_servers({"EMOTION_APP_ICE_SERVERS": '[{"urls": "stun:stun.example.org:3478"}]'})
    assert servers == [{"urls": "stun:stun.example.org:3478"}]
    with pytest.raises(ValueError, match="not valid JSON"):
        ice_servers({"EMOTION_APP_ICE_SERVERS": "stun:oops"})
    with pytest.raises(ValueError, match="urls"):
        ice_servers({"EMOTION_APP_ICE_SERVERS": '[{"url": "x"}]'})


def test_an_error_in_the_frame_callback_passes_the_frame_with_a_note(random_predictor, astronaut_bgr, caplog):
    """An exception in the worker once went to streamlit-webrtc, which stopped the video."""
    analyzer = LiveAnalyzer(random_predictor, Painter())

    class Broken:
        def find_faces(self, *args, **kwargs):
            raise RuntimeError("a bug of ours")

    analyzer.predictor = Broken()
    with caplog.at_level("ERROR", logger="emotion_app.live"):
        first = analyzer.process_or_pass(astronaut_bgr)
        analyzer.process_or_pass(astronaut_bgr)
    assert first.shape == astronaut_bgr.shape and not np.array_equal(first, astronaut_bgr[:, ::-1])
    assert caplog.text.count("live analysis failed") == 1 and "a bug of ours" in caplog.text
    analyzer.options.language = "fr"
    assert not np.array_equal(analyzer.process_or_pass(astronaut_bgr), first)  # the note in French


def test_the_rate_shown_is_the_frames_analysed_a_second_however_bursty(random_predictor):
    """The caption read 25-39 frames/s while the timeline held 15.5 a second: frames arrive in
    bursts, and an average of 1/interval weighs the short intervals most."""
    analyzer = LiveAnalyzer(random_predictor, Painter())
    analyzer._start_run()
    analyzer._started = now = 100.0
    for i in range(60):  # pairs 0.01 s apart every 0.13 s: 2 frames per 0.13 s, 15.4 a second
        now += 0.01 if i % 2 else 0.12
        analyzer._publish(now, [])
    rates = [analyzer.results.get_nowait().fps for _ in range(analyzer.results.qsize())]
    assert rates[-1] == pytest.approx(2 / 0.13, rel=0.05)  # as many as were analysed, counted


def test_the_room_s_mood_is_each_emotion_s_share_of_the_faces_in_view_over_the_last_seconds():
    from emotion_app.live import RoomMood

    room = RoomMood(seconds=5.0)
    room.add(0.0, ["sad"])
    assert room.add(1.0, ["happy", "happy", "happy", "sad"]) == (("happy", 0.6), ("sad", 0.4))
    assert room.add(6.5, ["happy"]) == (("happy", 1.0),)  # the first seconds have left the window
    assert room.add(0.0, ["fear"]) == (("fear", 1.0),)  # a new run starts afresh


def test_the_timeline_csv_has_the_room_s_leading_emotion(random_predictor):
    analyzer = LiveAnalyzer(random_predictor, Painter())
    analyzer._start_run()
    analyzer._started = 0.0

    class Track:  # as smoothing.FaceTracker's
        def __init__(self, face_id, emotion):
            self.face_id, self.emotion, self.confidence = face_id, emotion, 0.9
            self.probabilities = np.eye(7)[EMOTIONS.index(emotion)]

    analyzer._publish(0.5, [Track(1, "happy"), Track(2, "happy"), Track(3, "sad")])
    result = analyzer.results.get_nowait()
    assert result.room[0] == ("happy", pytest.approx(2 / 3))
    rows = list(csv.DictReader(io.StringIO(analyzer.timeline.to_csv().decode())))
    assert [row["room"] for row in rows] == ["happy"] * 3


def test_the_webcam_s_face_numbers_survive_two_people_crossing(monkeypatch):
    """The webcam matched faces by box overlap: two people who crossed swapped numbers (and
    smoothed emotions). Through the live path, with a detector that sees two people walk past each
    other (one hidden behind the other meanwhile), each keeps its number and its emotion."""
    import emotion_app.live as live
    from emotion_app.faces import Face
    from emotion_app.predictor import to_predictions
    from tests.test_tracking import crossing

    class Walkers:  # the predictor's seam: what a detector finds, and the classifier's answers
        boxes: list = []

        def find_faces(self, image, settings=None):
            return [Face(box, None, 0.0) for box in self.boxes]

        def predict(self, image, settings=None, faces=None):
            boxes = [face.box if isinstance(face, Face) else face for face in faces]
            # the person on the left at the start is happy, the other sad, wherever they are now
            rows = [np.eye(7)[EMOTIONS.index("happy" if box[0] == self.a else "sad")] for box in boxes]
            return to_predictions(boxes, np.array(rows).reshape(-1, 7))

    walkers, clock = Walkers(), [0.0]
    monkeypatch.setattr(live.time, "monotonic", lambda: clock[0])
    analyzer = LiveAnalyzer(walkers, Painter())
    analyzer.set_options(detect_every=1)
    frame = np.full((300, 640, 3), 200, np.uint8)
    seen: dict[int, set] = {}
    for t, boxes, (a, _) in crossing():
        clock[0], walkers.boxes, walkers.a = 100.0 + t, boxes, a
        analyzer.process(frame)
        for track in analyzer.tracker.tracks:
            if track.missed == 0:
                seen.setdefault(track.face_id, set()).add("a" if track.box[0] == a else "b")
    assert seen == {1: {"a"}, 2: {"b"}}
    emotions = {track.face_id: track.emotion for track in analyzer.tracker.tracks}
    assert emotions == {1: "happy", 2: "sad"}
