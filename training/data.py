"""Read FER2013 as users download it (``emotion,pixels,Usage``, gzip or plain) and the FER+ votes,
or from the compact per-split arrays of ``../shared/data`` (``fer2013_<split>.npz.xz``).

Every problem in the file stops with a :class:`DataError` that names the data row (0-based, header
excluded, as in the data set's README) and what is wrong with it.
"""

from __future__ import annotations

import hashlib
import io
import lzma
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from emotion_app import environment
from emotion_app.labels import FACE_SHAPE, NUM_CLASSES

PIXELS_PER_IMAGE = FACE_SHAPE[0] * FACE_SHAPE[1]
SPLITS = ("Training", "PublicTest", "PrivateTest")
# FER2013 (fer2013.csv.gz, or Kaggle's fer2013.csv as downloaded) and the FER+ votes
# (fer2013new.csv) in $EMOTION_APP_DATA, else in ../shared/data beside the repository (README).
DATA_DIR = Path(environment.read(environment.DATA) or Path(__file__).resolve().parents[1].parent / "shared" / "data")
DEFAULT_DATA = next((DATA_DIR / name for name in ("fer2013.csv.gz", "fer2013.csv") if (DATA_DIR / name).exists()),
                    DATA_DIR / "fer2013.csv.gz")
DEFAULT_FERPLUS = DATA_DIR / "fer2013new.csv"

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


# The compact copies: one xz-compressed .npz per split, holding x (N, 48, 48) uint8, y (N,), the FER+
# vote counts ferplus (N, 10) and row (N,), the data row in fer2013.csv.gz (../shared/data/README.md).
# They are what a GPU machine can be sent: the CSV is 94 MB, Training and PublicTest 55 MB this way.
# A split may also come in parts (fer2013_Training.1.npz.xz, ...: ``write_parts``), as one call to
# that machine carries 64 MiB with the repository's own 25 MB.
SPLIT_ARRAYS = "fer2013_{}.npz.xz"


def split_files(folder: Path, split: str) -> list[Path]:
    return sorted(folder.glob(SPLIT_ARRAYS.format(split))) + sorted(folder.glob(SPLIT_ARRAYS.format(f"{split}.*")))


def load_fer2013_arrays(folder: str | Path) -> tuple[FaceData, np.ndarray]:
    """The splits found in ``folder`` as one :class:`FaceData` in data-row order (as the CSV reads),
    and the FER+ vote counts indexed by data row (zeros for rows of splits not present)."""
    folder = Path(folder)
    paths = [(split, path) for split in SPLITS for path in split_files(folder, split)]
    if not paths:
        raise DataError(f"{folder}: holds no {SPLIT_ARRAYS.format('<split>')} (see ../shared/data/README.md)")
    parts = []
    for split, path in paths:
        try:
            with lzma.open(path) as stream:
                arrays = np.load(io.BytesIO(stream.read()))
                x, y, votes, rows = (arrays[key] for key in ("x", "y", "ferplus", "row"))
        except (OSError, EOFError, lzma.LZMAError, ValueError, KeyError, zipfile.BadZipFile) as error:
            raise DataError(f"{path}: not a readable FER2013 split ({type(error).__name__}: {error})") from None
        if x.shape[1:] != FACE_SHAPE[:2] or x.dtype != np.uint8 or votes.shape[1:] != (10,) \
                or not len(x) == len(y) == len(votes) == len(rows):
            raise DataError(f"{path}: expected x (N, 48, 48) uint8, y (N,), ferplus (N, 10) and row (N,); "
                            f"found {x.shape} {x.dtype}, {y.shape}, {votes.shape}, {rows.shape}")
        if len(y) and int(y.max()) >= NUM_CLASSES:
            raise DataError(f"{path}: label {int(y.max())} is not in 0..{NUM_CLASSES - 1}")
        parts.append((x, y.astype(np.int64), np.full(len(y), split), rows.astype(np.int64), votes))
    x, y, usage, rows, votes = (np.concatenate(column) for column in zip(*parts, strict=True))
    order = np.argsort(rows, kind="stable")
    by_row = np.zeros((int(rows.max()) + 1, votes.shape[1]), dtype=np.float32)
    by_row[rows] = votes
    return FaceData(x[order][..., None], y[order], usage[order].astype(str), rows[order]), by_row


def write_parts(faces: FaceData, votes: np.ndarray, folder: Path, parts: int) -> list[Path]:
    """``faces`` (with ``votes`` by data row) as split arrays in ``folder``, each split cut into ``parts``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for split in dict.fromkeys(faces.usage):
        subset = faces.split(split)
        for part, rows in enumerate(np.array_split(np.arange(len(subset)), parts), start=1):
            buffer = io.BytesIO()
            np.savez(buffer, x=subset.x[rows, :, :, 0], y=subset.y[rows].astype(np.uint8),
                     ferplus=votes[subset.rows[rows]].astype(np.uint8), row=subset.rows[rows].astype(np.int32))
            path = folder / SPLIT_ARRAYS.format(split if parts == 1 else f"{split}.{part}")
            path.write_bytes(lzma.compress(buffer.getvalue(), preset=9 | lzma.PRESET_EXTREME))
            written.append(path)
    return written


def load_faces_and_votes(path: str | Path) -> tuple[FaceData, np.ndarray | None]:
    """FER2013 from a folder of the compact per-split arrays, with their FER+ vote counts by data row,
    or from its CSV, whose votes are in fer2013new.csv instead (None)."""
    return load_fer2013_arrays(path) if Path(path).is_dir() else (load_fer2013_csv(path), None)


def load_faces(path: str | Path) -> FaceData:
    """FER2013 from its CSV, or from a folder of the compact per-split arrays."""
    return load_faces_and_votes(path)[0]


def data_sha256(path: str | Path) -> str:
    """The CSV's SHA-256, or for a folder of split arrays one over each split file's name and SHA-256."""
    from emotion_app.model import sha256_file

    path = Path(path)
    if not path.is_dir():
        return sha256_file(path)
    lines = [f"{name.name} {sha256_file(name)}\n" for split in SPLITS for name in split_files(path, split)]
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def ferplus_distributions(votes: np.ndarray) -> np.ndarray:
    """FER+ vote counts (in fer2013new.csv's column order) to distributions over the 7 FER2013 classes.

    Rows whose votes name no FER2013 class (all unknown / not-a-face) get an all-zero row, which the
    caller reads as "no FER+ information".
    """
    votes = np.asarray(votes, dtype=np.float32)
    mapped = np.zeros((len(votes), NUM_CLASSES), dtype=np.float32)
    for column, label in FERPLUS_TO_FER2013.items():
        mapped[:, label] += votes[:, column]
    totals = mapped.sum(axis=1, keepdims=True)
    return np.divide(mapped, totals, out=np.zeros_like(mapped), where=totals > 0)


def load_ferplus_counts(path: str | Path, rows: np.ndarray) -> np.ndarray:
    """fer2013new.csv's 10 vote counts for the given data rows."""
    votes = pd.read_csv(path).iloc[:, 2:12].to_numpy(dtype=np.float32)
    if len(votes) <= int(rows.max()):
        raise DataError(f"{path}: has {len(votes)} rows, fewer than the FER2013 data: not the matching fer2013new.csv?")
    return votes[rows]


def load_ferplus_targets(path: str | Path, rows: np.ndarray) -> np.ndarray:
    """FER+ vote distributions (``ferplus_distributions``) of fer2013new.csv for the given data rows."""
    return ferplus_distributions(load_ferplus_counts(path, rows))


def soft_targets(y: np.ndarray, ferplus: np.ndarray | None, ferplus_weight: float) -> np.ndarray:
    """One-hot FER2013 labels, blended with the FER+ vote distribution where there is one."""
    onehot = np.eye(NUM_CLASSES, dtype=np.float32)[y]
    if ferplus is None or ferplus_weight == 0:
        return onehot
    has_votes = ferplus.sum(axis=1, keepdims=True) > 0
    blended = (1 - ferplus_weight) * onehot + ferplus_weight * ferplus
    return np.where(has_votes, blended, onehot)


def distilled_targets(targets: np.ndarray, teacher: np.ndarray, weight: float) -> np.ndarray:
    """Each face's target with ``weight`` of it given to the teachers' probabilities (distillation)."""
    return ((1 - weight) * targets + weight * teacher).astype(np.float32)


def class_weights(y: np.ndarray, power: float = 0.5) -> np.ndarray:
    """Per-class weights ``(N / (K * n_c)) ** power``: power 0 is no reweighting, 1 full balancing."""
    counts = np.bincount(y, minlength=NUM_CLASSES).astype(np.float64)
    weights = (len(y) / (NUM_CLASSES * np.maximum(counts, 1))) ** power
    return weights.astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    """``python -m training.data --out DIR --parts 2``: the splits as arrays in parts, to carry them."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="Write FER2013's splits as fer2013_<split>.N.npz.xz parts, "
                                                 "small enough to carry to a GPU machine one call at a time.")
    parser.add_argument("--data", default=str(DEFAULT_DATA.parent), help="the FER2013 CSV or a folder of split arrays")
    parser.add_argument("--ferplus", default=str(DEFAULT_FERPLUS), help="fer2013new.csv, read with the CSV")
    parser.add_argument("--splits", default="Training,PublicTest")
    parser.add_argument("--parts", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        faces, votes = load_faces_and_votes(args.data)
        if votes is None:
            votes = np.zeros((len(faces), 10), np.float32)
            votes[faces.rows] = load_ferplus_counts(args.ferplus, faces.rows)
        keep = np.isin(faces.usage, args.splits.split(","))
        faces = FaceData(faces.x[keep], faces.y[keep], faces.usage[keep], faces.rows[keep])
        for path in write_parts(faces, votes, args.out, max(1, args.parts)):
            print(f"{path} {path.stat().st_size / 1e6:.1f} MB")
    except (DataError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
