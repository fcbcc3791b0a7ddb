"""What a user sets or uploads survives ordinary use: switching language, changing page."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def random_model(random_model_path, monkeypatch):
    monkeypatch.setenv("EMOTION_APP_MODEL", str(random_model_path))
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def test_switching_language_keeps_the_uploads_and_shows_their_results_in_french(random_model, astronaut_jpeg):
    page = AppTest.from_file(str(REPO / "photo_detect_emotions.py"), default_timeout=120).run()
    page.get("file_uploader")[0].set_value([("astronaut.jpg", astronaut_jpeg, "image/jpeg")]).run()
    assert any("found in astronaut" in caption.value for caption in page.caption)
    page.sidebar.radio(key="language").set_value("fr").run()
    assert not page.exception
    assert any("1 visage trouvé dans astronaut" in caption.value for caption in page.caption)
    assert page.subheader[0].value == "astronaut\\.jpg"


@pytest.fixture
def idle_camera(monkeypatch):
    """The webcam component, which needs a real server, as it is before START."""
    from types import SimpleNamespace

    import streamlit_webrtc

    monkeypatch.setattr(streamlit_webrtc, "webrtc_streamer",
                        lambda **kwargs: SimpleNamespace(state=SimpleNamespace(playing=False)))


def test_language_sensitivity_and_detector_stay_when_changing_page(random_model, idle_camera):
    page = AppTest.from_file(str(REPO / "app.py"), default_timeout=120).run()
    page.sidebar.radio(key="language").set_value("fr").run()
    page.sidebar.select_slider(key="sensitivity").set_value("high").run()
    page.sidebar.radio(key="detector").set_value("mtcnn").run()
    page.switch_page("webcam_detect_emotions.py").run()
    assert not page.exception
    assert page.title[0].value.startswith("Détecteur d'émotions")
    assert page.sidebar.select_slider(key="sensitivity").value == "high"
    assert page.sidebar.radio(key="detector").value == "mtcnn"
    page.switch_page("photo_detect_emotions.py").run()
    assert page.sidebar.radio(key="language").value == "fr" and page.title[0].value.startswith("Détecteur")
    assert page.sidebar.select_slider(key="sensitivity").value == "high"


def test_every_setting_stays_when_changing_page_and_back(random_model, idle_camera):
    """'Every Nth frame', the mirror and the probabilities went back to their defaults."""
    page = AppTest.from_file(str(REPO / "app.py"), default_timeout=120).run()
    page.sidebar.select_slider(key="video_every").set_value(5).run()
    page.switch_page("webcam_detect_emotions.py").run()
    page.sidebar.toggle(key="mirror").set_value(False).run()
    page.sidebar.toggle(key="show_probabilities").set_value(False).run()
    page.sidebar.selectbox(key="resolution").set_value((1280, 720)).run()
    page.switch_page("photo_detect_emotions.py").run()
    assert not page.exception and page.sidebar.select_slider(key="video_every").value == 5
    page.toggle(key="presentation").set_value(True).run()
    page.switch_page("webcam_detect_emotions.py").run()
    assert not page.exception
    assert page.sidebar.toggle(key="mirror").value is False
    assert page.sidebar.toggle(key="show_probabilities").value is False
    assert page.sidebar.selectbox(key="resolution").value == (1280, 720)
    assert page.toggle(key="presentation").value is True


def test_the_example_chosen_stays_chosen_after_a_language_switch(random_model):
    page = AppTest.from_file(str(REPO / "photo_detect_emotions.py"), default_timeout=120).run()
    page.radio(key="example").set_value("collage.jpg").run()
    page.sidebar.radio(key="language").set_value("fr").run()
    assert not page.exception and page.radio(key="example").value == "collage.jpg"
    assert any("4 visages trouvés dans collage" in caption.value for caption in page.caption)


class _Streaming:
    """The webcam component while streaming, for the first ``reads`` looks at its state (then
    stopped, so the page's loop ends)."""

    def __init__(self, reads: int = 3) -> None:
        self.reads = reads

    @property
    def playing(self) -> bool:
        self.reads -= 1
        return self.reads >= 0


def test_a_resolution_chosen_while_streaming_says_it_applies_at_the_next_start(random_model, monkeypatch):
    from types import SimpleNamespace

    import streamlit_webrtc

    monkeypatch.setattr(streamlit_webrtc, "webrtc_streamer", lambda **kwargs: SimpleNamespace(state=_Streaming()))
    page = AppTest.from_file(str(REPO / "webcam_detect_emotions.py"), default_timeout=120).run()
    assert not page.exception
    assert not [c for c in page.sidebar.caption if "next START" in c.value]
    page.sidebar.selectbox(key="resolution").set_value((1280, 720)).run()
    assert not page.exception
    assert [c for c in page.sidebar.caption if "applies at the next START" in c.value]


def test_switching_language_keeps_the_sidebar_settings_chosen_or_not(random_model):
    """Their labels change with the language: the sensitivity once fell to its first level."""
    page = AppTest.from_file(str(REPO / "photo_detect_emotions.py"), default_timeout=120).run()
    page.sidebar.radio(key="language").set_value("fr").run()
    assert page.sidebar.select_slider(key="sensitivity").value == "medium"
    assert page.sidebar.radio(key="detector").value == "mtcnn+haar"
    page.sidebar.select_slider(key="sensitivity").set_value("high").run()
    page.sidebar.radio(key="language").set_value("en").run()
    assert page.sidebar.select_slider(key="sensitivity").value == "high"
