"""Shared fixtures: a small random-weight model (CI needs no FER2013), real photos, a fake CSV."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

import emotion_app  # noqa: F401  (first: see the import-order note in emotion_app/__init__.py)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from training.data import DEFAULT_DATA  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHIPPED_MODEL = REPO / "models" / "emotion_cnn.keras"
SHARED_DATA = DEFAULT_DATA  # FER2013: $EMOTION_APP_DATA, else ../shared/data


def skip_or_fail(reason: str) -> None:
    """Outside CI a check whose prerequisite is missing skips with the reason; with ``CI=true``
    (which .ci/run exports) it fails, so CI never passes a check by skipping it."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def served_runtime_captions(page: str, model: Path, monkeypatch) -> list[str]:
    """The captions ``page`` shows when it serves ``model`` (the runtime note among them), from a
    fresh cache, which is cleared again after."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("EMOTION_APP_MODEL", str(model))
    st.cache_resource.clear()
    try:
        app = AppTest.from_file(page, default_timeout=120).run()
        assert not app.exception
        return [caption.value for caption in app.caption]
    finally:
        st.cache_resource.clear()


@pytest.fixture(scope="session")
def random_model_path(tmp_path_factory) -> Path:
    """build_model() with random weights, saved the way training saves the real one."""
    import keras

    from training.metadata import write_metadata
    from training.network import build_model

    keras.utils.set_random_seed(0)
    path = tmp_path_factory.mktemp("model") / "emotion_cnn.keras"
    build_model().save(path)
    write_metadata(path, training={"note": "random weights for tests"})
    return path


@pytest.fixture(scope="session")
def random_export(random_model_path, tmp_path_factory) -> tuple[Path, Path]:
    """The random model's SavedModel and TFLite exports (slow: made once per session)."""
    from training.export import export_all

    return export_all(random_model_path, tmp_path_factory.mktemp("export"))


@pytest.fixture
def model_with_twin(random_model_path, random_export, tmp_path) -> Path:
    """A copy of the random model with its TFLite twin paired beside it, as `export --twin` does."""
    import shutil

    from training.export import write_twin

    copy = tmp_path / "emotion_cnn.keras"
    shutil.copy(random_model_path, copy)
    shutil.copy(random_model_path.with_suffix(".json"), copy.with_suffix(".json"))
    write_twin(copy, random_export[1])
    return copy


@pytest.fixture
def model_with_int8_twin(model_with_twin, random_export) -> Path:
    """``model_with_twin`` with an int8 twin paired too, as `export --int8` does (its PublicTest
    check waived: a random network's near-uniform outputs change class under any rounding)."""
    from training.export import export_int8, write_int8_twin

    faces = np.random.default_rng(1).integers(0, 256, (16, 48, 48, 1)).astype(np.float32)
    tflite = export_int8(random_export[0], model_with_twin.parent / "int8.tflite", faces)
    write_int8_twin(model_with_twin, tflite, faces, np.zeros(16, int), min_agreement=0.0, max_loss=1.0)
    return model_with_twin


@pytest.fixture(scope="session")
def random_predictor(random_model_path):
    from emotion_app.predictor import EmotionPredictor

    return EmotionPredictor(random_model_path, detector="haar")


@pytest.fixture(scope="session")
def shipped_predictor():
    if not SHIPPED_MODEL.is_file():
        pytest.fail(f"the shipped model {SHIPPED_MODEL} is missing")
    from emotion_app.predictor import EmotionPredictor

    return EmotionPredictor()


@pytest.fixture(scope="session")
def astronaut_bgr() -> np.ndarray:
    """NASA's public-domain portrait of Eileen Collins (smiling), shipped by scikit-image."""
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="session")
def astronaut_jpeg(astronaut_bgr) -> bytes:
    return cv2.imencode(".jpg", astronaut_bgr)[1].tobytes()


def fer_rows(count: int, seed: int = 0, usage: tuple[str, ...] = ("Training", "PublicTest", "PrivateTest")):
    rng = np.random.default_rng(seed)
    for i in range(count):
        pixels = " ".join(map(str, rng.integers(0, 256, 2304)))
        yield f"{i % 7},{pixels},{usage[i % len(usage)]}"


def write_fer_csv(path: Path, rows, header: str = "emotion,pixels,Usage") -> Path:
    text = "\n".join([header, *rows]) + "\n"
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def write_split_arrays(folder: Path, faces, votes: np.ndarray) -> Path:
    """``faces`` (a training.data.FaceData) as ../shared/data's fer2013_<split>.npz.xz files, with FER+
    vote counts ``votes`` indexed by data row (that the shared files read so is a test of its own)."""
    from training.data import write_parts

    write_parts(faces, votes, folder, parts=1)
    return folder


def write_ferplus_csv(path: Path, votes: np.ndarray) -> Path:
    """fer2013new.csv with these vote counts, one row per data row."""
    lines = ["Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF"]
    lines += [f"Training,{i}.png," + ",".join(map(str, row)) for i, row in enumerate(votes)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def tiny_csv(tmp_path) -> Path:
    """42 random 48x48 faces, every class in every split, FER2013 format."""
    return write_fer_csv(tmp_path / "tiny.csv", fer_rows(42))
