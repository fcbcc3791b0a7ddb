import numpy as np
import pytest

from training.batchnorm import BatchNormEstimator, clean_sample
from training.network import build_model


def _faces(n=64, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 48, 48, 1)).astype("float32")


def _scramble_statistics(model, seed):
    import keras

    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights([gamma, beta, rng.normal(size=mean.shape).astype("float32"),
                               rng.uniform(0.1, 5, variance.shape).astype("float32")])


def test_statistics_are_those_of_the_faces_and_independent_of_the_old_ones():
    import keras

    keras.utils.set_random_seed(0)
    model = build_model((8, 16, 32), dense_units=16)
    faces = _faces()
    _scramble_statistics(model, 1)
    BatchNormEstimator(model, faces, batch_size=24)()
    first = model.get_layer("bn1_1")
    inputs = np.asarray(keras.Model(model.input, first.input)(faces, training=False))
    _, _, mean, variance = first.get_weights()
    assert np.allclose(mean, inputs.mean(axis=(0, 1, 2)), atol=1e-5)
    assert np.allclose(variance, inputs.var(axis=(0, 1, 2)), rtol=1e-4)
    dense = model.get_layer("bn_dense")
    inputs = np.asarray(keras.Model(model.input, dense.input)(faces, training=False))  # after the re-estimated BNs
    assert np.allclose(dense.get_weights()[2], inputs.mean(axis=0), atol=1e-4)

    settled = [w.copy() for w in model.get_weights()]
    _scramble_statistics(model, 2)
    BatchNormEstimator(model, faces)()
    assert all(np.allclose(a, b, rtol=1e-4, atol=1e-5) for a, b in zip(settled, model.get_weights(), strict=True))


def test_an_estimator_called_again_follows_the_new_weights():
    """Built once a stage and called each epoch: its sub-models must read the weights of the moment."""
    import keras

    keras.utils.set_random_seed(0)
    model = build_model((8, 16, 32), dense_units=16)
    faces = _faces()
    estimate = BatchNormEstimator(model, faces, batch_size=24)
    estimate()
    conv = model.get_layer("conv2_1").kernel
    conv.assign(np.random.default_rng(3).normal(0, 0.3, conv.shape).astype("float32"))
    _scramble_statistics(model, 4)
    estimate()
    again = [w.copy() for w in model.get_weights()]
    BatchNormEstimator(model, faces)()  # a fresh estimator on the same weights
    assert all(np.allclose(a, b, rtol=1e-4, atol=1e-5) for a, b in zip(again, model.get_weights(), strict=True))
    bn = model.get_layer("bn2_1")
    inputs = np.asarray(keras.Model(model.input, bn.input)(faces, training=False))
    assert np.allclose(bn.get_weights()[3], inputs.var(axis=(0, 1, 2)), rtol=1e-4)


def test_learned_weights_are_untouched():
    import keras

    keras.utils.set_random_seed(0)
    model = build_model((8, 16, 32), dense_units=16)
    before = {layer.name: [w.copy() for w in layer.get_weights()] for layer in model.layers}
    BatchNormEstimator(model, _faces())()
    for layer in model.layers:
        kept = before[layer.name][:2] if isinstance(layer, keras.layers.BatchNormalization) else before[layer.name]
        assert all(np.array_equal(a, b) for a, b in zip(kept, layer.get_weights()[: len(kept)], strict=True))


def test_a_branching_model_is_refused():
    import keras

    inputs = keras.Input((4,))
    merged = keras.layers.Add()([keras.layers.Dense(4)(inputs), inputs])
    model = keras.Model(inputs, keras.layers.BatchNormalization()(merged))
    with pytest.raises(ValueError, match="not a plain chain"):
        BatchNormEstimator(model, np.zeros((8, 4), dtype="float32"))


def test_clean_sample_is_a_fixed_subset():
    faces = _faces(100)
    a, b = clean_sample(faces, seed=3, size=10), clean_sample(faces, seed=3, size=10)
    assert a.shape == (10, 48, 48, 1) and a.dtype == np.float32 and np.array_equal(a, b)
    assert len(clean_sample(faces, size=1000)) == 100
