"""Faces that keep their number through a video or a webcam session: each person one number for as
long as they stay in view, a new number only for a new person (``smoothing.FaceTracker`` averages
each numbered face's emotions on the webcam). No Streamlit.

Faces are matched from one analysed frame to the next by where each tracked face should be now
(its last centre moved on at its last speed), not by box overlap alone: two people who cross keep
their numbers, and a face hidden for a moment (turned away, behind someone, out of the frame) takes
its number back when it reappears near where it was heading, within ``max_gap`` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from emotion_app.faces import Box

# How far, in face sizes, a face may be from where its track should be and still be that face: a
# face moves well under one face width between two analysed frames (at least 2 a second, see
# emotion_app/video.py's sampling), and one that reappears may have drifted a little further.
MAX_JUMP = 1.0
MAX_JUMP_AFTER_GAP = 1.5
MAX_GAP_SECONDS = 1.0
# A face's size may change between frames (a step towards the camera), not double.
MAX_SIZE_RATIO = 1.6


@dataclass
class NumberedTrack:
    number: int
    box: Box
    seen_at: float
    velocity: tuple[float, float] = (0.0, 0.0)  # centre's pixels a second

    def centre(self) -> tuple[float, float]:
        x, y, w, h = self.box
        return x + w / 2, y + h / 2

    def expected_centre(self, time_s: float) -> tuple[float, float]:
        (cx, cy), (vx, vy) = self.centre(), self.velocity
        elapsed = max(0.0, time_s - self.seen_at)
        return cx + vx * elapsed, cy + vy * elapsed


def _distance(track: NumberedTrack, box: Box, time_s: float) -> float:
    """How far ``box`` is from where ``track`` should be at ``time_s``, in the track's face sizes
    (infinite when their sizes are too different to be one face)."""
    x, y, w, h = box
    size, other = max(track.box[2], track.box[3], 1), max(w, h, 1)
    if max(size, other) > MAX_SIZE_RATIO * min(size, other):
        return float("inf")
    ex, ey = track.expected_centre(time_s)
    return ((x + w / 2 - ex) ** 2 + (y + h / 2 - ey) ** 2) ** 0.5 / size


@dataclass
class FaceNumbers:
    """Gives each face of each analysed frame its person's number (``assign``)."""

    max_gap: float = MAX_GAP_SECONDS
    tracks: list[NumberedTrack] = field(default_factory=list)
    _next: int = 1

    def assign(self, boxes: list[Box], time_s: float) -> list[int]:
        """The number of each of ``boxes`` (one analysed frame's faces, at ``time_s`` seconds)."""
        self.tracks = [t for t in self.tracks if time_s - t.seen_at <= self.max_gap]
        pairs = []
        for ti, track in enumerate(self.tracks):
            gap = time_s - track.seen_at
            limit = MAX_JUMP_AFTER_GAP if gap > 0.5 else MAX_JUMP
            for bi, box in enumerate(boxes):
                distance = _distance(track, box, time_s)
                if distance <= limit:
                    pairs.append((distance, ti, bi))
        numbers: list[int | None] = [None] * len(boxes)
        used: set[int] = set()
        for _, ti, bi in sorted(pairs):  # closest first: a greedy match, one face a track
            if numbers[bi] is None and ti not in used:
                used.add(ti)
                numbers[bi] = self._follow(self.tracks[ti], boxes[bi], time_s)
        for bi, box in enumerate(boxes):
            if numbers[bi] is None:
                self.tracks.append(NumberedTrack(self._next, box, time_s))
                numbers[bi] = self._next
                self._next += 1
        return numbers  # type: ignore[return-value]

    @staticmethod
    def _follow(track: NumberedTrack, box: Box, time_s: float) -> int:
        (cx, cy), elapsed = track.centre(), time_s - track.seen_at
        track.box, track.seen_at = box, time_s
        if elapsed > 0:
            nx, ny = track.centre()
            track.velocity = ((nx - cx) / elapsed, (ny - cy) / elapsed)
        return track.number
