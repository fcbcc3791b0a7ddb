"""Per-face latency of the shipped model in each form we have, single and batched, with parity.

    python benchmarks/classifier.py

Forms: Model.predict, an eager call, a tf.function traced once (the app's fallback), and LiteRT on
the TFLite twin (models/emotion_cnn.tflite, what the app serves). The app uses the fastest form
whose outputs match the .keras file.
"""

from __future__ import annotations

import numpy as np
from common import machine, summary, table, time_calls

from emotion_app.model import load_model


def main() -> None:
    compiled = load_model(runtime="tensorflow")
    twin = load_model(runtime="litert")
    model = compiled.keras_model
    faces = np.random.default_rng(0).integers(0, 256, (16, 48, 48, 1)).astype(np.float32)
    reference = np.asarray(model(faces, training=False))
    forms = {
        "Model.predict": lambda batch: model.predict(batch, verbose=0),
        "eager call": lambda batch: np.asarray(model(batch, training=False)),
        "tf.function (fallback)": compiled.probabilities,
        "LiteRT on the TFLite twin (app)": twin.probabilities,
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
