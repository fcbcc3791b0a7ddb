"""Export the shipped model for serving: a TensorFlow Serving SavedModel and a TFLite file.

    python -m training.export --out-dir models/export
    python -m training.export --twin      # also the app's TFLite twin, models/emotion_cnn.tflite

The SavedModel has two signatures over the same weights: ``serving_default`` takes float32
``(N, 48, 48, 1)`` faces with values 0..255, ``serving_uint8`` takes the same as uint8. Both return
``probabilities`` ``(N, 7)`` in FER2013 order. Serve it with TensorFlow Serving (see docs/SERVING.md).

``--twin`` copies the TFLite file beside the ``.keras`` model, after checking both give the same
outputs, and records the ``.keras`` file's SHA-256 in the metadata: the app then classifies faces
with LiteRT (3x faster per face) and falls back to TensorFlow if the two files ever drift apart.
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

    from emotion_app.model import LiteRTInference, load_model, sha256_file, twin_path
    from training.metadata import write_metadata

    model = load_model(model_path, runtime="tensorflow")
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


def export_all(model_path: Path, out_dir: Path) -> tuple[Path, Path]:
    from emotion_app.model import load_model

    model = load_model(model_path, runtime="tensorflow").keras_model  # no unused LiteRT twin
    out_dir.mkdir(parents=True, exist_ok=True)
    saved_model = export_saved_model(model, out_dir / "saved_model" / "1")
    tflite = export_tflite(saved_model, out_dir / "emotion_cnn.tflite")
    return saved_model, tflite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--out-dir", type=Path, default=REPO / "models" / "export")
    parser.add_argument("--twin", action="store_true", help="also put the TFLite file beside the model for the app")
    args = parser.parse_args(argv)
    from emotion_app.model import ModelError

    try:
        saved_model, tflite = export_all(args.model, args.out_dir)
        print(f"wrote {saved_model} (TF Serving) and {tflite} (TFLite)")
        if args.twin:
            difference = write_twin(args.model, tflite)
            print(f"wrote the app's TFLite twin beside {args.model} (max difference {difference:.1e})")
    except (ModelError, ValueError, RuntimeError) as error:  # RuntimeError: LiteRT could not read the file
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
