"""Widen a trained emotion CNN without changing what it computes (Net2WiderNet, Chen et al. 2016).

``train.py`` does it when a stage is wider than the model it starts from. Why: the narrow network
underfits, and a wider one trained from scratch costs more CPU epochs than the narrow one's function
carried over (docs/EXPERIMENTS.md). Each new channel repeats an existing one, and the next layer's
weights for a repeated channel are split between its copies in random proportions that sum to one:
the wider net starts with exactly the old predictions (tested), and the unequal split lets the
copies drift apart during further training.
"""

from __future__ import annotations

import numpy as np

from training.network import build_model

BLOCKS = 3


def _mapping(old: int, new: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Old channel behind each new channel, and each new channel's share of its old channel's output."""
    if new < old:
        raise ValueError(f"cannot narrow a layer from {old} to {new} channels")
    source = np.concatenate([np.arange(old), rng.integers(0, old, new - old)])
    share = rng.uniform(0.5, 1.5, new)
    totals = np.zeros(old)
    np.add.at(totals, source, share)
    return source, share / totals[source]


def widen_model(model, widths: tuple[int, int, int], seed: int = 0):
    """A ``build_model(widths)`` network computing the same function as ``model`` (inference mode)."""
    rng = np.random.default_rng(seed)
    old_widths = tuple(model.get_layer(f"conv{b}_1").filters for b in range(1, BLOCKS + 1))
    dense = model.get_layer("dense")
    wide = build_model(widths, model.get_layer("drop1").rate, dense.units, model.get_layer("drop_dense").rate)

    incoming_source, incoming_share = np.zeros(1, dtype=int), np.ones(1)  # the single gray channel
    for block, (old, new) in enumerate(zip(old_widths, widths, strict=True), start=1):
        for conv in (1, 2):
            source, share = _mapping(old, new, rng)
            (kernel,) = model.get_layer(f"conv{block}_{conv}").get_weights()
            kernel = kernel[:, :, incoming_source, :] * incoming_share[None, None, :, None]
            wide.get_layer(f"conv{block}_{conv}").set_weights([kernel[..., source]])
            bn = model.get_layer(f"bn{block}_{conv}").get_weights()
            wide.get_layer(f"bn{block}_{conv}").set_weights([w[source] for w in bn])
            incoming_source, incoming_share = source, share

    (kernel,) = dense.get_weights()
    positions = kernel.shape[0] // old_widths[-1]  # Flatten orders rows as (position, channel)
    kernel = kernel.reshape(positions, old_widths[-1], -1)[:, incoming_source, :] * incoming_share[None, :, None]
    wide.get_layer("dense").set_weights([kernel.reshape(positions * widths[-1], -1)])
    wide.get_layer("bn_dense").set_weights(model.get_layer("bn_dense").get_weights())
    wide.get_layer("probabilities").set_weights(model.get_layer("probabilities").get_weights())
    return wide

