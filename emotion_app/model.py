"""Load the shipped ``.keras`` model and its metadata, and check they match the app's contract."""

from __future__ import annotations

import json
import os
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


class ModelError(RuntimeError):
    """The model file is missing, unreadable, or does not follow the contract."""


@dataclass(frozen=True)
class LoadedModel:
    keras_model: object
    metadata: dict
    path: Path

    def probabilities(self, faces: np.ndarray) -> np.ndarray:
        """``(N, 48, 48, 1)`` faces (0..255) to ``(N, 7)`` probabilities, in one call.

        NOTE: calling the model directly avoids ``Model.predict``'s per-call setup, which costs
        more than the network itself on a handful of faces.
        """
        if len(faces) == 0:
            return np.zeros((0, len(EMOTIONS)), dtype=np.float32)
        import keras

        output = self.keras_model(faces.astype(np.float32, copy=False), training=False)
        return np.asarray(keras.ops.convert_to_numpy(output), dtype=np.float32)


def load_metadata(model_path: Path) -> dict:
    path = Path(model_path).with_suffix(".json")
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ModelError(f"model metadata {path} is unreadable: {error}") from None


def load_model(path: str | Path = DEFAULT_MODEL) -> LoadedModel:
    """Load with Keras safe mode (no arbitrary code) and check shapes and labels."""
    path = Path(path)
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
    return LoadedModel(keras_model=model, metadata=metadata, path=path)
