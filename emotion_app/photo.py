"""One uploaded photo, end to end: bytes -> faces and emotions -> annotated PNG. No Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emotion_app.faces import DetectionSettings
from emotion_app.image_io import decode_image, encode_png, shrink
from emotion_app.overlay import Painter
from emotion_app.predictor import EmotionPredictor, FacePrediction


@dataclass(frozen=True)
class PhotoResult:
    annotated: np.ndarray  # BGR, at working size
    predictions: list[FacePrediction]  # boxes in the annotated image's pixels
    original_size: tuple[int, int]  # width, height as uploaded (after EXIF rotation)

    @property
    def downscaled(self) -> bool:
        return max(self.original_size) > max(self.annotated.shape[:2])

    def png(self) -> bytes:
        return encode_png(self.annotated)


def analyze_photo(
    data: bytes,
    predictor: EmotionPredictor,
    painter: Painter,
    settings: DetectionSettings | None = None,
    language: str = "en",
) -> PhotoResult:
    """Raises ``ImageError`` (with a message for the user) when ``data`` is not a usable image."""
    image = decode_image(data)
    height, width = image.shape[:2]
    working = shrink(image)
    predictions = predictor.predict(working, settings)
    return PhotoResult(painter.draw(working, predictions, language), predictions, (width, height))
