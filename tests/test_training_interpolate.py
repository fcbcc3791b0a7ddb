import numpy as np

from training.interpolate import interpolate
from training.model import build_model


def test_interpolation_runs_from_one_model_to_the_other_weight_by_weight():
    import keras

    keras.utils.set_random_seed(1)
    start, end = build_model((4, 4, 8), dense_units=8), build_model((4, 4, 8), dense_units=8)
    for alpha, expected in ((0.0, start.get_weights()), (1.0, end.get_weights())):
        for got, want in zip(interpolate(start, end, alpha).get_weights(), expected, strict=True):
            assert np.allclose(got, want)
    middle = interpolate(start, end, 0.25).get_weights()
    for got, a, b in zip(middle, start.get_weights(), end.get_weights(), strict=True):
        assert np.allclose(got, 0.75 * a + 0.25 * b)
    assert interpolate(start, end, 0.5) is not start  # a new model: the inputs are unchanged
