"""The photo page through Streamlit's AppTest (layout, language, error states).

AppTest cannot drive a file upload; tests/test_browser_photo.py does that in a real browser.
"""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[1] / "photo_detect_emotions.py")


@pytest.fixture
def page(random_model_path, monkeypatch):
    monkeypatch.setenv("EMOTION_APP_MODEL", str(random_model_path))
    st.cache_resource.clear()
    yield AppTest.from_file(PAGE, default_timeout=120)
    st.cache_resource.clear()


def test_page_starts_and_waits_for_a_photo(page):
    page.run()
    assert not page.exception
    assert page.title[0].value == "Emotion detector: photos"
    assert any("Upload a photo" in info.value for info in page.info)
    assert page.sidebar.radio[0].value == "en"


def test_page_speaks_french(page):
    page.run()
    page.sidebar.radio(key="language").set_value("fr").run()
    assert not page.exception
    assert page.title[0].value == "Détecteur d'émotions : photos"
    assert any("Dépose une photo" in info.value for info in page.info)


def test_missing_model_is_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOTION_APP_MODEL", str(tmp_path / "missing.keras"))
    st.cache_resource.clear()
    page = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not page.exception
    message = page.error[0].value
    assert "could not be loaded" in message and "python -m training.train" in message


def test_missing_cascade_is_a_clear_message(random_model_path, tmp_path, monkeypatch):
    import emotion_app.faces

    monkeypatch.setenv("EMOTION_APP_MODEL", str(random_model_path))
    monkeypatch.setattr(emotion_app.faces, "DEFAULT_CASCADE", tmp_path / "missing.xml")
    st.cache_resource.clear()
    page = AppTest.from_file(PAGE, default_timeout=120).run()
    st.cache_resource.clear()
    assert not page.exception
    assert "Haar cascade file not found" in page.error[0].value


def test_missing_emoji_is_a_clear_message(random_model_path, tmp_path, monkeypatch):
    import emotion_app.overlay

    monkeypatch.setenv("EMOTION_APP_MODEL", str(random_model_path))
    monkeypatch.setattr(emotion_app.overlay, "EMOJI_DIR", tmp_path)
    st.cache_resource.clear()
    page = AppTest.from_file(PAGE, default_timeout=120).run()
    st.cache_resource.clear()
    assert not page.exception
    assert "emoji image missing" in page.error[0].value


def test_camera_only_when_asked_for(page):
    page.run()
    assert not page.get("camera_input")
    page.toggle(key="use_camera").set_value(True).run()
    assert not page.exception and len(page.get("camera_input")) == 1


def test_french_says_tu_throughout():
    """The messages ask "pourquoi es-tu triste ?"; the page once said "vous" around them."""
    import re

    from emotion_app import labels, ui

    texts = list(ui.PAGE["fr"].values()) + [m for ms in labels.MESSAGES["fr"].values() for m in ms]
    formal = [t for t in texts if re.search(r"\b(vous|votre|vos)\b|\b\w+ez\b", t, re.IGNORECASE)]
    assert formal == []


def test_an_example_photo_is_analysed_without_an_upload(page):
    page.run()
    page.radio(key="example").set_value("collage.jpg").run()
    assert not page.exception and not page.error
    assert any("4 faces found in collage" in caption.value for caption in page.caption)
    assert "collage" in page.subheader[0].value and page.subheader[1].value == "All results"
    assert [button.label for button in page.get("download_button")][-3:] == [
        "All faces, photos and videos (CSV)", "All faces, photos and videos (JSON)",
        "All annotated photos and videos (ZIP)"]
    messages = [element.value for kind in ("success", "warning", "info") for element in page.get(kind)
                if "Upload" not in element.value]
    assert len(messages) == 4 and len(set(messages)) > 1  # four faces, not four times the same words


def test_every_reason_an_upload_is_refused_is_in_french():
    """French pages once showed English reasons ("Impossible de lire x.png : the file is empty.")."""
    from emotion_app import image_io, ui

    assert set(ui.REASONS["fr"]) == set(ui.REASONS["en"])
    error = image_io.ImageError("too_small", w=2000, h=1, side=24)
    assert ui.reason(error, "fr") == (
        "l'image fait 2000x1 pixels, trop petite pour contenir un visage (il faut au moins 24 pixels de chaque côté)")
    assert ui.reason(error, "en") == str(error) and str(error).startswith("the image is 2000x1 pixels")


def _video_with_a_bug():
    from types import SimpleNamespace

    from emotion_app import ui, video

    def broken(*args, **kwargs):
        raise RuntimeError("a bug of ours")

    kept, video.analyze_video = video.analyze_video, broken
    try:
        predictor = SimpleNamespace(detector=SimpleNamespace(name="haar"))
        ui.show_video("my_clip.mp4", b"data", predictor, None, 1, "fr", key="k")
    finally:
        video.analyze_video = kept


def test_a_bug_while_analysing_a_video_is_logged_named_and_not_shown(caplog):
    page = AppTest.from_function(_video_with_a_bug, default_timeout=60).run()
    assert not page.exception
    message = page.error[0].value
    assert len(page.error) == 1 and "notre côté" in message and "my\\_clip" in message and "a bug" not in message
    assert "a bug of ours" in caplog.text


def test_downloads_are_named_after_the_raw_file_name():
    from emotion_app.ui import download_name, plain

    assert download_name("my_clip.mp4", "_emotions.mp4") == "my_clip_emotions.mp4" != plain("my_clip") + "_emotions.mp4"


def test_each_emotion_has_one_colour_in_boxes_panels_and_charts(monkeypatch):
    import numpy as np

    from emotion_app import ui
    from emotion_app.labels import EMOTIONS
    from emotion_app.overlay import COLORS
    from emotion_app.predictor import to_predictions

    for emotion, (b, g, r) in COLORS.items():
        assert ui.hex_color(emotion) == f"#{r:02x}{g:02x}{b:02x}"
    assert len({ui.hex_color(emotion) for emotion in EMOTIONS}) == len(EMOTIONS)
    written = []
    monkeypatch.setattr(ui.st, "markdown", lambda body, unsafe_allow_html=False: written.append(body))
    for name in ("caption", "progress"):
        monkeypatch.setattr(ui.st, name, lambda *a, **k: None)
    monkeypatch.setattr(ui, "show_message", lambda *a, **k: None)
    for i, emotion in enumerate(EMOTIONS):
        face = to_predictions([(0, 0, 10, 10)], np.eye(7, dtype=np.float32)[[i]])[0]
        for large in (True, False):
            ui.face_panel(1, face, "en", large=large)
            assert ui.hex_color(emotion) in written[-1]
    import pandas as pd

    charts = []
    monkeypatch.setattr(ui.st, "vega_lite_chart", lambda data, spec, **k: charts.append((data, spec)))
    ui.emotion_chart(pd.DataFrame({"time_s": [0.0, 1.0], **{e: [0.1, 0.2] for e in EMOTIONS}}), "time_s", "c", "fr")
    (data, spec), = charts
    scale = spec["encoding"]["color"]["scale"]
    assert scale["domain"] == [ui.display_name(e, "fr") for e in EMOTIONS]
    assert scale["range"] == [ui.hex_color(e) for e in EMOTIONS] and len(data) == 2 * len(EMOTIONS)


ANALYSED = []


def _video_page():
    from types import SimpleNamespace

    import streamlit as st

    from emotion_app import ui, video
    from tests.test_photo_page import ANALYSED

    def counted(data, predictor, painter, every=1, language="en", progress=None, settings=None, name=""):
        ANALYSED.append((data, every, language))
        return video.VideoResult(b"\x00" * 16, frames=4, analysed=2, rate=10.0, every=every, language=language)

    kept, video.analyze_video = video.analyze_video, counted
    try:
        every = st.number_input("every", value=1)
        language = st.radio("language", ["en", "fr"], key="language")
        ui.show_video("clip.mp4", b"video bytes", SimpleNamespace(detector=SimpleNamespace(name="haar")), None,
                      int(every), language, key="k")
    finally:
        video.analyze_video = kept


def test_a_video_is_analysed_once_not_on_every_rerun():
    """Any widget change reruns the page; the same video used to be analysed again each time."""
    ANALYSED.clear()
    page = AppTest.from_function(_video_page, default_timeout=60).run()
    page.run()
    assert not page.exception and len(ANALYSED) == 1
    page.number_input[0].set_value(2).run()  # another setting: analysed again, then kept too
    page.number_input[0].set_value(1).run()
    assert len(ANALYSED) == 2 and not page.exception


def test_a_language_switch_keeps_the_video_and_offers_to_redraw_its_words():
    """A 60 s clip was analysed again from scratch (92 s) on every language switch."""
    ANALYSED.clear()
    page = AppTest.from_function(_video_page, default_timeout=60).run()
    page.radio(key="language").set_value("fr").run()
    assert not page.exception and len(ANALYSED) == 1
    assert any("encore dans la langue de son analyse" in caption.value for caption in page.caption)
    page.button(key="redraw-k").click().run()  # asked for: analysed again, in French
    assert [language for _, _, language in ANALYSED] == ["en", "fr"] and not page.get("button")


def test_clicks_and_a_language_switch_do_not_search_the_photos_again(page, monkeypatch):
    """With 19 photos, every click (a face to chart, the camera toggle, the language) analysed
    every photo again: 9-12 s a click."""
    from emotion_app.predictor import EmotionPredictor

    searches = []
    predict = EmotionPredictor.predict
    monkeypatch.setattr(EmotionPredictor, "predict", lambda self, *a, **k: searches.append(1) or predict(self, *a, **k))
    page.run()
    page.radio(key="example").set_value("collage.jpg").run()
    assert len(searches) == 1
    page.toggle(key="use_camera").set_value(True).run()
    page.sidebar.radio(key="language").set_value("fr").run()
    assert not page.exception and len(searches) == 1
    assert any("4 visages trouvés dans collage" in caption.value for caption in page.caption)


def test_a_video_alone_has_its_rows_in_the_exports(page):
    import numpy as np

    from tests.test_video import make_mp4

    clip = make_mp4([np.full((48, 64, 3), 128, np.uint8)] * 4, rate=10)
    page.run()
    page.get("file_uploader")[0].set_value([("clip.mp4", clip, "video/mp4")]).run()
    assert not page.exception and not page.error
    labels = [button.label for button in page.get("download_button")]
    assert labels[:2] == ["Download the annotated video (MP4)", "This video's faces as CSV"]
    assert labels[-3:] == ["All faces, photos and videos (CSV)", "All faces, photos and videos (JSON)",
                           "All annotated photos and videos (ZIP)"]


def test_the_uploader_states_the_limits_the_app_enforces_and_why_others_are_refused():
    from emotion_app import image_io, ui, video

    for language in ("en", "fr"):
        label = ui.text(language, "upload")
        assert f"{image_io.MIN_SIDE} px" in label and f"{image_io.MAX_PIXELS // 10**6} m" in label.lower()
        assert f"{image_io.MAX_BYTES // 2**20} M" in label and f"{video.MAX_SECONDS / 60:.0f} minutes" in label
        assert "HEIC" in label and "JPEG" in label.rsplit("HEIC", 1)[1]  # what to do instead


def test_the_shared_predictor_warms_its_detector_up_in_the_background(random_model_path, monkeypatch):
    """The first photo Haar missed used to load MTCNN while every session waited (10-30 s): the
    page's shared predictor loads it in a thread of its own from the first page view, and the page
    does not wait for it."""
    import threading

    from emotion_app import ui
    from emotion_app.predictor import EmotionPredictor

    monkeypatch.setenv("EMOTION_APP_MODEL", str(random_model_path))
    started, release = threading.Event(), threading.Event()

    def slow_warm_up(self):
        started.set()
        release.wait(30)

    monkeypatch.setattr(EmotionPredictor, "warm_up", slow_warm_up)
    st.cache_resource.clear()
    try:
        predictor = ui.get_predictor("mtcnn+haar", True)  # returns while the warm-up still runs
        assert started.wait(10) and not release.is_set()
        assert predictor.detector.name == "mtcnn+haar"
    finally:
        release.set()
        st.cache_resource.clear()


def test_a_failed_warm_up_is_logged_not_raised(random_model_path, monkeypatch, caplog):
    from emotion_app import ui
    from emotion_app.predictor import EmotionPredictor

    monkeypatch.setenv("EMOTION_APP_MODEL", str(random_model_path))

    def broken(self):
        raise RuntimeError("no mtcnn today")

    monkeypatch.setattr(EmotionPredictor, "warm_up", broken)
    predictor = EmotionPredictor(detector="haar", model_path=random_model_path)
    with caplog.at_level("ERROR"):
        ui._warm_up(predictor)
    assert "warming up the haar detector failed" in caplog.text


def test_probability_bars_follow_each_language_s_punctuation():
    """French puts a space before a colon, as the rest of the French page does; the bars once
    read "colère: 12%"."""
    from emotion_app import ui

    assert ui.probability_label("angry", 0.123, "en") == "😠 angry: 12%"
    assert ui.probability_label("angry", 0.123, "fr") == "😠 colère : 12\u00a0%"  # and a space before %


@pytest.mark.slow
def test_the_photo_page_serves_the_int8_twin_too_and_says_so(model_with_int8_twin, monkeypatch):
    """The int8 twin, mirrored only where unsure, is what makes the photo page's classification cheap
    on CPUs with int8 dot products (benchmarks/mirror_gate.py)."""
    from tests.conftest import served_runtime_captions

    captions = served_runtime_captions(PAGE, model_with_int8_twin, monkeypatch)
    assert any("run by LiteRT (int8)" in caption for caption in captions)


def test_a_picture_named_mp4_is_analysed_as_the_photo_it_is(page, astronaut_jpeg):
    page.run()
    page.get("file_uploader")[0].set_value([("holiday.mp4", astronaut_jpeg, "video/mp4")]).run()
    assert not page.exception and not page.error
    assert any("1 face found in holiday" in caption.value for caption in page.caption)


def test_the_page_says_when_a_high_frame_rate_video_was_sampled(page):
    import numpy as np

    from tests.test_video import make_mp4

    clip = make_mp4([np.full((48, 64, 3), 128, np.uint8)] * 24, rate=120)
    page.run()
    page.get("file_uploader")[0].set_value([("fast.mp4", clip, "video/mp4")]).run()
    assert not page.exception and not page.error
    assert any("120 frames a second: every 8th frame was analysed" in caption.value for caption in page.caption)


def test_french_writes_percentages_with_a_space_and_fits_anyone():
    """French read "69%" and addressed a man only ("heureux", "contrarié", "inquiet", "seul")."""
    from emotion_app import labels

    assert labels.percent(0.69, "fr") == "69\u00a0%" and labels.percent(0.69, "en") == "69%"
    french = " ".join(m for ms in labels.MESSAGES["fr"].values() for m in ms)
    for masculine in ("heureux", "surpris ", "contrarié", "inquiet", "seul", "abattu", "serein", "dégoûté", "mis en"):
        assert masculine not in french, masculine


def test_a_damaged_image_s_message_holds_no_library_text(astronaut_jpeg):
    from emotion_app import image_io, ui

    with pytest.raises(image_io.ImageError) as raised:
        image_io.decode_photo(astronaut_jpeg[:300])
    assert raised.value.reason == "damaged" and raised.value.values == {}
    assert ui.reason(raised.value, "fr") == "les données de l'image sont abîmées ou incomplètes"


def test_the_french_page_names_itself_and_streamlit_s_own_words_in_french(page):
    page.run()
    page.sidebar.radio(key="language").set_value("fr").run()
    assert not page.exception
    style = "".join(m.value for m in page.markdown if "<style>" in m.value)
    for words in ("Choisir des fichiers", "50 Mo par fichier", "Prendre la photo", "Effacer la photo"):
        assert words in style


def test_a_run_analyses_a_bounded_number_of_files_and_says_which(page, astronaut_jpeg):
    from emotion_app.photo import MAX_BYTES_PER_RUN, MAX_FILES_PER_RUN, files_within_budget

    assert files_within_budget([10] * (MAX_FILES_PER_RUN + 5)) == MAX_FILES_PER_RUN
    assert files_within_budget([MAX_BYTES_PER_RUN // 3] * 4) == 3 and files_within_budget([]) == 0
    page.run()
    uploads = [(f"photo{i}.jpg", astronaut_jpeg, "image/jpeg") for i in range(MAX_FILES_PER_RUN + 2)]
    page.get("file_uploader")[0].set_value(uploads).run()
    assert not page.exception
    assert any(f"first {MAX_FILES_PER_RUN} of your {MAX_FILES_PER_RUN + 2} files" in w.value for w in page.warning)
    assert sum("found in photo" in caption.value for caption in page.caption) == MAX_FILES_PER_RUN


def test_the_server_gives_freed_memory_back_to_the_system():
    from emotion_app import memory

    assert memory.release_free_memory() is (memory.MALLOC_TRIM is not None)
    assert memory.start_trimming(every=0.01) and memory.start_trimming()  # once per process
    assert sum(t.name == "memory trimmer" for t in __import__("threading").enumerate()) == 1


def test_no_more_photos_are_analysed_at_once_than_the_server_has_cores(page, astronaut_jpeg, monkeypatch):
    """Four tabs decoding the largest photo at once took the server past 2 GB; on 2 cores the
    third and fourth finished no sooner for it."""
    import os
    import threading
    import time

    from emotion_app import ui

    slots = ui.analysis_slots()
    cores = len(os.sched_getaffinity(0))
    running, most, lock = [0], [0], threading.Lock()

    def work():
        with ui.analysis_slots():
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(3 * cores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == cores and slots is ui.analysis_slots()  # one for the whole server

    taken = []

    class Recorder:
        def __enter__(self):
            taken.append(1)

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(ui, "analysis_slots", Recorder)
    page.run()
    page.get("file_uploader")[0].set_value([("a.jpg", astronaut_jpeg, "image/jpeg")] * 2).run()
    assert not page.exception and len(taken) == 2  # the page analyses each photo inside a slot


def _video_with_two_people():
    from types import SimpleNamespace

    from emotion_app import ui, video
    from emotion_app.labels import EMOTIONS

    def rows(face, emotion):
        return [{"file": "clip.mp4", "frame": i, "time_s": i / 10, "face": face, "emotion": emotion,
                 **{e: float(e == emotion) for e in EMOTIONS}} for i in range(0, 20, 2)]

    def analysed(*args, **kwargs):
        return video.VideoResult(b"\x00" * 16, rows=rows(1, "happy") + rows(2, "sad")[:4], frames=20, analysed=10,
                                 rate=10.0, every=2)

    kept, video.analyze_video = video.analyze_video, analysed
    try:
        ui.show_video("clip.mp4", b"two people", SimpleNamespace(detector=SimpleNamespace(name="haar")), None, 2,
                      "en", key="k")
    finally:
        video.analyze_video = kept


def test_a_video_summarises_and_charts_each_person_by_their_number():
    page = AppTest.from_function(_video_with_two_people, default_timeout=60).run()
    assert not page.exception
    captions = [caption.value for caption in page.caption]
    assert any("Face 1: 2 s in view, mostly happy · Face 2: 1 s in view, mostly sad" in c for c in captions)
    assert "Face 1's emotions over time" in captions
    page.selectbox[0].set_value(2).run()
    assert "Face 2's emotions over time" in [caption.value for caption in page.caption]


def test_numbers_alt_texts_and_css_words_are_written_as_each_language_writes_them():
    """French wrote "100,000"; the uploader's limits showed a literal "u2022" (a JSON escape in CSS);
    annotated images had no alt text for screen readers."""
    import numpy as np

    from emotion_app import ui
    from emotion_app.predictor import to_predictions

    assert ui.number("en", 100_000) == "100,000" and ui.number("fr", 100_000) == "100\u202f000"
    assert ui.css_string("50 Mo • JPG") == '"50 Mo \\002022  JPG"'  # the space after 6 digits ends it
    assert ui.css_string('"</style>') == '"\\000022 \\00003c /style>"'
    faces = to_predictions([(0, 0, 10, 10), (20, 0, 10, 10)], np.eye(7, dtype=np.float32)[[3, 4]])
    assert ui.annotated_alt("en", "class.jpg", faces) == (
        "class.jpg, annotated: 2 faces boxed and numbered with their emotions, 1 happy, 2 sad")
    assert ui.annotated_alt("fr", "a.jpg", faces[:1]).endswith("son visage encadré avec son émotion, joie")
    assert ui.annotated_alt("en", "empty.jpg", []) == "empty.jpg: no face found"
    assert ui.counted("fr", "faces_found", 0, name="x", detector="Haar").startswith("0 visage trouvé")


@pytest.mark.parametrize("address, joining, expected", [
    (None, True, "http://192.168.1.20:8501/webcam"),  # the app on every interface: phones can join
    ("127.0.0.1", True, None),  # this machine alone
    (None, False, None),  # the presenter turned it off
])
def test_the_presentation_view_shows_a_join_code_when_phones_can_reach_the_app(page, monkeypatch, address, joining,
                                                                               expected):
    from streamlit import config

    from emotion_app import sharing

    monkeypatch.setattr(sharing, "lan_addresses", lambda: ["192.168.1.20"])
    kept = config.get_option("server.address")
    config.set_option("server.address", address)
    try:
        page.run()
        page.sidebar.toggle(key="join").set_value(joining).run()
        page.toggle(key="presentation").set_value(True).run()
    finally:
        config.set_option("server.address", kept)
    assert not page.exception
    shown = " ".join(m.value for m in page.markdown)
    if expected is None:
        assert "Try it on your phone" not in shown
    else:
        assert expected in shown and "Try it on your phone" in shown
        assert "emotion-app serve --https" in shown  # plain HTTP: phones will not open their camera


def test_the_join_address_is_the_one_the_presenter_opened_when_others_can_reach_it(monkeypatch):
    from emotion_app import sharing, ui

    monkeypatch.setattr(sharing, "lan_addresses", lambda: ["10.0.0.7"])
    assert ui.join_url("https://192.168.1.20:8600/photos?x=1") == "https://192.168.1.20:8600/webcam"
    assert ui.join_url("http://localhost:8501/photos").startswith("http://10.0.0.7:")
