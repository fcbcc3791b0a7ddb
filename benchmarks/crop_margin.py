"""Which crop margin around the Haar box gives the classifier FER2013's framing? Measured on PublicTest.

    python benchmarks/crop_margin.py [--limit 1500]

Each PublicTest face is enlarged 4x onto a wider canvas (edges replicated, so Haar sees a face in
context as in a photo), found again by the app's Haar detector, cropped with each margin the way
the app crops, and classified. PublicTest only: this chooses a setting.
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np
from common import SHARED_DATA, table

from emotion_app.faces import DetectionSettings, HaarCascade, crop_faces, find_faces
from emotion_app.model import load_model
from training.data import load_fer2013_csv

MARGINS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
SCALE, PAD = 4, 96


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=1500)
    args = parser.parse_args()
    faces = load_fer2013_csv(SHARED_DATA / "fer2013.csv.gz").split("PublicTest")
    x, y = faces.x[: args.limit], faces.y[: args.limit]
    model, cascade = load_model(), HaarCascade()
    settings = DetectionSettings(scale_factor=1.15, min_neighbors=3, min_face=0.2)  # as when the margin was chosen
    crops = {margin: [] for margin in MARGINS}
    labels = []
    for face, label in zip(x[:, :, :, 0], y, strict=True):
        big = cv2.resize(face, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_CUBIC)
        canvas = cv2.copyMakeBorder(big, PAD, PAD, PAD, PAD, cv2.BORDER_REPLICATE)
        boxes = find_faces(canvas, cascade, settings)
        if not boxes:
            continue
        centre = canvas.shape[0] / 2
        box = min(boxes, key=lambda b: abs(b[0] + b[2] / 2 - centre) + abs(b[1] + b[3] / 2 - centre))
        labels.append(label)
        for margin in MARGINS:
            crops[margin].append(crop_faces(canvas, [box], margin)[0])
    labels = np.array(labels)
    rows = []
    for margin in MARGINS:
        predicted = model.probabilities(np.stack(crops[margin])).argmax(axis=1)
        rows.append([f"{margin:.2f}", f"{np.mean(predicted == labels):.4f}"])
    original = model.probabilities(x).argmax(axis=1)
    print(f"PublicTest faces: {len(x)}, found by Haar: {len(labels)} ({len(labels) / len(x):.0%}); "
          f"accuracy on the original 48x48 crops: {np.mean(original == y):.4f}\n")
    print(table(["margin per side", "accuracy on Haar re-crops"], rows))


if __name__ == "__main__":
    main()
