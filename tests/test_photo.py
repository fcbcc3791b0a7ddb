import io

import numpy as np
import pytest

from emotion_app.image_io import ImageError, encode_png
from emotion_app.overlay import Painter
from emotion_app.photo import analyze_photo
from emotion_app.profiles import PHOTO


@pytest.fixture(scope="module")
def painter():
    return Painter()


def test_photo_end_to_end(random_predictor, painter, astronaut_jpeg):
    result = analyze_photo(astronaut_jpeg, random_predictor, painter, language="fr")
    assert len(result.predictions) == 1 and not result.downscaled
    assert result.png().startswith(b"\x89PNG")


def test_large_photo_is_downscaled_and_boxes_follow(random_predictor, painter, astronaut_bgr):
    import cv2

    big = cv2.resize(astronaut_bgr, (4096, 4096))
    result = analyze_photo(encode_png(big), random_predictor, painter)
    assert result.downscaled and result.original_size == (4096, 4096)
    assert max(result.annotated.shape[:2]) == 2048
    x, y, w, h = result.predictions[0].box
    assert x + w <= 2048 and 600 < x < 800  # 4x the 512-pixel original's ~176


def test_no_face_photo(random_predictor, painter):
    result = analyze_photo(encode_png(np.full((100, 100, 3), 255, np.uint8)), random_predictor, painter)
    assert result.predictions == []


def test_bad_file_raises_image_error_and_others_still_work(random_predictor, painter, astronaut_jpeg):
    outcomes = []
    for data in (b"garbage", astronaut_jpeg):
        try:
            outcomes.append(len(analyze_photo(data, random_predictor, painter).predictions))
        except ImageError as error:
            outcomes.append(str(error))
    assert "not an image" in outcomes[0] and outcomes[1] == 1


@pytest.mark.slow
def test_fifty_megapixel_photo_works(random_predictor, painter):
    import cv2

    huge = np.full((6250, 8000, 3), 120, np.uint8)  # 50 MP
    data = cv2.imencode(".jpg", huge, [cv2.IMWRITE_JPEG_QUALITY, 50])[1].tobytes()
    result = analyze_photo(data, random_predictor, painter)
    assert result.original_size == (8000, 6250) and result.annotated.shape[:2] == (1600, 2048)


def boxes_in(rows_of_boxes):
    from emotion_app.predictor import to_predictions

    boxes = [box for row in rows_of_boxes for box in row]
    return boxes, to_predictions(boxes, np.full((len(boxes), 7), 1 / 7, np.float32))


def test_a_group_photo_is_numbered_row_by_row_left_to_right():
    """A class photo, two rows of four whose heads are not quite aligned: the numbers once ran
    down the columns in whatever order the boxes' x happened to differ by a pixel (2, 3, 1, 4)."""
    from emotion_app.photo import reading_order

    back = [(40 + 150 * i + (i % 2) * 3, 60 + (i % 3) * 12, 70, 70) for i in range(4)]
    front = [(38 + 150 * i - (i % 2) * 2, 200 - (i % 2) * 15, 80, 80) for i in range(4)]
    boxes, predictions = boxes_in([front[::-1], back])  # any order in
    assert [p.box for p in reading_order(predictions)] == back + front


def test_faces_of_one_row_are_numbered_left_to_right():
    from emotion_app.photo import reading_order

    row = [(300, 110, 60, 60), (10, 100, 90, 90), (160, 90, 70, 70)]
    _, predictions = boxes_in([row])
    assert [p.box[0] for p in reading_order(predictions)] == [10, 160, 300]


def test_faces_are_numbered_in_reading_order_and_exported(random_predictor, painter):
    import csv
    import io
    import json
    import zipfile
    from pathlib import Path

    from emotion_app.exports import rows_csv, rows_json
    from emotion_app.labels import EMOTIONS
    from emotion_app.photo import annotated_zip, face_rows, reading_order

    collage = (Path(__file__).resolve().parents[1] / "assets" / "examples" / "collage.jpg").read_bytes()
    result = analyze_photo(collage, random_predictor, painter)
    # not largest first: the numbers read as a page does, stable and findable
    assert len(result.predictions) == 4 and result.predictions == reading_order(result.predictions)
    results = [("collage.jpg", result), ("collage.jpg", result)]
    rows = face_rows(results)
    assert [(r["file"], r["face"]) for r in rows[:4]] == [("collage.jpg", i) for i in range(1, 5)]
    assert (rows[0]["x"], rows[0]["y"], rows[0]["width"], rows[0]["height"]) == result.predictions[0].box
    parsed = list(csv.DictReader(io.StringIO(rows_csv(rows).decode())))
    assert len(parsed) == 8 and set(EMOTIONS) <= set(parsed[0]) and parsed[0]["emotion"] in EMOTIONS
    assert abs(sum(float(parsed[0][e]) for e in EMOTIONS) - 1) < 1e-3
    assert json.loads(rows_json(rows)) == json.loads(json.dumps(rows))
    with zipfile.ZipFile(io.BytesIO(annotated_zip(results))) as archive:
        assert archive.namelist() == ["collage_emotions.png", "collage_2_emotions.png"]
        assert archive.read("collage_emotions.png").startswith(b"\x89PNG")


def test_numbered_labels_change_the_drawing(random_predictor, painter, astronaut_bgr):
    faces = random_predictor.predict(astronaut_bgr)
    assert not np.array_equal(painter.draw(astronaut_bgr, faces), painter.draw(astronaut_bgr, faces, numbered=True))


MEMORY_SCRIPT = """
import io, resource, sys
import numpy as np
from PIL import Image
import emotion_app
from emotion_app.photo import analyze_photo
from emotion_app.predictor import EmotionPredictor
from emotion_app.overlay import Painter

values = np.zeros((7900, 8000), np.uint16)
values[:, :4000] = 30000
buffer = io.BytesIO()
Image.fromarray(values).save(buffer, "PNG")
data = buffer.getvalue()
del values
predictor, painter = EmotionPredictor(sys.argv[1], detector="haar"), Painter()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
result = analyze_photo(data, predictor, painter)
grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
print(len(data) // 1024, round(grew), result.original_size)
"""


def test_a_small_file_that_decodes_huge_stays_under_500_mb(random_model_path):
    """A 136 KB 16-bit 8000x7900 PNG once took the server's memory up by gigabytes."""
    import subprocess
    import sys

    from tests.conftest import REPO

    done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(random_model_path)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    kilobytes, grew_mb, size = done.stdout.split(maxsplit=2)
    assert int(kilobytes) < 200 and int(grew_mb) < 500 and size.strip() == "(8000, 7900)"


def test_the_presentation_view_draws_numbers_only(random_predictor, painter, astronaut_jpeg):
    full = analyze_photo(astronaut_jpeg, random_predictor, painter)
    short = analyze_photo(astronaut_jpeg, random_predictor, painter, numbers_only=True)
    assert short.predictions == full.predictions and not np.array_equal(short.annotated, full.annotated)


def test_boxes_in_the_exports_are_in_the_uploaded_images_pixels_with_its_size(random_predictor, painter, astronaut_bgr):
    """An 8000 px upload is analysed at 2048 px; its boxes were exported in 2048 px units."""
    import cv2

    from emotion_app.photo import face_rows

    big = cv2.resize(astronaut_bgr, (4096, 4096), interpolation=cv2.INTER_CUBIC)  # analysed at 2048: half
    result = analyze_photo(cv2.imencode(".png", big)[1].tobytes(), random_predictor, painter)
    (row,) = face_rows([("big.png", result)])[:1]
    assert (row["image_width"], row["image_height"]) == (4096, 4096)
    assert (row["x"], row["y"], row["width"], row["height"]) == tuple(2 * v for v in result.predictions[0].box)


def test_names_in_the_zip_and_downloads_extract_on_every_system(random_predictor, painter, astronaut_jpeg):
    import io
    import zipfile

    from emotion_app.photo import annotated_zip

    result = analyze_photo(astronaut_jpeg, random_predictor, painter)
    names = ['a*b?<c>:"d|e.jpg', "evil\u202egnp.exe.jpg", "con.jpg", "tab\there.jpg", "..."]
    with zipfile.ZipFile(io.BytesIO(annotated_zip([(name, result) for name in names]))) as archive:
        entries = archive.namelist()
    assert entries == ["a_b__c___d_e_emotions.png", "evil_gnp.exe_emotions.png", "_con_emotions.png",
                       "tab_here_emotions.png", "photo_emotions.png"]


def test_every_csv_the_app_writes_neutralises_formulas(random_predictor, painter, astronaut_jpeg):
    """OWASP's CSV injection: a file named "=HYPERLINK(...).jpg" ran as a formula in a spreadsheet."""
    import csv
    import io

    from emotion_app.exports import rows_csv
    from emotion_app.live import Timeline
    from emotion_app.photo import face_rows

    result = analyze_photo(astronaut_jpeg, random_predictor, painter)
    for name in ("=HYPERLINK(\"http://x\").jpg", "+1.jpg", "-2.jpg", "@SUM(A1).jpg", "  =cmd.jpg", " \t@x.jpg"):
        (row, *_) = csv.DictReader(io.StringIO(rows_csv(face_rows([(name, result)])).decode()))
        assert row["file"] == "'" + name
    (row, *_) = csv.DictReader(io.StringIO(rows_csv(face_rows([("plain.jpg", result)])).decode()))
    assert row["file"] == "plain.jpg"
    assert Timeline().to_csv().decode().startswith("run,time_s,face")


class CountingPredictor:
    """The predictor, counting its searches for faces."""

    def __init__(self, predictor):
        self.inner, self.searches = predictor, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def predict(self, *args, **kwargs):
        self.searches += 1
        return self.inner.predict(*args, **kwargs)


def test_a_session_searches_each_photo_once_and_a_language_switch_only_redraws(random_predictor, painter,
                                                                              astronaut_jpeg):
    from emotion_app.photo import SessionPhotos

    predictor, photos = CountingPredictor(random_predictor), SessionPhotos()
    first = photos.result(astronaut_jpeg, predictor, painter)
    photos.end_run()
    assert photos.result(astronaut_jpeg, predictor, painter) is first  # an unrelated click: nothing redone
    photos.end_run()
    french = photos.result(astronaut_jpeg, predictor, painter, language="fr")
    photos.end_run()
    assert predictor.searches == 1  # the language switch drew again, without searching
    assert french.predictions == first.predictions and not np.array_equal(french.annotated, first.annotated)
    assert list(photos.shown) == [next(iter(photos.shown))] and len(photos.shown) == 1  # English result dropped
    photos.result(astronaut_jpeg, predictor, painter, settings=PHOTO.sensitivity["high"], language="fr")
    assert predictor.searches == 2  # other settings: searched again


def test_a_session_keeps_why_a_file_was_refused(random_predictor, painter, astronaut_jpeg, monkeypatch):
    import emotion_app.photo as photo
    from emotion_app.photo import SessionPhotos

    photos, broken = SessionPhotos(), astronaut_jpeg[:300]
    with pytest.raises(ImageError):
        photos.result(broken, random_predictor, painter)
    monkeypatch.setattr(photo, "decode_photo", lambda *a, **k: pytest.fail("decoded again"))
    with pytest.raises(ImageError, match="damaged"):
        photos.result(broken, random_predictor, painter)


def test_exports_hold_videos_with_their_frames_and_times(random_predictor, painter, astronaut_jpeg, astronaut_bgr):
    import zipfile

    import cv2

    from emotion_app.photo import annotated_zip, face_rows
    from emotion_app.video import analyze_video
    from tests.test_video import make_mp4

    frame = cv2.resize(astronaut_bgr, (320, 320))
    video = analyze_video(make_mp4([frame] * 4, rate=10), random_predictor, painter, every=2, name="clip.mp4")
    photo = analyze_photo(astronaut_jpeg, random_predictor, painter)
    rows = face_rows([("a.jpg", photo), ("clip.mp4", video)])
    assert [(row["file"], row["frame"]) for row in rows] == [("a.jpg", None), ("clip.mp4", 0), ("clip.mp4", 2)]
    assert rows[2]["time_s"] == 0.2
    with zipfile.ZipFile(io.BytesIO(annotated_zip([("a.jpg", photo), ("clip.mp4", video)]))) as archive:
        assert archive.namelist() == ["a_emotions.png", "clip_emotions.mp4"]
        assert archive.read("clip_emotions.mp4") == video.video


def test_a_session_keeps_results_within_its_memory_cap(random_predictor, painter, astronaut_jpeg, monkeypatch):
    from emotion_app.photo import SessionPhotos

    photos = SessionPhotos()
    first = photos.result(astronaut_jpeg, random_predictor, painter)
    monkeypatch.setattr(SessionPhotos, "MAX_SHOWN_BYTES", photos.shown_bytes())  # room for this one alone
    photos.result(astronaut_jpeg, random_predictor, painter, language="fr")
    assert list(photos.shown.values()) == [first] and photos.shown_bytes() <= SessionPhotos.MAX_SHOWN_BYTES
