"""Shared predictor under 8 threads; uploads never touch disk; no pickle; safe loading; XSRF on."""

import contextlib
import tempfile
import threading
import tomllib
from pathlib import Path

import cv2
import numpy as np
import pytest

from emotion_app.image_io import MAX_BYTES
from emotion_app.model import ModelError, load_model
from emotion_app.overlay import Painter
from emotion_app.photo import analyze_photo
from emotion_app.predictor import EmotionPredictor

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


def test_loading_and_serving_the_model_never_unpickles(model_with_twin, monkeypatch, astronaut_jpeg):
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used while loading or serving the model")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    for runtime in ("litert", "tensorflow"):
        predictor = EmotionPredictor(detector="haar", model=load_model(model_with_twin, runtime=runtime))
        analyze_photo(astronaut_jpeg, predictor, Painter())


def test_a_model_file_that_would_run_code_is_refused(tmp_path):
    """Keras safe mode: a Lambda layer's code is never deserialised, so it never runs."""
    import keras

    marker = tmp_path / "ran"
    inputs = keras.Input((48, 48, 1))
    code = eval(f"lambda x: x + float(__import__('pathlib').Path({str(marker)!r}).touch() or 0)")  # noqa: S307
    hidden = keras.layers.Lambda(code)(inputs)
    outputs = keras.layers.Dense(7, activation="softmax")(keras.layers.Flatten()(hidden))
    path = tmp_path / "evil.keras"
    keras.Model(inputs, outputs).save(path)
    marker.unlink()  # building it ran the code once; loading must not
    with pytest.raises(ModelError, match="Lambda"):
        load_model(path, runtime="tensorflow")
    assert not marker.exists()


def test_streamlit_config_keeps_xsrf_and_limits_uploads():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] * 2**20 == MAX_BYTES
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"  # an uncaught error never shows a traceback


def test_text_in_the_presentation_html_is_escaped(monkeypatch):
    """The presentation view writes HTML (for its large type): whatever text it carries, even a
    message or label someone edits to hold markup, comes out escaped. The pages write none."""
    from emotion_app import labels, ui
    from emotion_app.predictor import to_predictions

    for page in ("photo_detect_emotions.py", "webcam_detect_emotions.py"):
        assert "unsafe_allow_html" not in (REPO / page).read_text(), page
    written = []

    class Where:
        def markdown(self, body, unsafe_allow_html=False):
            written.append(body)

    monkeypatch.setitem(labels.MESSAGES["en"], "happy", ("<script>alert(1)</script>",))
    ui.show_message("happy", "en", where=Where(), large=True)
    assert "<script>" not in written[-1] and "&lt;script&gt;" in written[-1]
    face = to_predictions([(0, 0, 10, 10)], np.eye(7, dtype=np.float32)[[3]])[0]
    monkeypatch.setattr(ui.st, "markdown", lambda body, unsafe_allow_html=False: written.append(body))
    monkeypatch.setattr(ui.st, "container", lambda border=False: contextlib.nullcontext())
    monkeypatch.setattr(ui, "show_message", lambda *a, **k: None)
    monkeypatch.setattr(ui, "display_name", lambda emotion, language: "<img src=x onerror=alert(1)>")
    monkeypatch.setattr(ui.st, "caption", lambda *a, **k: None)
    monkeypatch.setattr(ui.st, "progress", lambda *a, **k: None)
    for large in (True, False):
        ui.face_panel(1, face, "en", large=large)
        assert "<img" not in written[-1] and "&lt;img" in written[-1]


def test_videos_never_touch_the_disk(random_predictor, tmp_path, monkeypatch):
    """The annotated video was once encoded into a temporary file; it is now built in memory."""
    import os

    from tests.test_video import make_mp4

    clip = make_mp4([np.full((120, 160, 3), 100 + 10 * i, np.uint8) for i in range(6)])
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = set(Path(tempfile.gettempdir()).rglob("*"))
    opened, real_open = [], os.open

    def spy_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and not str(path).startswith(("/dev/", "/proc/")):
            opened.append(path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy_open)
    from emotion_app.video import analyze_video

    result = analyze_video(clip, random_predictor, Painter())
    assert result.frames == 6 and result.video
    assert opened == [] and set(Path(tempfile.gettempdir()).rglob("*")) == before
