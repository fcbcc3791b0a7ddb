"""Temporal smoothing for video: each face's probabilities averaged over frames, messages held."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emotion_app.faces import Box
from emotion_app.labels import EMOTIONS
from emotion_app.tracking import FaceNumbers


@dataclass
class Track:
    face_id: int
    box: Box
    probabilities: np.ndarray
    missed: int = 0  # analysed frames since this face was last seen

    @property
    def emotion(self) -> str:
        return EMOTIONS[int(np.argmax(self.probabilities))]

    @property
    def confidence(self) -> float:
        return float(np.max(self.probabilities))


@dataclass
class FaceTracker:
    """Exponential moving average of each face's probabilities. Which face is which comes from
    ``tracking.FaceNumbers``, the videos' own numbering (by where each face should be now): two
    people who cross keep their numbers, and a face unseen for more than its ``max_gap`` seconds is
    forgotten, so a face that comes back later starts fresh.

    ``alpha`` is the weight of the newest frame (1 = no smoothing).
    """

    alpha: float = 0.35
    numbers: FaceNumbers = field(default_factory=FaceNumbers)
    tracks: list[Track] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not 0 < self.alpha <= 1:
            raise ValueError(f"alpha must lie in (0, 1], got {self.alpha}")

    def update(self, boxes: list[Box], probabilities: np.ndarray, time_s: float) -> list[Track]:
        """Feed one frame's faces (at ``time_s`` seconds); returns the tracks seen in this frame, in
        the order of ``boxes``."""
        ids = self.numbers.assign(boxes, time_s)
        known = {track.face_id: track for track in self.tracks}
        seen: list[Track] = []
        for face_id, box, row in zip(ids, boxes, probabilities, strict=True):
            track = known.get(face_id)
            if track is None:
                track = Track(face_id, box, np.asarray(row, dtype=np.float64))
            else:
                track.box, track.missed = box, 0
                track.probabilities = self.alpha * row + (1 - self.alpha) * track.probabilities
            seen.append(track)
        alive = {numbered.number for numbered in self.numbers.tracks}
        kept = [track for track in self.tracks if track.face_id not in ids and track.face_id in alive]
        for track in kept:
            track.missed += 1
        self.tracks = seen + kept
        return seen


_NO_CANDIDATE = object()  # not None: None is a real value here ("no face in view")


@dataclass
class MessageGate:
    """Holds the emotion a message is shown for until a new one has lasted ``hold_seconds``.

    The smoothed label can still waver near a tie; the message beside the video should change when
    the person's expression really changes, not with every flicker. ``None`` means no face.
    """

    hold_seconds: float = 1.5
    shown: str | None = None
    _candidate: object = _NO_CANDIDATE
    _since: float = 0.0

    def update(self, emotion: str | None, now: float) -> str | None:
        if emotion == self.shown:
            self._candidate = _NO_CANDIDATE
        elif self.shown is None:
            self.shown, self._candidate = emotion, _NO_CANDIDATE  # the first face shows at once
        elif emotion != self._candidate:
            self._candidate, self._since = emotion, now
        elif now - self._since >= self.hold_seconds:
            self.shown, self._candidate = emotion, _NO_CANDIDATE
        return self.shown
