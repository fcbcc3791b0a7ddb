"""Cold start and memory: seconds from a new process to its first prediction, and peak RSS.

    python benchmarks/cold_start.py [--runs 3]

Once per runtime: "auto" (what the app does: LiteRT on the TFLite twin, TensorFlow never imported)
and "tensorflow" (the fallback when there is no paired twin). The "auto, MTCNN warmed" rows then
also load MTCNN as the photo page does in the background from its first view (``warm_up``): its
seconds are the warm-up's alone, its RSS the process's peak after it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from common import REPO, run_benchmark, table

CHILD = r"""
import json, resource, time
start = time.perf_counter()
import cv2
from emotion_app.predictor import EmotionPredictor
imported = time.perf_counter()
predictor = EmotionPredictor()
loaded = time.perf_counter()
from skimage import data
image = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
faces = predictor.predict(image)
first = time.perf_counter()
print(json.dumps({"import": imported - start, "load": loaded - imported, "first": first - loaded,
                  "total": first - start, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "faces": len(faces)}))
if WARM:
    predictor.warm_up()
    print(json.dumps({"warm_up": time.perf_counter() - first,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for runtime, warm in (("auto", False), ("tensorflow", False), ("auto", True)):
        for run in range(1, args.runs + 1):
            output = subprocess.run([sys.executable, "-c", f"WARM = {warm}\n" + CHILD], cwd=REPO, capture_output=True,
                                    text=True, check=True, env={**os.environ, "EMOTION_APP_RUNTIME": runtime})
            r, *warmed = [json.loads(line) for line in output.stdout.strip().splitlines() if line.startswith("{")]
            if warmed:
                rows.append([f"{runtime}, MTCNN warmed", run, "", "", "", f"+{warmed[0]['warm_up']:.2f}",
                             f"{warmed[0]['rss_mb']:.0f}"])
            else:
                rows.append([runtime, run, f"{r['import']:.2f}", f"{r['load']:.2f}", f"{r['first']:.2f}",
                             f"{r['total']:.2f}", f"{r['rss_mb']:.0f}"])
    print(table(["runtime", "run", "imports s", "model + cascade s", "first prediction s", "total s", "peak RSS MB"],
                rows, "Cold start, a new process each run"))


if __name__ == "__main__":
    run_benchmark(main)
