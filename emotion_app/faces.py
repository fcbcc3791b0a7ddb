"""Face detection behind one protocol (Haar cascades; MTCNN, loaded lazily), and FER2013-style crops.

Every detector returns the same small record, :class:`Face` (a box, plus the two eye centres when
the detector finds them), and knows the crop margin that frames its boxes the way FER2013 framed
its faces; the predictor never asks which detector it has.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from emotion_app import mtcnn_lite
from emotion_app.labels import FACE_SHAPE
from emotion_app.pool import Pool

Box = tuple[int, int, int, int]  # x, y, w, h in the image's pixels
Point = tuple[float, float]  # x, y in the image's pixels

FACE_SIZE = FACE_SHAPE[0]
log = logging.getLogger(__name__)
# alt2 rather than OpenCV's "default" cascade (which fer uses): on cluttered scenes it finds as many
# faces with far fewer false boxes, and keeps finding them at the coarse pyramid steps that make
# detection fast (benchmarks/detection.py).
DEFAULT_CASCADE = Path(cv2.data.haarcascades) / "haarcascade_frontalface_alt2.xml"
# Margin added on each side of the Haar box before cropping, as a fraction of its side: the margin
# whose crops read PublicTest faces, found again by Haar, best; on whole photos the bare box is too
# close to call, so it stays (docs/EXPERIMENTS.md, "Crop margin around the detector's box?").
DEFAULT_MARGIN = 0.05


class FaceDetectorError(RuntimeError):
    """A face detector could not be loaded (a missing cascade file, no ``mtcnn`` package)."""


@dataclass(frozen=True)
class Face:
    """One face found in an image: its box; where the detector finds them, the centres of the eye
    on the image's left and of the one on its right (used to level the eye line); and the crop
    margin per side (a fraction of the box's longer side) that frames this detector's boxes as
    FER2013 framed its faces."""

    box: Box
    eyes: tuple[Point, Point] | None = None
    margin: float = DEFAULT_MARGIN


@dataclass(frozen=True)
class DetectionSettings:
    """Detection parameters, validated once (most are Haar's; ``detect_side``, the smallest face and
    ``mtcnn_threshold`` are MTCNN's too).

    ``detect_side``: detection runs on a gray copy whose longer side is at most this many pixels
    (boxes are mapped back), which is most of the speed on large photos. The smallest face reported
    is the larger of ``min_face`` (a fraction of the image's shorter side) and ``min_face_px`` (in
    the image's own pixels). The pixel floor is what makes small photos fast: Haar's cost is almost
    all in its finest pyramid level, which the smallest face size sets.
    """

    scale_factor: float = 1.3
    min_neighbors: int = 2
    min_face: float = 0.06
    # Most of the speed on large photos. What decides the smallest face found is min_face: on
    # benchmarks/large_photo.py's 12 MP photo, the face at about 6% of its shorter side is found
    # only at "high" sensitivity.
    detect_side: int = 800
    # The smallest face the classifier reads about as well as a full-size one (benchmarks/face_size.py):
    # smaller faces are found but read worse, so they are not searched for; "high" goes down to 32 px.
    min_face_px: int = 40
    # Border added around Haar's detection copy, as a fraction of its longer side, so a face that
    # fills the photo (a cropped selfie, a profile picture) still has the context Haar needs around
    # it (benchmarks/photos_e2e.py, close-ups); MTCNN finds such faces without it.
    pad: float = 0.0
    # MTCNN's first stage: a window must score this much to be looked at again by the next two. The
    # package's 0.6 on photos; the webcam asks for more, for fewer proposals to re-check (42 → 26 on
    # benchmarks/pipeline.py's frame), and finds almost as many faces (benchmarks/detection.py).
    mtcnn_threshold: float = 0.6

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
        if not 0.0 <= self.pad <= 1.0:
            raise ValueError(f"pad must lie in 0..1, got {self.pad}")
        if not 0.0 < self.mtcnn_threshold < 1.0:
            raise ValueError(f"mtcnn_threshold must lie in (0, 1), got {self.mtcnn_threshold}")


class HaarCascade:
    """The cascade file, loaded once per concurrent user.

    NOTE: OpenCV cascades keep scratch state and are not thread-safe; sessions (and streamlit-webrtc's
    callbacks) run on their own threads, so each call borrows a copy no other thread is using.
    """

    def __init__(self, path: Path = DEFAULT_CASCADE) -> None:
        self.path = Path(path)
        self._pool = Pool(self._load, self._load())  # fail at construction, not on the first image

    def _load(self) -> cv2.CascadeClassifier:
        if not self.path.is_file():
            raise FaceDetectorError(f"Haar cascade file not found: {self.path}")
        try:
            cascade = cv2.CascadeClassifier(str(self.path))
        except (cv2.error, SystemError):  # a malformed XML raises instead of returning an empty cascade
            cascade = None
        if cascade is None or cascade.empty():
            raise FaceDetectorError(f"Haar cascade file could not be loaded: {self.path}")
        return cascade

    def borrow(self):
        """``with cascade.borrow() as classifier:``, a ``cv2.CascadeClassifier`` for this call alone."""
        return self._pool.borrow()

    @property
    def copies(self) -> int:
        return self._pool.created


def to_gray(image: np.ndarray) -> np.ndarray:
    """BGR (H, W, 3) or gray (H, W) uint8 to gray."""
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


DETECTOR_WINDOW = 20  # px: the smallest face either detector can report, in its input


def quick_shrink(image: np.ndarray, side: int) -> np.ndarray:
    """``image_io.shrink`` for the detection copy, in a tenth of the time where it shrinks by 2 or more:
    OpenCV's area resize is fast only by a whole factor, so the copy is area-averaged by the whole part
    of the factor (the right and bottom edges replicated up to a multiple of it) and sampled bilinearly
    for the rest, under 2x, where that does not alias. The copy's pixels lie where ``shrink``'s do."""
    height, width = image.shape[:2]
    factor = max(height, width) / side
    if factor <= 1:
        return image
    target = (max(1, round(width / factor)), max(1, round(height / factor)))
    whole = int(factor)
    if whole < 2:
        return cv2.resize(image, target, interpolation=cv2.INTER_AREA)
    right, bottom = -width % whole, -height % whole
    if right or bottom:
        image = cv2.copyMakeBorder(image, 0, bottom, 0, right, cv2.BORDER_REPLICATE)
    averaged = cv2.resize(image, ((width + right) // whole, (height + bottom) // whole), interpolation=cv2.INTER_AREA)
    # NOTE: each averaged pixel covers `whole` of the image's, so a target pixel's centre, in the averaged
    # copy, is its centre in the image divided by `whole`: an affine map, exact whatever was replicated
    sx, sy = width / (whole * target[0]), height / (whole * target[1])
    matrix = np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5]])
    return cv2.warpAffine(averaged, matrix, target, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)


def copy_side(shape: tuple[int, ...], settings: DetectionSettings) -> int:
    """The longer side of the detection copy (before any padding), as long as the image's at most."""
    # NOTE: neither detector sees a face under its window (Haar alt2: 20x20 px; mtcnn: 20 px) in the
    # copy, so the copy stays large enough for the smallest face searched: at 1280x720 the webcam's
    # 320 px copy once made every face under 80 px invisible, though "medium" searches from 58 px.
    smallest = max(settings.min_face * min(shape[:2]), settings.min_face_px)
    return max(settings.detect_side, int(np.ceil(max(shape[:2]) * DETECTOR_WINDOW / smallest)))


def detection_copy(
    image: np.ndarray, settings: DetectionSettings, window: int | None = None
) -> tuple[np.ndarray, float, float]:
    """The image shrunk to ``detect_side`` and padded by ``pad``, with its scale and the padding
    in pixels: a point ``p`` of the copy is ``(p - padding) / scale`` in the image.

    With ``window``, the copy is shrunk further, until the smallest face searched is that many
    pixels (a detector that searches from its own smallest face, MTCNN, asks the same question of
    fewer pixels), in the same single resize; the padding is added after shrinking, to fewer pixels.
    """
    side = copy_side(image.shape, settings)
    longest = max(image.shape[:2])
    if window is not None:
        face = min_face_side(image.shape, settings, min(1.0, side / longest))
        side = int(round(min(side, longest) * min(1.0, window / face)))
    small = quick_shrink(image, max(1, side))
    scale = small.shape[1] / image.shape[1]
    padding = int(round(settings.pad * max(small.shape[:2])))
    if padding:
        small = cv2.copyMakeBorder(small, padding, padding, padding, padding, cv2.BORDER_REPLICATE)
    return small, scale, padding


def min_face_side(image_shape: tuple[int, ...], settings: DetectionSettings, scale: float) -> int:
    """The smallest face searched, in the detection copy's pixels."""
    short = min(image_shape[:2]) * scale
    return max(12, int(settings.min_face * short), int(settings.min_face_px * scale))


def to_image_box(box: Sequence[float], scale: float, padding: float, shape: tuple[int, ...]) -> Box | None:
    """A box of the detection copy in the image's pixels, clipped to the image; ``None`` if it
    lies wholly in the padding."""
    height, width = shape[:2]
    x, y, w, h = ((box[0] - padding) / scale, (box[1] - padding) / scale, box[2] / scale, box[3] / scale)
    left, top = max(0, int(round(x))), max(0, int(round(y)))
    right, bottom = min(width, int(round(x + w))), min(height, int(round(y + h)))
    if right - left < 1 or bottom - top < 1:
        return None
    return left, top, right - left, bottom - top


def find_faces(gray: np.ndarray, cascade: HaarCascade, settings: DetectionSettings) -> list[Box]:
    """Faces in a gray image, largest first, in the image's own pixels."""
    small, scale, padding = detection_copy(gray, settings)
    min_side = min_face_side(gray.shape, settings, scale)
    with cascade.borrow() as classifier:
        found = classifier.detectMultiScale(
            small, scaleFactor=settings.scale_factor, minNeighbors=settings.min_neighbors, minSize=(min_side, min_side)
        )
    boxes = [to_image_box(box, scale, padding, gray.shape) for box in np.asarray(found).reshape(-1, 4)]
    return sorted((b for b in boxes if b is not None), key=lambda b: b[2] * b[3], reverse=True)


class FaceDetector(Protocol):
    """What the predictor needs of a detector."""

    name: str

    def detect(self, image: np.ndarray, settings: DetectionSettings) -> list[Face]:
        """Faces in a BGR or gray uint8 image, largest first, in the image's pixels."""
        ...

    def warm_up(self) -> None:
        """Load now whatever ``detect`` would load on its first call (nothing, for most)."""
        ...


class HaarDetector:
    """OpenCV's Haar cascade: fast, no eye points."""

    name = "haar"

    def __init__(self, path: Path | None = None, margin: float = DEFAULT_MARGIN) -> None:
        self.cascade, self.margin = HaarCascade(path or DEFAULT_CASCADE), margin

    def detect(self, image: np.ndarray, settings: DetectionSettings) -> list[Face]:
        return [Face(box, None, self.margin) for box in find_faces(to_gray(image), self.cascade, settings)]

    def warm_up(self) -> None:
        pass


# MTCNN boxes run from the brows to the chin and are narrower than they are tall; on FER2013 faces
# their longer side is a little larger than the 48-px frame (docs/EXPERIMENTS.md, "Frame each face by
# its eyes"), so FER2013's framing is the box's longer side less that much per side.
MTCNN_MARGIN = -0.025
# ONet's score below which a box is dropped (the package's own default is 0.8). 0.9 keeps every
# face of benchmarks/photos_e2e.py's photo sets and drops most boxes on textures.
MTCNN_MIN_CONFIDENCE = 0.9
MTCNN_SMALLEST = 20  # px: the package's default smallest face


def load_mtcnn():
    """MTCNN's ``detect_faces``: on LiteRT (emotion_app/mtcnn_lite.py) when models/mtcnn holds the networks
    converted from the installed wheel's weights, else the ``mtcnn`` package on TensorFlow, with a warning
    that says why (TensorFlow costs seconds more to load and hundreds of MB more: benchmarks/mtcnn_parity.py)."""
    problem = mtcnn_lite.stale_reason()
    if problem is None:
        try:
            return mtcnn_lite.MtcnnLite()
        except ImportError:
            problem = "ai-edge-litert is not installed"
        except (ValueError, RuntimeError) as error:  # a damaged .tflite: the package still works
            problem = f"the converted networks could not be loaded ({error})"
    log.warning("running MTCNN on TensorFlow, not LiteRT: %s", problem)
    try:
        from mtcnn import MTCNN
    except ImportError as error:
        raise FaceDetectorError(f"the MTCNN detector needs the mtcnn package ({error})") from None
    return MTCNN()


class MtcnnDetector:
    """MTCNN (the ``mtcnn`` package's networks and weights), with eye points.

    NOTE: the networks are loaded on the first ``detect`` call, not at construction, so a page that never
    uses them pays nothing (little on LiteRT; seconds and hundreds of MB where ``load_mtcnn`` falls back to
    TensorFlow). Once loaded they are shared by every session's thread.
    """

    name = "mtcnn"

    def __init__(self, min_confidence: float = MTCNN_MIN_CONFIDENCE, margin: float = MTCNN_MARGIN) -> None:
        self.min_confidence, self.margin = min_confidence, margin
        self._network = None
        self._lock = threading.Lock()

    def network(self):
        with self._lock:
            if self._network is None:
                self._network = load_mtcnn()
        return self._network

    def warm_up(self) -> None:
        self.network()

    def detect(self, image: np.ndarray, settings: DetectionSettings) -> list[Face]:
        # NOTE: mtcnn 1.0 sizes its pyramid from the image alone, so a min_face_size above its
        # default of 20 px sends the last levels below PNet's 12 px and fails; shrinking the copy
        # until the smallest face wanted is 20 px asks the same question, faster.
        # NOTE: without the photos' padding: MTCNN finds faces that fill a close-up without it
        # (benchmarks/photos_e2e.py), and the padding nearly doubles the pixels searched.
        small, scale, padding = detection_copy(image, replace(settings, pad=0.0), window=MTCNN_SMALLEST)
        if min(small.shape[:2]) < MTCNN_SMALLEST:
            return []
        rgb = cv2.cvtColor(small, cv2.COLOR_GRAY2RGB if small.ndim == 2 else cv2.COLOR_BGR2RGB)
        found = self.network().detect_faces(rgb, threshold_onet=self.min_confidence,
                                            threshold_pnet=settings.mtcnn_threshold)
        faces = []
        for detection in found:
            box = to_image_box(detection["box"], scale, padding, image.shape)
            if box is None:
                continue
            points = detection["keypoints"]
            eyes = tuple(((points[k][0] - padding) / scale, (points[k][1] - padding) / scale)
                         for k in ("left_eye", "right_eye"))
            faces.append(Face(box, eyes, self.margin))
        return sorted(faces, key=lambda f: f.box[2] * f.box[3], reverse=True)


# Haar's frame around a face MTCNN found: the neighbourhood searched (sides of the face's box), the face
# sizes Haar may report there (fractions of that box).
FRAME_AREA = 2.0
FRAME_SIZES = (0.6, 1.6)


class FramedDetector:
    """One detector finds the faces; a Haar cascade then frames each, searched for only in the face's
    own neighbourhood: MTCNN's speed and reach (tilted heads), with the crops of Haar's boxes, which
    read whole photos better than MTCNN's (benchmarks/photos_e2e.py). A face Haar does not confirm
    keeps its own box; where the first finds nothing, Haar searches the whole image."""

    def __init__(self, first: FaceDetector, haar: HaarDetector) -> None:
        self.first, self.haar = first, haar
        self.name = f"{first.name}+{haar.name}"

    def detect(self, image: np.ndarray, settings: DetectionSettings) -> list[Face]:
        faces = self.first.detect(image, settings)
        if not faces:
            return self.haar.detect(image, settings)
        gray = to_gray(image)
        framed = [self.frame(gray, face, settings) for face in faces]
        return sorted(framed, key=lambda f: f.box[2] * f.box[3], reverse=True)

    def frame(self, gray: np.ndarray, face: Face, settings: DetectionSettings) -> Face:
        x, y, w, h = face.box
        cx, cy, side = x + w / 2, y + h / 2, max(w, h)
        area = int(round(side * FRAME_AREA))
        # NOTE: the border is replicated past the image's edge, as the photo's padding does for a
        # whole-image search, so a face that fills a close-up is framed too.
        patch = cv2.getRectSubPix(gray, (area, area), (float(int(cx)), float(int(cy))))
        # at the scale of a whole-image search, so Haar's boxes fall on the sizes they would there
        scale = min(1.0, copy_side(gray.shape, settings) / max(gray.shape[:2]))
        if scale < 1.0:
            patch = cv2.resize(patch, (max(1, round(area * scale)),) * 2, interpolation=cv2.INTER_AREA)
            scale = patch.shape[0] / area
        smallest, largest = (max(DETECTOR_WINDOW, int(side * scale * f)) for f in FRAME_SIZES)
        with self.haar.cascade.borrow() as classifier:
            found = classifier.detectMultiScale(patch, scaleFactor=settings.scale_factor,
                                                minNeighbors=settings.min_neighbors,
                                                minSize=(smallest, smallest), maxSize=(largest, largest))
        left, top = int(cx) - area / 2, int(cy) - area / 2
        best, best_distance = None, float("inf")
        for bx, by, bw, bh in np.asarray(found).reshape(-1, 4):
            box = (left + bx / scale, top + by / scale, bw / scale, bh / scale)
            hx, hy = box[0] + box[2] / 2, box[1] + box[3] / 2
            distance = math.hypot(hx - cx, hy - cy)
            if x <= hx <= x + w and y <= hy <= y + h and distance < best_distance:
                best, best_distance = box, distance
        if best is None:
            return face
        box = to_image_box(best, 1.0, 0.0, gray.shape)
        return face if box is None else Face(box, face.eyes, self.haar.margin)

    def warm_up(self) -> None:
        self.first.warm_up()


def eye_angle(face: Face) -> float:
    """Degrees the image must turn (counter-clockwise, OpenCV's convention) to level the eyes."""
    if face.eyes is None:
        return 0.0
    (lx, ly), (rx, ry) = face.eyes
    return math.degrees(math.atan2(ry - ly, rx - lx))


def crop_faces(
    gray: np.ndarray, boxes: Sequence[Box], margin: float = DEFAULT_MARGIN, angles: Sequence[float] | None = None
) -> np.ndarray:
    """Square crops around each box, widened by ``margin`` per side and turned by ``angles`` (degrees,
    about the box's centre; none by default), as ``(N, 48, 48, 1)`` uint8.

    A square that would spill over the image's edge (a close-up, a face at the side of a frame) is
    shrunk to what of it lies inside and moved to fit, rather than filled by replicating the border:
    the smeared border is nothing FER2013 showed the model, and close-ups read better without it
    (docs/EXPERIMENTS.md, "A crop past the photo's edge"). Only a turned crop's corners may still be
    filled that way.
    """
    crops = np.empty((len(boxes), FACE_SIZE, FACE_SIZE, 1), dtype=np.uint8)
    angles = angles if angles is not None else [0.0] * len(boxes)
    height, width = gray.shape[:2]
    for i, ((x, y, w, h), angle) in enumerate(zip(boxes, angles, strict=True)):
        side = max(1, int(round(max(w, h) * (1 + 2 * margin))))
        cx, cy = x + w / 2, y + h / 2
        left, top = int(round(cx - side / 2)), int(round(cy - side / 2))
        inside = min(min(width, left + side) - max(0, left), min(height, top + side) - max(0, top))
        if inside < side:
            side = max(1, inside)
            left = min(max(0, int(round(cx - side / 2))), width - side)
            top = min(max(0, int(round(cy - side / 2))), height - side)
        # NOTE: one affine warp crops, turns and pads (border replicated); with no turn it is an
        # exact copy of the square, then INTER_AREA shrinks it without aliasing.
        matrix = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
        matrix[:, 2] -= (left, top)
        patch = cv2.warpAffine(gray, matrix, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        interpolation = cv2.INTER_AREA if side >= FACE_SIZE else cv2.INTER_CUBIC
        crops[i, :, :, 0] = cv2.resize(patch, (FACE_SIZE, FACE_SIZE), interpolation=interpolation)
    return crops


DETECTORS = ("mtcnn+haar", "mtcnn", "haar")


def make_detector(name: str) -> FaceDetector:
    """A detector by its name in ``DETECTORS`` (the sidebar's choice)."""
    if name == "haar":
        return HaarDetector()
    if name == "mtcnn":
        return MtcnnDetector()
    if name == "mtcnn+haar":
        return FramedDetector(MtcnnDetector(), HaarDetector())
    raise ValueError(f"unknown face detector {name!r}; expected one of {', '.join(DETECTORS)}")
