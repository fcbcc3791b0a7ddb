"""``EmotionPredictor``: faces and their emotions in one image. Knows nothing of Streamlit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

from emotion_app.faces import (
    DEFAULT_MARGIN,
    Box,
    DetectionSettings,
    Face,
    FaceDetector,
    crop_faces,
    eye_angle,
    make_detector,
    to_gray,
)
from emotion_app.labels import EMOTIONS, FACE_SHAPE, VALENCE, Valence
from emotion_app.model import LoadedModel, load_model
from emotion_app.profiles import PHOTO

# Levelling the eyes (MTCNN gives them) before cropping did not pay on any whole-photo set, tilted
# heads included (docs/PERFORMANCE.md, benchmarks/photos_e2e.py), so it is off unless asked for.
ALIGN = False
# ...but only where the first pass is close: a face whose top two answers are MIRROR_BELOW or more
# apart keeps its class with the mirror on every PublicTest face, so its second pass is skipped and
# accuracy equals mirroring every face, at about half the second passes (benchmarks/mirror_gate.py).
MIRROR_BELOW = 0.5
# A face is unsure (shown as "sad?", given a neutral line instead of a question) when its top
# probability leads the runner-up by less than UNSURE_MARGIN, or when its top emotion is negative
# while "neutral" still has NEUTRAL_DOUBT or more: calm faces are what the model most often calls
# angry or sad. Chosen on PublicTest (benchmarks/unsure.py): fewer neutral faces are asked a negative
# question than with a plain margin, while more truly negative faces still are.
UNSURE_MARGIN = 0.1
NEUTRAL_DOUBT = 0.15
NEGATIVE = np.array([VALENCE[e] is Valence.NEGATIVE for e in EMOTIONS])


class InvalidImageError(ValueError):
    """The array given to the predictor is not an image it can read."""


@dataclass(frozen=True)
class FacePrediction:
    """One face: ``emotion`` is always the top class; ``unsure`` says the model barely preferred it
    to the next one, so the page labels it with a question mark and asks no question."""

    box: Box
    emotion: str
    confidence: float
    probabilities: Mapping[str, float]
    unsure: bool = False


def check_image(image: np.ndarray) -> np.ndarray:
    """Accept ``H x W x 3`` BGR or ``H x W`` gray uint8; raise ``InvalidImageError`` otherwise."""
    if not isinstance(image, np.ndarray):
        raise InvalidImageError(f"expected a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise InvalidImageError(f"expected uint8 pixels, got {image.dtype}")
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise InvalidImageError(f"expected an H x W x 3 BGR or H x W gray image, got shape {image.shape}")
    if min(image.shape[:2]) < 1:
        raise InvalidImageError(f"the image is empty (shape {image.shape})")
    return image


def top_gap(probabilities: np.ndarray) -> np.ndarray:
    """How far each row's top probability leads its runner-up."""
    ranked = np.sort(probabilities, axis=-1)
    return ranked[..., -1] - ranked[..., -2]


def is_unsure(probabilities: np.ndarray, margin: float = UNSURE_MARGIN, doubt: float = NEUTRAL_DOUBT) -> bool:
    """Whether the top class leads the runner-up by less than ``margin``, or is a negative emotion
    while neutral has ``doubt`` or more (see UNSURE_MARGIN)."""
    row = np.asarray(probabilities)
    negative = NEGATIVE[int(np.argmax(row))]
    return bool(top_gap(row) < margin or (negative and row[EMOTIONS.index("neutral")] >= doubt))


def to_predictions(boxes: list[Box], probabilities: np.ndarray) -> list[FacePrediction]:
    results = []
    for box, row in zip(boxes, probabilities, strict=True):
        top = int(np.argmax(row))
        mapping = MappingProxyType({emotion: float(p) for emotion, p in zip(EMOTIONS, row, strict=True)})
        results.append(FacePrediction(box=box, emotion=EMOTIONS[top], confidence=float(row[top]),
                                      probabilities=mapping, unsure=is_unsure(row)))
    return results


class EmotionPredictor:
    """Finds faces with a detector and classifies all of them in one batched model call (with
    ``flip``, one more for the mirror images of those it is unsure of).

    With no arguments it is the photo page's configuration: MTCNN framed by Haar, and the faces it
    is unsure of averaged with their mirror image; the webcam page asks for MTCNN alone and one pass
    a face. Both serve the int8 twin (``quantized``: faster on CPUs with int8 dot products,
    benchmarks/classifier.py; ``quantized=False`` serves the float32 twin). ``align`` levels the eye
    line before cropping where the detector gives eyes.
    One instance can be shared by many threads: the model is read-only and each detector keeps
    what is not thread-safe per thread.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        detector: FaceDetector | str = PHOTO.detector,
        settings: DetectionSettings | None = None,
        align: bool = ALIGN,
        model: LoadedModel | None = None,
        flip: bool = PHOTO.flip,
        quantized: bool = True,
        mirror_below: float = MIRROR_BELOW,
    ) -> None:
        self.model = model if model is not None else load_model(model_path, quantized=quantized)
        self.detector = make_detector(detector) if isinstance(detector, str) else detector
        self.settings = settings or PHOTO.settings
        self.align, self.flip, self.mirror_below = align, flip, mirror_below

    def warm_up(self) -> None:
        """Load what the detector would load on its first photo (MTCNN's networks)."""
        self.detector.warm_up()

    def find_faces(self, image: np.ndarray, settings: DetectionSettings | None = None) -> list[Face]:
        return self.detector.detect(check_image(image), settings or self.settings)

    def predict(
        self, image: np.ndarray, settings: DetectionSettings | None = None, faces: list[Face | Box] | None = None
    ) -> list[FacePrediction]:
        """Every face in a BGR (or gray) uint8 image, largest first; ``[]`` when there is none.

        Given ``faces`` (``Face`` records or bare boxes, e.g. tracked from an earlier frame),
        detection is skipped and those faces are classified.
        """
        check_image(image)
        if faces is None:
            faces = self.detector.detect(image, settings or self.settings)
        faces = [face if isinstance(face, Face) else Face(tuple(face), None, DEFAULT_MARGIN) for face in faces]
        return to_predictions([face.box for face in faces], self.probabilities(self.crops(image, faces)))

    def probabilities(self, crops: np.ndarray) -> np.ndarray:
        """The model's ``(N, 7)`` answer for ``crops``; with ``flip``, the faces it is least sure of
        (top two within ``mirror_below``) averaged with their mirror image."""
        first = self.model.probabilities(crops)
        if not self.flip or len(crops) == 0:
            return first
        close = top_gap(first) < self.mirror_below
        if close.any():
            first = first.copy()  # a runtime may hand back a read-only array
            first[close] = (first[close] + self.model.probabilities(crops[close][:, :, ::-1])) / 2
        return first

    def crops(self, image: np.ndarray, faces: list[Face]) -> np.ndarray:
        """The classifier's ``(N, 48, 48, 1)`` input for ``faces``: each framed by its detector's
        margin and, with ``align``, turned so its eyes are level."""
        gray = to_gray(image)
        crops = np.empty((len(faces), *FACE_SHAPE), np.uint8)
        for i, face in enumerate(faces):
            angle = eye_angle(face) if self.align else 0.0
            crops[i] = crop_faces(gray, [face.box], face.margin, [angle])[0]
        return crops
