"""Per-face latency of the shipped model in each form we have, single and batched, with parity.

    python benchmarks/classifier.py

Forms: Model.predict, an eager call, a tf.function traced once (the app's fallback), LiteRT on the
TFLite twin (models/emotion_cnn.tflite, the fallback where the int8 twin is not paired) and on the
int8 twin (models/emotion_cnn.int8.tflite, what both pages serve). "1 face + mirror" is a face and
its mirror image in one call; the photo page mirrors only the faces it is unsure of
(benchmarks/mirror_gate.py has its cost a face). The app uses the fastest form
whose outputs match the .keras file; the int8 twin's match is checked on PublicTest instead
(``training.export --int8``), and its figures there are printed below the table.
"""

from __future__ import annotations

import numpy as np
from common import mean_p95, note, run_benchmark, table, time_calls

from emotion_app.model import load_model, twin_path


def multiply_adds(model) -> int:
    """Multiply-adds of one forward pass through the model's convolutions and dense layers (the rest
    is a rounding error): what a CPU's arithmetic peak must cover for a per-face time target."""
    import keras

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, height, width, filters = layer.output.shape
            kernel_h, kernel_w = layer.kernel_size
            total += height * width * filters * kernel_h * kernel_w * layer.input.shape[-1]
        elif isinstance(layer, keras.layers.Dense):
            total += layer.input.shape[-1] * layer.units
    return int(total)


def main() -> None:
    compiled = load_model(runtime="tensorflow")
    twin = load_model(runtime="litert")
    int8 = load_model(runtime="litert-int8")
    model = compiled.keras_model
    faces = np.random.default_rng(0).integers(0, 256, (16, 48, 48, 1)).astype(np.float32)
    reference = np.asarray(model(faces, training=False))
    forms = {
        "tf.function (fallback)": compiled.probabilities,
        "LiteRT on the float32 twin": twin.probabilities,
        "LiteRT on the int8 twin (both pages)": int8.probabilities,
    }
    mirrored = np.concatenate([faces[:1], faces[:1, :, ::-1]])
    rows = []
    for name, form in forms.items():
        single, single_p95 = mean_p95(time_calls(lambda f=form: f(faces[:1]), 200))
        pair, _ = mean_p95(time_calls(lambda f=form: f(mirrored), 200))
        batch, _ = mean_p95(time_calls(lambda f=form: f(faces[:4]), 100))
        difference = float(np.abs(form(faces) - reference).max())
        agree = np.mean(form(faces).argmax(axis=1) == reference.argmax(axis=1))
        rows.append([name, f"{single:.2f} / {single_p95:.2f}", f"{pair:.2f}", f"{batch:.2f}", f"{batch / 4:.2f}",
                     f"{difference:.1e}", f"{agree:.0%}"])
    print(table(["form", "1 face", "1 face + mirror", "4 faces", "per face in a batch of 4",
                 "max |diff| vs .keras (16 random faces)", "same class"], rows,
                "Classifier latency (ms, means; 1 face: mean / p95)") + "\n")
    recorded = int8.metadata["tflite_int8"]
    print(note(f"The int8 twin keeps the class of {recorded['publictest_agreement']:.1%} of PublicTest faces "
               f"(accuracy {recorded['publictest_accuracy']:.4f} against "
               f"{recorded['publictest_accuracy_float32']:.4f}), as recorded by training.export --int8."))
    files = [compiled.path, twin_path(compiled.path, "litert"), twin_path(compiled.path, "litert-int8")]
    sizes = ", ".join(f"{path.name} {path.stat().st_size / 1e6:.1f} MB" for path in files)
    print(note(f"The network has {model.count_params():,} parameters; files: {sizes}."))
    macs = multiply_adds(model)
    print(note(f"One pass is {macs / 1e6:.0f} million multiply-adds: 1 ms a face at the photo page's 1.5 passes "
               f"needs {1.5 * macs / 1e6:.0f} billion a second."))  # 1.5 * macs in 1 ms


if __name__ == "__main__":
    run_benchmark(main)
