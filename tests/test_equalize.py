import cv2
import numpy as np
import pytest

from emotion_app.equalize import EqualizeHistogram


@pytest.fixture(scope="module")
def faces(astronaut_bgr) -> np.ndarray:
    """48x48 gray crops of a real photo at several places, sizes and contrasts (whole grey levels)."""
    gray = cv2.cvtColor(astronaut_bgr, cv2.COLOR_BGR2GRAY)
    rng = np.random.default_rng(0)
    crops = []
    for _ in range(32):
        (x, y), side = rng.integers(0, 300, 2), rng.integers(60, 200)
        crop = cv2.resize(gray[y:y + side, x:x + side], (48, 48), interpolation=cv2.INTER_AREA).astype(np.float32)
        crops.append(np.clip(128 + (crop - 128) * rng.uniform(0.5, 1.0), 0, 255).round())
    return np.stack(crops)[..., None]


def equalized(faces: np.ndarray, bins: int = 32) -> np.ndarray:
    return np.asarray(EqualizeHistogram(bins)(faces.astype(np.float32)))


def test_it_is_close_to_opencvs_equalisation(faces):
    expected = np.stack([cv2.equalizeHist(face[..., 0].astype(np.uint8)) for face in faces])[..., None]
    difference = np.abs(equalized(faces) - expected)
    assert difference.mean() < 5 and np.percentile(difference, 90) < 12  # 3.9 and 9.3 when written
    assert np.abs(equalized(faces, bins=256) - expected).max() <= 0.5 + 1e-3  # one bin a grey level: exact


def test_it_spreads_a_dull_face_over_every_grey_level_and_keeps_the_order_of_grey_levels(faces):
    dull = 100 + faces[:4] * 0.2  # grey levels 100..151
    out = equalized(dull)
    assert np.allclose(out.min(axis=(1, 2, 3)), 0) and np.allclose(out.max(axis=(1, 2, 3)), 255)
    for face, result in zip(dull, out, strict=True):
        order = np.argsort(face.ravel(), kind="stable")
        assert (np.diff(result.ravel()[order]) >= -1e-3).all()


def test_brightness_and_contrast_are_undone(faces):
    """What the candidate is for: a darker, flatter copy of a face comes out alike."""
    changed = np.round(faces * 0.6 + 20)  # merges grey levels: even the exact form differs by 2.4 on average
    assert np.abs(equalized(changed) - equalized(faces)).mean() < 8
    assert np.abs(changed - faces).mean() > 25


def test_a_face_of_one_grey_level_comes_out_black():
    out = equalized(np.full((2, 48, 48, 1), 127.0, np.float32))
    assert out.shape == (2, 48, 48, 1) and (out == 0).all()


def test_it_computes_in_float32_under_a_bfloat16_policy(faces):
    import keras

    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        layer = EqualizeHistogram()
    finally:
        keras.config.set_dtype_policy("float32")
    assert layer.compute_dtype == "float32"
    np.testing.assert_allclose(np.asarray(layer(faces)), equalized(faces), atol=1e-3)


def test_bins_must_divide_the_grey_levels():
    with pytest.raises(ValueError, match="bins"):
        EqualizeHistogram(bins=30)


def test_the_app_reads_a_model_file_that_equalizes_without_the_training_code(tmp_path):
    """The layer is registered by the app's own loader, in a process that never imports training/."""
    import subprocess
    import sys

    import keras

    from training.network import build_model

    path = tmp_path / "equalizing.keras"
    build_model((4, 4, 4), dense_units=8, equalize=True).save(path)
    check = ("import sys, emotion_app; from emotion_app.model import load_keras; "
             "model = load_keras(sys.argv[1]); assert 'training' not in sys.modules; print(model.layers[1].name)")
    done = subprocess.run([sys.executable, "-c", check, str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "equalize"
    assert keras.saving.load_model(path).get_layer("equalize").bins == 32
