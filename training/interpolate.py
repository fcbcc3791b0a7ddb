"""Weight interpolation between the shipped model and a fine-tune of it (WiSE-FT), as it would ship.

    python -m training.interpolate --to runs/real-photos-gentle/gentle/epoch004_cal.keras --alpha 0.3,0.5,0.7

Each model is ``(1 - alpha) * from + alpha * to``, weight by weight; its batch-norm statistics are
then re-estimated on clean Training faces (the interpolated statistics describe neither network)
and its class offset fitted again on PublicTest, as every stage's finish does. A fine-tune and
the model it started from share a basin, so the path between them is a family of models that
trade what the fine-tune learnt against what it forgot; docs/EXPERIMENTS.md has the results.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emotion_app.model import DEFAULT_MODEL


def interpolate(start, end, alpha: float):
    """A new model with ``start``'s architecture and weights ``(1 - alpha) * start + alpha * end``."""
    import keras

    model = keras.models.clone_model(start)
    pairs = zip(start.get_weights(), end.get_weights(), strict=True)
    model.set_weights([(1 - alpha) * a + alpha * b for a, b in pairs])
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="start", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--to", dest="end", type=Path, required=True, help="a fine-tune of --from (calibrated)")
    parser.add_argument("--alpha", default="0.3,0.5,0.7")
    parser.add_argument("--out", type=Path, default=Path("runs/interpolated"), help="where the models are saved")
    parser.add_argument("--data", default=None, help="FER2013 CSV or split arrays folder (default: ../shared/data)")
    args = parser.parse_args(argv)

    import keras

    from training.batchnorm import clean_sample, reestimate_batch_norm
    from training.calibration import calibrate_class_bias
    from training.data import DEFAULT_DATA, load_faces

    data = load_faces(args.data or DEFAULT_DATA)
    bn_faces, public = clean_sample(data.split("Training").x), data.split("PublicTest")
    start, end = keras.saving.load_model(args.start), keras.saving.load_model(args.end)
    args.out.mkdir(parents=True, exist_ok=True)
    print("| alpha | PublicTest (calibrated) | model |\n|---|---|---|")
    for alpha in (float(a) for a in args.alpha.split(",")):
        model = interpolate(start, end, alpha)
        reestimate_batch_norm(model, bn_faces)
        calibration = calibrate_class_bias(model, public.x, public.y)
        path = args.out / f"{args.end.stem}_alpha{alpha:g}.keras"
        model.save(path)
        print(f"| {alpha:g} | {calibration.accuracy_after:.4f} | {path} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
