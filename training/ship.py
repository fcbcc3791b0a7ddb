"""Ship a finished training run: the only way the app's model changes.

    python -m training.ship runs/NAME [--force]

Refuses a run whose model scores lower on PublicTest than the shipped one (PrivateTest is never
compared: it is the test set). Copies the run's ``model.keras`` and its TFLite twins to
``models/emotion_cnn.*`` with fresh metadata (the run's own, never merged with the old model's),
and writes docs/EVALUATION.md for it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from emotion_app.model import DEFAULT_MODEL, load_metadata, sha256_file, twin_path

REPO = Path(__file__).resolve().parents[1]
SHIPPED = DEFAULT_MODEL


class ShipError(RuntimeError):
    """The run cannot be shipped; the message says why."""


def publictest(model: Path) -> float | None:
    return load_metadata(model).get("metrics", {}).get("PublicTest", {}).get("accuracy")


def ship(run_dir: Path, target: Path = SHIPPED, docs: Path = REPO / "docs", force: bool = False) -> dict:
    """Copy ``run_dir``'s finished model over ``target``; returns its fresh metadata. It is served alone:
    an ensemble the old model was served in goes with it (``training/ensemble.py``)."""
    from training.ensemble import drop_members

    model = run_dir / "model.keras"
    metadata = load_metadata(model)
    if not model.is_file() or "metrics" not in metadata or "tflite" not in metadata:
        raise ShipError(f"{run_dir} has no finished model: run `python -m training.train` to the end first")
    new, old = publictest(model), publictest(target) if target.is_file() else None
    if old is not None and new < old and not force:
        raise ShipError(f"{run_dir} scores {new:.4f} on PublicTest, below the shipped {old:.4f}: not shipped")
    if target.is_file():
        drop_members(target)
    fresh = install(model, target, shipped_from=run_dir)
    evaluate_served(target, docs, metadata=False)
    return fresh


def evaluate_served(target: Path, docs: Path, **options) -> dict:
    """docs/EVALUATION.md for what ``target`` serves (it, or the ensemble it leads), on the data it was
    trained from; ``options`` go to ``training.evaluate.write_evaluation``."""
    from training.evaluate import write_evaluation

    data = Path(load_metadata(target)["training"]["settings"]["data"])
    return write_evaluation(target, data, docs, **options)


def install(model: Path, target: Path, shipped_from: Path | None = None) -> dict:
    """Copy a finished ``model`` and its TFLite twins to ``target`` (and its twins' names), with fresh
    metadata pairing them with the copy; returns that metadata."""
    metadata = load_metadata(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model, target)
    shutil.copyfile(twin_path(model), twin_path(target))
    fresh = {**metadata, "model_file": target.name, "shipped_from": str(shipped_from or model.parent),
             "tflite": {**metadata["tflite"], "file": twin_path(target).name, "keras_sha256": sha256_file(target)}}
    # The int8 twin goes with it if the run made one; an old one must not stay behind (it would not
    # be served, its hash being another model's, but it would mislead whoever reads models/).
    int8, target_int8 = twin_path(model, "litert-int8"), twin_path(target, "litert-int8")
    target_int8.unlink(missing_ok=True)
    if "keras_sha256" in metadata.get("tflite_int8", {}) and int8.is_file():
        shutil.copyfile(int8, target_int8)
        fresh["tflite_int8"] = {**metadata["tflite_int8"], "file": target_int8.name,
                                "keras_sha256": sha256_file(target)}
    target.with_suffix(".json").write_text(json.dumps(fresh, indent=2) + "\n")
    return fresh


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a run directory written by python -m training.train")
    parser.add_argument("--force", action="store_true", help="ship even if it scores lower on PublicTest")
    args = parser.parse_args(argv)
    try:
        fresh = ship(args.run, force=args.force)
    except ShipError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"shipped {args.run} as {SHIPPED}: PublicTest {fresh['metrics']['PublicTest']['accuracy']:.4f}, "
          f"PrivateTest {fresh['metrics']['PrivateTest']['accuracy']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
