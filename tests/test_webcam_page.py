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


def test_invalid_ice_configuration_is_a_message(page, monkeypatch):
    monkeypatch.setenv("EMOTION_APP_ICE_SERVERS", "not json")
    page.run()
    assert not page.exception
    assert "STUN/TURN configuration is invalid" in page.error[0].value
