"""Evaluate the shipped model on PublicTest and PrivateTest; write the report and the metrics.

    python -m training.evaluate

Writes docs/EVALUATION.md with confusion-matrix PNGs beside it, and stores the numbers under
"metrics" in the model's metadata file. PrivateTest is reported here and never used to choose
anything.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from emotion_app.labels import EMOTIONS
from emotion_app.model import DEFAULT_MODEL
from training.data import DEFAULT_DATA, DataError, data_sha256, load_faces
from training.inference import predict_probabilities
from training.metrics import summarize

REPO = Path(__file__).resolve().parents[1]
REPORT_SPLITS = ("PrivateTest", "PublicTest")


def plot_confusion(matrix: np.ndarray, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    normalized = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    figure, axes = plt.subplots(figsize=(6.4, 5.6), dpi=110)
    image = axes.imshow(normalized, cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(len(EMOTIONS)), EMOTIONS, rotation=40, ha="right")
    axes.set_yticks(range(len(EMOTIONS)), EMOTIONS)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    for (row, column), count in np.ndenumerate(matrix):
        color = "white" if normalized[row, column] > 0.5 else "black"
        axes.text(column, row, f"{normalized[row, column]:.2f}\n({count})", ha="center", va="center",
                  fontsize=7, color=color)
    figure.colorbar(image, ax=axes, fraction=0.046, label="share of the true class")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def evaluate(model, data_path: Path) -> dict[str, dict]:
    faces = load_faces(data_path)
    results = {}
    for split in REPORT_SPLITS:
        subset = faces.split(split)
        if not len(subset):  # a folder of split arrays carried without this split
            raise DataError(f"{data_path}: has no {split} faces to evaluate on")
        single = summarize(subset.y, predict_probabilities(model, subset.x).argmax(axis=1))
        flipped = summarize(subset.y, predict_probabilities(model, subset.x, flip=True).argmax(axis=1))
        results[split] = {**single, "flip_tta": flipped}
    return results


def report_markdown(results: dict[str, dict], model_path: Path, data_path: Path, data_sha: str,
                    title: str = "Evaluation of the shipped model") -> str:
    lines = [
        f"# {title}",
        "",
        f"Model `{model_path.relative_to(REPO) if model_path.is_relative_to(REPO) else model_path}`, data "
        f"`{data_path.name}` (sha256 `{data_sha[:16]}…`). Regenerate with `python -m training.evaluate`.",
        "PrivateTest is the test set: it was never used to choose a checkpoint or a setting.",
        "",
        "| split | faces | accuracy | macro recall | macro F1 | accuracy, flip TTA | macro recall, flip TTA |",
        "|---|---|---|---|---|---|---|",
    ]
    for split, metrics in results.items():
        tta = metrics["flip_tta"]
        lines.append(
            f"| {split} | {metrics['faces']} | {metrics['accuracy']:.4f} | {metrics['macro_recall']:.4f} | "
            f"{metrics['macro_f1']:.4f} | {tta['accuracy']:.4f} | {tta['macro_recall']:.4f} |"
        )
    for split, metrics in results.items():
        lines += ["", f"## {split}, single forward pass", "", "| class | precision | recall | F1 | faces |",
                  "|---|---|---|---|---|"]
        for emotion, scores in metrics["per_class"].items():
            lines.append(f"| {emotion} | {scores['precision']:.3f} | {scores['recall']:.3f} | {scores['f1']:.3f} | "
                         f"{scores['support']} |")
        lines += ["", f"![{split} confusion matrix](confusion_{split}.png)"]
    return "\n".join(lines) + "\n"


def write_evaluation(model_path: Path, data_path: Path, docs: Path, title: str = "Evaluation of the shipped model",
                     metadata: bool = True) -> dict[str, dict]:
    """Evaluate ``model_path``; write EVALUATION.md and the confusion PNGs into ``docs`` and, with
    ``metadata``, the metrics into the model's JSON."""
    from emotion_app.model import ENSEMBLE, EnsembleModel, load_metadata, load_model
    from training.metadata import write_metadata

    served = load_model(model_path, runtime="tensorflow")  # no unused LiteRT twin
    results = evaluate(served.keras_model, data_path)
    docs.mkdir(parents=True, exist_ok=True)
    for split, metrics in results.items():
        plot_confusion(np.array(metrics["confusion_matrix"]), f"{split}: accuracy {metrics['accuracy']:.3f}",
                       docs / f"confusion_{split}.png")
    data_sha = data_sha256(data_path)
    report = report_markdown(results, Path(model_path).resolve(), data_path, data_sha, title)
    (docs / "EVALUATION.md").write_text(report)
    if metadata and isinstance(served, EnsembleModel):  # the ensemble's figures, beside the model's own
        ensemble = {**load_metadata(model_path)[ENSEMBLE], "metrics": {**results, "data_sha256": data_sha}}
        write_metadata(model_path, **{ENSEMBLE: ensemble})
    elif metadata:
        write_metadata(model_path, metrics={**results, "data_sha256": data_sha})
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="FER2013 CSV or a folder of split arrays")
    parser.add_argument("--docs", type=Path, default=REPO / "docs", help="where the report and PNGs go")
    parser.add_argument("--no-metadata", action="store_true", help="do not write the metrics into the model's JSON")
    args = parser.parse_args(argv)

    from emotion_app.model import ModelError

    try:
        results = write_evaluation(args.model, args.data, args.docs, metadata=not args.no_metadata)
    except (DataError, ModelError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for split, metrics in results.items():
        print(f"{split}: accuracy {metrics['accuracy']:.4f} (flip TTA {metrics['flip_tta']['accuracy']:.4f}), "
              f"macro recall {metrics['macro_recall']:.4f}, macro F1 {metrics['macro_f1']:.4f}, "
              f"disgust recall {metrics['per_class']['disgust']['recall']:.3f}")
    print(f"wrote {args.docs / 'EVALUATION.md'}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
