"""The webcam page through AppTest, as far as AppTest goes.

streamlit-webrtc needs the real Streamlit runtime (AppTest mocks it), so everything from the camera
component on is tested in a real browser by tests/test_browser_webcam.py.
"""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[1] / "webcam_detect_emotions.py")


@pytest.fixture
def page(random_model_path, monkeypatch):
    monkeypatch.setenv("EMOTION_APP_MODEL", str(random_model_path))
    monkeypatch.delenv("EMOTION_APP_ICE_SERVERS", raising=False)
    st.cache_resource.clear()
    yield AppTest.from_file(PAGE, default_timeout=120)
    st.cache_resource.clear()


def test_the_page_makes_consent_checks_patient_before_any_session_connects(page, monkeypatch):
    from aioice import ice

    unwrapped = getattr(ice.StunProtocol.request, "__wrapped__", ice.StunProtocol.request)
    monkeypatch.setattr(ice.StunProtocol, "request", unwrapped)
    page.run()
    assert getattr(ice.StunProtocol.request, "patient_consent", False)


def test_invalid_ice_configuration_is_a_message(page, monkeypatch):
    monkeypatch.setenv("EMOTION_APP_ICE_SERVERS", "not json")
    page.run()
    assert not page.exception
    assert page.error[0].value.startswith("The STUN/TURN configuration is invalid: ")
    page.sidebar.radio(key="language").set_value("fr").run()
    assert page.error[0].value.startswith("La configuration STUN/TURN est invalide : ")


def test_the_camera_component_speaks_french_wherever_it_shows_words():
    from streamlit_webrtc.config import Translations

    from emotion_app import ui

    video_keys = set(Translations.__annotations__) - {"mute_microphone", "unmute_microphone", "select_microphone"}
    french = ui.webrtc_translations("fr")
    assert set(french) == video_keys  # this page sends no audio, so the microphone's words never show
    assert french["select_device"] == "Choisir l'appareil" and french["start"] == "DÉMARRER"
    assert all(value != ui.webrtc_translations("en")[key] for key, value in french.items())


@pytest.mark.slow
def test_the_webcam_serves_the_int8_twin_and_says_so(model_with_int8_twin, monkeypatch):
    from tests.conftest import served_runtime_captions

    # the page stops at the STUN/TURN check, after the model's note, before the camera component
    # that AppTest cannot run
    monkeypatch.setenv("EMOTION_APP_ICE_SERVERS", "not json")
    captions = served_runtime_captions(PAGE, model_with_int8_twin, monkeypatch)
    assert any("run by LiteRT (int8)" in caption for caption in captions)


def test_the_live_chart_averages_each_quarter_second():
    """The chart was the live page's largest server cost at a point per analysed frame; it shows the
    mean of each bin, stamped with the bin's start, and nothing else of the rows."""
    import numpy as np
    import pandas as pd

    from emotion_app.labels import EMOTIONS
    from emotion_app.ui import binned

    times = np.arange(0, 1.0, 0.04)  # 25 frames a second
    happy = (times >= 0.5).astype(float)
    rows = pd.DataFrame({"run": 1, "time_s": times, "face": 1, **{e: 0.0 for e in EMOTIONS}, "room": "happy"})
    rows["happy"] = happy
    chart = binned(rows, "time_s", 0.25)
    assert list(chart.columns) == ["time_s", *EMOTIONS]
    assert chart["time_s"].tolist() == [0.0, 0.25, 0.5, 0.75]
    assert chart["happy"].tolist() == [0.0, 0.0, 1.0, 1.0]


def test_the_rate_caption_says_when_the_server_cannot_keep_up():
    from emotion_app.ui import BUSY_RATE, analysed_rate

    assert analysed_rate("en", 24.6) == "25 frames analysed a second"
    assert "the server is busy" in analysed_rate("en", BUSY_RATE - 1)
    assert "le serveur est chargé" in analysed_rate("fr", 6)
