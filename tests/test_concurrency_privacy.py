"""Shared predictor under 8 threads; uploads never touch disk; no pickle; safe loading; XSRF on."""

import tempfile
import threading
import tomllib
from pathlib import Path

import cv2
import numpy as np

from emotion_app.image_io import MAX_BYTES
from emotion_app.overlay import Painter
from emotion_app.photo import analyze_photo

REPO = Path(__file__).resolve().parents[1]


def test_eight_threads_get_the_same_answers_as_one(random_predictor, astronaut_bgr):
    images = [astronaut_bgr, cv2.resize(astronaut_bgr, (800, 800)), np.ascontiguousarray(astronaut_bgr[:, ::-1])]
    expected = [[(f.box, f.emotion, round(f.confidence, 5)) for f in random_predictor.predict(i)] for i in images]
    errors, mismatches = [], []

    def worker():
        try:
            for _ in range(5):
                for image, want in zip(images, expected, strict=True):
                    got = [(f.box, f.emotion, round(f.confidence, 5)) for f in random_predictor.predict(image)]
                    if got != want:
                        mismatches.append((got, want))
        except Exception as error:  # collected and asserted below, so a thread's failure fails the test
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and mismatches == []


def test_uploads_never_touch_the_disk(random_predictor, astronaut_jpeg, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = set(Path(tempfile.gettempdir()).rglob("*"))
    opened = []
    real_open = open

    def spy_open(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            opened.append(file)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy_open)
    result = analyze_photo(astronaut_jpeg, random_predictor, Painter())
    result.png()
    assert opened == [] and set(Path(tempfile.gettempdir()).rglob("*")) == before


def test_no_pickle_in_the_load_path():
    for path in [*(REPO / "emotion_app").glob("*.py"), REPO / "photo_detect_emotions.py",
                 REPO / "webcam_detect_emotions.py"]:
        source = path.read_text()
        assert "pickle" not in source and "allow_pickle=True" not in source, path


def test_model_loads_in_keras_safe_mode():
    source = (REPO / "emotion_app" / "model.py").read_text()
    assert "safe_mode=True" in source


def test_streamlit_config_keeps_xsrf_and_limits_uploads():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] * 2**20 == MAX_BYTES
    assert config["browser"]["gatherUsageStats"] is False


def test_user_text_is_never_rendered_as_html():
    for page in ("photo_detect_emotions.py", "webcam_detect_emotions.py", "emotion_app/ui.py"):
        assert "unsafe_allow_html" not in (REPO / page).read_text(), page
