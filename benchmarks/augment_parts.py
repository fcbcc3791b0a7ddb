"""What each part of the "real" augmentation does: PublicTest faces changed by one part at a time.

    python benchmarks/augment_parts.py [--model A.keras,B.keras] [--seeds 3]

Each part of ``training/model.py``'s "real" setting (the one the real-photo fine-tunes trained
with) is applied alone, as it trained, to the 3,589 PublicTest faces; every model reads the same
changed faces. A model that learnt from a part should lose less accuracy to it. This is a
robustness measure of the trained models, not a training ablation (one fine-tune per part left
out would be that: about 15 CPU-minutes an epoch here). The rows "tilt" and "framing" are the
real setting's wider ranges (the shipped model trained with +-14 degrees and 0.9-1.1x). One pass,
no mirror averaging; each part is drawn with ``--seeds`` seeds and the accuracies averaged.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from common import REPO, table

import emotion_app  # noqa: F401  (before TensorFlow: see emotion_app/__init__.py)

PARTS = ("tilt", "framing", "brightness", "contrast", "gamma", "blur", "noise")


def changed_faces(faces: np.ndarray, part: str | None, seed: int, batch_size: int = 512) -> np.ndarray:
    """``faces`` through one part of the "real" augmentation (None: all of it but flip, shift and erasing)."""
    import keras

    from training.model import augmentation_layers

    layers = augmentation_layers(1000 * seed, "real", erase=False)
    chain = [layers[part]] if part else [layers[name] for name in PARTS]
    out = []
    for start in range(0, len(faces), batch_size):
        x = faces[start:start + batch_size].astype("float32")
        for layer in chain:
            x = layer(x, training=True)
        out.append(keras.ops.convert_to_numpy(x))
    return np.clip(np.concatenate(out), 0, 255)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(REPO / "models" / "emotion_cnn.keras"),
                        help="comma-separated .keras files (calibrated, as they would ship)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data", default=None, help="FER2013 CSV (default: ../shared/data)")
    args = parser.parse_args(argv)

    import keras

    from training.data import DEFAULT_DATA, load_fer2013_csv
    from training.inference import predict_probabilities

    public = load_fer2013_csv(args.data or DEFAULT_DATA).split("PublicTest")
    paths = [Path(p) for p in args.model.split(",")]
    models = [keras.saving.load_model(p) for p in paths]
    rows = [("none", [(public.x, public.y)])]
    rows += [(part or "all seven", [(changed_faces(public.x, part, seed), public.y) for seed in range(args.seeds)])
             for part in (*PARTS, None)]
    names = [p.name if p.parent.name == "models" else f"{p.parent.name}/{p.name}" for p in paths]
    header = ["faces changed by", *names, *[f"{name} - {names[0]}" for name in names[1:]]]
    lines, clean = [], None
    for name, sets in rows:
        accuracy = [np.mean([np.mean(predict_probabilities(m, x).argmax(axis=1) == y) for x, y in sets])
                    for m in models]
        clean = clean or accuracy
        cells = [f"{a:.4f}" if name == "none" else f"{a:.4f} ({100 * (a - c):+.1f})"
                 for a, c in zip(accuracy, clean, strict=True)]
        cells += [f"{100 * (a - accuracy[0]):+.1f}" for a in accuracy[1:]]
        lines.append([name, *cells])
        print(name, cells, flush=True)
    print("\nPublicTest accuracy (points lost to the change in brackets; last columns: points against the first "
          "model)\n")
    print(table(header, lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
