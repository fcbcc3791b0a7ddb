"""Full pipeline per frame (detect + classify + overlay), ours vs the fer package, same frames.

    python benchmarks/pipeline.py [--repeats 30] [--rounds 3]

Ours: EmotionPredictor.predict + Painter.draw, as the photo page runs it, and LiveAnalyzer.process
as the webcam page runs it (full detection every 3rd frame, tracked boxes in between, smoothing).
fer: FER().detect_emotions (no drawing). Runs alternate in rounds within one session; the ratio
is fer's median time over ours.
"""

from __future__ import annotations

import argparse

import cv2
from common import OUT, FerPeer, machine, save_frames, summary, table, time_calls

from emotion_app.live import LiveAnalyzer, LiveOptions
from emotion_app.overlay import Painter
from emotion_app.predictor import EmotionPredictor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    frames = save_frames(OUT / "frames")
    predictor, painter = EmotionPredictor(), Painter()
    missing = FerPeer.available()
    peer = FerPeer() if missing is None else None
    rows = []
    for name, path in frames.items():
        frame = cv2.imread(str(path))
        live = LiveAnalyzer(predictor, painter, options=LiveOptions(mirror=False))
        ours, ours_live, theirs = [], [], []
        for _ in range(args.rounds):
            ours += time_calls(lambda f=frame: painter.draw(f, predictor.predict(f)), args.repeats)
            ours_live += time_calls(lambda f=frame, a=live: a.process(f), args.repeats)
            if peer:
                theirs += peer.ask({"command": "time", "frame": str(path), "repeats": args.repeats})["times"]
        found = len(predictor.predict(frame))
        fer_found = peer.ask({"command": "time", "frame": str(path), "repeats": 1})["faces"] if peer else None
        (om, op), (lm, lp) = summary(ours), summary(ours_live)
        row = [name, f"{om:.1f} / {op:.1f}", f"{1000 / om:.0f}", f"{lm:.1f} / {lp:.1f}", f"{1000 / lm:.0f}", found]
        if peer:
            fm, fp = summary(theirs)
            row += [f"{fm:.1f} / {fp:.1f}", f"{1000 / fm:.0f}", fer_found, f"{fm / om:.1f}x", f"{fm / lm:.1f}x"]
        rows.append(row)
    header = ["frame", "ours photo path ms (median / p95)", "fps", "ours live path ms", "fps", "faces found"]
    if peer:
        header += ["fer ms (median / p95)", "fps", "fer faces found", "speed-up (photo path)", "speed-up (live)"]
        peer.close()
    print(f"Pipeline per frame, {args.rounds} alternating rounds x {args.repeats} calls; {machine()}\n")
    print(table(header, rows))
    if missing:
        print(f"\nfer columns left out: {missing}")


if __name__ == "__main__":
    main()
