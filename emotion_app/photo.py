"""One uploaded photo, end to end: bytes -> faces and emotions -> annotated PNG. No Streamlit."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from emotion_app.exports import face_row, output_name
from emotion_app.faces import DetectionSettings
from emotion_app.image_io import ImageError, decode_photo, encode_png, shrink
from emotion_app.overlay import Painter
from emotion_app.predictor import EmotionPredictor, FacePrediction

ANNOTATED_SUFFIX = "_emotions.png"  # added to the photo's name: its annotated copy's


@dataclass(frozen=True)
class PhotoResult:
    annotated: np.ndarray  # BGR, at working size
    predictions: list[FacePrediction]  # in reading_order, numbered from 1 on the image; boxes in its pixels
    original_size: tuple[int, int]  # width, height as uploaded (after EXIF rotation)

    @property
    def downscaled(self) -> bool:
        return max(self.original_size) > max(self.annotated.shape[:2])

    def png(self) -> bytes:
        return self._png

    @cached_property
    def _png(self) -> bytes:  # encoded once: the page shows it and offers it on every rerun
        return encode_png(self.annotated)

    def download(self) -> tuple[str, bytes]:
        """The annotated file's suffix and bytes (as ``VideoResult.download``)."""
        return ANNOTATED_SUFFIX, self.png()


@dataclass(frozen=True)
class PhotoAnalysis:
    """What finding and reading a photo's faces gave, without the pixels: all that the slow part
    produced, kept so the photo can be drawn again (another language) without searching again."""

    predictions: list[FacePrediction]  # in reading_order; boxes in the working copy's pixels
    original_size: tuple[int, int]


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
    known: PhotoAnalysis | None = None,
) -> PhotoResult:
    """Raises ``ImageError`` (with a message for the user) when ``data`` is not a usable image.
    ``numbers_only``: faces labelled by their number alone, for the presentation view. ``known``:
    this photo's earlier analysis with the same predictor and settings, drawn again without
    searching for faces."""
    image, (width, height) = decode_photo(data)
    working = shrink(image)
    if known is None:
        known = PhotoAnalysis(reading_order(predictor.predict(working, settings)), (width, height))
    annotated = painter.draw(working, known.predictions, language, numbered=True, numbers_only=numbers_only)
    return PhotoResult(annotated, known.predictions, known.original_size)


def _size(result: PhotoResult) -> int:
    return result.annotated.nbytes + len(result.png())


class SessionPhotos:
    """What one user's session keeps of its photos across reruns, so a click costs only what it
    changed: each photo's analysis (no pixels; a few hundred bytes) by its bytes, the predictor's
    model, detector and settings; and the results shown in the last run, by language and view, so
    an unchanged rerun redraws nothing. Results no longer shown are dropped at each run's end
    (``end_run``), and no more than ``MAX_SHOWN_BYTES`` are kept. No Streamlit."""

    MAX_ANALYSES = 200
    # The results kept for the next rerun, at most (annotated image and PNG): past it a result is
    # drawn again on the next rerun (its faces are not searched again). 20 photos at 2048 px fit.
    MAX_SHOWN_BYTES = 256 * 2**20

    def __init__(self) -> None:
        self.analyses: OrderedDict[tuple, PhotoAnalysis | ImageError] = OrderedDict()
        self.shown: dict[tuple, PhotoResult] = {}
        self._used: set[tuple] = set()

    def result(self, data: bytes, predictor: EmotionPredictor, painter: Painter,
               settings: DetectionSettings | None = None, language: str = "en",
               numbers_only: bool = False) -> PhotoResult:
        """``analyze_photo``'s answer, from what this session kept where it can (raises the same
        ``ImageError`` for a file that could not be read)."""
        found = (hashlib.sha256(data).hexdigest(), str(predictor.model.path), predictor.model.runtime,
                 predictor.detector.name, predictor.flip, settings)
        drawn = (found, language, numbers_only)
        self._used.add(drawn)
        if drawn in self.shown:
            return self.shown[drawn]
        known = self.analyses.get(found)
        if isinstance(known, ImageError):
            raise known
        try:
            result = analyze_photo(data, predictor, painter, settings, language, numbers_only, known)
        except ImageError as error:
            self._keep(found, error)
            raise
        self._keep(found, PhotoAnalysis(result.predictions, result.original_size))
        if self.shown_bytes() + _size(result) <= self.MAX_SHOWN_BYTES:
            self.shown[drawn] = result
        return result

    def shown_bytes(self) -> int:
        return sum(map(_size, self.shown.values()))

    def _keep(self, key: tuple, analysis: PhotoAnalysis | ImageError) -> None:
        self.analyses[key] = analysis
        self.analyses.move_to_end(key)
        while len(self.analyses) > self.MAX_ANALYSES:
            self.analyses.popitem(last=False)

    def end_run(self) -> None:
        """Forget the results this run did not show (their analyses stay)."""
        self.shown = {key: result for key, result in self.shown.items() if key in self._used}
        self._used = set()


def face_rows(results: list[tuple[str, object]]) -> list[dict]:
    """One row per face of every photo and video, as the CSV and JSON exports hold them: boxes in
    the uploaded image's pixels (not the shrunk working copy's), with that image's size; a video's
    rows (``VideoResult.rows``) carry their frame and time."""
    rows = []
    for name, result in results:
        if not isinstance(result, PhotoResult):
            rows += result.rows
            continue
        scale = result.original_size[0] / result.annotated.shape[1]
        rows += [face_row(name, number, face, scale, result.original_size)
                 for number, face in enumerate(result.predictions, start=1)]
    return rows


def annotated_zip(results: list[tuple[str, object]]) -> bytes:
    """Every annotated photo and video as ``NAME_emotions.png`` or ``.mp4`` (each result's
    ``download()``), its name safe to extract anywhere (numbered when two uploads share a name)."""
    buffer, used = io.BytesIO(), set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PNGs and MP4s are already compressed
        for index, (name, result) in enumerate(results, start=1):
            suffix, data = result.download()
            entry = output_name(name, suffix)
            if entry in used:
                entry = output_name(name, f"_{index}{suffix}")
            used.add(entry)
            archive.writestr(entry, data)
    return buffer.getvalue()
