"""app.py: both pages behind one navigation (AppTest; tests/test_browser_app.py clicks it)."""

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_the_app_opens_on_photos_and_reaches_the_webcam(random_model_path, monkeypatch):
    monkeypatch.setenv("EMOTION_APP_MODEL", str(random_model_path))
    st.cache_resource.clear()
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception and app.title[0].value == "Emotion detector: photos"
    app.switch_page("webcam_detect_emotions.py").run()
    # AppTest stops at streamlit-webrtc's component (it mocks the runtime that needs); the browser
    # test goes further.
    assert app.title[0].value == "Emotion detector: live webcam"
    st.cache_resource.clear()


def test_ci_runs_the_readme_s_test_command():
    """A newcomer pastes the README's command; CI must run that very command, not a cousin of it."""
    import re

    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text()
    commands = re.findall(r"```bash\n(.+?)\n```", readme.split("## Set up", 1)[1].split("\n## ", 1)[0])
    assert len(commands) == 2, commands  # exactly two: run the app, run the tests
    ci = (REPO / ".ci" / "run").read_text()
    assert commands[1].replace("pip install -r", "pip install -q -r") in ci
