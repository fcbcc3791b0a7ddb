"""Accuracy on FER2013 PrivateTest: our shipped model vs the fer package's mini-Xception.

    python benchmarks/accuracy.py

Needs ../shared/data (skips with a note otherwise). Both classify the same 48x48 faces; fer through
its own preprocessing and TFLite model (benchmarks/fer_worker.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from common import SHARED_DATA, FerPeer, note, run_benchmark, table

from training.data import load_fer2013_csv
from training.inference import predict_probabilities
from training.metrics import summarize


def main() -> None:
    csv = SHARED_DATA / "fer2013.csv.gz"
    if not csv.exists():
        print(f"accuracy benchmark skipped: {csv} not found")
        return
    from emotion_app.model import load_model
    from emotion_app.predictor import EmotionPredictor

    test = load_fer2013_csv(csv).split("PrivateTest")
    model = load_model(runtime="tensorflow").keras_model  # no unused LiteRT twin
    results = {
        "ours (single pass)": summarize(test.y, predict_probabilities(model, test.x).argmax(axis=1)),
        "ours (flip TTA)": summarize(test.y, predict_probabilities(model, test.x, flip=True).argmax(axis=1)),
    }
    # what the pages serve: the int8 twin, one pass (webcam) or mirrored where unsure (photos)
    int8 = load_model(runtime="litert-int8")
    photos = EmotionPredictor(detector="haar", model=int8)
    pages = {"ours, int8 twin (webcam: single pass)": int8.probabilities,
             "ours, int8 twin (photos: mirror where unsure)": photos.probabilities}
    for name, classify in pages.items():
        probabilities = np.concatenate([classify(batch) for batch in np.array_split(test.x, 16)])
        results[name] = summarize(test.y, probabilities.argmax(axis=1))
    missing = FerPeer.available()
    if missing is None:
        peer = FerPeer()
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "faces.npy"
            np.save(path, test.x)
            predictions = np.array(peer.ask({"command": "classify", "faces": str(path)})["predictions"])
        peer.close()
        results["fer 25.10.3 (mini-Xception, TFLite)"] = summarize(test.y, predictions)
    rows = [[name, f"{m['accuracy']:.4f}", f"{m['macro_recall']:.4f}", f"{m['macro_f1']:.4f}",
             f"{m['per_class']['disgust']['recall']:.3f}"] for name, m in results.items()]
    print(table(["model", "accuracy", "macro recall", "macro F1", "disgust recall"], rows,
                f"FER2013 PrivateTest, {len(test)} faces"))
    if missing:
        print("\n" + note(f"fer row left out: {missing}"))


if __name__ == "__main__":
    run_benchmark(main)
