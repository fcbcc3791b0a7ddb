"""Full pipeline per frame (detect + classify + overlay), ours vs the fer package, same frames.

    python benchmarks/pipeline.py [--repeats 30] [--rounds 3] [--seconds 30]

Paths timed on each saved frame, alternating in rounds within one session:

- photo: ``EmotionPredictor()`` (the photo page's defaults: MTCNN framed by Haar, mirror averaging)
  + ``Painter.draw``;
- full detection: the webcam page's frame when it searches for faces (its profile's detector and
  settings, one classifier pass a face on the int8 twin, drawing), every time;
- live: ``LiveAnalyzer.process`` as the webcam page runs it with each detector of ``LIVE_PATHS``
  (full detection every few frames as the profile says, tracked boxes re-classified in between,
  smoothing, drawing);
- fer: ``FER().detect_emotions`` (no drawing), in its own environment (README.md).

Times are mean / p95 in ms: a live path mixes cheap tracked frames with full detections, so its
median would overstate its speed. Speed-ups are fer's mean over ours. Then a fake camera: each live
path is fed the 640x480 one-face frame for ``--seconds`` without pause, and the frames it finished
per second are reported (what the webcam page sustains, before the browser's own costs).
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np
from common import OUT, FerPeer, mean_p95, note, run_benchmark, save_frames, table, time_calls

from emotion_app.live import LiveAnalyzer, LiveOptions
from emotion_app.model import load_model
from emotion_app.overlay import Painter
from emotion_app.predictor import EmotionPredictor
from emotion_app.profiles import WEBCAM

LIVE_PATHS = ("mtcnn", "haar")  # the webcam page's default first


def live_analyzer(predictors: dict[str, EmotionPredictor], painter: Painter, detector: str) -> LiveAnalyzer:
    options = LiveOptions(mirror=False, detect_every=WEBCAM.detect_every[detector])
    return LiveAnalyzer(predictors[detector], painter, options=options)


def sustained_fps(analyzer: LiveAnalyzer, frame: np.ndarray, seconds: float) -> float:
    analyzer.process(frame)
    frames, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        analyzer.process(frame)
        frames += 1
        while not analyzer.results.empty():  # the page drains this queue; so must the fake camera
            analyzer.results.get_nowait()
    return frames / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each fake-camera run (0: skip)")
    args = parser.parse_args()

    frames = save_frames(OUT / "frames")
    painter = Painter()
    photo = EmotionPredictor()
    live_model = load_model(quantized=True)  # the webcam page's form of the model
    predictors = {name: EmotionPredictor(detector=name, model=live_model, flip=False) for name in LIVE_PATHS}
    webcam = predictors[WEBCAM.detector]
    missing = FerPeer.available()
    peer = FerPeer() if missing is None else None
    rows = []
    for name, path in frames.items():
        frame = cv2.imread(str(path))
        analyzers = {d: live_analyzer(predictors, painter, d) for d in LIVE_PATHS}
        times: dict[str, list[float]] = {key: [] for key in ("photo", "full", *LIVE_PATHS, "fer")}
        live_found: dict[str, set[int]] = {key: set() for key in LIVE_PATHS}  # faces per live frame
        for _ in range(args.rounds):
            times["photo"] += time_calls(lambda f=frame: painter.draw(f, photo.predict(f)), args.repeats)
            times["full"] += time_calls(lambda f=frame: painter.draw(f, webcam.predict(f, WEBCAM.settings)),
                                        args.repeats)
            for detector, analyzer in analyzers.items():
                times[detector] += time_calls(lambda f=frame, a=analyzer: a.process(f), args.repeats)
                while not analyzer.results.empty():
                    live_found[detector].add(len(analyzer.results.get_nowait().faces))
            if peer:
                times["fer"] += peer.ask({"command": "time", "frame": str(path), "repeats": args.repeats})["times"]
        # a path that finds fewer faces is cheaper for it: the faces each path found stand beside its time
        row = [name, len(photo.predict(frame))]
        for key in ("photo", "full", *LIVE_PATHS):
            mean, p95 = mean_p95(times[key])
            row += [f"{mean:.1f} / {p95:.1f}", f"{1000 / mean:.0f}"]
            row += ["/".join(map(str, sorted(live_found[key])))] if key in LIVE_PATHS else []
        if peer:
            fer_mean, fer_p95 = mean_p95(times["fer"])
            fer_found = peer.ask({"command": "time", "frame": str(path), "repeats": 1})["faces"]
            row += [f"{fer_mean:.1f} / {fer_p95:.1f}", f"{1000 / fer_mean:.0f}", fer_found]
            row += [f"{fer_mean / mean_p95(times[key])[0]:.1f}x" for key in ("photo", "full", *LIVE_PATHS)]
        rows.append(row)
    header = ["frame", "faces found", "photo path ms (mean / p95)", "fps",
              f"webcam full detection ({WEBCAM.detector}) ms (mean / p95)", "fps"]
    for detector in LIVE_PATHS:
        header += [f"live {detector} ms (mean / p95)", "fps", "faces found"]
    if peer:
        header += ["fer ms (mean / p95)", "fps", "fer faces found", "speed-up photo", "speed-up full detection"]
        header += [f"speed-up live {detector}" for detector in LIVE_PATHS]
        peer.close()
    print(table(header, rows, f"Pipeline per frame, {args.rounds} alternating rounds x {args.repeats} calls"))
    if args.seconds > 0:
        frame = cv2.imread(str(frames["640x480, 1 face"]))
        sustained = [[f"live {d}", f"{sustained_fps(live_analyzer(predictors, painter, d), frame, args.seconds):.0f}"]
                     for d in LIVE_PATHS]
        print("\n" + table(["path", "frames per second sustained"], sustained,
                           f"Fake camera, 640x480 one face, {args.seconds:.0f} s per path without pause"))
    if missing:
        print("\n" + note(f"fer columns left out: {missing}"))


if __name__ == "__main__":
    run_benchmark(main)
