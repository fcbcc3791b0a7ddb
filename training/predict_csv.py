"""Batch predictions with the shipped model, no retraining.

    python -m training.predict_csv --csv IN.csv --out predictions.csv

IN.csv is in FER2013 format (``pixels`` required; ``emotion`` and ``Usage`` optional). The output
has one column, ``predictions``, holding the class index (0 angry ... 6 neutral) of each input row,
in order.
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


def predict_csv(csv_path: Path, out_path: Path, model_path: Path, flip: bool = False) -> pd.DataFrame:
    from emotion_app.model import load_model

    faces = load_fer2013_csv(csv_path, require_labels=False, require_usage=False)
    model = load_model(model_path, runtime="tensorflow").keras_model  # no unused LiteRT twin
    predictions = predict_probabilities(model, faces.x, flip=flip).argmax(axis=1)
    frame = pd.DataFrame({"predictions": predictions.astype(np.int64)})
    frame.to_csv(out_path, index=False)
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
    except (DataError, ModelError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(frame)} predictions to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
