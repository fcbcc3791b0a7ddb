import threading

import cv2
import numpy as np
import pytest

from emotion_app.faces import (
    DEFAULT_MARGIN,
    DETECTOR_WINDOW,
    DETECTORS,
    FACE_SIZE,
    DetectionSettings,
    Face,
    FaceDetectorError,
    FramedDetector,
    HaarCascade,
    HaarDetector,
    MtcnnDetector,
    crop_faces,
    detection_copy,
    eye_angle,
    find_faces,
    make_detector,
    min_face_side,
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
        ({"pad": 1.5}, "pad"),
        ({"mtcnn_threshold": 1.0}, "mtcnn_threshold"),
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


def test_cascades_are_lent_one_thread_at_a_time_and_kept_across_reruns(astronaut_bgr):
    """Each Streamlit rerun is a new thread: per-thread cascades were once rebuilt on every one."""
    cascade = HaarCascade()  # a fresh one: the module's fixture is shared
    gray = to_gray(astronaut_bgr)
    for _ in range(5):  # five reruns, one after the other
        thread = threading.Thread(target=lambda: find_faces(gray, cascade, DetectionSettings()))
        thread.start()
        thread.join()
    assert cascade.copies == 1
    with cascade.borrow() as first, cascade.borrow() as second:  # two users at once: two copies
        assert first is not second
    assert cascade.copies == 2


def test_crops_are_square_48px_even_at_the_edges():
    gray = np.arange(100 * 120, dtype=np.uint32).reshape(100, 120).astype(np.uint8)
    boxes = [(0, 0, 40, 40), (90, 70, 30, 30), (10, 10, 60, 30), (0, 0, 120, 100), (119, 99, 1, 1)]
    crops = crop_faces(gray, boxes, margin=0.25)
    assert crops.shape == (len(boxes), FACE_SIZE, FACE_SIZE, 1) and crops.dtype == np.uint8


def test_a_crop_reaching_the_edge_stays_inside_the_image():
    """A close-up's square once spilled over the photo and was filled by smearing its border: 7 of
    48 rows and columns of stripes, which no FER2013 face has (docs/EXPERIMENTS.md)."""
    edged = np.zeros((100, 120), np.uint8)
    edged[0, :], edged[:, 0] = 255, 255  # a bright top row and left column
    corner = crop_faces(edged, [(0, 0, 40, 40)], margin=0.25)[0, :, :, 0]  # 10 px of its 60 lie outside
    assert corner[0, 2:].min() > 200 and corner[2:, 0].min() > 200  # the image's own edge, once
    assert corner[2:, 2:].max() == 0
    # the 50 px that lie inside, shrunk: the same pixels a crop of that square would give
    expected = cv2.resize(edged[:50, :50], (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA)
    assert np.array_equal(corner, expected)


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


@pytest.fixture(scope="module")
def mtcnn():
    return MtcnnDetector()


def closeup(image: np.ndarray, face: Face, factor: float = 1.05) -> np.ndarray:
    """A square crop of ``factor`` times the face's box: a face that fills the photo."""
    x, y, w, h = face.box
    side = int(max(w, h) * factor)
    left, top = max(0, x + w // 2 - side // 2), max(0, y + h // 2 - side // 2)
    return image[top:top + side, left:left + side].copy()


@pytest.mark.parametrize("name", ["haar", "mtcnn"])
def test_detector_contract(name, mtcnn, astronaut_bgr):
    """Both detectors: boxes inside the image, largest first; eyes, where given, inside their box."""
    import cv2

    detector = mtcnn if name == "mtcnn" else HaarDetector()
    canvas = np.full((600, 1100, 3), 200, np.uint8)
    canvas[50:562, 0:512] = astronaut_bgr
    canvas[200:456, 700:956] = cv2.resize(astronaut_bgr, (256, 256))
    for image in (canvas, to_gray(canvas), astronaut_bgr[:300, 100:400]):
        faces = detector.detect(image, DetectionSettings(detect_side=1100, min_face=0.05, pad=0.2))
        assert faces, f"{name} found no face"
        areas = [f.box[2] * f.box[3] for f in faces]
        assert areas == sorted(areas, reverse=True)
        for face in faces:
            x, y, w, h = face.box
            assert 0 <= x and 0 <= y and w > 0 and h > 0 and x + w <= image.shape[1] and y + h <= image.shape[0]
            assert all(isinstance(v, int) for v in face.box)
            assert (face.eyes is not None) == (name == "mtcnn")
            for ex, ey in face.eyes or ():
                assert x <= ex <= x + w and y <= ey <= y + h
    assert detector.detect(np.full((300, 400, 3), 128, np.uint8), DetectionSettings()) == []


def test_mtcnn_loads_its_network_on_first_use_only():
    detector = MtcnnDetector()
    assert detector._network is None
    detector.detect(np.full((120, 160, 3), 90, np.uint8), DetectionSettings())
    assert detector._network is not None


class Recorder:
    """A first detector that reports fixed faces and counts its calls."""

    name = "recorder"

    def __init__(self, faces):
        self.faces, self.calls = faces, 0

    def detect(self, image, settings):
        self.calls += 1
        return list(self.faces)

    def warm_up(self):
        self.warmed = True


def test_framed_detector_frames_each_face_with_haars_box(mtcnn, astronaut_bgr):
    """MTCNN finds the face; Haar, searched for around it alone, frames it as a whole-image Haar
    search would (its box and crop margin), and MTCNN's eyes are kept."""
    haar = HaarDetector()
    settings = DetectionSettings()
    (found,) = mtcnn.detect(astronaut_bgr, settings)
    (framed,) = FramedDetector(mtcnn, haar).detect(astronaut_bgr, settings)
    (whole,) = haar.detect(astronaut_bgr, settings)
    assert framed.box != found.box and framed.box[2] == framed.box[3]  # Haar's boxes are square
    assert np.abs(np.subtract(framed.box, whole.box)).max() <= 0.1 * whole.box[2]
    assert framed.margin == haar.margin and framed.eyes == found.eyes


def test_framed_detector_keeps_a_face_haar_does_not_confirm_and_falls_back_on_nothing(astronaut_bgr):
    blank = np.full((300, 400, 3), 128, np.uint8)
    unconfirmed = Face((100, 100, 80, 80), ((120.0, 130.0), (160.0, 130.0)), -0.025)
    assert FramedDetector(Recorder([unconfirmed]), HaarDetector()).detect(blank, DetectionSettings()) == [unconfirmed]
    # where the first finds nothing, Haar searches the whole image
    first = Recorder([])
    faces = FramedDetector(first, HaarDetector()).detect(astronaut_bgr, DetectionSettings())
    assert first.calls == 1 and faces == HaarDetector().detect(astronaut_bgr, DetectionSettings())


def test_framed_detector_frames_a_face_that_fills_the_photo(mtcnn, astronaut_bgr):
    """A close-up: the neighbourhood Haar searches reaches past the photo's edges (replicated, as
    the photo's padding is), so Haar still frames the face."""
    reference = mtcnn.detect(astronaut_bgr, DetectionSettings())[0]
    tight = closeup(astronaut_bgr, reference, 1.0)
    (face,) = FramedDetector(mtcnn, HaarDetector()).detect(tight, DetectionSettings())
    assert face.margin == DEFAULT_MARGIN and face.box[2] > 0.6 * tight.shape[1]


def test_warming_up_the_framed_detector_loads_the_first_only():
    first = Recorder([])
    FramedDetector(first, HaarDetector()).warm_up()
    assert first.warmed
    HaarDetector().warm_up()  # nothing to load


def test_warming_up_mtcnn_builds_its_network():
    detector = MtcnnDetector()
    assert detector._network is None
    detector.warm_up()
    assert detector._network is not None


def test_make_detector_names():
    assert [make_detector(n).name for n in DETECTORS] == list(DETECTORS)
    with pytest.raises(ValueError, match="unknown face detector"):
        make_detector("yolo")


def test_a_face_that_fills_the_photo_is_found(mtcnn, astronaut_bgr):
    """Close-ups (a cropped selfie, a profile picture) cropped to the face itself are found by both
    detectors with the photo page's padded border."""
    reference = mtcnn.detect(astronaut_bgr, DetectionSettings())[0]
    tight = closeup(astronaut_bgr, reference, 1.0)
    for detector in (HaarDetector(), mtcnn):
        (face,) = detector.detect(tight, DetectionSettings(pad=0.15))
        assert face.box[2] > 0.6 * tight.shape[1]


def test_eye_angle_and_aligned_crop_level_the_eyes():
    """A synthetic face whose eyes (two dark dots) sit on a line tilted by 20 degrees comes out of
    the aligned crop with both dots on one row."""
    import math

    import cv2

    image = np.full((200, 200), 220, np.uint8)
    centre, half, tilt = np.array([100.0, 90.0]), 30.0, math.radians(20)
    left = centre - half * np.array([math.cos(tilt), math.sin(tilt)])
    right = centre + half * np.array([math.cos(tilt), math.sin(tilt)])
    for x, y in (left, right):
        cv2.circle(image, (int(round(x)), int(round(y))), 6, 0, -1)
    face = Face((40, 40, 120, 120), (tuple(left), tuple(right)))
    assert eye_angle(face) == pytest.approx(20, abs=0.01)
    assert eye_angle(Face((40, 40, 120, 120))) == 0.0

    def dot_rows(crop):
        dark = crop[:, :, 0] < 110
        rows = [np.nonzero(dark[:, :24].any(axis=1))[0], np.nonzero(dark[:, 24:].any(axis=1))[0]]
        return [r.mean() for r in rows]

    aligned = dot_rows(crop_faces(image, [face.box], 0.0, [eye_angle(face)])[0])
    tilted = dot_rows(crop_faces(image, [face.box], 0.0)[0])
    assert abs(aligned[0] - aligned[1]) < 1.0
    assert abs(tilted[0] - tilted[1]) > 4.0


def test_mtcnn_eyes_follow_a_tilted_head(mtcnn, astronaut_bgr):
    """The astronaut turned by 15 degrees: MTCNN's eyes give back about that angle."""
    import cv2

    height, width = astronaut_bgr.shape[:2]
    level = eye_angle(mtcnn.detect(astronaut_bgr, DetectionSettings())[0])
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), -15, 1.0)  # clockwise on screen
    tilted = cv2.warpAffine(astronaut_bgr, turn, (width, height), borderMode=cv2.BORDER_REPLICATE)
    assert eye_angle(mtcnn.detect(tilted, DetectionSettings())[0]) - level == pytest.approx(15, abs=4)


def test_small_crops_are_enlarged_smoothly():
    """A face under 48 px is enlarged (INTER_CUBIC), not with a shrinking filter that blocks it."""
    gray = np.tile(np.linspace(0, 255, 24, dtype=np.uint8), (24, 1))
    crop = crop_faces(gray, [(0, 0, 24, 24)], 0.0)[0, :, :, 0]
    assert len(np.unique(crop[10])) > 30


def test_no_sensitivity_searches_faces_the_classifier_cannot_read():
    """Smaller faces are read clearly worse than full-size ones (benchmarks/face_size.py), so no
    sensitivity searches below 32 px."""
    from emotion_app.profiles import PHOTO, WEBCAM

    for levels in (PHOTO.sensitivity, WEBCAM.sensitivity):
        assert all(settings.min_face_px >= 32 for settings in levels.values())


def test_the_smallest_face_searched_is_found_in_a_large_frame(astronaut_bgr):
    """At 1280x720 the webcam's 320 px detection copy shrank a 72 px face to 18 px, under Haar's
    20 px window: "medium" claims faces from 8% of the short side (58 px), and now finds them."""
    from emotion_app.profiles import WEBCAM

    frame = np.full((720, 1280, 3), 200, np.uint8)
    frame[200:540, 500:840] = cv2.resize(astronaut_bgr, (340, 340), interpolation=cv2.INTER_AREA)  # face ~72 px
    faces = HaarDetector().detect(frame, WEBCAM.settings)
    assert len(faces) == 1 and 55 < faces[0].box[2] < 110
    small, scale, _ = detection_copy(frame, WEBCAM.settings)
    assert min_face_side(frame.shape, WEBCAM.settings, scale) >= DETECTOR_WINDOW


def test_high_sensitivity_keeps_the_far_faces_of_a_group_photo(astronaut_bgr):
    """What the sidebar's help promises for group photos: "high" searches from 3% of the shorter
    side, so the 75-px faces further back are kept beside the near one (docs/EXPERIMENTS.md,
    Detection and framing)."""
    from emotion_app.profiles import PHOTO

    photo = np.full((1536, 2048, 3), 190, np.uint8)
    photo[100:800, 100:800] = cv2.resize(astronaut_bgr, (700, 700), interpolation=cv2.INTER_AREA)  # face ~140 px
    for x in (900, 1300):
        photo[900:1284, x:x + 384] = cv2.resize(astronaut_bgr, (384, 384), interpolation=cv2.INTER_AREA)  # ~75 px
    faces = make_detector(PHOTO.detector).detect(photo, PHOTO.sensitivity["high"])
    assert sorted(face.box[2] > 110 for face in faces) == [False, False, True]


def test_the_detection_copy_is_the_size_shrink_makes_with_everything_where_shrink_puts_it():
    """quick_shrink area-averages by the whole part of the factor and samples the rest bilinearly: the
    same size as image_io.shrink's, and a spot lands where it does there (boxes map back by one scale),
    odd sides and large factors included."""
    from emotion_app.faces import quick_shrink
    from emotion_app.image_io import shrink

    photo = np.zeros((721, 1283), np.uint8)
    cv2.circle(photo, (1100, 600), 60, 255, -1)  # near the right and bottom edges, where pixels are replicated

    def centre(image):
        ys, xs = np.nonzero(image > 127)
        return np.array([xs.mean(), ys.mean()])

    for side in (1283, 1000, 641, 595, 300, 97):
        quick, exact = quick_shrink(photo, side), shrink(photo, side)
        assert quick.shape == exact.shape
        assert np.abs(centre(quick) - centre(exact)).max() < 0.15  # px of the copy (cropping the edges: 0.7)
    assert quick_shrink(photo, 2000) is photo
