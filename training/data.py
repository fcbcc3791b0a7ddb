"""Read FER2013 as users download it (``emotion,pixels,Usage``, gzip or plain) and the FER+ votes.

Every problem in the file stops with a :class:`DataError` that names the data row (0-based, header
excluded, as in the data set's README) and what is wrong with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from emotion_app.labels import FACE_SHAPE, NUM_CLASSES

PIXELS_PER_IMAGE = FACE_SHAPE[0] * FACE_SHAPE[1]
SPLITS = ("Training", "PublicTest", "PrivateTest")
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fer2013.csv.gz"
DEFAULT_FERPLUS = DEFAULT_DATA.with_name("fer2013new.csv")

# FER+ vote columns (neutral, happiness, surprise, sadness, anger, disgust, fear, contempt, unknown,
# NF) -> FER2013 class index. Contempt is folded into disgust: FER+ annotators gave most of the
# FER2013 "disgust" faces contempt votes; unknown and not-a-face votes carry no class.
FERPLUS_TO_FER2013 = {0: 6, 1: 3, 2: 5, 3: 4, 4: 0, 5: 1, 6: 2, 7: 1}


class DataError(ValueError):
    """The CSV does not follow the FER2013 format; the message names the row and the problem."""


@dataclass(frozen=True)
class FaceData:
    """Faces as uint8 ``(N, 48, 48, 1)``, labels as int ``(N,)`` (-1 where the CSV has none)."""

    x: np.ndarray
    y: np.ndarray
    usage: np.ndarray
    rows: np.ndarray

    def split(self, usage: str) -> FaceData:
        keep = self.usage == usage
        return FaceData(self.x[keep], self.y[keep], self.usage[keep], self.rows[keep])

    def __len__(self) -> int:
        return len(self.y)


def _parse_pixels(pixels: pd.Series) -> np.ndarray:
    images = np.empty((len(pixels), PIXELS_PER_IMAGE), dtype=np.uint8)
    for row, text in enumerate(pixels):
        if not isinstance(text, str):
            raise DataError(f"row {row}: the pixels field is empty")
        tokens = text.split()
        if len(tokens) != PIXELS_PER_IMAGE:
            raise DataError(f"row {row}: expected {PIXELS_PER_IMAGE} pixel values, found {len(tokens)}")
        try:
            values = np.array(tokens, dtype=np.int64)
        except ValueError:
            bad = next(t for t in tokens if not t.lstrip("-").isdigit())
            raise DataError(f"row {row}: pixel value {bad!r} is not an integer") from None
        if values.min() < 0 or values.max() > 255:
            raise DataError(f"row {row}: pixel values must lie in 0..255, found {values.min()}..{values.max()}")
        images[row] = values
    return images.reshape(-1, *FACE_SHAPE)


def load_fer2013_csv(path: str | Path, require_labels: bool = True, require_usage: bool = True) -> FaceData:
    """Load a FER2013-format CSV (``.csv`` or ``.csv.gz``).

    ``require_labels=False`` accepts files without an ``emotion`` column (labels become -1), and
    ``require_usage=False`` files without ``Usage`` (every row counts as ``PrivateTest``), as batch
    prediction needs.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as error:
        raise DataError(f"{path}: not a readable CSV ({error})") from None
    columns = {"pixels"} | ({"emotion"} if require_labels else set()) | ({"Usage"} if require_usage else set())
    missing = sorted(columns - set(frame.columns))
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(frame.columns)}")
    if frame.empty:
        raise DataError(f"{path}: the file has a header but no rows")

    x = _parse_pixels(frame["pixels"])
    if "emotion" in frame.columns:
        labels = pd.to_numeric(frame["emotion"], errors="coerce")
        bad = labels.isna() | ~labels.isin(range(NUM_CLASSES))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            value = frame["emotion"].iloc[row]
            raise DataError(f"row {row}: emotion {value!r} is not an integer in 0..{NUM_CLASSES - 1}")
        y = labels.to_numpy(dtype=np.int64)
    else:
        y = np.full(len(frame), -1, dtype=np.int64)
    if "Usage" in frame.columns:
        usage = frame["Usage"].to_numpy(dtype=object)
        bad = ~np.isin(usage, SPLITS)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(f"row {row}: unknown Usage {usage[row]!r}; expected one of {', '.join(SPLITS)}")
    else:
        usage = np.full(len(frame), "PrivateTest", dtype=object)
    return FaceData(x=x, y=y, usage=usage.astype(str), rows=np.arange(len(frame)))


def load_ferplus_targets(path: str | Path, rows: np.ndarray) -> np.ndarray:
    """FER+ vote distributions mapped to the 7 FER2013 classes for the given data rows.

    Rows whose votes name no FER2013 class (all unknown / not-a-face) get an all-zero row, which the
    caller reads as "no FER+ information".
    """
    votes = pd.read_csv(path).iloc[:, 2:12].to_numpy(dtype=np.float32)
    if len(votes) <= int(rows.max()):
        raise DataError(f"{path}: has {len(votes)} rows, fewer than the FER2013 data: not the matching fer2013new.csv?")
    mapped = np.zeros((len(votes), NUM_CLASSES), dtype=np.float32)
    for column, label in FERPLUS_TO_FER2013.items():
        mapped[:, label] += votes[:, column]
    totals = mapped.sum(axis=1, keepdims=True)
    mapped = np.divide(mapped, totals, out=np.zeros_like(mapped), where=totals > 0)
    return mapped[rows]


def soft_targets(y: np.ndarray, ferplus: np.ndarray | None, ferplus_weight: float) -> np.ndarray:
    """One-hot FER2013 labels, blended with the FER+ vote distribution where there is one."""
    onehot = np.eye(NUM_CLASSES, dtype=np.float32)[y]
    if ferplus is None or ferplus_weight == 0:
        return onehot
    has_votes = ferplus.sum(axis=1, keepdims=True) > 0
    blended = (1 - ferplus_weight) * onehot + ferplus_weight * ferplus
    return np.where(has_votes, blended, onehot)


def class_weights(y: np.ndarray, power: float = 0.5) -> np.ndarray:
    """Per-class weights ``(N / (K * n_c)) ** power``: power 0 is no reweighting, 1 full balancing."""
    counts = np.bincount(y, minlength=NUM_CLASSES).astype(np.float64)
    weights = (len(y) / (NUM_CLASSES * np.maximum(counts, 1))) ** power
    return weights.astype(np.float32)
