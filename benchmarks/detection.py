"""Detection rate vs speed of each detector and setting, so speed is never bought by missing faces.

    python benchmarks/detection.py [--images 300]

Each test image is a 640x480 photo-like scene: a textured background (one of scikit-image's bundled
sample images without a human face, so the detectors have clutter to reject, as in a real room) with
one PublicTest face enlarged to a side of 36-220 pixels (log-uniform, so small faces are well
represented) at a random place. A face counts as found when a box overlaps it with IoU >= 0.3;
every other box is a false box. fer's settings (its default cascade at full resolution, scale 1.1,
5 neighbours, min face 50) run through the same OpenCV in this process.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
from common import SHARED_DATA, run_benchmark, table

from emotion_app.faces import Box, HaarCascade, make_detector
from emotion_app.profiles import PHOTO, WEBCAM
from training.data import load_fer2013_csv

OPENCV_DEFAULT = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"
# NOTE: no background may show a human face: the astronaut's and the cameraman's once stood here, and
# the detector that found them (MTCNN, 38 of its 43 "false" boxes) was counted wrong for it.
BACKGROUNDS = ("page", "brick", "text", "chelsea", "coffee", "grass", "gravel", "rocket", "clock", "coins",
               "horse", "moon", "hubble_deep_field", "immunohistochemistry")
DETECTORS = ("haar", "mtcnn", "mtcnn+haar")
LIVE = ("haar", "mtcnn")  # the webcam page offers all three; these two are its fast ones
SMALL = 60  # faces below this side (px) are reported on their own: they are what coarse settings lose


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    inter = max(0, min(ax + aw, bx + bw) - max(ax, bx)) * max(0, min(ay + ah, by + bh) - max(ay, by))
    union = aw * ah + bw * bh - inter
    return inter / union if union else 0.0


def backgrounds() -> list[np.ndarray]:
    from skimage import data
    from skimage.util import img_as_ubyte

    gray = []
    for name in BACKGROUNDS:
        image = img_as_ubyte(getattr(data, name)())
        if image.ndim == 3:
            image = cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2GRAY)
        gray.append(cv2.resize(image, (640, 480), interpolation=cv2.INTER_AREA))
    return gray


def scenes(count: int, seed: int = 0):
    faces = load_fer2013_csv(SHARED_DATA / "fer2013.csv.gz").split("PublicTest").x[:, :, :, 0]
    rng = np.random.default_rng(seed)
    scenery = backgrounds()
    for i in range(count):
        canvas = scenery[i % len(scenery)].copy()
        side = int(np.exp(rng.uniform(np.log(36), np.log(221))))
        x, y = int(rng.integers(0, 640 - side)), int(rng.integers(0, 480 - side))
        canvas[y:y + side, x:x + side] = cv2.resize(faces[i], (side, side), interpolation=cv2.INTER_CUBIC)
        yield canvas, (x, y, side, side)


def fer_detect(cascade: HaarCascade, gray: np.ndarray) -> list:
    with cascade.borrow() as classifier:
        found = classifier.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(50, 50))
    return [tuple(map(int, box)) for box in np.asarray(found).reshape(-1, 4)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=300)
    args = parser.parse_args()
    opencv_default = HaarCascade(OPENCV_DEFAULT)
    detectors = {name: make_detector(name) for name in DETECTORS}
    candidates = {"fer (default cascade, full res, 1.1, min 50 px)": (None, None)}
    for profile, levels, names in (("photo", PHOTO.sensitivity, DETECTORS), ("live", WEBCAM.sensitivity, LIVE)):
        for name in names:
            candidates.update({f"{name}, {profile} {k}": (detectors[name], s) for k, s in levels.items()})
    images = list(scenes(args.images))
    small_total = sum(truth[2] < SMALL for _, truth in images)
    rows = []
    for name, (detector, settings) in candidates.items():
        found = small_found = false_boxes = 0
        times = []
        for gray, truth in images:
            start = time.perf_counter()
            if detector is None:
                boxes = fer_detect(opencv_default, gray)
            else:
                boxes = [face.box for face in detector.detect(gray, settings)]
            times.append((time.perf_counter() - start) * 1000)
            hits = [b for b in boxes if iou(b, truth) >= 0.3]
            found += bool(hits)
            small_found += bool(hits) and truth[2] < SMALL
            false_boxes += len(boxes) - len(hits)
        rows.append([name, f"{found / len(images):.1%}", f"{small_found / small_total:.1%}",
                     f"{false_boxes / len(images):.2f}", f"{np.mean(times):.1f} / {np.percentile(times, 95):.1f}"])
    print(table(["settings", "faces found", f"found under {SMALL} px", "false boxes per image", "ms (mean / p95)"],
                rows, f"Detection on {len(images)} textured 640x480 scenes, one face of 36-220 px each "
                f"({small_total} under {SMALL} px)"))


if __name__ == "__main__":
    run_benchmark(main)
