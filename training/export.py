"""Export the shipped model for serving: a TensorFlow Serving SavedModel and a TFLite file.

    python -m training.export --out-dir models/export
    python -m training.export --twin      # also the app's TFLite twin, models/emotion_cnn.tflite
    python -m training.export --int8      # and its int8 twin, models/emotion_cnn.int8.tflite (needs FER2013)

The SavedModel has two signatures over the same weights: ``serving_default`` takes float32
``(N, 48, 48, 1)`` faces with values 0..255, ``serving_uint8`` takes the same as uint8. Both return
``probabilities`` ``(N, 7)`` in FER2013 order. Serve it with TensorFlow Serving (see docs/SERVING.md).

``--twin`` copies the TFLite file beside the ``.keras`` model, after checking both give the same
outputs, and records the ``.keras`` file's SHA-256 in the metadata: the app then classifies faces
with LiteRT, faster per face (``python benchmarks/classifier.py``), and falls back to TensorFlow if
the two files ever drift apart.

``--int8`` also writes a full-integer quantised twin (weights and activations int8, float input and
output; its scales fitted on Training faces), faster again on a CPU with int8 dot products.
Quantising changes some outputs, so it is checked on PublicTest instead of to 1e-4: it must keep the
class of INT8_AGREEMENT of the faces and lose at most INT8_MAX_LOSS accuracy. Both pages serve it,
the float32 twin where it is missing (``emotion_app.model.load_model(quantized=True)``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emotion_app.labels import FACE_SHAPE
from emotion_app.model import DEFAULT_MODEL

REPO = Path(__file__).resolve().parents[1]
BATCH_SHAPE = (None, *FACE_SHAPE)
TWIN_TOLERANCE = 1e-4  # largest probability difference accepted between the twin and the .keras
INT8_AGREEMENT = 0.97  # least share of PublicTest faces whose class the int8 twin keeps
INT8_MAX_LOSS = 0.005  # most PublicTest accuracy it may lose (the shipped twin's: models/emotion_cnn.json)
INT8_CALIBRATION_FACES = 400  # Training faces that fit its activation scales


def parity_faces(count: int = 64, seed: int = 0):
    """Faces to compare two forms of the model on: random textures plus flat and extreme images."""
    import numpy as np

    rng = np.random.default_rng(seed)
    faces = rng.integers(0, 256, (count, *FACE_SHAPE)).astype("float32")
    faces[0], faces[1], faces[2] = 0.0, 255.0, 127.0
    return faces


def write_twin(model_path: Path, tflite: Path) -> float:
    """Copy ``tflite`` beside ``model_path`` if it matches it; record the pairing in the metadata."""
    import shutil

    import numpy as np

    from emotion_app.model import LiteRTInference, load_one, sha256_file, twin_path
    from training.metadata import write_metadata

    model = load_one(Path(model_path), "tensorflow", quantized=False)  # this file, not an ensemble it leads
    faces = parity_faces()
    expected = model.probabilities(faces)
    got = LiteRTInference(tflite)(faces)
    difference = float(np.abs(expected - got).max())
    if difference > TWIN_TOLERANCE or not np.array_equal(expected.argmax(1), got.argmax(1)):
        raise ValueError(f"{tflite} disagrees with {model_path} (max difference {difference:.2e})")
    twin = twin_path(model_path)
    shutil.copyfile(tflite, twin)
    write_metadata(model_path, tflite={"file": twin.name, "keras_sha256": sha256_file(model_path),
                                       "max_difference": float(f"{difference:.3g}")})
    return difference


def export_saved_model(model, directory: Path) -> Path:
    import keras
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        name="serving_default",
        fn=lambda face: {"probabilities": model(face, training=False)},
        input_signature=[tf.TensorSpec(BATCH_SHAPE, tf.float32, name="face")],
    )
    archive.add_endpoint(
        name="serving_uint8",
        fn=lambda face: {"probabilities": model(tf.cast(face, tf.float32), training=False)},
        input_signature=[tf.TensorSpec(BATCH_SHAPE, tf.uint8, name="face")],
    )
    archive.write_out(str(directory), verbose=False)
    return directory


def export_tflite(saved_model_dir: Path, path: Path) -> Path:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_dir), signature_keys=["serving_default"])
    path.write_bytes(converter.convert())
    return path


class Int8Refused(ValueError):
    """The int8 twin strays too far from its model on PublicTest to be served in its place."""


def export_int8(saved_model_dir: Path, path: Path, faces) -> Path:
    """A full-integer TFLite model (int8 weights and activations, float32 input and output), its
    activation ranges fitted on ``faces`` (Training faces: never the faces it is checked on)."""
    import numpy as np
    import tensorflow as tf

    faces = np.asarray(faces, np.float32)
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_dir), signature_keys=["serving_default"])
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([faces[i:i + 1]] for i in range(len(faces)))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = converter.inference_output_type = tf.float32
    path.write_bytes(converter.convert())
    return path


def write_int8_twin(model_path: Path, tflite: Path, faces, labels, min_agreement: float = INT8_AGREEMENT,
                    max_loss: float = INT8_MAX_LOSS) -> dict:
    """Copy the int8 ``tflite`` beside ``model_path`` if, on ``faces`` (PublicTest), it keeps the
    .keras file's class for ``min_agreement`` of them and loses at most ``max_loss`` accuracy."""
    import shutil

    import numpy as np

    from emotion_app.model import LiteRTInference, load_one, sha256_file, twin_path
    from training.metadata import write_metadata

    faces, labels = np.asarray(faces, np.float32), np.asarray(labels)
    expected = load_one(Path(model_path), "tensorflow", quantized=False).probabilities(faces).argmax(axis=1)
    run = LiteRTInference(tflite)
    got = np.concatenate([run(faces[i:i + 256]) for i in range(0, len(faces), 256)]).argmax(axis=1)
    check = {"publictest_agreement": round(float(np.mean(got == expected)), 4),
             "publictest_accuracy": round(float(np.mean(got == labels)), 4),
             "publictest_accuracy_float32": round(float(np.mean(expected == labels)), 4)}
    loss = check["publictest_accuracy_float32"] - check["publictest_accuracy"]
    if check["publictest_agreement"] < min_agreement or loss > max_loss:
        raise Int8Refused(f"{tflite} strays too far from {model_path}: {check}")
    twin = twin_path(model_path, "litert-int8")
    shutil.copyfile(tflite, twin)
    write_metadata(model_path, tflite_int8={"file": twin.name, "keras_sha256": sha256_file(model_path), **check})
    return check


def int8_from_data(model_path: Path, saved_model: Path, out_dir: Path, data: Path) -> dict:
    """The int8 twin of ``model_path``: scales fitted on seeded Training faces, checked on PublicTest."""
    import numpy as np

    from training.data import load_faces

    faces = load_faces(data)
    training, public = faces.split("Training"), faces.split("PublicTest")
    chosen = np.random.default_rng(0).choice(len(training.x), min(INT8_CALIBRATION_FACES, len(training.x)),
                                             replace=False)
    tflite = export_int8(saved_model, out_dir / "emotion_cnn.int8.tflite", training.x[chosen])
    return write_int8_twin(model_path, tflite, public.x, public.y)


def export_all(model_path: Path, out_dir: Path) -> tuple[Path, Path]:
    from emotion_app.model import load_one

    model = load_one(Path(model_path), "tensorflow", quantized=False).keras_model  # this file; no LiteRT twin
    out_dir.mkdir(parents=True, exist_ok=True)
    saved_model = export_saved_model(model, out_dir / "saved_model" / "1")
    tflite = export_tflite(saved_model, out_dir / "emotion_cnn.tflite")
    return saved_model, tflite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--out-dir", type=Path, default=REPO / "models" / "export")
    parser.add_argument("--twin", action="store_true", help="also put the TFLite file beside the model for the app")
    parser.add_argument("--int8", action="store_true", help="also its int8 twin, checked on PublicTest")
    parser.add_argument("--data", type=Path, default=None,
                        help="FER2013 CSV or a folder of split arrays, for --int8 (default: ../shared/data)")
    args = parser.parse_args(argv)
    from emotion_app.model import ModelError
    from training.data import DEFAULT_DATA

    try:
        saved_model, tflite = export_all(args.model, args.out_dir)
        print(f"wrote {saved_model} (TF Serving) and {tflite} (TFLite)")
        if args.twin:
            difference = write_twin(args.model, tflite)
            print(f"wrote the app's TFLite twin beside {args.model} (max difference {difference:.1e})")
        if args.int8:
            check = int8_from_data(args.model, saved_model, args.out_dir, args.data or DEFAULT_DATA)
            print(f"wrote the int8 twin beside {args.model} ({check})")
    except (ModelError, ValueError, RuntimeError, OSError) as error:  # RuntimeError: LiteRT could not read a file
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
