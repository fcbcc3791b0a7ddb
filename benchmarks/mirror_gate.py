"""Mirror averaging where the model is unsure: what it keeps of mirroring every face, and what a face costs.

    python benchmarks/mirror_gate.py

The photo page averages a face with its mirror image only where the first pass's top two answers are
closer than ``MIRROR_BELOW`` (emotion_app/predictor.py). For each twin and each gap: accuracy, the
share of faces mirrored and the share whose class equals mirroring every face, on PublicTest (where
the gap is chosen) and PrivateTest (reported only). Then the photo page's classification of one face
at a time, 600 PublicTest faces in turn, in ms (mean / p95): one pass, every face mirrored, and
mirrored below the gap.
"""

from __future__ import annotations

import time

import numpy as np
from common import SHARED_DATA, run_benchmark, table

from emotion_app.model import load_model
from emotion_app.predictor import MIRROR_BELOW, EmotionPredictor, top_gap
from training.data import load_fer2013_csv

EVERY_FACE = 1.01  # above any gap between two probabilities
GAPS = (0.2, 0.3, 0.4, MIRROR_BELOW, 0.6, EVERY_FACE)


def accuracy_rows(model, splits: dict) -> list[list[str]]:
    rows = []
    for split, faces in splits.items():
        x = faces.x.astype(np.float32)
        first = np.concatenate([model.probabilities(batch) for batch in np.array_split(x, 16)])
        mirror = np.concatenate([model.probabilities(batch[:, :, ::-1]) for batch in np.array_split(x, 16)])
        both = (first + mirror) / 2
        rows.append([model.runtime, split, "one pass", f"{np.mean(first.argmax(1) == faces.y):.4f}", "0%", ""])
        for gap in GAPS:
            close = top_gap(first) < gap
            gated = np.where(close[:, None], both, first)
            name = "every face" if gap == EVERY_FACE else f"below {gap:.1f}"
            name += " (the page's)" if gap == MIRROR_BELOW else ""
            rows.append([model.runtime, split, name, f"{np.mean(gated.argmax(1) == faces.y):.4f}",
                         f"{np.mean(close):.0%}", f"{np.mean(gated.argmax(1) == both.argmax(1)):.2%}"])
    return rows


def timing_rows(model, faces: np.ndarray) -> list[list[str]]:
    rows = []
    for name, flip, gap in (("one pass", False, MIRROR_BELOW), ("every face mirrored", True, EVERY_FACE),
                            (f"mirrored below {MIRROR_BELOW}", True, MIRROR_BELOW)):
        predictor = EmotionPredictor(model=model, detector="haar", flip=flip, mirror_below=gap)
        for face in faces[:20]:  # warm-up
            predictor.probabilities(face[None])
        times = []
        for face in faces:
            start = time.perf_counter()
            predictor.probabilities(face[None])
            times.append((time.perf_counter() - start) * 1000)
        rows.append([model.runtime, name, f"{np.mean(times):.2f} / {np.percentile(times, 95):.2f}"])
    return rows


def main() -> None:
    csv = SHARED_DATA / "fer2013.csv.gz"
    if not csv.exists():
        raise SystemExit(f"needs {csv} (see ../shared/data/README.md)")
    data = load_fer2013_csv(csv)
    splits = {split: data.split(split) for split in ("PublicTest", "PrivateTest")}
    models = [load_model(runtime="litert"), load_model(runtime="litert-int8")]
    header = ["twin", "split", "mirrored", "accuracy", "faces mirrored", "class as mirroring all"]
    print(table(header, [row for model in models for row in accuracy_rows(model, splits)],
                "Mirror averaging below a gap between the top two answers"))
    faces = splits["PublicTest"].x[np.random.default_rng(0).choice(len(splits["PublicTest"]), 600, replace=False)]
    print("\n" + table(["twin", "pass", "ms a face"], [row for model in models for row in timing_rows(model, faces)],
                       "The photo page's classification through the predictor, 600 PublicTest faces one a call "
                       "(ms, mean / p95)"))


if __name__ == "__main__":
    run_benchmark(main)
