import json
import shutil

import numpy as np
import pytest

from emotion_app.labels import EMOTIONS
from emotion_app.model import ModelError, load_model


def test_loads_and_returns_probabilities(random_model_path):
    model = load_model(random_model_path)
    faces = np.random.default_rng(0).integers(0, 256, (5, 48, 48, 1)).astype(np.uint8)
    probabilities = model.probabilities(faces)
    assert probabilities.shape == (5, 7)
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    assert model.probabilities(faces[:0]).shape == (0, 7)


def test_missing_model_says_how_to_get_one(tmp_path):
    with pytest.raises(ModelError, match="not found.*python -m training.train"):
        load_model(tmp_path / "emotion_cnn.keras")


def test_truncated_model_is_a_clear_error(tmp_path, random_model_path):
    broken = tmp_path / "emotion_cnn.keras"
    broken.write_bytes(random_model_path.read_bytes()[:1000])
    with pytest.raises(ModelError, match="could not be loaded"):
        load_model(broken)


def test_wrong_shape_is_refused(tmp_path):
    import keras

    path = tmp_path / "wrong.keras"
    keras.Sequential([keras.Input((48, 48, 1)), keras.layers.Flatten(), keras.layers.Dense(5)]).save(path)
    with pytest.raises(ModelError, match="expected"):
        load_model(path)


def test_metadata_labels_must_match(tmp_path, random_model_path):
    copy = tmp_path / "emotion_cnn.keras"
    shutil.copy(random_model_path, copy)
    copy.with_suffix(".json").write_text(json.dumps({"labels": list(reversed(EMOTIONS))}))
    with pytest.raises(ModelError, match="labels"):
        load_model(copy)


def test_fast_path_matches_the_plain_keras_model(random_model_path):
    model = load_model(random_model_path)
    faces = np.random.default_rng(1).integers(0, 256, (9, 48, 48, 1)).astype(np.uint8)
    plain = np.asarray(model.keras_model(faces.astype("float32"), training=False))
    for batch in (faces[:1], faces[:4], faces):  # one trace must serve every batch size
        np.testing.assert_allclose(model.probabilities(batch), plain[: len(batch)], atol=1e-5)
