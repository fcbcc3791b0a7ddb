"""MTCNN on LiteRT (emotion_app/mtcnn_lite.py) against the mtcnn package on TensorFlow: same faces? how fast? how big?

    python benchmarks/mtcnn_parity.py [--limit N]

Both run inside ``MtcnnDetector.detect`` at the photo page's settings, on the JAFFE whole photos of
``../shared/data/photos_dev`` (read in place, never copied) and the two example photos. A face of one is paired
with the other's face whose box centre is nearest; box difference is the largest of |dx|, |dy|, |dw|, |dh| and
eye difference the distance between eye points, both in the photo's pixels. ms per image is one detection after
a warm-up. The last columns come from two fresh processes, one per implementation, that build
``EmotionPredictor(detector="mtcnn+haar")`` and warm it up: the process's RSS after that, the warm-up's seconds,
the seconds from the process's first import to the end of the warm-up, the RSS once MTCNN has also run on the two
examples (at the photo page's settings), and whether TensorFlow was imported.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time

import cv2
import numpy as np
from common import REPO, SHARED_DATA, note, run_benchmark, table

from emotion_app.faces import Face, MtcnnDetector
from emotion_app.mtcnn_lite import MtcnnLite
from emotion_app.profiles import PHOTO

PHOTOS = SHARED_DATA / "photos_dev"
EXAMPLES = [REPO / "assets" / "examples" / name for name in ("astronaut.jpg", "collage.jpg")]

# A fresh process: the predictor the photo page builds, warmed up, on one implementation (the package on
# TensorFlow when FORCE_TENSORFLOW makes the converted networks look stale, as another mtcnn version would).
CHILD = r"""
import json, sys, time
start = time.perf_counter()
import emotion_app
import cv2
from emotion_app import mtcnn_lite
if FORCE_TENSORFLOW:
    mtcnn_lite.stale_reason = lambda folder=None: "forced by benchmarks/mtcnn_parity.py"
from emotion_app.predictor import EmotionPredictor
from emotion_app.profiles import PHOTO

def rss_mb():
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    return int(status["VmRSS"].split()[0]) / 1024

predictor = EmotionPredictor(detector="mtcnn+haar")
warm_start = time.perf_counter()
predictor.warm_up()
done = time.perf_counter()
result = {"warm_up": done - warm_start, "ready": done - start, "rss_mb": rss_mb(),
          "network": type(predictor.detector.first.network()).__module__, "tensorflow": "tensorflow" in sys.modules}
for path in sys.argv[1:]:
    predictor.detector.first.detect(cv2.imread(path), PHOTO.settings)
print(json.dumps({**result, "rss_after_examples_mb": rss_mb()}))
"""


def images(limit: int | None) -> list[tuple[str, np.ndarray]]:
    with open(PHOTOS / "labels.csv", newline="") as stream:
        files = [row["file"] for row in csv.DictReader(stream)][:limit]
    photos = [(file, cv2.imread(str(PHOTOS / file))) for file in files]
    return photos + [(path.name, cv2.imread(str(path))) for path in EXAMPLES]


def detector(network) -> MtcnnDetector:
    """``MtcnnDetector`` on a given network, however ``load_mtcnn`` would choose."""
    found = MtcnnDetector()
    found._network = network
    return found


def timed(found: MtcnnDetector, image: np.ndarray) -> tuple[list[Face], float]:
    start = time.perf_counter()
    faces = found.detect(image, PHOTO.settings)
    return faces, (time.perf_counter() - start) * 1000


def differences(reference: list[Face], other: list[Face]) -> tuple[list[float], list[float], int]:
    """Box and eye differences of each reference face and the other's nearest one; faces left unpaired."""
    boxes, eyes, unpaired = [], [], abs(len(reference) - len(other))
    free = list(other)
    for face in reference:
        if not free:
            break
        centre = np.add(face.box[:2], np.divide(face.box[2:], 2))
        nearest = min(free, key=lambda f: np.hypot(*(np.add(f.box[:2], np.divide(f.box[2:], 2)) - centre)))
        free.remove(nearest)
        boxes.append(float(np.max(np.abs(np.subtract(face.box, nearest.box)))))
        eyes.append(max(float(np.hypot(*np.subtract(a, b))) for a, b in zip(face.eyes, nearest.eyes, strict=True)))
    return boxes, eyes, unpaired


def fresh_process(force_tensorflow: bool) -> dict:
    command = [sys.executable, "-c", f"FORCE_TENSORFLOW = {force_tensorflow}\n" + CHILD, *map(str, EXAMPLES)]
    output = subprocess.run(command, cwd=REPO,
                            capture_output=True, text=True, check=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(REPO)})
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="JAFFE photos to use (default: all)")
    args = parser.parse_args()
    from mtcnn import MTCNN

    package, lite = detector(MTCNN()), detector(MtcnnLite())
    photos = images(args.limit)
    for found in (package, lite):
        timed(found, photos[0][1])
    counts, times = {"package": 0, "lite": 0}, {"package": [], "lite": []}
    boxes, eyes, unpaired, mismatched = [], [], 0, []
    for name, image in photos:
        reference, package_ms = timed(package, image)
        other, lite_ms = timed(lite, image)
        times["package"].append(package_ms)
        times["lite"].append(lite_ms)
        counts["package"] += len(reference)
        counts["lite"] += len(other)
        box, eye, left = differences(reference, other)
        boxes += box
        eyes += eye
        unpaired += left
        if left:
            mismatched.append(f"{name} ({len(reference)} vs {len(other)})")
    processes = {"package": fresh_process(True), "lite": fresh_process(False)}
    for key, expected in (("package", "mtcnn.mtcnn"), ("lite", "emotion_app.mtcnn_lite")):
        if processes[key]["network"] != expected:
            raise SystemExit(f"the {key} process ran {processes[key]['network']}, not {expected}")

    def cells(key: str) -> list[str]:
        ms, process = times[key], processes[key]
        return [f"{np.mean(ms):.1f}", f"{np.percentile(ms, 95):.1f}", f"{process['rss_mb']:.0f}",
                f"{process['warm_up']:.3f}", f"{process['ready']:.2f}", f"{process['rss_after_examples_mb']:.0f}",
                "yes" if process["tensorflow"] else "no"]

    rows = [
        ["mtcnn package (TensorFlow)", len(photos), counts["package"], "reference", "", "", "", *cells("package")],
        ["LiteRT (emotion_app/mtcnn_lite.py)", len(photos), counts["lite"], f"{max(boxes, default=0):.0f}",
         f"{np.mean(boxes):.2f}", f"{max(eyes, default=0):.2f}", f"{np.mean(eyes):.3f}", *cells("lite")],
    ]
    print(table(["implementation", "images", "faces found", "box diff max px", "box diff mean px", "eye diff max px",
                 "eye diff mean px", "ms/image mean", "ms/image p95", "RSS after warm-up MB", "warm-up s",
                 "start to ready s", "RSS after the examples MB", "TensorFlow imported"], rows,
                f"MTCNN, package vs LiteRT: {len(photos) - 2} JAFFE photos + 2 examples, photo page settings"))
    print("\n" + note(f"Faces found by one only: {unpaired}" + (f" ({', '.join(mismatched)})." if mismatched else ".")))


if __name__ == "__main__":
    run_benchmark(main)
