"""Temporal smoothing for video: faces matched across frames, probabilities averaged, messages held."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emotion_app.faces import Box
from emotion_app.labels import EMOTIONS


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    width = min(ax + aw, bx + bw) - max(ax, bx)
    height = min(ay + ah, by + bh) - max(ay, by)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / float(aw * ah + bw * bh - inter)


def match_boxes(previous: list[Box], current: list[Box], threshold: float = 0.3) -> dict[int, int]:
    """Greedy one-to-one matching by overlap: ``{current index: previous index}``."""
    pairs = sorted(
        ((iou(p, c), ci, pi) for pi, p in enumerate(previous) for ci, c in enumerate(current)), reverse=True
    )
    matches: dict[int, int] = {}
    used: set[int] = set()
    for overlap, ci, pi in pairs:
        if overlap < threshold:
            break
        if ci not in matches and pi not in used:
            matches[ci] = pi
            used.add(pi)
    return matches


@dataclass
class Track:
    face_id: int
    box: Box
    probabilities: np.ndarray
    missed: int = 0

    @property
    def emotion(self) -> str:
        return EMOTIONS[int(np.argmax(self.probabilities))]

    @property
    def confidence(self) -> float:
        return float(np.max(self.probabilities))


@dataclass
class FaceTracker:
    """Exponential moving average of each face's probabilities, faces matched by box overlap.

    ``alpha`` is the weight of the newest frame (1 = no smoothing). A face unseen for more than
    ``max_missed`` updates is dropped, so a face that leaves and comes back starts fresh.
    """

    alpha: float = 0.35
    iou_threshold: float = 0.3
    max_missed: int = 5
    tracks: list[Track] = field(default_factory=list)
    _next_id: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.alpha <= 1:
            raise ValueError(f"alpha must lie in (0, 1], got {self.alpha}")

    def update(self, boxes: list[Box], probabilities: np.ndarray) -> list[Track]:
        """Feed one frame's faces; returns the tracks seen in this frame, in the order of ``boxes``."""
        matches = match_boxes([t.box for t in self.tracks], boxes, self.iou_threshold)
        seen: list[Track] = []
        for index, (box, row) in enumerate(zip(boxes, probabilities, strict=True)):
            if index in matches:
                track = self.tracks[matches[index]]
                track.box, track.missed = box, 0
                track.probabilities = self.alpha * row + (1 - self.alpha) * track.probabilities
            else:
                track = Track(self._next_id, box, np.asarray(row, dtype=np.float64))
                self._next_id += 1
            seen.append(track)
        matched = set(matches.values())
        for index, track in enumerate(self.tracks):
            if index not in matched:
                track.missed += 1
        kept = [t for i, t in enumerate(self.tracks) if i not in matched and t.missed <= self.max_missed]
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
