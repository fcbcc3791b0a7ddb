"""What a video costs by its frame rate: seconds of work per second of video on the photo page.

    python benchmarks/video_cost.py [--seconds 20] [--repeats 2]

Makes 1280x720 MP4s of one moving face at 30, 60 and 120 frames a second and runs the page's
``analyze_video`` on each (every 2nd frame asked, the page's default; the Haar + MTCNN predictor),
reporting the mean and worst seconds of work per video second, the frames analysed and kept, and the
peak memory the analysis added. The work must follow the frames analysed, capped per second, not
the frame count: a 120 fps clip once cost four times a 30 fps one.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from common import astronaut_bgr, run_benchmark, table


def make_clip(path: Path, fps: int, seconds: float) -> bytes:
    import av

    face = cv2.resize(astronaut_bgr(), (360, 360))
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for index in range(int(fps * seconds)):
            canvas = np.full((720, 1280, 3), 200, np.uint8)
            x = int(460 + 300 * np.sin(index / fps))
            canvas[180:540, x:x + 360] = face
            for packet in stream.encode(av.VideoFrame.from_ndarray(canvas, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes()


def main() -> int:
    from emotion_app.overlay import Painter
    from emotion_app.predictor import EmotionPredictor
    from emotion_app.video import analyze_video

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    predictor, painter = EmotionPredictor(), Painter()
    predictor.warm_up()
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        for fps in (30, 60, 120):
            data = make_clip(Path(directory) / f"clip{fps}.mp4", fps, args.seconds)
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                result = analyze_video(data, predictor, painter, every=2)
                times.append((time.perf_counter() - start) / args.seconds)
            grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
            rows.append([f"{fps} fps, {int(fps * args.seconds)} frames", f"{np.mean(times):.2f}", f"{max(times):.2f}",
                         f"{result.analysed} (every {result.every})", f"{result.frames // result.shown_every}",
                         f"{max(0.0, grew):.0f}"])
    print(table(["video", "s of work per video s (mean)", "worst", "frames analysed", "frames kept",
                 "peak RSS added (MB)"], rows,
                f"A {args.seconds:.0f} s 1280x720 video of one face at each frame rate, every 2nd frame asked; "
                f"mean of {args.repeats} runs"))
    return 0


if __name__ == "__main__":
    run_benchmark(main)
