"""Per-face latency of the shipped model in each form we have, single and batched, with parity.

    python benchmarks/classifier.py

Forms: Model.predict, an eager call, the tf.function the app uses (emotion_app.model), and TFLite
(exported to a temp dir). The app should use the fastest form whose outputs match the .keras file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from common import machine, summary, table, time_calls

from emotion_app.model import load_model


def main() -> None:
    import tensorflow as tf

    from training.export import export_all

    loaded = load_model()
    model = loaded.keras_model
    faces = np.random.default_rng(0).integers(0, 256, (16, 48, 48, 1)).astype(np.float32)
    reference = np.asarray(model(faces, training=False))
    with tempfile.TemporaryDirectory() as directory:
        _, tflite_path = export_all(loaded.path, Path(directory))
        interpreter = tf.lite.Interpreter(model_path=str(tflite_path), num_threads=2)
        runner = interpreter.get_signature_runner("serving_default")

        def tflite(batch):
            return np.vstack([runner(face=batch[i:i + 1])["probabilities"] for i in range(len(batch))])

        forms = {
            "Model.predict": lambda batch: model.predict(batch, verbose=0),
            "eager call": lambda batch: np.asarray(model(batch, training=False)),
            "tf.function (app)": loaded.probabilities,
            "TFLite (per face)": tflite,
        }
        rows = []
        for name, form in forms.items():
            single, _ = summary(time_calls(lambda f=form: f(faces[:1]), 50))
            batch, _ = summary(time_calls(lambda f=form: f(faces[:4]), 30))
            difference = float(np.abs(form(faces) - reference).max())
            agree = bool((form(faces).argmax(axis=1) == reference.argmax(axis=1)).all())
            rows.append([name, f"{single:.2f}", f"{batch:.2f}", f"{batch / 4:.2f}", f"{difference:.1e}",
                         "yes" if agree else "NO"])
    print(f"Classifier latency (ms), {machine()}\n")
    print(table(["form", "1 face", "4 faces", "per face in a batch of 4", "max |diff| vs .keras",
                 "same classes"], rows))


if __name__ == "__main__":
    main()
