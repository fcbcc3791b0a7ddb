import json

import numpy as np
import pytest

from emotion_app.model import LiteRTInference, sha256_file, twin_path
from training.export import main, write_twin


@pytest.mark.slow
def test_savedmodel_and_tflite_match_the_keras_file(random_model_path, random_export):
    import keras
    import tensorflow as tf

    saved_model, tflite = random_export
    faces = np.random.default_rng(0).integers(0, 256, (6, 48, 48, 1)).astype(np.uint8)
    expected = np.asarray(keras.saving.load_model(random_model_path)(faces.astype("float32"), training=False))

    loaded = tf.saved_model.load(str(saved_model))
    as_float = loaded.signatures["serving_default"](face=tf.constant(faces.astype("float32")))["probabilities"]
    as_uint8 = loaded.signatures["serving_uint8"](face=tf.constant(faces))["probabilities"]
    np.testing.assert_allclose(as_float.numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(as_uint8.numpy(), expected, atol=1e-5)

    lite = LiteRTInference(tflite)(faces.astype("float32"))
    np.testing.assert_allclose(lite, expected, atol=1e-4)
    assert (lite.argmax(axis=1) == expected.argmax(axis=1)).all()


@pytest.mark.slow
def test_twin_is_paired_with_the_exact_keras_file(model_with_twin):
    twin = twin_path(model_with_twin)
    assert twin.is_file()
    recorded = json.loads(model_with_twin.with_suffix(".json").read_text())["tflite"]
    assert recorded["file"] == twin.name and recorded["keras_sha256"] == sha256_file(model_with_twin)
    assert recorded["max_difference"] <= 1e-4


@pytest.mark.slow
def test_a_twin_of_another_model_is_refused(model_with_twin, tmp_path):
    import keras

    from training.network import build_model

    keras.utils.set_random_seed(7)
    other = tmp_path / "other.keras"
    build_model().save(other)
    with pytest.raises(ValueError, match="disagrees"):
        write_twin(other, twin_path(model_with_twin))
    assert not twin_path(other).exists()


def test_cli_reports_a_missing_model(tmp_path, capsys):
    assert main(["--model", str(tmp_path / "none.keras"), "--out-dir", str(tmp_path), "--twin"]) == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.slow
def test_an_int8_twin_that_strays_from_its_model_is_refused(model_with_twin):
    """The shipped model's int8 twin checked against a random network: refused, nothing paired."""
    from tests.conftest import SHIPPED_MODEL
    from training.export import Int8Refused, write_int8_twin

    faces = np.random.default_rng(4).integers(0, 256, (64, 48, 48, 1)).astype(np.float32)
    before = json.loads(model_with_twin.with_suffix(".json").read_text())
    with pytest.raises(Int8Refused, match="strays too far"):
        write_int8_twin(model_with_twin, twin_path(SHIPPED_MODEL, "litert-int8"), faces, np.zeros(64, int))
    assert json.loads(model_with_twin.with_suffix(".json").read_text()) == before
    assert not twin_path(model_with_twin, "litert-int8").exists()
