"""One uploaded photo, end to end: bytes -> faces and emotions -> annotated PNG. No Streamlit."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import numpy as np

from emotion_app.exports import face_row, output_name
from emotion_app.faces import DetectionSettings
from emotion_app.image_io import decode_photo, encode_png, shrink
from emotion_app.overlay import Painter
from emotion_app.predictor import EmotionPredictor, FacePrediction


@dataclass(frozen=True)
class PhotoResult:
    annotated: np.ndarray  # BGR, at working size
    predictions: list[FacePrediction]  # in reading_order, numbered from 1 on the image; boxes in its pixels
    original_size: tuple[int, int]  # width, height as uploaded (after EXIF rotation)

    @property
    def downscaled(self) -> bool:
        return max(self.original_size) > max(self.annotated.shape[:2])

    def png(self) -> bytes:
        return encode_png(self.annotated)


# What one page run analyses: a user can drop hundreds of files into the uploader, and each run
# decodes them all (Streamlit also holds every upload in memory for the session). Past these, the
# page asks the user to remove files instead of analysing more.
MAX_FILES_PER_RUN = 20
MAX_BYTES_PER_RUN = 200 * 2**20


def files_within_budget(sizes: list[int]) -> int:
    """How many of the files (their sizes in bytes, in upload order) one run analyses."""
    total = 0
    for count, size in enumerate(sizes[:MAX_FILES_PER_RUN]):
        total += size
        if total > MAX_BYTES_PER_RUN:
            return count
    return min(len(sizes), MAX_FILES_PER_RUN)


def reading_order(predictions: list[FacePrediction]) -> list[FacePrediction]:
    """Row by row from the top, each row left to right, as a group photo's caption reads, so
    "Face 1" in the panels is the face labelled 1 on the image whatever the faces' sizes.

    A face joins the row above it when its centre lies within half the row's mean face height of
    the row's mean centre: heads in one row of a class photo are never quite level.
    """
    rows: list[list[FacePrediction]] = []
    for face in sorted(predictions, key=lambda p: p.box[1] + p.box[3] / 2):
        centre = face.box[1] + face.box[3] / 2
        if rows:
            row = rows[-1]
            row_centre = np.mean([p.box[1] + p.box[3] / 2 for p in row])
            if abs(centre - row_centre) < np.mean([p.box[3] for p in row]) / 2:
                row.append(face)
                continue
        rows.append([face])
    return [face for row in rows for face in sorted(row, key=lambda p: p.box[0])]


def analyze_photo(
    data: bytes,
    predictor: EmotionPredictor,
    painter: Painter,
    settings: DetectionSettings | None = None,
    language: str = "en",
    numbers_only: bool = False,
) -> PhotoResult:
    """Raises ``ImageError`` (with a message for the user) when ``data`` is not a usable image.
    ``numbers_only``: faces labelled by their number alone, for the presentation view."""
    image, (width, height) = decode_photo(data)
    working = shrink(image)
    predictions = reading_order(predictor.predict(working, settings))
    annotated = painter.draw(working, predictions, language, numbered=True, numbers_only=numbers_only)
    return PhotoResult(annotated, predictions, (width, height))


def face_rows(results: list[tuple[str, PhotoResult]]) -> list[dict]:
    """One row per face of every photo, as the CSV and JSON exports hold them: boxes in the
    uploaded image's pixels (not the shrunk working copy's), with that image's size."""
    rows = []
    for name, result in results:
        scale = result.original_size[0] / result.annotated.shape[1]
        rows += [face_row(name, number, face, scale, result.original_size)
                 for number, face in enumerate(result.predictions, start=1)]
    return rows


def annotated_zip(results: list[tuple[str, PhotoResult]]) -> bytes:
    """Every annotated image as ``NAME_emotions.png``, its name safe to extract anywhere
    (numbered when two uploads share a name)."""
    buffer, used = io.BytesIO(), set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PNGs are already compressed
        for index, (name, result) in enumerate(results, start=1):
            entry = output_name(name, "_emotions.png")
            if entry in used:
                entry = output_name(name, f"_{index}_emotions.png")
            used.add(entry)
            archive.writestr(entry, result.png())
    return buffer.getvalue()
