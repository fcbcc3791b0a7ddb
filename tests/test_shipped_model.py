"""The committed model honours its contract, and its recorded accuracy is what it really scores."""

import json

import numpy as np
import pytest

from emotion_app.labels import EMOTIONS
from tests.conftest import SHARED_DATA, SHIPPED_MODEL, skip_or_fail

METADATA = SHIPPED_MODEL.with_suffix(".json")


def served_files():
    """The shipped model's file and those of the ensemble's other members, if it is served in one."""
    from training.ensemble import members_of

    return [SHIPPED_MODEL, *members_of(SHIPPED_MODEL)]


def test_contract_and_size():
    import keras

    model = keras.saving.load_model(SHIPPED_MODEL)  # no custom objects
    assert model.input_shape == (None, 48, 48, 1) and model.output_shape == (None, 7)
    assert SHIPPED_MODEL.stat().st_size < 10 * 2**20
    faces = np.random.default_rng(0).integers(0, 256, (3, 48, 48, 1)).astype("float32")
    assert np.allclose(np.asarray(model(faces)).sum(axis=1), 1, atol=1e-5)


def test_metadata_describes_the_model():
    metadata = json.loads(METADATA.read_text())
    assert metadata["labels"] == list(EMOTIONS)
    assert metadata["input"]["shape"] == [None, 48, 48, 1]
    assert len(metadata["training"]["data_sha256"]) == 64
    for split in ("PublicTest", "PrivateTest"):
        assert 0 < metadata["metrics"][split]["accuracy"] <= 1


@pytest.mark.parametrize("path", served_files(), ids=lambda path: path.name)
def test_the_app_serves_the_tflite_twin_of_this_exact_model(path):
    from emotion_app.model import load_model, sha256_file, twin_path

    assert json.loads(path.with_suffix(".json").read_text())["tflite"]["keras_sha256"] == sha256_file(path), (
        f"{twin_path(path).name} was made from another .keras: run `python -m training.export --model {path} --twin`"
    )
    assert path.stat().st_size < 10 * 2**20 and twin_path(path).stat().st_size < 10 * 2**20
    assert load_model(SHIPPED_MODEL).runtime == "litert"


@pytest.mark.parametrize("path", served_files(), ids=lambda path: path.name)
def test_the_webcam_s_int8_twin_is_paired_with_this_exact_model(path):
    from emotion_app.model import load_model, sha256_file, twin_path
    from training.export import INT8_AGREEMENT, INT8_MAX_LOSS

    recorded = json.loads(path.with_suffix(".json").read_text())["tflite_int8"]
    assert recorded["keras_sha256"] == sha256_file(path), (
        f"{twin_path(path, 'litert-int8').name} was made from another .keras: run "
        f"`python -m training.export --model {path} --int8`"
    )
    assert recorded["publictest_agreement"] >= INT8_AGREEMENT
    assert recorded["publictest_accuracy_float32"] - recorded["publictest_accuracy"] <= INT8_MAX_LOSS
    assert twin_path(path, "litert-int8").stat().st_size < 3 * 2**20
    assert load_model(SHIPPED_MODEL, quantized=True).runtime == "litert-int8"


@pytest.mark.slow
@pytest.mark.parametrize("path", served_files(), ids=lambda path: path.name)
def test_recorded_int8_agreement_is_real(path):
    if not SHARED_DATA.exists():
        skip_or_fail(f"{SHARED_DATA} not present: the int8 check needs FER2013")
    from emotion_app.model import load_one
    from training.data import load_fer2013_csv

    public = load_fer2013_csv(SHARED_DATA).split("PublicTest")
    recorded = json.loads(path.with_suffix(".json").read_text())["tflite_int8"]
    int8 = load_one(path, "litert-int8", quantized=True).probabilities(public.x).argmax(axis=1)
    float32 = load_one(path, "litert", quantized=False).probabilities(public.x).argmax(axis=1)
    assert abs(np.mean(int8 == float32) - recorded["publictest_agreement"]) < 1e-3
    assert abs(np.mean(int8 == public.y) - recorded["publictest_accuracy"]) < 1e-3


def test_the_astronaut_smiles(shipped_predictor, astronaut_bgr):
    faces = shipped_predictor.predict(astronaut_bgr)
    assert len(faces) == 1 and faces[0].emotion == "happy"


@pytest.mark.parametrize("ci, outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_prerequisite_fails_in_ci_and_skips_elsewhere(monkeypatch, ci, outcome):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome):
        skip_or_fail("no data")


@pytest.mark.slow
def test_recorded_privatetest_accuracy_is_real():
    if not SHARED_DATA.exists():
        skip_or_fail(f"{SHARED_DATA} not present: the accuracy check needs FER2013")
    from emotion_app.model import load_model
    from training.data import load_fer2013_csv
    from training.inference import predict_probabilities

    test = load_fer2013_csv(SHARED_DATA).split("PrivateTest")
    model = load_model(SHIPPED_MODEL)  # an ensemble's figures are its own (EnsembleModel.metadata)
    recorded = model.metadata["metrics"]["PrivateTest"]["accuracy"]
    predicted = predict_probabilities(model.keras_model, test.x).argmax(axis=1)
    accuracy = np.mean(predicted == test.y)
    assert accuracy == pytest.approx(recorded, abs=0.002)
    # The targets the shipped model was accepted against (issue 2), so a swap can never lower them.
    assert accuracy >= 0.68
    disgust = EMOTIONS.index("disgust")
    assert np.mean(predicted[test.y == disgust] == disgust) >= 0.5
    served = np.concatenate([model.probabilities(batch) for batch in np.array_split(test.x, 64)]).argmax(axis=1)
    assert model.runtime == "litert" and np.mean(served == predicted) > 0.999  # the float32 twin, the fallback
    # What the photo page serves (the int8 twin, mirror image averaged where unsure) keeps the
    # PrivateTest accuracy it was accepted against (issue 16).
    from emotion_app.predictor import EmotionPredictor

    photos = EmotionPredictor(detector="haar")
    page = np.concatenate([photos.probabilities(batch) for batch in np.array_split(test.x, 16)]).argmax(axis=1)
    assert photos.model.runtime == "litert-int8" and np.mean(page == test.y) >= 0.685


def test_serving_from_the_twin_never_imports_tensorflow():
    """Cold start and memory: with the twin, and while MTCNN is unused (Haar found the face, or the
    Haar detector was chosen), a page process needs neither TensorFlow nor Keras."""
    import subprocess
    import sys

    from tests.conftest import REPO

    script = (
        "import sys, cv2, numpy as np\n"
        "from skimage import data\n"
        "from emotion_app.predictor import EmotionPredictor\n"
        "import emotion_app.ui, emotion_app.live, emotion_app.photo\n"
        "photo = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)\n"
        "predictor = EmotionPredictor()\n"
        "assert len(predictor.predict(photo)) == 1\n"
        "assert len(predictor.predict(photo, faces=[(10, 10, 100, 100)])) == 1\n"
        "EmotionPredictor(detector='haar').predict(np.zeros((240, 320, 3), np.uint8))\n"
        "print(predictor.model.runtime, 'tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["litert-int8", "False", "False"]


def test_the_int8_twins_probabilities_sum_to_one(shipped_predictor, astronaut_bgr):
    """Its quantised softmax summed to 0.996 (happy 0.99609375) on the astronaut."""
    assert shipped_predictor.model.runtime == "litert-int8"
    (face,) = shipped_predictor.predict(astronaut_bgr)
    assert abs(sum(face.probabilities.values()) - 1.0) < 1e-6
