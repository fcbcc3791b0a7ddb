"""Detection rate vs speed of Haar settings, so speed is never bought by missing faces.

    python benchmarks/detection.py [--images 300]

Each test image is a 640x480 canvas (blurred noise) with one PublicTest face enlarged to a random
side of 60-220 pixels at a random place. A face counts as found when a box overlaps it with
IoU >= 0.3. fer's settings (full resolution, scale 1.1, 5 neighbours, min face 50) run through the
same OpenCV cascade in this process.
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np
from common import SHARED_DATA, machine, table

from emotion_app.faces import SENSITIVITY, DetectionSettings, HaarCascade, find_faces
from emotion_app.live import LIVE_SENSITIVITY
from emotion_app.smoothing import iou
from training.data import load_fer2013_csv


def scenes(count: int, seed: int = 0):
    faces = load_fer2013_csv(SHARED_DATA / "fer2013.csv.gz").split("PublicTest").x[:, :, :, 0]
    rng = np.random.default_rng(seed)
    for i in range(count):
        canvas = cv2.GaussianBlur(rng.integers(60, 200, (480, 640), dtype=np.uint8), (0, 0), 6)
        side = int(rng.integers(60, 221))
        x, y = int(rng.integers(0, 640 - side)), int(rng.integers(0, 480 - side))
        canvas[y:y + side, x:x + side] = cv2.resize(faces[i], (side, side), interpolation=cv2.INTER_CUBIC)
        yield canvas, (x, y, side, side)


def fer_detect(cascade: HaarCascade, gray: np.ndarray) -> list:
    found = cascade.get().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(50, 50))
    return [tuple(map(int, box)) for box in np.asarray(found).reshape(-1, 4)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=300)
    args = parser.parse_args()
    cascade = HaarCascade()
    candidates = {
        "fer (full res, 1.1, min 50 px)": None,
        **{f"ours photo, {k}": s for k, s in SENSITIVITY.items()},
        **{f"ours live, {k}": s for k, s in LIVE_SENSITIVITY.items()},
        "earlier photo default: 640 px, 1.15, min 0.06": DetectionSettings(detect_side=640, min_face=0.06),
        "earlier live default: 320 px, 1.2, min 0.15": DetectionSettings(1.2, 5, 0.15, 320),
    }
    images = list(scenes(args.images))
    rows = []
    for name, settings in candidates.items():
        found = false_alarms = 0
        times = []
        for gray, truth in images:
            start = time.perf_counter()
            boxes = fer_detect(cascade, gray) if settings is None else find_faces(gray, cascade, settings)
            times.append((time.perf_counter() - start) * 1000)
            hits = [b for b in boxes if iou(b, truth) >= 0.3]
            found += bool(hits)
            false_alarms += len(boxes) - len(hits)
        rows.append([name, f"{found / len(images):.1%}", f"{false_alarms / len(images):.2f}",
                     f"{np.median(times):.1f}"])
    print(f"Haar detection on {len(images)} 640x480 scenes, one face of 60-220 px each; {machine()}\n")
    print(table(["settings", "faces found", "false boxes per image", "median ms"], rows))


if __name__ == "__main__":
    main()
