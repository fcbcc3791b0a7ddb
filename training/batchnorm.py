"""Re-estimate batch-norm statistics on clean (un-augmented) training faces, in inference mode.

Why: during training the moving averages are taken on augmented faces (reflect-padded shifts,
rotations and zooms smooth the image) with dropout active, so they do not describe the clean faces
the app sees. Statistics of clean Training faces score better on PublicTest with no learned weight
changed (docs/EXPERIMENTS.md), so every epoch is scored, and every stage saved, with them.
"""

from __future__ import annotations

import numpy as np

SAMPLE_SIZE = 5000


def _chain(model) -> list:
    """The model's layers in order, checking it is a plain chain (each layer feeds the next)."""
    import keras

    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    for previous, layer in zip(layers, layers[1:], strict=False):
        if layer.input is not previous.output:
            raise ValueError(f"{model.name} is not a plain chain of layers at {layer.name}")
    return layers


def clean_sample(faces: np.ndarray, seed: int = 0, size: int = SAMPLE_SIZE) -> np.ndarray:
    """A fixed random subset of ``faces`` (the same seed gives the same statistics every time)."""
    rng = np.random.default_rng(seed)
    keep = rng.choice(len(faces), size=min(size, len(faces)), replace=False)
    return faces[np.sort(keep)].astype("float32")


def _per_face_moments(x):
    """Each face's per-channel mean and centred sum of squares over its positions: ``(N, 2, C)``."""
    import keras

    ops = keras.ops
    axes = tuple(range(1, len(x.shape) - 1))
    if not axes:  # a dense layer's input: one position per face
        return ops.stack([x, ops.zeros_like(x)], axis=1)
    mean = ops.mean(x, axis=axes, keepdims=True)
    return ops.stack([ops.squeeze(mean, axis=axes), ops.sum(ops.square(x - mean), axis=axes)], axis=1)


class BatchNormEstimator:
    """Sets every BN layer of ``model`` to the exact statistics of ``faces``; call it again after
    the weights change (each epoch) to re-estimate them.

    Layers are visited in order and each BN sees inputs already normalised by the re-estimated
    layers before it, so the result does not depend on the statistics the model had before.

    NOTE: one sub-model per BN layer, built once, whose output is each face's per-channel moments:
    the activations never leave the device (at 48x48 a layer's output on 5,000 faces is 2 GB), and
    each sub-model compiles once, not once an epoch (under JAX a compilation costs seconds).
    """

    def __init__(self, model, faces: np.ndarray, batch_size: int = 500) -> None:
        import keras

        self.faces, self.batch_size = faces.astype("float32"), batch_size
        self.steps = [
            (layer, keras.Model(model.inputs, keras.layers.Lambda(_per_face_moments)(layer.input)))
            for layer in _chain(model) if isinstance(layer, keras.layers.BatchNormalization)
        ]

    def __call__(self) -> None:
        for layer, moments in self.steps:
            per_face = moments.predict(self.faces, batch_size=self.batch_size, verbose=0).astype(np.float64)
            means, squares = per_face[:, 0], per_face[:, 1]
            positions = np.prod(layer.input.shape[1:-1], dtype=np.int64)
            mean = means.mean(axis=0)
            # Chan et al.: the faces' own spreads plus the spread of their means around the total mean
            variance = (squares.sum(axis=0) + positions * ((means - mean) ** 2).sum(axis=0)) / (positions * len(means))
            gamma, beta, _, _ = layer.get_weights()
            layer.set_weights([gamma, beta, mean.astype("float32"), variance.astype("float32")])

