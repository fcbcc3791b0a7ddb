"""Convert the mtcnn package's PNet, RNet and ONet (the weights inside its wheel) to TFLite, once per mtcnn version.

    python scripts/convert_mtcnn.py

Needs TensorFlow and mtcnn (requirements.txt). Writes models/mtcnn/{pnet,rnet,onet}.tflite and mtcnn.json: the
mtcnn version and the SHA-256 of each weight file the networks were built from and of each .tflite. The app runs
these through LiteRT (emotion_app/mtcnn_lite.py) only while the installed wheel's weights match the record, and
the package on TensorFlow otherwise. Each converted network is checked against the package's on random inputs,
PNet at several sizes through ``Interpreter.resize_tensor_input``, as the pyramid needs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from emotion_app.model import sha256_file  # noqa: E402
from emotion_app.mtcnn_lite import MTCNN_DIR, RECORD, WEIGHTS, installed_version, wheel_weights  # noqa: E402

# Each network: its input (None: any size), the names of its outputs in the order the package's model returns
# them, and the input shapes it is checked at (PNet runs on every pyramid level; RNet and ONet on every box).
NETWORKS = {
    "pnet": ([1, None, None, 3], ("bbox_reg", "bbox_class"), [(1, 12, 12, 3), (1, 97, 131, 3), (1, 480, 640, 3)]),
    "rnet": ([None, 24, 24, 3], ("bbox_reg", "bbox_class"), [(1, 24, 24, 3), (37, 24, 24, 3)]),
    "onet": ([None, 48, 48, 3], ("bbox_reg", "landmarks", "bbox_class"), [(1, 48, 48, 3), (9, 48, 48, 3)]),
}
# Largest difference allowed between an output of the package's network and of its TFLite twin (float32 both).
TOLERANCE = 1e-4


def package_models() -> dict:
    """The three Keras models built and loaded with the wheel's weights by the package's own stage classes."""
    from mtcnn.stages import StageONet, StagePNet, StageRNet

    return {"pnet": StagePNet().model, "rnet": StageRNet().model, "onet": StageONet().model}


def convert(model, input_shape: list[int | None], outputs: tuple[str, ...]) -> bytes:
    """A float32 flatbuffer with one signature: input ``images``, outputs named as in ``outputs``."""
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec(input_shape, tf.float32, name="images")])
    def serve(images):
        return dict(zip(outputs, model(images), strict=True))

    # NOTE: the converter does not find a Keras 3 model's variables through the model itself, and then leaves
    # them uninitialised in the flatbuffer (every output NaN); a module holding their TensorFlow variables lets
    # it freeze them into constants.
    holder = tf.Module()
    holder.variables_to_freeze = [weight.value for weight in model.weights]
    converter = tf.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()], holder)
    return converter.convert()


def largest_difference(model, flatbuffer: bytes, outputs: tuple[str, ...], shapes: list[tuple[int, ...]]) -> float:
    """The largest output difference between the Keras model and its flatbuffer, resized to each shape in turn."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=flatbuffer)
    index = interpreter.get_input_details()[0]["index"]
    # NOTE: a signature runner holds the interpreter, which then refuses resize_tensor_input: read and drop it.
    details = interpreter.get_signature_runner().get_output_details()
    by_name = {name: output["index"] for name, output in details.items()}
    rng = np.random.default_rng(0)
    differences = []
    for shape in shapes:
        images = rng.uniform(-1, 1, shape).astype(np.float32)
        interpreter.resize_tensor_input(index, shape, strict=False)
        interpreter.allocate_tensors()
        interpreter.set_tensor(index, images)
        interpreter.invoke()
        for name, expected in zip(outputs, model(images), strict=True):
            got = interpreter.get_tensor(by_name[name])
            if got.shape != tuple(expected.shape):
                raise SystemExit(f"{name} of shape {got.shape}, expected {tuple(expected.shape)} for input {shape}")
            differences.append(np.abs(got - expected.numpy()).max())
    return float(np.max(differences))  # NaN if any output is NaN


def main() -> None:
    weights = wheel_weights()
    models = package_models()
    MTCNN_DIR.mkdir(parents=True, exist_ok=True)
    import tensorflow as tf

    record = {"mtcnn_version": installed_version(), "tensorflow_version": tf.__version__,
              "converted_by": "scripts/convert_mtcnn.py", "networks": {}}
    for name, (input_shape, outputs, shapes) in NETWORKS.items():
        flatbuffer = convert(models[name], input_shape, outputs)
        difference = largest_difference(models[name], flatbuffer, outputs, shapes)
        if not difference <= TOLERANCE:
            raise SystemExit(f"{name}: the TFLite twin differs from the package's network by {difference:.2g}")
        path = MTCNN_DIR / f"{name}.tflite"
        path.write_bytes(flatbuffer)
        record["networks"][name] = {
            "weights": WEIGHTS[name], "weights_sha256": sha256_file(weights[name]),
            "tflite": path.name, "tflite_sha256": sha256_file(path),
            "input": input_shape, "outputs": list(outputs), "largest_difference": float(f"{difference:.2g}"),
        }
        print(f"{path.relative_to(MTCNN_DIR.parents[1])}: {len(flatbuffer) / 1024:.0f} KB, "
              f"largest difference from the package's network {difference:.2g}")
    (MTCNN_DIR / RECORD).write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {MTCNN_DIR / RECORD}")


if __name__ == "__main__":
    main()
