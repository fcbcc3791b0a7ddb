"""Batch predictions with the shipped model, no retraining.

    python -m training.predict_csv --csv IN.csv --out predictions.csv

IN.csv is in FER2013 format (``pixels`` required; ``emotion`` and ``Usage`` optional). The output
has one column, ``predictions``, holding the class index (0 angry ... 6 neutral) of each input row,
in order. An existing output is replaced only if it is such a file (its first line ``predictions``):
never the input, nor any other file of the user's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from emotion_app.model import DEFAULT_MODEL
from training.data import DataError, load_fer2013_csv
from training.inference import predict_probabilities

HEADER = "predictions"


class OutputError(Exception):
    """The output cannot be written as asked; nothing was changed."""


def check_output(out_path: Path, csv_path: Path) -> None:
    """Refuse, before any work, an output that is the input or a file this command did not write."""
    if out_path.exists() and csv_path.exists() and out_path.samefile(csv_path):
        raise OutputError(f"--out {out_path} is the input: name another file for the predictions")
    if out_path.is_dir():
        raise OutputError(f"cannot write {out_path}: it is a folder (name a file in it)")
    if not out_path.parent.is_dir():  # before the work, not after it
        raise OutputError(f"cannot write {out_path}: {out_path.parent} is not a folder")
    if out_path.exists():
        try:
            with open(out_path, "rb") as stream:
                ours = stream.read(len(HEADER) + 2).splitlines()[:1] == [HEADER.encode()]
        except OSError as error:
            raise OutputError(f"cannot write {out_path}: {error.strerror or error}") from None
        if not ours:
            raise OutputError(f"{out_path} already exists and was not written by training.predict_csv; it was "
                              f"left untouched: choose another --out")


def write_predictions(frame: pd.DataFrame, out_path: Path) -> None:
    """The CSV written beside ``out_path`` and moved over it whole (a crash leaves the old one or the new)."""
    from emotion_app.output import writing_copy

    try:
        with writing_copy(out_path) as stream:
            stream.write(frame.to_csv(index=False).encode())
    except OSError as error:
        raise OutputError(f"cannot write {out_path}: {error.strerror or error}") from None


def predict_csv(csv_path: Path, out_path: Path, model_path: Path, flip: bool = False) -> pd.DataFrame:
    from emotion_app.model import load_model

    check_output(out_path, csv_path)
    faces = load_fer2013_csv(csv_path, require_labels=False, require_usage=False)
    model = load_model(model_path, runtime="tensorflow").keras_model  # no unused LiteRT twin
    predictions = predict_probabilities(model, faces.x, flip=flip).argmax(axis=1)
    frame = pd.DataFrame({HEADER: predictions.astype(np.int64)})
    write_predictions(frame, out_path)
    if (faces.y >= 0).all():
        print(f"accuracy against the emotion column: {np.mean(predictions == faces.y):.4f}")
    return frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", type=Path, required=True, help="FER2013-format CSV (.csv or .csv.gz)")
    parser.add_argument("--out", type=Path, default=Path("predictions.csv"))
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--flip", action="store_true", help="average with the mirrored face (test-time augmentation)")
    args = parser.parse_args(argv)
    from emotion_app.model import ModelError

    try:
        frame = predict_csv(args.csv, args.out, args.model, args.flip)
    except (DataError, ModelError, OutputError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(frame)} predictions to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
