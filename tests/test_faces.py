import threading

import numpy as np
import pytest

from emotion_app.faces import (
    FACE_SIZE,
    DetectionSettings,
    FaceDetectorError,
    HaarCascade,
    crop_faces,
    find_faces,
    to_gray,
)


@pytest.fixture(scope="module")
def cascade():
    return HaarCascade()


def test_finds_the_astronaut_face_in_original_pixels(cascade, astronaut_bgr):
    boxes = find_faces(to_gray(astronaut_bgr), cascade, DetectionSettings())
    assert len(boxes) == 1
    x, y, w, h = boxes[0]
    # Her face sits around x 180-270, y 60-170 in the 512x512 portrait.
    assert 150 < x < 210 and 40 < y < 100 and 70 < w < 140 and w == h


def test_detection_on_a_downscaled_copy_maps_boxes_back(cascade, astronaut_bgr):
    import cv2

    big = cv2.resize(astronaut_bgr, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
    strict = DetectionSettings(min_neighbors=4, detect_side=512)  # one box each, so they can be compared
    (x, y, w, h), = find_faces(to_gray(big), cascade, strict)
    (sx, sy, sw, sh), = find_faces(to_gray(astronaut_bgr), cascade, strict)
    assert abs(x - 4 * sx) < 40 and abs(y - 4 * sy) < 40 and abs(w - 4 * sw) < 60


def test_no_face_in_a_blank_image(cascade):
    assert find_faces(np.full((300, 400), 128, np.uint8), cascade, DetectionSettings()) == []


def test_largest_face_first(cascade, astronaut_bgr):
    canvas = np.full((600, 1100, 3), 200, np.uint8)
    import cv2

    canvas[50:562, 0:512] = astronaut_bgr
    canvas[200:456, 700:956] = cv2.resize(astronaut_bgr, (256, 256))
    boxes = find_faces(to_gray(canvas), cascade, DetectionSettings(detect_side=1100, min_face=0.05))
    assert len(boxes) == 2
    assert boxes[0][2] > boxes[1][2] and boxes[0][0] < 512


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scale_factor": 1.0}, "scale_factor"),
        ({"min_neighbors": 0}, "min_neighbors"),
        ({"min_face": 0}, "min_face"),
        ({"detect_side": 10}, "detect_side"),
        ({"min_face_px": -1}, "min_face_px"),
    ],
)
def test_settings_are_validated(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DetectionSettings(**kwargs)


def test_missing_or_broken_cascade_fails_loudly(tmp_path):
    with pytest.raises(FaceDetectorError, match="not found"):
        HaarCascade(tmp_path / "missing.xml")
    broken = tmp_path / "broken.xml"
    broken.write_text("<opencv_storage></opencv_storage>")
    with pytest.raises(FaceDetectorError, match="could not be loaded"):
        HaarCascade(broken)


def test_each_thread_gets_its_own_cascade(cascade):
    seen = []
    thread = threading.Thread(target=lambda: seen.append(cascade.get()))
    thread.start()
    thread.join()
    assert seen[0] is not cascade.get()


def test_crops_are_square_48px_and_padded_at_edges():
    gray = np.arange(100 * 120, dtype=np.uint32).reshape(100, 120).astype(np.uint8)
    crops = crop_faces(gray, [(0, 0, 40, 40), (90, 70, 30, 30), (10, 10, 60, 30)], margin=0.25)
    assert crops.shape == (3, FACE_SIZE, FACE_SIZE, 1) and crops.dtype == np.uint8


def test_crop_margin_widens_the_view():
    gray = np.zeros((200, 200), np.uint8)
    gray[50:150, 50:150] = 255  # a white square exactly the size of the box
    tight = crop_faces(gray, [(50, 50, 100, 100)], margin=0.0)
    loose = crop_faces(gray, [(50, 50, 100, 100)], margin=0.25)
    assert tight.mean() > 250 and 100 < loose.mean() < 200


def test_min_face_px_skips_faces_smaller_than_the_classifier_can_read(cascade, astronaut_bgr):
    import cv2

    small = cv2.resize(astronaut_bgr, (320, 320), interpolation=cv2.INTER_AREA)  # her face is ~60 px
    assert len(find_faces(to_gray(small), cascade, DetectionSettings(min_face_px=40))) == 1
    assert find_faces(to_gray(small), cascade, DetectionSettings(min_face_px=80)) == []
