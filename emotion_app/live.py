"""The per-session engine behind the webcam page: frame in, annotated frame and results out.

Runs on streamlit-webrtc's worker thread; knows nothing of Streamlit. Results reach the page
through a bounded queue, and the session's timeline is kept here, thread-safely, for the chart and
the CSV download.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from emotion_app import environment
from emotion_app.exports import write_csv
from emotion_app.faces import Box, DetectionSettings, Face
from emotion_app.labels import EMOTIONS
from emotion_app.overlay import Painter
from emotion_app.predictor import EmotionPredictor, is_unsure, to_predictions
from emotion_app.profiles import WEBCAM
from emotion_app.smoothing import FaceTracker, Track
from emotion_app.texts import ERROR_NOTE

log = logging.getLogger(__name__)

# The CSV keeps a session's rows from its start up to this many (about 67 minutes of one face at
# 25 fps, some 20 MB); past it the page says so. The chart needs only the recent rows.
TIMELINE_ROWS = 100_000
RECENT_ROWS = 6_000  # 60 s of 4 faces at 25 fps
RATE_SECONDS = 2.0  # the analysed rate the page shows is counted over this long
ROOM_SECONDS = 5.0  # the room's mood: the faces' emotions over this long


@dataclass(frozen=True)
class FaceState:
    face_id: int
    emotion: str
    confidence: float
    probabilities: tuple[float, ...]
    unsure: bool = False


@dataclass(frozen=True)
class FrameResult:
    time: float  # seconds since the run's first frame
    faces: tuple[FaceState, ...]
    fps: float
    run: int = 1  # each START begins a new run
    room: tuple[tuple[str, float], ...] = ()  # the room's mood: each emotion's share, largest first


class RoomMood:
    """The share of each emotion among the faces in view over the last ``seconds``: each face of
    each analysed frame counts once, so the room is not one face's mood when several are there."""

    def __init__(self, seconds: float = ROOM_SECONDS) -> None:
        self.seconds = seconds
        self._seen: deque[tuple[float, str]] = deque()

    def add(self, time_s: float, emotions: list[str]) -> tuple[tuple[str, float], ...]:
        """Count a frame's faces at ``time_s``; the shares now, largest first."""
        if self._seen and time_s < self._seen[-1][0]:
            self._seen.clear()  # a new run: time starts again
        self._seen.extend((time_s, emotion) for emotion in emotions)
        while self._seen and self._seen[0][0] < time_s - self.seconds:
            self._seen.popleft()
        if not self._seen:
            return ()
        counts: dict[str, int] = {}
        for _, emotion in self._seen:
            counts[emotion] = counts.get(emotion, 0) + 1
        return tuple(sorted(((e, n / len(self._seen)) for e, n in counts.items()), key=lambda item: -item[1]))

@dataclass
class LiveOptions:
    """Set from the page's controls; read by the worker thread (plain attribute swaps are atomic)."""

    mirror: bool = True
    show_probabilities: bool = False
    language: str = "en"
    settings: DetectionSettings = WEBCAM.settings
    detect_every: int = WEBCAM.detect_every[WEBCAM.detector]


class Timeline:
    """Per-frame probabilities of every face, safe to read while the worker writes: everything from
    the start up to ``max_rows`` for the CSV (``full`` says when later rows were left out), and a
    rolling window of recent rows for the chart."""

    # a row's fields, for the CSV and the page's chart alike: "room" is the room's leading emotion
    COLUMNS = ("run", "time_s", "face", *EMOTIONS, "room")

    def __init__(self, max_rows: int = TIMELINE_ROWS, recent_rows: int = RECENT_ROWS) -> None:
        self.max_rows = max_rows
        self._rows: list[tuple] = []
        self._recent: deque[tuple] = deque(maxlen=recent_rows)
        self._lock = threading.Lock()
        self.full = False
        self.largest_face: tuple[int, int] | None = None  # (run, face) of the last frame's largest face

    def add(self, result: FrameResult) -> None:
        with self._lock:
            if result.faces:
                self.largest_face = (result.run, result.faces[0].face_id)
            room = result.room[0][0] if result.room else ""
            for face in result.faces:
                row = (result.run, round(result.time, 3), face.face_id, *face.probabilities, room)
                self._recent.append(row)
                if len(self._rows) < self.max_rows:
                    self._rows.append(row)
                else:
                    self.full = True

    def rows(self) -> list[tuple]:
        with self._lock:
            return list(self._rows)

    def recent(self) -> list[tuple]:
        with self._lock:
            return list(self._recent)

    def to_csv(self) -> bytes:
        return write_csv(self.COLUMNS,
                         ([*row[:3], *(f"{p:.4f}" for p in row[3:-1]), row[-1]] for row in self.rows()))


@dataclass
class LiveAnalyzer:
    predictor: EmotionPredictor
    painter: Painter
    options: LiveOptions = field(default_factory=LiveOptions)
    results: queue.Queue = field(default_factory=lambda: queue.Queue(maxsize=8))
    timeline: Timeline = field(default_factory=Timeline)
    tracker: FaceTracker = field(default_factory=FaceTracker)
    _detected: dict[Box, Face] = field(default_factory=dict)  # the last detection's faces, by box
    _frame_index: int = 0
    _started: float | None = None
    _recent: deque = field(default_factory=deque)  # the times frames were analysed, over RATE_SECONDS
    _room: RoomMood = field(default_factory=RoomMood)
    run: int = 0
    _new_run: bool = True
    _error_logged: bool = False
    last_annotated: np.ndarray | None = None

    def new_run(self) -> None:
        """Start afresh at the next frame (the page calls this on START): new tracks, a new run
        number in the timeline, time from zero. The worker thread does the reset itself, so a
        frame in flight never sees half of it."""
        self._new_run = True

    def _start_run(self) -> None:
        self.tracker, self._detected = FaceTracker(), {}
        self._frame_index, self._started, self._recent, self._room = 0, None, deque(), RoomMood()
        self.run += 1
        self._new_run = self._error_logged = False

    def process_or_pass(self, image: np.ndarray) -> np.ndarray:
        """``process``, but an unexpected error never stops the video or reaches the page: the
        frame passes through with a visible note, and the error is logged (once a run)."""
        try:
            return self.process(image)
        except Exception:
            if not self._error_logged:
                log.exception("live analysis failed; frames pass through unannotated")
                self._error_logged = True
            frame = np.ascontiguousarray(image[:, ::-1]) if self.options.mirror else image.copy()
            # NOTE: OpenCV's own font, which has no accents, so that drawing cannot fail in turn
            # (the painter's font may be what failed)
            cv2.putText(frame, ERROR_NOTE[self.options.language], (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                        (0, 0, 255), 2, cv2.LINE_AA)
            return frame

    def process(self, image: np.ndarray) -> np.ndarray:
        """One BGR frame in, the annotated frame out; the frame's results go to ``results``."""
        if self._new_run:
            self._start_run()
        options = self.options
        if options.mirror:
            image = np.ascontiguousarray(image[:, ::-1])
        now = time.monotonic()
        self._started = self._started if self._started is not None else now
        # NOTE: full detection only every few frames, or when nothing is tracked; between detections
        # the last faces (with their eyes, for alignment) are re-classified, which costs a fraction
        # of a detection.
        live = [t.box for t in self.tracker.tracks if t.missed == 0]
        detect = self._frame_index % options.detect_every == 0 or not live
        self._frame_index += 1
        if detect:
            faces = self.predictor.find_faces(image, options.settings)
            self._detected = {face.box: face for face in faces}
        else:
            faces = [self._detected.get(box, box) for box in live]
        predictions = self.predictor.predict(image, faces=faces)
        boxes = [p.box for p in predictions]
        tracks = self.tracker.update(boxes, np.array([[p.probabilities[e] for e in EMOTIONS] for p in predictions]),
                                     now - self._started)
        # Largest first, on tracked frames too: the page's message and chart follow the largest face.
        tracks = sorted(tracks, key=lambda t: t.box[2] * t.box[3], reverse=True)
        smoothed = to_predictions([t.box for t in tracks], np.array([t.probabilities for t in tracks]))
        annotated = self.painter.draw(image, smoothed, options.language, show_confidence=options.show_probabilities)
        self.last_annotated = annotated  # for the page's snapshot button; a new array every frame
        self._publish(now, tracks)
        return annotated

    def analysed_rate(self, now: float) -> float:
        """Frames analysed a second over the last ``RATE_SECONDS``, counted, as the timeline holds
        them. (An average of 1/interval read 25-39 while 15.5 a second were analysed: frames come in
        bursts, and a short interval weighs more than a long one.)"""
        self._recent.append(now)
        while now - self._recent[0] > RATE_SECONDS:
            self._recent.popleft()
        span = now - self._recent[0]
        return (len(self._recent) - 1) / span if span > 0 else 0.0

    def _publish(self, now: float, tracks: list[Track]) -> None:
        result = FrameResult(
            time=now - self._started,
            faces=tuple(FaceState(t.face_id, t.emotion, t.confidence, tuple(map(float, t.probabilities)),
                                  is_unsure(t.probabilities)) for t in tracks),
            fps=self.analysed_rate(now),
            run=self.run,
            room=self._room.add(now - self._started, [t.emotion for t in tracks]),
        )
        self.timeline.add(result)
        # NOTE: the page may read slower than frames arrive; drop the oldest rather than block video.
        while True:
            try:
                self.results.put_nowait(result)
                return
            except queue.Full:
                try:
                    self.results.get_nowait()
                except queue.Empty:
                    pass

    def set_options(self, **changes) -> None:
        self.options = replace(self.options, **changes)


PHONE_AGENTS = ("Mobi", "Android", "iPhone", "iPad")


def is_phone(user_agent: str) -> bool:
    """Whether a browser's User-Agent is a phone's or a tablet's."""
    return any(word in user_agent for word in PHONE_AGENTS)


def camera_constraints(width: int, height: int, facing: str, phone: bool) -> dict:
    """getUserMedia's constraints. A phone's camera is asked for as it films (its own size and
    orientation: portrait when held upright), where a width and height would crop it to landscape;
    ``facing``: "user" (the front camera) or "environment" (the back one)."""
    video = {"facingMode": {"ideal": facing}}
    video.update({"resizeMode": "none"} if phone else {"width": {"ideal": width}, "height": {"ideal": height}})
    return {"video": video, "audio": False}


def ice_servers(environ: dict[str, str] | None = None) -> list[dict]:
    """STUN/TURN servers from ``$EMOTION_APP_ICE_SERVERS`` (a JSON list), none by default.

    With none, browser and server connect through host candidates only, which works on localhost
    and a LAN with no internet; a public deployment needs a TURN server here (see README).
    """
    raw = environment.read(environment.ICE_SERVERS, environ=environ)
    if not raw:
        return []
    try:
        servers = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"{environment.ICE_SERVERS} is not valid JSON ({error})") from None
    if not isinstance(servers, list) or not all(isinstance(s, dict) and "urls" in s for s in servers):
        raise ValueError(f'{environment.ICE_SERVERS} must be a JSON list of objects with "urls", '
                         'e.g. [{"urls": "stun:host:3478"}]')
    return servers
