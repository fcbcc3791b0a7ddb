"""Test-time changes to the face crop on whole photos: does any framing or photometric change, or an
average over several framings, read the photos better than the photo page's crop?

    python benchmarks/photos_tta.py [--sets dev,closeups,small,tilted] [--limit N] [--model A.keras]

The photo default's detections (Haar, then MTCNN where Haar finds nothing; largest face; no face =
wrong) on the ``benchmarks/photos_e2e.py`` sets, each crop classified as the photo page does (int8
twin, averaged with its mirror image where the model is unsure). Rows: the page's crop; its margin
changed by a few hundredths of the box per side; averages over several margins and over small
shifts of the box; photometric changes of the 48x48 crop (blur, a lower resolution, JPEG
artefacts, gamma, contrast stretch, CLAHE). Accuracy per set, then the mean probabilities the
page's crop gets per true class on the first set (what the misses are read as).
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np
from common import machine, table
from photos_e2e import PHOTOS, SETS, load_dev, make_variants

import emotion_app  # noqa: F401  (before TensorFlow/mtcnn: see emotion_app/__init__.py)
from emotion_app.faces import crop_faces, to_gray
from emotion_app.labels import EMOTIONS
from emotion_app.predictor import EmotionPredictor
from emotion_app.profiles import PHOTO

MARGINS = (-0.05, 0.0, 0.05, 0.10, 0.15)  # added to the detector's own margin
SHIFTS = ((0.0, 0.0), (0.05, 0.0), (-0.05, 0.0), (0.0, 0.05), (0.0, -0.05))  # fractions of the box


def _each(function):
    return lambda crops: np.stack([function(crop[..., 0])[..., None] for crop in crops])


PHOTOMETRIC = {
    "blur sigma 0.5": _each(lambda c: cv2.GaussianBlur(c, (0, 0), 0.5)),
    "blur sigma 0.8": _each(lambda c: cv2.GaussianBlur(c, (0, 0), 0.8)),
    "through 32x32": _each(lambda c: cv2.resize(cv2.resize(c, (32, 32), interpolation=cv2.INTER_AREA), (48, 48))),
    "JPEG quality 60": _each(lambda c: cv2.imdecode(cv2.imencode(".jpg", c, [cv2.IMWRITE_JPEG_QUALITY, 60])[1], 0)),
    "gamma 0.7": _each(lambda c: (255 * (c / 255.0) ** 0.7).astype(np.uint8)),
    "gamma 1.4": _each(lambda c: (255 * (c / 255.0) ** 1.4).astype(np.uint8)),
    "contrast stretched": _each(lambda c: cv2.normalize(c, None, 0, 255, cv2.NORM_MINMAX)),
    "CLAHE": _each(lambda c: cv2.createCLAHE(2.0, (4, 4)).apply(c)),
}


def crops_for(photos: list, detector, margin: float, shift: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Each photo's largest face, cropped with its detector's margin plus ``margin`` and its box moved
    by ``shift``; a blank crop where no face was found (counted wrong through ``found``)."""
    crops, found = [], []
    for faces, image in zip(detector, (image for _, image, _ in photos), strict=True):
        found.append(bool(faces))
        if not faces:
            crops.append(np.zeros((48, 48, 1), np.uint8))
            continue
        x, y, w, h = faces[0].box
        box = (x + shift[0] * w, y + shift[1] * h, w, h)
        crops.append(crop_faces(to_gray(image), [box], faces[0].margin + margin)[0])
    return np.stack(crops), np.array(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--model", default=None, help="a .keras model (default: the shipped one)")
    args = parser.parse_args()
    if not (PHOTOS / "labels.csv").is_file():
        raise SystemExit(f"no photos at {PHOTOS} (see ../shared/data/README.md)")
    # the photo page's predictor: its detector, model form and mirror averaging for every crop below
    predictor = EmotionPredictor(args.model)
    model, detector, mirrored = predictor.model, predictor.detector, predictor.probabilities
    sets = make_variants(load_dev(args.limit))
    names = args.sets.split(",")
    rows: dict[str, list[str]] = {}
    read_as: list[list[str]] = []
    for name in names:
        photos = sets[name]
        truth = np.array([EMOTIONS.index(label) for _, _, label in photos])
        detections = [detector.detect(image, PHOTO.settings) for _, image, _ in photos]
        probs = {(m, s): mirrored(crops_for(photos, detections, m, s)[0]) for m in MARGINS for s in SHIFTS
                 if m == 0.0 or s == (0.0, 0.0)}
        base, found = crops_for(photos, detections, 0.0, (0.0, 0.0))

        variants = {"the photo page's crop": probs[0.0, (0.0, 0.0)]}
        variants |= {f"margin {m:+.2f}": probs[m, (0.0, 0.0)] for m in MARGINS if m}
        variants["mean of margins -0.05, 0, +0.05"] = np.mean([probs[m, (0.0, 0.0)] for m in MARGINS[:3]], axis=0)
        variants["mean of all five margins"] = np.mean([probs[m, (0.0, 0.0)] for m in MARGINS], axis=0)
        variants["mean of five shifts (5% of the box)"] = np.mean([probs[0.0, s] for s in SHIFTS], axis=0)
        variants |= {change: mirrored(function(base)) for change, function in PHOTOMETRIC.items()}
        for variant, p in variants.items():
            rows.setdefault(variant, [variant]).append(f"{np.mean((p.argmax(axis=1) == truth) & found):.3f}")
        if not read_as:
            page = variants["the photo page's crop"]
            read_as = [[emotion, *(f"{v:.2f}" for v in page[truth == c].mean(axis=0))]
                       for c, emotion in enumerate(EMOTIONS) if np.any(truth == c)]
    print(f"Test-time crop changes on whole photos, photo default's detections, classified as "
          f"the photo page does ({model.runtime}, mirror where unsure); "
          f"model {model.path.name}; {machine()}\n")
    print(table(["crop", *names], list(rows.values())))
    print(f"\nMean probabilities per true class, {names[0]}, the photo page's crop:\n")
    print(table(["true class", *EMOTIONS], read_as))


if __name__ == "__main__":
    main()
