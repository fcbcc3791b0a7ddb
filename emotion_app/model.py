"""Load the shipped ``.keras`` model and its metadata, and check they match the app's contract."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emotion_app.labels import EMOTIONS

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
DEFAULT_MODEL = MODELS_DIR / "emotion_cnn.keras"
HOW_TO_GET = (
    "The model ships with the repository as models/emotion_cnn.keras: restore it with "
    "`git checkout -- models/`, or train your own with `python -m training.train` (see README, "
    "'Train your own model')."
)


def default_model_path() -> Path:
    """``$EMOTION_APP_MODEL`` if set (to serve another trained model), else the shipped model."""
    return Path(os.environ.get("EMOTION_APP_MODEL", DEFAULT_MODEL))


class ModelError(RuntimeError):
    """The model file is missing, unreadable, or does not follow the contract."""


def compile_inference(keras_model) -> Callable[[np.ndarray], np.ndarray]:
    """The fastest way to call the model on a small batch that gives the same outputs.

    NOTE: ``Model.predict`` sets up a data pipeline per call and an eager call dispatches op by op;
    both cost more than the network itself on a handful of faces. Under TensorFlow a
    ``tf.function`` traced once for any batch size halves the per-frame cost (see benchmarks/).
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        return lambda faces: keras.ops.convert_to_numpy(keras_model(faces, training=False))
    import tensorflow as tf

    signature = [tf.TensorSpec((None, 48, 48, 1), tf.float32)]
    compiled = tf.function(lambda faces: keras_model(faces, training=False), input_signature=signature)
    return lambda faces: compiled(faces).numpy()


@dataclass(frozen=True)
class LoadedModel:
    keras_model: object
    metadata: dict
    path: Path
    infer: Callable[[np.ndarray], np.ndarray]

    def probabilities(self, faces: np.ndarray) -> np.ndarray:
        """``(N, 48, 48, 1)`` faces (0..255) to ``(N, 7)`` probabilities, in one call."""
        if len(faces) == 0:
            return np.zeros((0, len(EMOTIONS)), dtype=np.float32)
        return np.asarray(self.infer(faces.astype(np.float32, copy=False)), dtype=np.float32)


def load_metadata(model_path: Path) -> dict:
    path = Path(model_path).with_suffix(".json")
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ModelError(f"model metadata {path} is unreadable: {error}") from None


def load_model(path: str | Path | None = None) -> LoadedModel:
    """Load with Keras safe mode (no arbitrary code) and check shapes and labels."""
    path = Path(path) if path is not None else default_model_path()
    if not path.is_file():
        raise ModelError(f"Model file not found: {path}. {HOW_TO_GET}")
    import keras

    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for a damaged zip/config; all mean "unusable"
        reason = f"{type(error).__name__}: {error}"
        raise ModelError(f"Model file {path} could not be loaded ({reason}). {HOW_TO_GET}") from None
    if tuple(model.input_shape) != (None, 48, 48, 1) or tuple(model.output_shape) != (None, len(EMOTIONS)):
        raise ModelError(
            f"Model file {path} has input {model.input_shape} and output {model.output_shape}; "
            f"expected (None, 48, 48, 1) and (None, {len(EMOTIONS)}). {HOW_TO_GET}"
        )
    metadata = load_metadata(path)
    labels = metadata.get("labels", list(EMOTIONS))
    if list(labels) != list(EMOTIONS):
        raise ModelError(f"Model metadata lists labels {labels}, expected {list(EMOTIONS)} in that order")
    return LoadedModel(keras_model=model, metadata=metadata, path=path, infer=compile_inference(model))
