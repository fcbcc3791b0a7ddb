"""Whole photos end to end: is the largest face found, and is its emotion right? Ours vs fer.

    python benchmarks/photos_e2e.py [--sets dev,closeups,small,tilted] [--limit N] [--model A.keras,B.keras]
                                    [--float32]

``--model A.keras+B.keras`` scores the mean of the two models' answers (an ensemble), as one model.

Sets, all made from the JAFFE photos in ``../shared/data/photos_dev`` (research-only: the variants
are written under benchmarks/out/, which git ignores, never into the project):

- ``dev``: the 213 photos as they are (256x256 gray, head and shoulders).
- ``closeups``: each photo cropped to a square of 1.0-1.15x its face (the MTCNN box of the original,
  made square) and resized to 60-350 px (log-uniform, seeded): profile pictures and cropped selfies.
- ``small``: each photo shrunk to 90-160 px and placed at a random spot of a 640x480 scene, half of
  them plain grey, half a scikit-image sample photo (clutter, as in detection.py).
- ``tilted``: each photo turned by 10-25 degrees either way (a tilted head, what eye alignment is
  for; JAFFE's own faces are upright).

Rows classify on the int8 twin and average a face with its mirror image where the model is unsure
of it, as the photo page does, unless they say "one pass" (``--float32``: the float32 twin instead).
A photo counts as right when the largest face found has the photo's label; no face is wrong. Each
detector runs once per photo and its time is kept; "haar+mtcnn" rows add MTCNN's time only on the
photos where Haar found nothing, as ``FallbackDetector`` does. ms per photo = detection + cropping +
classification (fer: its ``detect_emotions``, in its own environment, see README.md). One process,
one run: compare rows, not machines.
"""

from __future__ import annotations

import argparse
import csv
import time
from dataclasses import dataclass, replace

import cv2
import numpy as np
from common import OUT, SHARED_DATA, FerPeer, machine, table

import emotion_app  # noqa: F401  (before TensorFlow/mtcnn: see emotion_app/__init__.py)
from emotion_app.faces import DetectionSettings, HaarDetector, MtcnnDetector
from emotion_app.labels import EMOTIONS
from emotion_app.model import load_model
from emotion_app.predictor import EmotionPredictor
from emotion_app.profiles import PHOTO

PHOTOS = SHARED_DATA / "photos_dev"
SETS = ("dev", "closeups", "small", "tilted")


@dataclass(frozen=True)
class Row:
    name: str
    detectors: tuple[str, ...]  # the second runs only where the first found nothing
    settings: DetectionSettings
    align: bool = False
    flip: bool = True  # the photo page's mirror averaging


ROWS = (
    Row("before: haar, no padding, one pass", ("haar",), replace(PHOTO.settings, pad=0.0), flip=False),
    Row("haar", ("haar",), PHOTO.settings),
    Row("mtcnn", ("mtcnn",), PHOTO.settings),
    Row("mtcnn, eyes levelled", ("mtcnn",), PHOTO.settings, align=True),
    Row("haar+mtcnn, one pass (no mirror)", ("haar", "mtcnn"), PHOTO.settings, flip=False),
    Row("haar+mtcnn (photo default)", ("haar", "mtcnn"), PHOTO.settings),
    Row("haar+mtcnn, eyes levelled", ("haar", "mtcnn"), PHOTO.settings, align=True),
)


class Averaged:
    """Several models as one: the mean of their probabilities (``--model A.keras+B.keras``)."""

    def __init__(self, models: list) -> None:
        self.models, self.path = models, models[0].path

    def probabilities(self, faces: np.ndarray) -> np.ndarray:
        return np.mean([model.probabilities(faces) for model in self.models], axis=0)


def predictor_for(path: str | None, quantized: bool) -> EmotionPredictor:
    if path is None or "+" not in path:
        model = None if path else load_model(quantized=quantized)
        return EmotionPredictor(path, detector="haar", model=model, quantized=quantized)
    model = Averaged([load_model(part, quantized=quantized) for part in path.split("+")])
    return EmotionPredictor(detector="haar", model=model, quantized=quantized)


def load_dev(limit: int) -> list[tuple[str, np.ndarray, str]]:
    with open(PHOTOS / "labels.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    if limit:  # every k-th photo, so every class is in a quick look
        rows = rows[:: max(1, len(rows) // limit)][:limit]
    return [(row["file"], cv2.imread(str(PHOTOS / row["file"])), row["label"]) for row in rows]


def scenery() -> list[np.ndarray]:
    from skimage import data
    from skimage.util import img_as_ubyte

    images = []
    for name in ("astronaut", "brick", "camera", "chelsea", "coffee", "grass", "gravel", "rocket", "clock", "coins"):
        image = img_as_ubyte(getattr(data, name)())
        image = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
        images.append(cv2.resize(cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2BGR), (640, 480)))
    return images


def make_variants(dev: list, seed: int = 0) -> dict[str, list]:
    """The close-up and small-face sets, made from each dev photo with a seeded generator."""
    rng, tilt_rng = np.random.default_rng(seed), np.random.default_rng(seed + 1)
    reference, settings = MtcnnDetector(), DetectionSettings(pad=0.2)
    backgrounds = scenery()
    closeups, small, tilted = [], [], []
    for i, (name, image, label) in enumerate(dev):
        faces = reference.detect(image, settings)
        if faces:
            x, y, w, h = faces[0].box
            side = max(w, h) * rng.uniform(1.0, 1.15)
            left, top = int(round(x + w / 2 - side / 2)), int(round(y + h / 2 - side / 2))
            square = cv2.copyMakeBorder(image, 64, 64, 64, 64, cv2.BORDER_REPLICATE)
            square = square[top + 64:top + 64 + int(side), left + 64:left + 64 + int(side)]
            size = int(np.exp(rng.uniform(np.log(60), np.log(350))))
            interpolation = cv2.INTER_AREA if size < side else cv2.INTER_CUBIC
            closeups.append((name, cv2.resize(square, (size, size), interpolation=interpolation), label))
        size = int(rng.integers(90, 161))
        scene = np.full((480, 640, 3), 128, np.uint8) if i % 2 == 0 else backgrounds[i % len(backgrounds)].copy()
        x, y = int(rng.integers(0, 640 - size)), int(rng.integers(0, 480 - size))
        scene[y:y + size, x:x + size] = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
        small.append((name, scene, label))
        angle = tilt_rng.uniform(10, 25) * tilt_rng.choice([-1, 1])
        turn = cv2.getRotationMatrix2D((image.shape[1] / 2, image.shape[0] / 2), angle, 1.0)
        tilted.append((name, cv2.warpAffine(image, turn, image.shape[1::-1], borderMode=cv2.BORDER_REPLICATE), label))
    return {"dev": dev, "closeups": closeups, "small": small, "tilted": tilted}


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, (time.perf_counter() - start) * 1000


def detect_all(photos: list, detectors: dict) -> dict:
    """(detector, photo index) -> (faces, ms): each detector runs once per photo, for every row and model."""
    found_by = {}
    for key, detector in detectors.items():
        for i, (_, image, _) in enumerate(photos):
            found_by[key, i] = timed(lambda d=detector, im=image: d.detect(im, PHOTO.settings))
    padless = replace(PHOTO.settings, pad=0.0)
    for i, (_, image, _) in enumerate(photos):
        found_by["haar-nopad", i] = timed(lambda im=image: detectors["haar"].detect(im, padless))
    return found_by


def evaluate(photos: list, predictor: EmotionPredictor, found_by: dict, rows=ROWS, label: str = "") -> list[list[str]]:
    scored = []
    for row in rows:
        keys = ["haar-nopad" if row.settings.pad == 0 and d == "haar" else d for d in row.detectors]
        predicted, times = [], []
        for i, (_, image, _) in enumerate(photos):
            faces, ms = found_by[keys[0], i]
            if not faces and len(keys) > 1:
                faces, extra = found_by[keys[1], i]
                ms += extra
            predictor.align, predictor.flip = row.align, row.flip
            results, classify_ms = timed(lambda im=image, f=faces[:1]: predictor.predict(im, faces=f))
            predicted.append(results[0].emotion if results else None)
            times.append(ms + classify_ms)
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
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--limit", type=int, default=0, help="only the first N photos (a quick look)")
    parser.add_argument("--model", default=None,
                        help="other .keras models, comma-separated (default: the shipped one); each is scored on "
                             "the same detections, and with more than one only the photo default's rows are kept; "
                             "A.keras+B.keras averages the two models' answers")
    parser.add_argument("--float32", action="store_true",
                        help="classify with each model's float32 twin instead of the int8 twin the pages serve")
    args = parser.parse_args()
    if not (PHOTOS / "labels.csv").is_file():
        raise SystemExit(f"no photos at {PHOTOS} (see ../shared/data/README.md)")
    paths = args.model.split(",") if args.model else [None]
    quantized = not args.float32
    predictors = [predictor_for(path, quantized) for path in paths]
    default_rows = tuple(row for row in ROWS if row.detectors == ("haar", "mtcnn") and not row.align)
    rows = ROWS if len(paths) == 1 else default_rows
    detectors = {"haar": HaarDetector(), "mtcnn": MtcnnDetector()}
    sets = make_variants(load_dev(args.limit))
    why_no_fer = FerPeer.available() if len(paths) == 1 else "not run when comparing models"
    header = ["detector", "faces found", "accuracy", *EMOTIONS, "ms per photo (mean / p95)"]
    names = ", ".join(p.model.path.name if path is None else path for p, path in zip(predictors, paths, strict=True))
    print(f"Whole photos, largest face per photo, no face = wrong; model {names}; {machine()}")
    for name in args.sets.split(","):
        photos = sets[name]
        found_by = detect_all(photos, detectors)
        table_rows = []
        for predictor, path in zip(predictors, paths, strict=True):
            table_rows += evaluate(photos, predictor, found_by, rows, f"{path}: " if len(paths) > 1 else "")
        fer = None if why_no_fer else fer_rows("fer 25.10.3 (detect_emotions)", photos, OUT / "photos_e2e" / name)
        table_rows += [fer] if fer else []
        print(f"\n### {name}: {len(photos)} photos\n")
        print(table(header, table_rows))
    if why_no_fer:
        print(f"\nfer left out: {why_no_fer}")


if __name__ == "__main__":
    main()
