"""Face detection with OpenCV Haar cascades, and FER2013-style crops of the faces found."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from emotion_app.image_io import shrink

Box = tuple[int, int, int, int]  # x, y, w, h in the image's pixels

FACE_SIZE = 48
# alt2 rather than OpenCV's "default" cascade (which fer uses): on cluttered 640x480 scenes it finds
# as many faces with a sixth of the false boxes (0.07 vs 0.42-0.47 per image), and keeps finding
# them at the coarse pyramid steps (1.3) that make detection fast (benchmarks/detection.py).
DEFAULT_CASCADE = Path(cv2.data.haarcascades) / "haarcascade_frontalface_alt2.xml"
# Margin added on each side of the Haar box before cropping, as a fraction of its side. Measured on
# PublicTest (benchmarks/crop_margin.py, docs/MODEL_CARD.md): 0.05 scored 0.625, against 0.614 for
# the bare box and 0.617 / 0.602 / 0.558 for 0.10 / 0.15 / 0.20.
DEFAULT_MARGIN = 0.05


class FaceDetectorError(RuntimeError):
    """The Haar cascade could not be loaded."""


@dataclass(frozen=True)
class DetectionSettings:
    """Haar parameters, validated once.

    ``detect_side``: detection runs on a gray copy whose longer side is at most this many pixels
    (boxes are mapped back), which is most of the speed on large photos. The smallest face reported
    is the larger of ``min_face`` (a fraction of the image's shorter side) and ``min_face_px`` (in
    the image's own pixels). The pixel floor is what makes small photos fast: Haar's cost is almost
    all in its finest pyramid level, which the smallest face size sets.
    """

    scale_factor: float = 1.3
    min_neighbors: int = 2
    min_face: float = 0.06
    # 800 rather than 640: the 12 MP, 5-face photo of benchmarks/photo.py loses 3 faces at 640 (its
    # smallest are ~6% of the short side, where 1.3 pyramid steps are coarse), none at 800.
    detect_side: int = 800
    # PublicTest faces shrunk to 40 px score 0.604 against 0.612 at full size, but 0.581 at 36 and
    # 0.550 at 32 (benchmarks/face_size.py): smaller faces are found but not read, so they are not
    # searched for unless the user asks for "high" sensitivity.
    min_face_px: int = 40

    def __post_init__(self) -> None:
        if not 1.01 <= self.scale_factor <= 2.0:
            raise ValueError(f"scale_factor must lie in 1.01..2.0, got {self.scale_factor}")
        if not 1 <= self.min_neighbors <= 30:
            raise ValueError(f"min_neighbors must lie in 1..30, got {self.min_neighbors}")
        if not 0.0 < self.min_face <= 1.0:
            raise ValueError(f"min_face must lie in (0, 1], got {self.min_face}")
        if not 0 <= self.min_face_px <= 4096:
            raise ValueError(f"min_face_px must lie in 0..4096, got {self.min_face_px}")
        if self.detect_side < 64:
            raise ValueError(f"detect_side must be at least 64 pixels, got {self.detect_side}")


# The sidebar's sensitivity levels: more sensitive finds smaller, less certain faces. "medium" on
# 300 cluttered scenes: 69.7% of faces found (fer 68.7%, 47% vs 38% of those under 60 px) in 28 ms
# against fer's 68 ms. A 480-px copy with min face 0.1 was tried and dropped: it missed every face
# of the 4-face frames and of the 12 MP photo in benchmarks/. "high" searches a 1024-px copy, down
# to 24-px faces, for group photos (82% found, 79 ms).
SENSITIVITY = {
    "low": DetectionSettings(min_neighbors=4, min_face=0.15),
    "medium": DetectionSettings(),
    "high": DetectionSettings(scale_factor=1.15, min_face=0.03, min_face_px=24, detect_side=1024),
}


class HaarCascade:
    """One ``cv2.CascadeClassifier`` per thread.

    NOTE: OpenCV cascades keep scratch state and are not thread-safe; Streamlit runs each session
    (and streamlit-webrtc each callback) on its own thread, so each thread loads its own copy.
    """

    def __init__(self, path: Path = DEFAULT_CASCADE) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._load()  # fail at construction, not on the first image

    def _load(self) -> cv2.CascadeClassifier:
        if not self.path.is_file():
            raise FaceDetectorError(f"Haar cascade file not found: {self.path}")
        try:
            cascade = cv2.CascadeClassifier(str(self.path))
        except (cv2.error, SystemError):  # a malformed XML raises instead of returning an empty cascade
            cascade = None
        if cascade is None or cascade.empty():
            raise FaceDetectorError(f"Haar cascade file could not be loaded: {self.path}")
        self._local.cascade = cascade
        return cascade

    def get(self) -> cv2.CascadeClassifier:
        cascade = getattr(self._local, "cascade", None)
        return cascade if cascade is not None else self._load()


def to_gray(image: np.ndarray) -> np.ndarray:
    """BGR (H, W, 3) or gray (H, W) uint8 to gray."""
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def find_faces(gray: np.ndarray, cascade: HaarCascade, settings: DetectionSettings) -> list[Box]:
    """Faces in a gray image, largest first, in the image's own pixels."""
    height, width = gray.shape
    small = shrink(gray, settings.detect_side)
    scale = small.shape[1] / width
    min_side = max(12, int(settings.min_face * min(small.shape)), int(settings.min_face_px * scale))
    found = cascade.get().detectMultiScale(
        small, scaleFactor=settings.scale_factor, minNeighbors=settings.min_neighbors, minSize=(min_side, min_side)
    )
    boxes = [tuple(int(round(v / scale)) for v in box) for box in np.asarray(found).reshape(-1, 4)]
    boxes = [(x, y, min(w, width - x), min(h, height - y)) for x, y, w, h in boxes]
    return sorted(boxes, key=lambda b: b[2] * b[3], reverse=True)


def crop_faces(gray: np.ndarray, boxes: list[Box], margin: float = DEFAULT_MARGIN) -> np.ndarray:
    """Square crops around each box, widened by ``margin`` per side, as ``(N, 48, 48, 1)`` uint8.

    Parts of a crop that fall outside the image are filled by replicating the border, as a face at
    the edge of a photo would otherwise be stretched off-centre.
    """
    crops = np.empty((len(boxes), FACE_SIZE, FACE_SIZE, 1), dtype=np.uint8)
    height, width = gray.shape
    for i, (x, y, w, h) in enumerate(boxes):
        side = int(round(max(w, h) * (1 + 2 * margin)))
        cx, cy = x + w / 2, y + h / 2
        left, top = int(round(cx - side / 2)), int(round(cy - side / 2))
        right, bottom = left + side, top + side
        patch = gray[max(top, 0):min(bottom, height), max(left, 0):min(right, width)]
        pads = (max(0, -top), max(0, bottom - height), max(0, -left), max(0, right - width))
        if any(pads):
            patch = cv2.copyMakeBorder(patch, *pads, cv2.BORDER_REPLICATE)
        crops[i, :, :, 0] = cv2.resize(patch, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA)
    return crops
