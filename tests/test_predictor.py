import numpy as np
import pytest

from emotion_app.faces import DetectionSettings
from emotion_app.labels import EMOTIONS
from emotion_app.predictor import EmotionPredictor, InvalidImageError


def test_result_record_follows_the_public_api(random_predictor, astronaut_bgr):
    results = random_predictor.predict(astronaut_bgr)
    assert len(results) == 1
    face = results[0]
    assert isinstance(face.box, tuple) and len(face.box) == 4 and all(isinstance(v, int) for v in face.box)
    assert face.emotion in EMOTIONS
    assert set(face.probabilities) == set(EMOTIONS)
    assert abs(sum(face.probabilities.values()) - 1) < 1e-4
    assert face.confidence == max(face.probabilities.values())
    assert face.probabilities[face.emotion] == face.confidence


def test_no_face_returns_empty_list(random_predictor):
    assert random_predictor.predict(np.full((240, 320, 3), 90, np.uint8)) == []
    assert random_predictor.predict(np.zeros((10, 10, 3), np.uint8)) == []


def test_gray_images_are_accepted(random_predictor, astronaut_bgr):
    import cv2

    gray = cv2.cvtColor(astronaut_bgr, cv2.COLOR_BGR2GRAY)
    assert [r.box for r in random_predictor.predict(gray)] == [r.box for r in random_predictor.predict(astronaut_bgr)]


@pytest.mark.parametrize(
    "image",
    [np.zeros((10, 10, 3), np.float32), np.zeros((10, 10, 4), np.uint8), np.zeros((0, 5, 3), np.uint8), "a path"],
)
def test_invalid_arrays_raise_the_domain_error(random_predictor, image):
    with pytest.raises(InvalidImageError):
        random_predictor.predict(image)


def test_all_faces_go_through_one_model_call(random_predictor, astronaut_bgr, monkeypatch):
    import cv2

    grid = np.vstack([np.hstack([astronaut_bgr, astronaut_bgr])] * 2)
    grid = cv2.resize(grid, (1024, 1024))
    calls = []
    original = random_predictor.model.probabilities
    monkeypatch.setattr(random_predictor.model.__class__, "probabilities",
                        lambda self, faces: calls.append(len(faces)) or original(faces))
    results = random_predictor.predict(grid, DetectionSettings(detect_side=1024))
    assert len(results) == 4 and calls == [4]


def test_classify_reuses_given_boxes(random_predictor, astronaut_bgr):
    detected = random_predictor.predict(astronaut_bgr)
    again = random_predictor.classify(astronaut_bgr, [detected[0].box])
    assert again[0].probabilities == detected[0].probabilities


def test_margin_is_validated(random_model_path):
    with pytest.raises(ValueError, match="margin"):
        EmotionPredictor(random_model_path, margin=2.0)
