"""The model's metadata file (``emotion_cnn.json`` beside ``emotion_cnn.keras``): one writer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from emotion_app.labels import EMOTIONS, FACE_SHAPE

INPUT_SPEC = {
    "shape": [None, *FACE_SHAPE],
    "dtype": "float32",
    "color": "grayscale",
    "value_range": [0, 255],
    "preprocessing": "none outside the model: the first layer rescales by 1/255",
}


def metadata_path(model_path: Path) -> Path:
    return Path(model_path).with_suffix(".json")


def write_metadata(model_path: Path, **sections) -> dict:
    """Merge ``sections`` (e.g. ``training=...``, ``metrics=...``) into the metadata file."""
    import keras

    path = metadata_path(model_path)
    metadata = json.loads(path.read_text()) if path.exists() else {}
    metadata.update(
        format_version=1,
        model_file=Path(model_path).name,
        labels=list(EMOTIONS),
        input=INPUT_SPEC,
        output={"shape": [None, len(EMOTIONS)], "meaning": "softmax probabilities in the order of 'labels'"},
        keras_version=keras.__version__,
        date=datetime.now(UTC).strftime("%Y-%m-%d"),
    )
    metadata.update(sections)
    path.write_text(json.dumps(metadata, indent=2) + "\n")
    return metadata
