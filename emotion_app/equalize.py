"""Histogram equalisation of each face as a Keras layer: a model trained on equalised faces carries
its own equalisation, so training and serving cannot disagree (issue 35's second candidate,
docs/EXPERIMENTS.md). Imported by ``emotion_app.model.load_keras`` before a ``.keras`` file is read.

A smoothed equalisation: the histogram is counted in ``bins`` bins and each bin's pixels are taken
as spread evenly over its grey levels, so the map from grey level to output is piecewise linear, the
darkest grey level going to 0 and the brightest to 255. On FER2013's PublicTest faces it is 1.2 grey
levels from OpenCV's ``equalizeHist`` on average (99% of pixels within 14); it differs most where
many pixels share one grey level. The exact form needs a (faces, pixels, 256) tensor, 8x the memory
while training. Written in plain arithmetic (no comparison, no gather) so it converts to LiteRT with
builtin ops (a comparison made the int8 converter's interpreter abort) and runs alike on every Keras
backend.
"""

from __future__ import annotations

import keras
from keras import ops

GREY_LEVELS = 256
LAYER_NAME = "equalize"  # its name in a model: the int8 export keeps what it computes in float32


@keras.saving.register_keras_serializable("emotion_app")
class EqualizeHistogram(keras.layers.Layer):
    """(N, H, W, 1) grey faces, 0..255, to their equalised values, 0..255. A face of one grey level
    comes out black: it has no contrast to spread.

    Always computed in float32, whatever the model's dtype policy: its counts reach H*W (2304), which
    bfloat16 rounds to the nearest 16.
    """

    def __init__(self, bins: int = 32, **kwargs) -> None:
        kwargs["dtype"] = "float32"
        super().__init__(**kwargs)
        if bins < 1 or GREY_LEVELS % bins:
            raise ValueError(f"bins must divide {GREY_LEVELS}, got {bins}")
        self.bins = bins

    def call(self, faces):
        shape = ops.shape(faces)
        pixels = ops.reshape(ops.cast(faces, "float32"), (shape[0], -1, 1))  # (N, P, 1)
        width = GREY_LEVELS // self.bins
        edges = ops.arange(0, GREY_LEVELS + 1, width, dtype="float32")  # bins + 1 edges
        # pixels at or above each edge: a step one grey level wide, exact on whole grey levels
        at_or_above = ops.sum(ops.clip(pixels - edges + 1.0, 0.0, 1.0), axis=1)  # (N, bins + 1)
        per_bin = at_or_above[:, :-1] - at_or_above[:, 1:]  # (N, bins)

        def at_or_below(values):  # (N, M, 1) grey levels to how many pixels are at or below each
            share = ops.clip((values + 1.0 - edges[:-1]) / width, 0.0, 1.0)  # (N, M, bins)
            return ops.sum(share * per_bin[:, None, :], axis=-1)  # (N, M)

        darkest = at_or_below(ops.min(pixels, axis=1, keepdims=True))  # (N, 1)
        brightest = at_or_below(ops.max(pixels, axis=1, keepdims=True))
        spread = (at_or_below(pixels) - darkest) / ops.maximum(brightest - darkest, 1.0)
        return ops.reshape(ops.clip(255.0 * spread, 0.0, 255.0), shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "bins": self.bins}
