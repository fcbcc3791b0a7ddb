"""Export the shipped model for serving: a TensorFlow Serving SavedModel and a TFLite file.

    python -m training.export --out-dir models/export

The SavedModel has two signatures over the same weights: ``serving_default`` takes float32
``(N, 48, 48, 1)`` faces with values 0..255, ``serving_uint8`` takes the same as uint8. Both return
``probabilities`` ``(N, 7)`` in FER2013 order. Serve it with TensorFlow Serving (see docs/SERVING.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FACE_SHAPE = (None, 48, 48, 1)


def export_saved_model(model, directory: Path) -> Path:
    import keras
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        name="serving_default",
        fn=lambda face: {"probabilities": model(face, training=False)},
        input_signature=[tf.TensorSpec(FACE_SHAPE, tf.float32, name="face")],
    )
    archive.add_endpoint(
        name="serving_uint8",
        fn=lambda face: {"probabilities": model(tf.cast(face, tf.float32), training=False)},
        input_signature=[tf.TensorSpec(FACE_SHAPE, tf.uint8, name="face")],
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

    model = load_model(model_path).keras_model
    out_dir.mkdir(parents=True, exist_ok=True)
    saved_model = export_saved_model(model, out_dir / "saved_model" / "1")
    tflite = export_tflite(saved_model, out_dir / "emotion_cnn.tflite")
    return saved_model, tflite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=REPO / "models" / "emotion_cnn.keras")
    parser.add_argument("--out-dir", type=Path, default=REPO / "models" / "export")
    args = parser.parse_args(argv)
    from emotion_app.model import ModelError

    try:
        saved_model, tflite = export_all(args.model, args.out_dir)
    except ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {saved_model} (TF Serving) and {tflite} (TFLite)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
