"""Serve an ensemble: the shipped model with finished runs' models, their probabilities averaged (issue 47).

    python -m training.ensemble RUN/model.keras [RUN2/model.keras]   # serve the shipped model with these
    python -m training.ensemble --alone                               # serve the shipped model alone again

Decide first with ``python -m benchmarks.judge --model models/emotion_cnn.keras RUN/model.keras`` (the rule
of docs/EXPERIMENTS.md). Each member is copied beside the shipped model as ``models/emotion_cnn_NAME.*`` (its
``.keras``, metadata and TFLite twins, the int8 one required: both pages serve it), NAME being the run's
folder. The shipped model's metadata lists them under ``ensemble`` with their SHA-256, which the app checks
before serving them (``emotion_app.model.load_model``), and the ensemble's own metrics, which the pages
quote; its own file and metrics stay as they are. docs/EVALUATION.md is rewritten for what is served.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from emotion_app.model import DEFAULT_MODEL, ENSEMBLE, load_metadata, sha256_file, twin_path
from training.ship import REPO, ShipError, evaluate_served, install

MAX_MEMBERS = 3  # the shipped model included: issue 47's cost bound (benchmarks/classifier.py)


def members_of(target: Path) -> list[Path]:
    """The member files the model at ``target`` is served with (not itself)."""
    return [target.parent / member["file"] for member in load_metadata(target).get(ENSEMBLE, {}).get("members", [])]


def drop_members(target: Path) -> None:
    """Serve ``target`` alone: its members' files go, and its metadata no longer lists them."""
    for member in members_of(target):
        for path in (member, member.with_suffix(".json"), twin_path(member), twin_path(member, "litert-int8")):
            path.unlink(missing_ok=True)
    metadata = load_metadata(target)
    if metadata.pop(ENSEMBLE, None) is not None:
        target.with_suffix(".json").write_text(json.dumps(metadata, indent=2) + "\n")


def serve_ensemble(models: list[Path], target: Path = DEFAULT_MODEL, docs: Path = REPO / "docs") -> dict:
    """Serve ``target`` with ``models`` (finished runs' ``model.keras``); returns the ensemble's metrics."""
    if not 1 <= len(models) < MAX_MEMBERS:
        raise ShipError(f"an ensemble is the shipped model and 1 to {MAX_MEMBERS - 1} others, not {len(models)}")
    names = [Path(model).resolve().parent.name for model in models]
    if len(set(names)) < len(names):
        raise ShipError(f"two members come from folders of the same name ({names}): they would overwrite each other")
    for model in models:
        if "keras_sha256" not in load_metadata(model).get("tflite_int8", {}):
            raise ShipError(f"{model} has no int8 twin, which both pages serve: finish its run "
                            f"(`python -m training.train`) or run `python -m training.export --model {model} --int8`")
    drop_members(target)
    members = []
    for model, name in zip(models, names, strict=True):
        member = target.with_name(f"{target.stem}_{name}.keras")
        install(Path(model), member)
        members.append({"file": member.name, "keras_sha256": sha256_file(member),
                        "shipped_from": str(Path(model).resolve().parent)})
    metadata = load_metadata(target)
    metadata[ENSEMBLE] = {"members": members}
    target.with_suffix(".json").write_text(json.dumps(metadata, indent=2) + "\n")
    return evaluate_served(target, docs, title="Evaluation of the served ensemble")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", type=Path, nargs="*", help="finished runs' model.keras, served with the shipped one")
    parser.add_argument("--alone", action="store_true", help="serve the shipped model alone again")
    args = parser.parse_args(argv)
    if args.alone == bool(args.models):
        parser.error("give the members' models, or --alone")
    try:
        if args.alone:
            drop_members(DEFAULT_MODEL)
            results = evaluate_served(DEFAULT_MODEL, REPO / "docs", metadata=False)
        else:
            results = serve_ensemble(args.models)
    except ShipError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"serving {DEFAULT_MODEL.name} with {len(members_of(DEFAULT_MODEL))} other models: PublicTest "
          f"{results['PublicTest']['accuracy']:.4f}, PrivateTest {results['PrivateTest']['accuracy']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
