"""Whole photos end to end: is the largest face found, and is its emotion right? Ours vs fer.

    python benchmarks/photos_e2e.py [--sets dev,closeups,small,tilted] [--limit N] [--model A.keras,B.keras]
                                    [--float32]

``--model A.keras,B.keras`` scores other models on the same detections (a candidate against the
shipped one, before ``training.ship``).

Sets, all made from the JAFFE photos in ``../shared/data/photos_dev`` (research-only: the variants
are written under benchmarks/out/, which git ignores, never into the project):

- ``dev``: the 213 photos as they are (256x256 gray, head and shoulders).
- ``closeups``: each photo cropped to a square of 1.0-1.15x its face (the largest box the package's
  MTCNN finds in the original with its defaults, made square: fixed, whatever the app's detectors
  become) and resized to 60-350 px (log-uniform, seeded): profile pictures and cropped selfies.
- ``small``: each photo shrunk to 90-160 px and placed at a random spot of a 640x480 scene, half of
  them plain grey, half a scikit-image sample photo (clutter, as in detection.py).
- ``tilted``: each photo turned by 10-25 degrees either way (a tilted head, what eye alignment is
  for; JAFFE's own faces are upright).

Rows classify on the int8 twin and average a face with its mirror image where the model is unsure
of it, as the photo page does, unless they say "one pass" (``--float32``: the float32 twin instead).
A photo counts as right when the largest face found has the photo's label; no face is wrong. Each
detector runs once per photo and its time is kept; the "haar+mtcnn" row (the default before
"mtcnn+haar") adds MTCNN's time only on the photos where Haar found nothing. ms per photo = detection + cropping +
classification (fer: its ``detect_emotions``, in its own environment, see README.md). One process,
one run: compare rows, not machines.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import cv2
import numpy as np
from common import (
    OUT,
    PHOTO_SETS,
    PHOTOS,
    FerPeer,
    classify_largest,
    detect_all,
    load_dev,
    make_variants,
    note,
    run_benchmark,
    table,
)

from emotion_app.faces import HaarDetector, MtcnnDetector, make_detector
from emotion_app.labels import EMOTIONS
from emotion_app.model import load_model
from emotion_app.predictor import EmotionPredictor
from emotion_app.profiles import PHOTO


@dataclass(frozen=True)
class Row:
    name: str
    detectors: tuple[str, ...]  # the second runs only where the first found nothing
    align: bool = False
    flip: bool = True  # the photo page's mirror averaging


ROWS = (
    Row("haar", ("haar",)),
    Row("mtcnn", ("mtcnn",)),
    Row("mtcnn, eyes levelled", ("mtcnn",), align=True),
    Row("haar+mtcnn (Haar, MTCNN where it finds nothing)", ("haar", "mtcnn")),
    Row("mtcnn+haar, one pass (no mirror)", ("mtcnn+haar",), flip=False),
    Row("mtcnn+haar (photo default)", ("mtcnn+haar",)),
    Row("mtcnn+haar, eyes levelled", ("mtcnn+haar",), align=True),
)


def predictor_for(path: str | None, quantized: bool) -> EmotionPredictor:
    model = load_model(path, quantized=quantized)
    return EmotionPredictor(detector="haar", model=model, quantized=quantized)


def evaluate(photos: list, predictor: EmotionPredictor, found_by: dict, rows=ROWS, label: str = "") -> list[list[str]]:
    scored = []
    for row in rows:
        predictor.align, predictor.flip = row.align, row.flip
        predicted, times = classify_largest(photos, predictor, found_by, row.detectors)
        scored.append(score(label + row.name, photos, predicted, times))
    return scored


def score(name: str, photos: list, predicted: list, times: list[float]) -> list[str]:
    labels = [label for _, _, label in photos]
    right = [p == t for p, t in zip(predicted, labels, strict=True)]
    recall = [[r for r, t in zip(right, labels, strict=True) if t == e] for e in EMOTIONS]
    found = np.mean([p is not None for p in predicted])
    return [name, f"{found:.1%}", f"**{np.mean(right):.3f}**", *(f"{np.mean(r):.2f}" if r else "-" for r in recall),
            f"{np.mean(times):.0f} / {np.percentile(times, 95):.0f}"]


def fer_rows(name: str, photos: list, directory) -> list[str] | None:
    if FerPeer.available() is not None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (_, image, _) in enumerate(photos):
        path = directory / f"{i:04d}.png"
        cv2.imwrite(str(path), image)
        paths.append(str(path))
    peer = FerPeer()
    try:
        answers = peer.ask({"command": "emotions", "images": paths})["answers"]
    finally:
        peer.close()
    return score(name, photos, [a["emotion"] for a in answers], [a["ms"] for a in answers])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(PHOTO_SETS))
    parser.add_argument("--limit", type=int, default=0, help="only the first N photos (a quick look)")
    parser.add_argument("--model", default=None,
                        help="other .keras models, comma-separated (default: the shipped one); each is scored on "
                             "the same detections, and with more than one only the photo default's rows are kept")
    parser.add_argument("--float32", action="store_true",
                        help="classify with each model's float32 twin instead of the int8 twin the pages serve")
    args = parser.parse_args()
    if not (PHOTOS / "labels.csv").is_file():
        raise SystemExit(f"no photos at {PHOTOS} (see ../shared/data/README.md)")
    paths = args.model.split(",") if args.model else [None]
    quantized = not args.float32
    predictors = [predictor_for(path, quantized) for path in paths]
    default_rows = tuple(row for row in ROWS if row.detectors == (PHOTO.detector,) and not row.align)
    rows = ROWS if len(paths) == 1 else default_rows
    detectors = {"haar": HaarDetector(), "mtcnn": MtcnnDetector(), PHOTO.detector: make_detector(PHOTO.detector)}
    sets = make_variants(load_dev(args.limit))
    why_no_fer = FerPeer.available() if len(paths) == 1 else "not run when comparing models"
    header = ["detector", "faces found", "accuracy", *EMOTIONS, "ms per photo (mean / p95)"]
    names = ", ".join(p.model.path.name if path is None else path for p, path in zip(predictors, paths, strict=True))
    print("Whole photos, largest face per photo, no face = wrong")
    print(note(f"Model {names}, {'float32' if args.float32 else 'int8'} twin."))
    for name in args.sets.split(","):
        photos = sets[name]
        found_by = detect_all(photos, detectors)
        table_rows = []
        for predictor, path in zip(predictors, paths, strict=True):
            table_rows += evaluate(photos, predictor, found_by, rows, f"{path}: " if len(paths) > 1 else "")
        fer = None if why_no_fer else fer_rows("fer 25.10.3 (detect_emotions)", photos, OUT / "photos_e2e" / name)
        table_rows += [fer] if fer else []
        print("\n" + table(header, table_rows, f"{name}: {len(photos)} photos") + "\n")
    if why_no_fer:
        print(note(f"fer left out: {why_no_fer}"))


if __name__ == "__main__":
    run_benchmark(main)
