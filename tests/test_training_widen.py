import numpy as np
import pytest

from training.network import build_model
from training.widen import widen_model


def _trained_looking_model(widths=(8, 16, 32)):
    """Random weights plus non-trivial BN statistics, so the check covers every parameter."""
    import keras

    keras.utils.set_random_seed(0)
    model = build_model(widths, dense_units=16)
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 2, gamma.shape), rng.normal(size=beta.shape),
                               rng.normal(size=mean.shape), rng.uniform(0.5, 2, variance.shape)])
    return model


def test_wider_model_computes_the_same_predictions():
    model = _trained_looking_model()
    wide = widen_model(model, (12, 20, 48))
    assert [wide.get_layer(f"conv{b}_1").filters for b in (1, 2, 3)] == [12, 20, 48]
    faces = np.random.default_rng(1).integers(0, 256, (16, 48, 48, 1)).astype("float32")
    before, after = np.asarray(model(faces, training=False)), np.asarray(wide(faces, training=False))
    assert np.allclose(before, after, atol=1e-5)


def test_copies_of_a_channel_get_different_outgoing_weights():
    wide = widen_model(_trained_looking_model(), (16, 16, 32))  # block 1 doubled, so every channel repeats
    (conv1,) = wide.get_layer("conv1_1").get_weights()
    (conv2,) = wide.get_layer("conv1_2").get_weights()
    twins = [(i, j) for i in range(16) for j in range(i + 1, 16) if np.array_equal(conv1[..., i], conv1[..., j])]
    assert twins  # the repeated channels compute the same thing...
    assert all(not np.allclose(conv2[:, :, i], conv2[:, :, j]) for i, j in twins)  # ...but can drift apart


def test_narrowing_is_refused():
    with pytest.raises(ValueError, match="cannot narrow"):
        widen_model(_trained_looking_model(), (4, 16, 32))

