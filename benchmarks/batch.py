"""Batch throughput: the ``emotion-app analyze`` engine over photos and a video, on 1 worker, on
every core, and on a 2-worker Dask LocalCluster, against a loop over fer's ``detect_emotions``.

    python benchmarks/batch.py [--photos 60] [--video-seconds 20] [--repeats 3]

Photos: 1280x720 frames of 1 or 4 faces and a 1600-px close-up, JPEG (benchmarks/common.py).
Video: a 640x480 MP4 at 25 fps with one face moving, analysed every 2nd frame (the default), without
``--annotate`` (nothing drawn or encoded, as the command line does then). Each configuration warms up on the
files once (worker start, model load), then the mean of ``--repeats`` timed passes is reported.
Peak memory per worker is each worker process's high-water RSS. fer's loop runs in its own
environment (benchmarks/README.md) on the same photos and on the same analysed video frames, already
decoded (so its video figure leaves out decoding, which ours includes).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from common import FerPeer, astronaut_bgr, make_frame, note, run_benchmark, table

from emotion_app import batch
from emotion_app.pool import usable_cores


def make_photos(directory: Path, count: int) -> list[str]:
    kinds = [make_frame(1280, 720, 1), make_frame(1280, 720, 4), cv2.resize(astronaut_bgr(), (1600, 1600))]
    paths = []
    for i in range(count):
        path = directory / f"photo{i:04d}.jpg"
        cv2.imwrite(str(path), kinds[i % len(kinds)], [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(str(path))
    return paths


def make_video(directory: Path, seconds: float, fps: int = 25) -> tuple[str, list[str]]:
    """The MP4, and its every-2nd frame as JPEGs for fer."""
    import av

    face = cv2.resize(astronaut_bgr(), (240, 240))
    path, frames = directory / "walk.mp4", []
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        for index in range(int(seconds * fps)):
            canvas = np.full((480, 640, 3), 200, np.uint8)
            x = int(200 + 150 * np.sin(index / fps))
            canvas[120:360, x:x + 240] = face
            if index % 2 == 0:
                frames.append(str(directory / f"frame{index:05d}.jpg"))
                cv2.imwrite(frames[-1], canvas)
            for packet in stream.encode(av.VideoFrame.from_ndarray(canvas, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return str(path), frames


def peak_rss_mb() -> float:
    """This process's high-water resident memory (run inside a worker)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(files: list[str], executor, window: int, repeats: int) -> float:
    """Mean seconds a pass over ``files`` takes, after one warm-up pass."""
    options, jobs = batch.Options(), [batch.Job(file) for file in files]
    list(batch.run(jobs, options, executor, window))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        results = list(batch.run(jobs, options, executor, window))
        times.append(time.perf_counter() - start)
        assert not [r for r in results if r.error], [r.error for r in results if r.error]
    return float(np.mean(times))


def configurations(workers: int):
    """(name, executor factory, window, peak-memory reader) for each way of running."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    def inline():
        return batch.InlineExecutor(), lambda executor: [peak_rss_mb()]

    def pool():
        executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))

        def peaks(executor):
            return [_vm_hwm(pid) for pid in executor._processes]  # NOTE: private, fine for a benchmark

        return executor, peaks

    def dask():
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        executor = client.get_executor(pure=False)
        executor.close_all = lambda: (client.close(), cluster.close())
        return executor, lambda executor: list(client.run(peak_rss_mb).values())

    return [("1 worker (this process)", inline, 1), (f"{workers} worker processes", pool, 4 * workers),
            ("Dask LocalCluster, 2 workers", dask, 8)]


def _vm_hwm(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fer_rates(photos: list[str], frames: list[str], video_seconds: float) -> tuple[str, str]:
    why = FerPeer.available()
    if why:
        return f"- ({why})", "-"
    peer = FerPeer()
    try:
        photo_ms = sum(answer["ms"] for answer in peer.ask({"command": "emotions", "images": photos})["answers"])
        frame_ms = sum(answer["ms"] for answer in peer.ask({"command": "emotions", "images": frames})["answers"])
    finally:
        peer.close()
    return f"{len(photos) / (photo_ms / 1000):.1f}", f"{video_seconds / (frame_ms / 1000):.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--video-seconds", type=float, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    workers = usable_cores()
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        photos = make_photos(Path(directory), args.photos)
        video, frames = make_video(Path(directory), args.video_seconds)
        for name, make, window in configurations(workers):
            executor, peaks = make()
            try:
                photo_seconds = timed(photos, executor, window, args.repeats)
                video_seconds = timed([video], executor, window, args.repeats)
                memory = peaks(executor)
            finally:
                getattr(executor, "close_all", executor.shutdown)()
            rate = args.photos / photo_seconds
            rows.append([name, f"{rate:.1f}", f"{args.video_seconds / video_seconds:.2f}",
                         f"{max(memory):.0f}"])
        fer_photo, fer_video = fer_rates(photos, frames, args.video_seconds)
    rows.append(["fer `detect_emotions` loop, 1 process", fer_photo, fer_video, "-"])
    print(table(["how", "photos/s", "video s/s", "peak RSS per worker (MB)"], rows,
                f"Batch analysis, {args.photos} photos (1280x720 and 1600x1600 JPEG, 1-4 faces) and a "
                f"{args.video_seconds:.0f} s 640x480 25 fps video (every 2nd frame); mean of {args.repeats} "
                f"passes after a warm-up"))
    # NOTE: one worker already uses every core here (LiteRT and OpenCV run threads), so the sizing
    # goes by the best rate this whole machine reached, per core.
    best = max(float(row[1]) for row in rows[:-1])
    cores = usable_cores()
    needed = int(np.ceil(1_000_000 / 3600 / (best / cores)))
    print("\n" + note(f"A million photos in an hour is {1_000_000 / 3600:.0f} photos/s: at the best {best:.1f} "
                      f"photos/s of this {cores}-core machine ({best / cores:.1f} a core), about {needed} cores, "
                      f"{int(np.ceil(needed / cores))} machines like this one."))
    return 0


if __name__ == "__main__":
    run_benchmark(main)
