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


def test_all_faces_go_through_one_model_call_and_their_mirrors_one_more(random_predictor, astronaut_bgr, monkeypatch):
    import cv2

    grid = np.vstack([np.hstack([astronaut_bgr, astronaut_bgr])] * 2)
    grid = cv2.resize(grid, (1024, 1024))
    calls = []
    original = random_predictor.model.probabilities
    monkeypatch.setattr(random_predictor.model.__class__, "probabilities",
                        lambda self, faces: calls.append(len(faces)) or original(faces))
    results = random_predictor.predict(grid, DetectionSettings(detect_side=1024))
    # 4 faces in one call, then the mirror images of those it is unsure of (a random model: all) in one more
    assert len(results) == 4 and calls == [4, 4]


def test_given_faces_skip_detection(random_predictor, astronaut_bgr):
    detected = random_predictor.predict(astronaut_bgr)
    again = random_predictor.predict(astronaut_bgr, faces=[detected[0].box])
    assert again[0].probabilities == detected[0].probabilities


def test_unknown_detector_is_a_clear_error(random_model_path):
    with pytest.raises(ValueError, match="unknown face detector 'dlib'"):
        EmotionPredictor(random_model_path, detector="dlib")


def test_default_is_the_photo_configuration(random_model_path):
    from emotion_app.predictor import ALIGN
    from emotion_app.profiles import PHOTO

    predictor = EmotionPredictor(random_model_path)
    assert predictor.detector.name == PHOTO.detector and predictor.settings == PHOTO.settings
    assert predictor.align is ALIGN is False


@pytest.mark.parametrize(
    "row, unsure",
    [
        ([0.5, 0.45, 0.05, 0, 0, 0, 0], True),  # top two 0.05 apart
        ([0.8, 0.1, 0.1, 0, 0, 0, 0], False),  # a clear angry face
        ([0.6, 0, 0, 0, 0, 0, 0.4 - 1e-9], True),  # angry, but neutral keeps 0.4: no accusation
        ([0, 0, 0, 0.6, 0, 0, 0.4 - 1e-9], False),  # neutral doubt only guards negative answers
        ([1 / 7] * 7, True),
    ],
)
def test_unsure_when_the_top_two_are_close_or_neutral_is_in_doubt(row, unsure):
    from emotion_app.predictor import NEUTRAL_DOUBT, UNSURE_MARGIN, to_predictions

    assert 0.05 < UNSURE_MARGIN < 0.2 and NEUTRAL_DOUBT < 0.4  # the rows above straddle both rules
    (face,) = to_predictions([(0, 0, 10, 10)], np.array([row]))
    assert face.unsure is unsure and face.emotion == EMOTIONS[int(np.argmax(row))]


def test_flip_averages_the_face_and_its_mirror_image(random_model_path, astronaut_bgr):
    one_pass = EmotionPredictor(random_model_path, detector="haar", flip=False)
    mirrored = EmotionPredictor(random_model_path, detector="haar", model=one_pass.model, mirror_below=1.0)
    assert EmotionPredictor(model=one_pass.model, detector="haar").flip  # the photo page's default
    (face,) = mirrored.predict(astronaut_bgr)
    crops = one_pass.crops(astronaut_bgr, one_pass.find_faces(astronaut_bgr))
    expected = (one_pass.model.probabilities(crops) + one_pass.model.probabilities(crops[:, :, ::-1].copy())) / 2
    assert np.allclose([face.probabilities[e] for e in EMOTIONS], expected[0], atol=1e-6)
    assert not np.allclose(expected, one_pass.model.probabilities(crops))  # the mirror does change the answer


class ScriptedModel:
    """A model whose answer for a crop is set by the crop's left column: bright means sure (0.9 for
    happy), dark means close (0.4 happy, 0.35 sad); every batch it is called with is kept."""

    def __init__(self) -> None:
        self.batches: list[np.ndarray] = []

    def probabilities(self, crops: np.ndarray) -> np.ndarray:
        self.batches.append(crops.copy())
        sure = crops[:, :, 0, 0].mean(axis=1) > 128
        sure_row, close_row = [0.02, 0.02, 0.02, 0.9, 0.02, 0.01, 0.01], [0.05, 0.05, 0.05, 0.4, 0.35, 0.05, 0.05]
        return np.where(sure[:, None], sure_row, close_row).astype(np.float32)


def test_only_faces_the_model_is_unsure_of_are_mirrored():
    """Mirroring every face doubled the photo page's classification; a face whose top two answers
    are MIRROR_BELOW apart or more almost always keeps its class with the mirror
    (benchmarks/mirror_gate.py)."""
    from emotion_app.predictor import MIRROR_BELOW

    model = ScriptedModel()
    crops = np.zeros((3, 48, 48, 1), np.uint8)
    crops[0, :, 0], crops[2, :, -1] = 255, 255  # face 0 sure; face 2 sure only in its mirror image
    probabilities = EmotionPredictor(model=model, detector="haar").probabilities(crops)
    first, second = model.batches
    assert len(first) == 3 and len(second) == 2  # faces 1 and 2 get their second pass, face 0 not
    assert np.array_equal(second, crops[1:, :, ::-1])
    assert np.allclose(probabilities[0], model.probabilities(crops[:1])[0])
    assert probabilities[1, 3] == pytest.approx(0.4) and probabilities[2, 3] == pytest.approx((0.4 + 0.9) / 2)
    assert 0.4 - 0.35 < MIRROR_BELOW < 0.9 - 0.02
