"""emotion_app/mtcnn_lite.py: MTCNN on LiteRT finds the mtcnn package's faces, without TensorFlow."""

import logging
import math
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest

from emotion_app import mtcnn_lite
from emotion_app.faces import MtcnnDetector
from emotion_app.mtcnn_lite import MtcnnLite
from tests.conftest import REPO

COLLAGE = REPO / "assets" / "examples" / "collage.jpg"  # 4 faces
ASTRONAUT = REPO / "assets" / "examples" / "astronaut.jpg"


@pytest.fixture(scope="module")
def lite() -> MtcnnLite:
    return MtcnnLite()


@pytest.fixture(scope="module")
def exact() -> MtcnnLite:
    """Every pyramid level shrunk from the image, as the package does."""
    return MtcnnLite(source_ratio=math.inf)


@pytest.fixture(scope="module")
def package():
    from mtcnn import MTCNN

    return MTCNN()


def turned(image: np.ndarray, degrees: float) -> np.ndarray:
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)


def in_scene(image: np.ndarray, factor: float, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """``image`` shrunk by ``factor`` and placed off-centre on a plain grey scene."""
    small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    scene = np.full((size[1], size[0], 3), 170, np.uint8)
    scene[40:40 + small.shape[0], 90:90 + small.shape[1]] = small
    return scene


def photos(astronaut_bgr: np.ndarray) -> dict[str, np.ndarray]:
    collage = cv2.imread(str(COLLAGE))
    return {
        "astronaut": astronaut_bgr,
        "collage": collage,
        "blank": np.full((300, 400, 3), 128, np.uint8),
        "astronaut turned 20 degrees": turned(astronaut_bgr, 20),
        "astronaut at 0.5 in a scene": in_scene(astronaut_bgr, 0.5),
        "collage turned -12 degrees": turned(collage, -12),
        "collage at 0.45": cv2.resize(collage, None, fx=0.45, fy=0.45, interpolation=cv2.INTER_AREA),
    }


PHOTOS = ("astronaut", "collage", "blank", "astronaut turned 20 degrees", "astronaut at 0.5 in a scene",
          "collage turned -12 degrees", "collage at 0.45")
EXPECTED_FACES = {"astronaut": 1, "collage": 4, "blank": 0}


def paired(expected: list[dict], got: list[dict]) -> list[tuple[dict, dict]]:
    """Each expected face with the found face whose box centre is nearest (the order of two faces of equal
    confidence may differ)."""
    def centre(face: dict) -> np.ndarray:
        x, y, w, h = face["box"]
        return np.array([x + w / 2, y + h / 2])

    free, pairs = list(got), []
    for face in expected:
        nearest = min(free, key=lambda other: np.hypot(*(centre(other) - centre(face))))
        free.remove(nearest)
        pairs.append((face, nearest))
    return pairs


@pytest.mark.parametrize("name", PHOTOS)
@pytest.mark.parametrize("options", [
    {"threshold_onet": 0.8},  # the package's defaults
    {"threshold_onet": 0.9},  # the photos'
    {"threshold_onet": 0.9, "threshold_pnet": 0.7},  # the webcam's
    {"threshold_onet": 0.9, "scale_factor": 0.6},  # a coarser pyramid
], ids=["package", "photos", "webcam", "coarse"])
def test_litert_finds_the_packages_faces(name, options, exact, package, astronaut_bgr):
    rgb = cv2.cvtColor(photos(astronaut_bgr)[name], cv2.COLOR_BGR2RGB)
    expected = package.detect_faces(rgb, **options)
    got = exact.detect_faces(rgb, **options)
    assert len(got) == len(expected)
    if name in EXPECTED_FACES:
        assert len(got) == EXPECTED_FACES[name]
    for want, face in paired(expected, got):
        assert set(face) == {"box", "confidence", "keypoints"} and set(face["keypoints"]) == set(want["keypoints"])
        assert all(isinstance(v, int) for v in face["box"])
        assert np.abs(np.subtract(face["box"], want["box"])).max() <= 2, (face["box"], want["box"])
        for eye in ("left_eye", "right_eye"):
            assert np.abs(np.subtract(face["keypoints"][eye], want["keypoints"][eye])).max() <= 2
        assert face["confidence"] == pytest.approx(want["confidence"], abs=0.01)


def iou(a: list[int], b: list[int]) -> float:
    (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
    inter = max(0, min(ax + aw, bx + bw) - max(ax, bx)) * max(0, min(ay + ah, by + bh) - max(ay, by))
    return inter / (aw * ah + bw * bh - inter)


@pytest.mark.parametrize("name", PHOTOS)
@pytest.mark.parametrize("options", [{"threshold_onet": 0.8}, {"threshold_onet": 0.9, "threshold_pnet": 0.7},
                                     {"threshold_onet": 0.9, "scale_factor": 0.6}], ids=["package", "webcam", "coarse"])
def test_the_served_pyramid_finds_the_packages_faces_with_boxes_that_move_a_little(name, options, lite, package,
                                                                                   astronaut_bgr):
    """Small levels shrunk from the first may move a box by a few pixels, as a window scoring near a threshold
    does (up to 6 px on these photos, overlap 0.91): the same faces, each overlapping the package's by 0.85
    or more."""
    rgb = cv2.cvtColor(photos(astronaut_bgr)[name], cv2.COLOR_BGR2RGB)
    expected = package.detect_faces(rgb, **options)
    got = lite.detect_faces(rgb, **options)
    assert len(got) == len(expected)
    for want, face in paired(expected, got):
        assert iou(face["box"], want["box"]) >= 0.85, (face["box"], want["box"])
        assert face["confidence"] == pytest.approx(want["confidence"], abs=0.01)


def test_small_pyramid_levels_are_shrunk_from_the_first_with_nearly_the_image_s_values(astronaut_bgr,
                                                                                      monkeypatch):
    image = cv2.cvtColor(cv2.resize(astronaut_bgr, (593, 334)), cv2.COLOR_BGR2RGB).astype(np.float32) / 128 - 1
    height, width = image.shape[:2]
    resize, sources = cv2.resize, []
    monkeypatch.setattr(mtcnn_lite.cv2, "resize", lambda src, *args, **kwargs: sources.append(src.shape[:2])
                        or resize(src, *args, **kwargs))
    scales = mtcnn_lite.pyramid_scales(width, height)
    first = (scales[0], mtcnn_lite.pyramid_level(image, scales[0]))
    for scale in scales[1:]:
        level = mtcnn_lite.pyramid_level(image, scale, first)
        direct = resize(image, level.shape[1::-1], interpolation=cv2.INTER_AREA)
        assert level.shape == (int(height * scale), int(width * scale), 3)
        assert np.abs(level - direct).mean() < 0.01  # under 1.3 grey levels of 255
    assert len(sources) == 9
    assert sources[:5] == [(height, width)] * 5  # from the image while the first level is not 4x as large
    assert sources[5:] == [first[1].shape[:2]] * 4  # then from the first level


def test_the_pyramid_s_two_halves_find_what_one_thread_finds(astronaut_bgr):
    """Each call runs half its pyramid on a helper thread (on 2 cores or more): the same proposals as one
    PNet running every level in order."""
    image = photos(astronaut_bgr)["collage"].astype(np.float32) / 128 - 1
    pnets = [mtcnn_lite.Network(mtcnn_lite.MTCNN_DIR / "pnet.tflite", 1) for _ in range(2)]
    with ThreadPoolExecutor(1) as helper:
        together = mtcnn_lite.propose(pnets, image, helper=helper)
    alone = mtcnn_lite.propose(pnets[:1], image)
    assert len(together) > 10
    np.testing.assert_array_equal(together, alone)


def test_an_error_in_one_half_of_the_pyramid_waits_for_the_other_before_the_networks_go_back(astronaut_bgr):
    """The caller hands its set of networks back to the pool when ``propose`` leaves: the helper's PNet must
    not be running then, or the next caller would share an interpreter with it."""
    image = photos(astronaut_bgr)["collage"].astype(np.float32) / 128 - 1
    events = []

    def failing(images):
        raise RuntimeError("PNet failed")

    def slow(images):
        time.sleep(0.05)
        events.append("helper's PNet done")
        return {"bbox_reg": np.zeros((1, 1, 1, 4), np.float32), "bbox_class": np.zeros((1, 1, 1, 2), np.float32)}

    with ThreadPoolExecutor(1) as helper, pytest.raises(RuntimeError, match="PNet failed"):
        try:
            mtcnn_lite.propose([failing, slow], image, helper=helper)
        finally:
            events.append("propose left")
    assert events[0] != "propose left" and events[-1] == "propose left"


def test_crops_are_sampled_as_tensorflow_samples_them():
    """The crops RNet and ONet see, boxes that spill over the image's edges included."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    image = rng.uniform(-1, 1, (90, 130, 3)).astype(np.float32)
    corners = rng.uniform(-40, 150, (50, 2))
    boxes = np.column_stack([corners, corners + rng.uniform(3, 80, (50, 2)), np.ones(50)])
    height, width = image.shape[:2]
    normalized = boxes[:, [1, 0, 3, 2]] / [height, width, height, width]  # as the package hands them over
    for side in (mtcnn_lite.RNET_SIDE, mtcnn_lite.ONET_SIDE):
        expected = tf.image.crop_and_resize(image[None], normalized, np.zeros(50, int), (side, side)).numpy()
        np.testing.assert_allclose(mtcnn_lite.crop_and_resize(image, boxes, side), expected, atol=1e-5)


def test_the_litert_path_never_imports_tensorflow():
    code = (
        "import sys, cv2\n"
        "import emotion_app\n"
        "from emotion_app.faces import DetectionSettings, MtcnnDetector\n"
        "from emotion_app.mtcnn_lite import MtcnnLite\n"
        "detector = MtcnnDetector()\n"
        "faces = detector.detect(cv2.imread(sys.argv[1]), DetectionSettings())\n"
        "assert isinstance(detector.network(), MtcnnLite), type(detector.network())\n"
        "assert len(faces) == 1 and faces[0].eyes is not None, faces\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(ASTRONAUT)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_shipped_conversion_matches_the_installed_package():
    """Fails when mtcnn is upgraded without `python scripts/convert_mtcnn.py` (the app would fall back)."""
    assert mtcnn_lite.stale_reason() is None


def test_weights_that_differ_from_the_conversion_fall_back_to_tensorflow(monkeypatch, caplog, tmp_path):
    """Another mtcnn version (other weights in its wheel) must run itself, never the stale conversion."""
    from mtcnn import MTCNN

    other = tmp_path / "pnet.lz4"
    other.write_bytes(b"the weights of another mtcnn version")
    weights = mtcnn_lite.wheel_weights()
    monkeypatch.setattr(mtcnn_lite, "wheel_weights", lambda: {**weights, "pnet": other})
    detector = MtcnnDetector()
    with caplog.at_level(logging.WARNING, logger="emotion_app.faces"):
        network = detector.network()
    assert isinstance(network, MTCNN)
    assert "running MTCNN on TensorFlow, not LiteRT" in caplog.text
    assert "pnet.lz4 is not the file pnet.tflite was converted from" in caplog.text
    assert "scripts/convert_mtcnn.py" in caplog.text


def test_a_tampered_or_missing_conversion_is_not_served(tmp_path):
    folder = tmp_path / "mtcnn"
    folder.mkdir()
    assert "there is no pnet.tflite, rnet.tflite, onet.tflite" in mtcnn_lite.stale_reason(folder)
    for path in mtcnn_lite.MTCNN_DIR.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    assert mtcnn_lite.stale_reason(folder) is None
    (folder / "onet.tflite").write_bytes((folder / "onet.tflite").read_bytes() + b"\0")
    assert "onet.tflite is not the file mtcnn.json records" in mtcnn_lite.stale_reason(folder)
    (folder / "mtcnn.json").write_text("{")
    assert "cannot be checked" in mtcnn_lite.stale_reason(folder)


def test_concurrent_calls_each_get_their_own_networks(lite, astronaut_bgr):
    rgb = cv2.cvtColor(astronaut_bgr, cv2.COLOR_BGR2RGB)
    expected = lite.detect_faces(rgb)
    results, barrier = [], threading.Barrier(4)

    def detect() -> None:
        barrier.wait()
        results.append(lite.detect_faces(rgb))

    threads = [threading.Thread(target=detect) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4
    assert 1 <= lite.copies <= 4


def test_an_image_that_is_not_rgb_is_refused(lite):
    with pytest.raises(ValueError, match="RGB"):
        lite.detect_faces(np.zeros((50, 50), np.uint8))


def test_each_input_shape_is_planned_once_and_plans_stay_within_their_budget(monkeypatch):
    """LiteRT's signature runner re-planned the tensors on every call; a network keeps a plan per input
    shape, least recently used dropped first once the shapes' pixels pass PLAN_PIXELS."""
    monkeypatch.setattr(mtcnn_lite, "PLAN_PIXELS", 100 * 100 * 2)
    pnet = mtcnn_lite.Network(mtcnn_lite.MTCNN_DIR / "pnet.tflite", threads=1)
    image = np.zeros((1, 100, 100, 3), np.float32)
    first = pnet(image)
    plan = pnet._plans[(1, 100, 100, 3)]
    np.testing.assert_array_equal(pnet(image)["bbox_class"], first["bbox_class"])
    assert pnet._plans[(1, 100, 100, 3)] is plan  # kept, not planned again
    for side in (90, 80, 70):
        pnet(np.zeros((1, side, side, 3), np.float32))
    assert sum(p.pixels for p in pnet._plans.values()) <= mtcnn_lite.PLAN_PIXELS
    assert (1, 100, 100, 3) not in pnet._plans and (1, 70, 70, 3) in pnet._plans


@pytest.mark.parametrize("count", [1, 3, 17, 300])
def test_a_batch_padded_to_its_bucket_answers_each_crop_as_alone(count):
    """RNet's and ONet's batches are padded to a few sizes (and split past MAX_BATCH) so their plans are
    few; each crop's answer must not depend on the others."""
    assert mtcnn_lite.batch_bucket(count) >= count
    rnet = mtcnn_lite.Network(mtcnn_lite.MTCNN_DIR / "rnet.tflite", threads=1, batched=True)
    crops = np.random.default_rng(count).uniform(-1, 1, (count, 24, 24, 3)).astype(np.float32)
    together = rnet(crops)
    assert together["bbox_class"].shape == (count, 2)
    for i in (0, count - 1):
        alone = rnet(crops[i:i + 1])
        np.testing.assert_allclose(together["bbox_class"][i], alone["bbox_class"][0], atol=1e-6)
        np.testing.assert_allclose(together["bbox_reg"][i], alone["bbox_reg"][0], atol=1e-6)
