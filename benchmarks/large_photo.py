"""A 12-megapixel photo with 5 faces, end to end as the photo page runs it (decode to PNG out).

    python benchmarks/large_photo.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np
from common import astronaut_bgr, run_benchmark, table

from emotion_app.overlay import Painter
from emotion_app.photo import analyze_photo
from emotion_app.predictor import EmotionPredictor


def twelve_megapixel_jpeg() -> bytes:
    canvas = np.full((3000, 4000, 3), 190, np.uint8)
    portrait = astronaut_bgr()
    for x, y, side in [(100, 200, 1400), (1600, 300, 1100), (2800, 150, 1000), (1700, 1700, 900), (400, 1800, 1000)]:
        canvas[y:y + side, x:x + side] = cv2.resize(portrait, (side, side))
    return cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    data = twelve_megapixel_jpeg()
    predictor, painter = EmotionPredictor(), Painter()
    analyze_photo(data, predictor, painter)
    stages = {"analyze (decode, orient, shrink, detect, classify, draw)": [], "PNG for download": []}
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = analyze_photo(data, predictor, painter)
        middle = time.perf_counter()
        result.png()
        stages["analyze (decode, orient, shrink, detect, classify, draw)"].append(middle - start)
        stages["PNG for download"].append(time.perf_counter() - middle)
    print(table(["stage", "mean s", "p95 s"],
                [[k, f"{np.mean(v):.3f}", f"{np.percentile(v, 95):.3f}"] for k, v in stages.items()],
                f"12 MP JPEG ({len(data) / 1e6:.1f} MB), 5 faces, {len(result.predictions)} found"))


if __name__ == "__main__":
    run_benchmark(main)
