"""Faces whose crop reaches the photo's edge: fill the rest by replicating the border (before), with
black (as fer pads), with the photo's mean grey or by mirroring the border, or shrink the square to
what lies inside the photo (``crop_faces`` now)?

    python benchmarks/edge_crops.py [--limit N]

Two sets of close-ups, each read by the photo page's predictor (its detector, mirror averaging):
the ``benchmarks/photos_e2e.py`` whole-photo sets (JAFFE; the close-ups are where crops reach the
edge), and PublicTest faces made into close-ups: each face enlarged 4x on a replicated canvas, cut
to 1.0-1.15x its Haar box and resized to 60-350 px (seeded), as the close-up set cuts JAFFE photos.
Accuracy over all photos and over those whose crop reaches the edge.
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np
from common import SHARED_DATA, machine, table
from photos_e2e import PHOTOS, load_dev, make_variants

import emotion_app  # noqa: F401  (before TensorFlow/mtcnn: see emotion_app/__init__.py)
from emotion_app.faces import FACE_SIZE, HaarDetector, crop_faces, to_gray
from emotion_app.labels import EMOTIONS
from emotion_app.predictor import EmotionPredictor
from emotion_app.profiles import PHOTO
from training.data import load_fer2013_csv

# How the part of a square outside the photo was or could be filled (cv2 border mode, value).
FILLS = {
    "replicated border": (cv2.BORDER_REPLICATE, None),
    "black": (cv2.BORDER_CONSTANT, 0.0),
    "mean grey": (cv2.BORDER_CONSTANT, "mean"),
    "mirrored border": (cv2.BORDER_REFLECT_101, None),
}


def filled_crop(gray: np.ndarray, box, margin: float, border: int, value) -> np.ndarray:
    """The whole square, the part outside the photo filled by ``border`` (``value``: a grey level,
    or "mean" for the photo's mean)."""
    x, y, w, h = box
    side = max(1, int(round(max(w, h) * (1 + 2 * margin))))
    left, top = int(round(x + w / 2 - side / 2)), int(round(y + h / 2 - side / 2))
    grey = float(gray.mean()) if value == "mean" else (value or 0.0)
    patch = cv2.warpAffine(gray, np.float32([[1, 0, -left], [0, 1, -top]]), (side, side),
                           flags=cv2.INTER_LINEAR, borderMode=border, borderValue=grey)
    interpolation = cv2.INTER_AREA if side >= FACE_SIZE else cv2.INTER_CUBIC
    return cv2.resize(patch, (FACE_SIZE, FACE_SIZE), interpolation=interpolation)[..., None]


def reaches_edge(gray: np.ndarray, box, margin: float) -> bool:
    x, y, w, h = box
    half = max(w, h) * (1 + 2 * margin) / 2
    cx, cy = x + w / 2, y + h / 2
    return cx - half < 0 or cy - half < 0 or cx + half > gray.shape[1] or cy + half > gray.shape[0]


def score(predictor: EmotionPredictor, photos: list) -> list[str]:
    """photos: (gray image, label index) pairs. Accuracy with each fill and kept inside, overall and
    at the edge."""
    truth = np.array([label for _, label in photos])
    found = []  # (gray image, its largest face) where a face was found; none found is wrong with every crop
    for gray, _ in photos:
        faces = predictor.detector.detect(gray, PHOTO.settings)
        found.append((gray, faces[0]) if faces else None)
    seen = np.array([pair is not None for pair in found])
    pairs = [pair for pair in found if pair is not None]
    edge = np.array([pair is not None and reaches_edge(pair[0], pair[1].box, pair[1].margin) for pair in found])
    crops = {name: [filled_crop(gray, face.box, face.margin, *fill) for gray, face in pairs]
             for name, fill in FILLS.items()}
    crops["kept inside"] = [crop_faces(gray, [face.box], face.margin)[0] for gray, face in pairs]
    cells = [f"{len(truth)}", f"{edge.sum()}"]
    for chosen in crops.values():
        predicted = np.full(len(truth), -1)
        if pairs:
            predicted[seen] = predictor.probabilities(np.stack(chosen)).argmax(axis=1)
        right = predicted == truth
        cells.append(f"{right.mean():.3f} / " + (f"{right[edge].mean():.3f}" if edge.any() else "-"))
    return cells


def publictest_closeups(limit: int) -> list:
    faces = load_fer2013_csv(SHARED_DATA / "fer2013.csv.gz").split("PublicTest")
    rng, haar, photos = np.random.default_rng(0), HaarDetector(), []
    for face, label in list(zip(faces.x[..., 0], faces.y, strict=True))[: limit or None]:
        canvas = cv2.copyMakeBorder(cv2.resize(face, (192, 192), interpolation=cv2.INTER_CUBIC),
                                    96, 96, 96, 96, cv2.BORDER_REPLICATE)
        found = haar.detect(canvas, PHOTO.settings)
        if not found:
            continue
        x, y, w, h = found[0].box
        side = max(w, h) * rng.uniform(1.0, 1.15)
        left, top = int(round(x + w / 2 - side / 2)), int(round(y + h / 2 - side / 2))
        photo = canvas[max(0, top):top + int(side), max(0, left):left + int(side)]
        size = int(np.exp(rng.uniform(np.log(60), np.log(350))))
        shrinking = size < photo.shape[0]
        photos.append((cv2.resize(photo, (size, size), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC),
                       int(label)))
    return photos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    if not (PHOTOS / "labels.csv").is_file():
        raise SystemExit(f"no photos at {PHOTOS} (see ../shared/data/README.md)")
    predictor = EmotionPredictor()
    rows = []
    for name, photos in make_variants(load_dev(args.limit)).items():
        rows.append([name, *score(predictor, [(to_gray(image), EMOTIONS.index(label)) for _, image, label in photos])])
    rows.append(["PublicTest close-ups", *score(predictor, publictest_closeups(args.limit))])
    print(f"Crops at the photo's edge, photo default ({predictor.model.runtime}); {machine()}\n")
    print("Accuracy over all photos / over those whose crop reaches the edge\n")
    print(table(["set", "photos", "crop reaches the edge", *FILLS, "kept inside"], rows))


if __name__ == "__main__":
    main()
