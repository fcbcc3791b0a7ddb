"""How small may a face be before the classifier stops reading it? Measured on PublicTest.

    python benchmarks/face_size.py

Each PublicTest face (48x48) is shrunk to N pixels, as a small face in a photo would be, then brought
back to 48x48 the way ``crop_faces`` resizes a crop, and classified. The app's smallest reported
face (``DetectionSettings.min_face_px``) is chosen from this table. PublicTest only: this chooses a
setting.
"""

from __future__ import annotations

import cv2
import numpy as np
from common import SHARED_DATA, run_benchmark, table

from emotion_app.faces import FACE_SIZE
from emotion_app.model import load_model
from training.data import load_fer2013_csv

SIDES = (16, 20, 24, 28, 32, 36, 40, 44, 48)


def main() -> None:
    faces = load_fer2013_csv(SHARED_DATA / "fer2013.csv.gz").split("PublicTest")
    model = load_model()
    rows = []
    for side in SIDES:
        small = [cv2.resize(face, (side, side), interpolation=cv2.INTER_AREA) for face in faces.x[:, :, :, 0]]
        # As crop_faces does: enlarging is cubic (area interpolation is for shrinking).
        enlarge = cv2.INTER_CUBIC if side < FACE_SIZE else cv2.INTER_AREA
        back = np.stack([cv2.resize(s, (FACE_SIZE, FACE_SIZE), interpolation=enlarge) for s in small])
        predicted = model.probabilities(back[..., None]).argmax(axis=1)
        rows.append([str(side), f"{np.mean(predicted == faces.y):.4f}"])
    print(table(["face side N (px)", "accuracy"], rows,
                f"PublicTest ({len(faces.y)} faces) shrunk to N px and resized back to {FACE_SIZE}"))


if __name__ == "__main__":
    run_benchmark(main)
