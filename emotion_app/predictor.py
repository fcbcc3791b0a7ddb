"""``EmotionPredictor``: faces and their emotions in one image. Knows nothing of Streamlit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

from emotion_app.faces import (
    DEFAULT_CASCADE,
    DEFAULT_MARGIN,
    Box,
    DetectionSettings,
    HaarCascade,
    crop_faces,
    find_faces,
    to_gray,
)
from emotion_app.labels import EMOTIONS
from emotion_app.model import LoadedModel, load_model


class InvalidImageError(ValueError):
    """The array given to the predictor is not an image it can read."""


@dataclass(frozen=True)
class FacePrediction:
    box: Box
    emotion: str
    confidence: float
    probabilities: Mapping[str, float]


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


def to_predictions(boxes: list[Box], probabilities: np.ndarray) -> list[FacePrediction]:
    results = []
    for box, row in zip(boxes, probabilities, strict=True):
        top = int(np.argmax(row))
        mapping = MappingProxyType({emotion: float(p) for emotion, p in zip(EMOTIONS, row, strict=True)})
        results.append(
            FacePrediction(box=box, emotion=EMOTIONS[top], confidence=float(row[top]), probabilities=mapping)
        )
    return results


class EmotionPredictor:
    """Finds faces with a Haar cascade and classifies all of them in one batched model call.

    One instance can be shared by many threads: the model is read-only and each thread gets its
    own cascade.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        cascade_path: str | Path | None = None,
        settings: DetectionSettings | None = None,
        margin: float = DEFAULT_MARGIN,
        model: LoadedModel | None = None,
    ) -> None:
        if not 0.0 <= margin <= 1.0:
            raise ValueError(f"margin must lie in 0..1, got {margin}")
        self.model = model if model is not None else load_model(model_path)
        self.cascade = HaarCascade(Path(cascade_path) if cascade_path is not None else DEFAULT_CASCADE)
        self.settings = settings or DetectionSettings()
        self.margin = margin

    def find_faces(self, image: np.ndarray, settings: DetectionSettings | None = None) -> list[Box]:
        return find_faces(to_gray(check_image(image)), self.cascade, settings or self.settings)

    def classify(self, image: np.ndarray, boxes: list[Box]) -> list[FacePrediction]:
        """Emotions of the faces at ``boxes`` (e.g. tracked from an earlier frame), no detection."""
        return self.predict(image, boxes=boxes)

    def predict(
        self, image: np.ndarray, settings: DetectionSettings | None = None, boxes: list[Box] | None = None
    ) -> list[FacePrediction]:
        """Every face in a BGR (or gray) uint8 image, largest first; ``[]`` when there is none.

        Given ``boxes``, detection is skipped and those faces are classified.
        """
        gray = to_gray(check_image(image))
        if boxes is None:
            boxes = find_faces(gray, self.cascade, settings or self.settings)
        return to_predictions(boxes, self.model.probabilities(crop_faces(gray, boxes, self.margin)))
