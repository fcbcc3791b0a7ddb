"""Widen a trained emotion CNN without changing what it computes (Net2WiderNet, Chen et al. 2016).

    python -m training.widen --from models/emotion_cnn.keras --widths 40,80,160 --out runs/wide/init.keras

The 32-64-128 network stopped improving at 0.71 clean training accuracy (PublicTest 0.66): it
underfits, and a wider net trained from scratch costs more CPU epochs than one session has. So the
trained filters are copied into a wider network of the same design: each new channel repeats an
existing one, and the next layer's weights for a repeated channel are split between its copies in
random proportions that sum to one. The wider net starts with exactly the old predictions (tested),
and the unequal split lets the copies drift apart during further training (``--init-from``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from emotion_app.model import load_metadata  # first: emotion_app loads aiortc before TensorFlow
from training.model import build_model, parse_widths

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="source", type=Path, required=True, help="a trained .keras model of ours")
    parser.add_argument("--widths", type=parse_widths, required=True,
                        help="new conv widths of the 3 blocks, e.g. 40,80,160")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    import keras

    from training.metadata import write_metadata

    widths = args.widths
    try:
        wide = widen_model(keras.saving.load_model(args.source), widths, args.seed)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    wide.save(args.out)
    # The lineage (epochs and seconds so far, any folded calibration offset) travels with the weights.
    training = load_metadata(args.source).get("training", {})
    write_metadata(args.out, training={**training, "widened_from": str(args.source), "widths": list(widths)})
    print(json.dumps({"out": str(args.out), "widths": widths, "parameters": wide.count_params()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
