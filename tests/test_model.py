import json
import shutil

import numpy as np
import pytest

from emotion_app.labels import EMOTIONS
from emotion_app.model import ModelError, load_model, twin_path


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


def test_a_model_without_twin_runs_on_tensorflow(random_model_path):
    assert load_model(random_model_path).runtime == "tensorflow"
    with pytest.raises(ModelError, match="there is no emotion_cnn.tflite"):
        load_model(random_model_path, runtime="litert")


@pytest.mark.slow
def test_the_twin_serves_the_same_probabilities(model_with_twin):
    fast, plain = load_model(model_with_twin), load_model(model_with_twin, runtime="tensorflow")
    assert (fast.runtime, plain.runtime) == ("litert", "tensorflow")
    faces = np.random.default_rng(2).integers(0, 256, (9, 48, 48, 1)).astype(np.uint8)
    for batch in (faces[:1], faces[:4], faces, faces[:1]):  # batch size changes re-plan the interpreter
        np.testing.assert_allclose(fast.probabilities(batch), plain.probabilities(batch), atol=1e-4)
        assert (fast.probabilities(batch).argmax(1) == plain.probabilities(batch).argmax(1)).all()


def assert_twin_refused(path, reason: str) -> None:
    """"auto" quietly serves the .keras through TensorFlow; "litert" refuses, saying why."""
    assert load_model(path).runtime == "tensorflow"
    with pytest.raises(ModelError, match=reason):
        load_model(path, runtime="litert")


@pytest.mark.slow
def test_a_stale_twin_is_never_served(model_with_twin):
    metadata = json.loads(model_with_twin.with_suffix(".json").read_text())
    metadata["tflite"]["keras_sha256"] = "0" * 64  # as if the .keras was retrained after the export
    model_with_twin.with_suffix(".json").write_text(json.dumps(metadata))
    assert_twin_refused(model_with_twin, "not made from")


@pytest.mark.slow
def test_a_damaged_twin_falls_back_to_tensorflow(model_with_twin):
    twin = twin_path(model_with_twin)
    twin.write_bytes(twin.read_bytes()[:2000])
    assert_twin_refused(model_with_twin, "could not be loaded")


@pytest.mark.slow
def test_twin_interpreters_are_kept_across_reruns(model_with_twin):
    """Each Streamlit rerun is a new thread: per-thread interpreters were once rebuilt on every one."""
    import threading

    model = load_model(model_with_twin)
    faces = np.zeros((1, 48, 48, 1), np.uint8)
    for _ in range(5):
        thread = threading.Thread(target=lambda: model.probabilities(faces))
        thread.start()
        thread.join()
    assert model.infer.copies == 1


@pytest.mark.slow
def test_twin_interpreters_are_per_thread(model_with_twin):
    from concurrent.futures import ThreadPoolExecutor

    model = load_model(model_with_twin)
    batches = [np.random.default_rng(i).integers(0, 256, (1 + i % 4, 48, 48, 1)).astype(np.uint8) for i in range(16)]
    alone = [model.probabilities(b) for b in batches]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(model.probabilities, batches * 4))
    for i, result in enumerate(together):
        np.testing.assert_array_equal(result, alone[i % len(batches)])


def test_unknown_runtime_is_refused(random_model_path, monkeypatch):
    with pytest.raises(ModelError, match="runtime"):
        load_model(random_model_path, runtime="onnx")
    monkeypatch.setenv("EMOTION_APP_RUNTIME", "gpu")
    with pytest.raises(ModelError, match="EMOTION_APP_RUNTIME.*'gpu'"):
        load_model(random_model_path)


def test_a_keras_model_without_tensorflow_is_a_clear_error(random_model_path, monkeypatch):
    """Once a traceback: an unpaired .keras on a machine without TensorFlow."""
    import sys

    from emotion_app.model import ModelError, load_keras

    monkeypatch.setitem(sys.modules, "keras", None)  # what `import keras` meets when it is not installed
    with pytest.raises(ModelError, match="needs TensorFlow and Keras"):
        load_keras(random_model_path)


def test_falling_back_to_tensorflow_is_a_warning(random_model_path, caplog):
    from emotion_app.model import load_model

    with caplog.at_level("WARNING", logger="emotion_app.model"):
        model = load_model(random_model_path)
    assert model.runtime == "tensorflow" and "not LiteRT" in caplog.text


@pytest.mark.slow
def test_the_quantized_form_is_the_int8_twin_and_the_default_stays_float32(model_with_int8_twin):
    assert load_model(model_with_int8_twin, quantized=True).runtime == "litert-int8"
    assert load_model(model_with_int8_twin).runtime == "litert"
    assert load_model(model_with_int8_twin, runtime="litert-int8").runtime == "litert-int8"
    faces = np.random.default_rng(3).integers(0, 256, (5, 48, 48, 1)).astype(np.uint8)
    probabilities = load_model(model_with_int8_twin, quantized=True).probabilities(faces)
    assert probabilities.shape == (5, 7) and np.allclose(probabilities.sum(axis=1), 1, atol=0.02)


@pytest.mark.slow
def test_a_stale_int8_twin_gives_way_to_the_float32_one(model_with_int8_twin):
    metadata = json.loads(model_with_int8_twin.with_suffix(".json").read_text())
    metadata["tflite_int8"]["keras_sha256"] = "0" * 64
    model_with_int8_twin.with_suffix(".json").write_text(json.dumps(metadata))
    assert load_model(model_with_int8_twin, quantized=True).runtime == "litert"
    with pytest.raises(ModelError, match="not made from.*training.export --int8"):
        load_model(model_with_int8_twin, runtime="litert-int8")


def test_without_any_twin_the_quantized_form_is_tensorflow_too(random_model_path):
    assert load_model(random_model_path, quantized=True).runtime == "tensorflow"
    with pytest.raises(ModelError, match="there is no emotion_cnn.int8.tflite"):
        load_model(random_model_path, runtime="litert-int8")


@pytest.fixture
def ensemble_path(random_model_path, tmp_path):
    """The random model with a second random model listed as its ensemble's member, beside it."""
    import keras

    from emotion_app.model import ENSEMBLE, sha256_file
    from training.metadata import write_metadata
    from training.network import build_model

    first = tmp_path / "emotion_cnn.keras"
    shutil.copy(random_model_path, first)
    keras.utils.set_random_seed(1)
    member = tmp_path / "emotion_cnn_seed1.keras"
    build_model().save(member)
    write_metadata(member, training={"note": "random weights for tests"})
    metadata = json.loads(random_model_path.with_suffix(".json").read_text())
    metadata[ENSEMBLE] = {"members": [{"file": member.name, "keras_sha256": sha256_file(member)}],
                          "metrics": {"PrivateTest": {"accuracy": 0.5}}}
    first.with_suffix(".json").write_text(json.dumps(metadata))
    return first


def test_an_ensemble_in_the_metadata_is_served_averaged(ensemble_path):
    from emotion_app.model import EnsembleModel, load_one

    model = load_model(ensemble_path, runtime="tensorflow")
    assert isinstance(model, EnsembleModel) and [m.path.name for m in model.members] == [
        "emotion_cnn.keras", "emotion_cnn_seed1.keras"]
    faces = np.random.default_rng(0).integers(0, 256, (4, 48, 48, 1)).astype(np.float32)
    alone = [load_one(m.path, "tensorflow", quantized=False).probabilities(faces) for m in model.members]
    expected = np.mean(alone, axis=0)
    np.testing.assert_allclose(model.probabilities(faces), expected, atol=1e-6)
    assert not np.allclose(*alone)
    # what the pages quote is the ensemble's figure, and one Keras model gives the same answers
    assert model.metadata["metrics"]["PrivateTest"]["accuracy"] == 0.5
    np.testing.assert_allclose(np.asarray(model.keras_model(faces)), expected, atol=1e-5)


def test_an_ensemble_inside_an_ensemble_weighs_each_model_the_same(ensemble_path, random_model_path):
    from emotion_app.model import EnsembleModel

    nested = EnsembleModel([load_model(ensemble_path, runtime="tensorflow"),
                            load_model(random_model_path, runtime="tensorflow")])
    assert len(nested.members) == 3
    # the two-model ensemble's figures are not this one's
    assert nested.metadata.get("metrics") != {"PrivateTest": {"accuracy": 0.5}}


def test_a_missing_or_changed_member_is_a_clear_error(ensemble_path):
    member = ensemble_path.parent / "emotion_cnn_seed1.keras"
    member.write_bytes(member.read_bytes() + b"\0")
    with pytest.raises(ModelError, match="not the member"):
        load_model(ensemble_path, runtime="tensorflow")
    member.unlink()
    with pytest.raises(ModelError, match="missing"):
        load_model(ensemble_path, runtime="tensorflow")
