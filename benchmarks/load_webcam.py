"""Load: N concurrent live webcam sessions (fake cameras) on one server, for a fixed time.

    python benchmarks/load_webcam.py [--sessions 1,2,4] [--seconds 60] [--profile DIR]

Starts `streamlit run webcam_detect_emotions.py` on a free loopback port, opens N sessions in one
headless Chromium whose fake camera plays the astronaut at 640x480 and 25 fps, presses START in
each, and after ``--seconds`` presses STOP and reads each session's own timeline CSV: frames
analysed per second over the run and the longest gap between two analysed frames (a stall). Errors
are sessions whose video never started, whose stream stopped before STOP, an exception box, or no
timeline. Chromium (decoding, encoding N videos) shares the server's 2 cores. Traffic stays on
127.0.0.1 and the run stops by itself.

Server CPU: while every session runs, the CPU time of the server process alone (apart from Chromium
and Playwright, measured beside it), per frame analysed: capacity per core without the test browser
in the way. ``--profile DIR`` samples the server with py-spy over the same window and writes a
speedscope profile per run there.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import psutil
from common import astronaut_bgr, note, run_benchmark, table

from emotion_app.texts import PAGE
from tests.browser import CHROMIUM_ARGS, chromium_path, streamlit_server, write_y4m


def frame_rate(timeline_csv: str) -> tuple[float, float]:
    """Frames analysed per second over the whole run, and the longest gap between two of them (s),
    from the page's own timeline CSV (one row per face and analysed frame)."""
    times = sorted({float(row["time_s"]) for row in csv.DictReader(io.StringIO(timeline_csv))})
    if len(times) < 2:
        return 0.0, float("inf")
    return (len(times) - 1) / (times[-1] - times[0]), float(np.max(np.diff(times)))


# the page's analysed-rate caption, shown once the first frame is analysed (its number left out)
ANALYSED_RATE = PAGE["en"]["fps"].split("}", 1)[1].strip()


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:  # gone
            continue
        total += times.user + times.system
    return total


async def meter(server: psutil.Process, sessions: int, seconds: float, stats: dict, profile: Path | None) -> None:
    """Once every session has its first analysed frame: the server's and everything else's CPU
    seconds over most of the time they all run (and, with ``profile``, py-spy on the server)."""
    # until every session runs (or has failed), or a quarter of the run after the first began: the
    # window must fall while they run together
    deadline = None
    while len(stats["started"]) + len(stats["errors"]) < sessions:
        if stats["started"]:
            deadline = deadline or time.monotonic() + seconds / 4
            if time.monotonic() > deadline:
                break
        await asyncio.sleep(0.1)
    if not stats["started"]:
        return
    window = seconds * 0.5
    others = [p for p in psutil.Process().children(recursive=True) if p.pid != server.pid]
    spy = None
    if profile is not None and shutil.which("py-spy"):
        profile.mkdir(parents=True, exist_ok=True)
        spy = subprocess.Popen(["py-spy", "record", "--pid", str(server.pid), "--duration", str(int(window)),
                                "--rate", "50", "--format", "speedscope", "--threads",
                                "--output", str(profile / f"server-{sessions}-sessions.json")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server_start, others_start, start = cpu_seconds([server]), cpu_seconds(others), time.monotonic()
    await asyncio.sleep(window)
    elapsed = time.monotonic() - start
    stats["server_cores"] = (cpu_seconds([server]) - server_start) / elapsed
    stats["other_cores"] = (cpu_seconds(others) - others_start) / elapsed
    if spy is not None:
        await asyncio.to_thread(spy.wait)


async def session(browser, url: str, seconds: float, index: int, stats: dict) -> None:
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = await context.new_page()
    step = "open the page"
    try:
        await page.goto(url, wait_until="domcontentloaded")
        await expect(page.get_by_text("Press START to begin", exact=False)).to_be_visible(timeout=120_000)
        step = "press START"
        component = page.frame_locator('iframe[title*="webrtc"]').first
        await component.get_by_role("button", name="START").click(timeout=60_000)
        step = "wait for the first analysed frame"
        await expect(page.get_by_text(ANALYSED_RATE, exact=False)).to_be_visible(timeout=90_000)
        stats["started"].append(index)
        await asyncio.sleep(seconds)
        if await page.locator('[data-testid="stException"]').count():
            raise RuntimeError("exception box on the page")
        # NOTE: the page's analysed-rate caption is a moving average that stays put if the video
        # stalls, so the rate comes from the timeline the session itself recorded.
        step = "press STOP"
        stop = component.get_by_role("button", name="STOP")
        if not await stop.count():  # the component is back at START: the stream ended on its own
            raise RuntimeError("the stream had stopped by itself before STOP was pressed")
        # NOTE: force: the video under the button never stops moving, which Playwright's wait for a
        # still element can mistake for an unstable button
        await stop.click(timeout=60_000, force=True)
        step = "download the timeline"
        button = page.get_by_role("button", name="Download this session's timeline (CSV)")
        async with page.expect_download(timeout=60_000) as download:
            await button.click(timeout=60_000)
        path = await (await download.value).path()
        fps, gap = frame_rate(Path(path).read_text())
        stats["fps"].append(fps)
        stats["gaps"].append(gap)
    except Exception as error:  # counted and reported: the load test's whole point
        first_line = str(error).splitlines()[0][:100] if str(error) else ""
        stats["errors"].append(f"session {index}, at '{step}': {type(error).__name__}: {first_line}")
    finally:
        await context.close()


async def run(sessions: int, seconds: float, clip: Path, profile: Path | None) -> dict:
    from playwright.async_api import async_playwright

    stats: dict = {"fps": [], "gaps": [], "errors": [], "started": []}
    camera = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={clip}")
    started: list = []
    with streamlit_server("webcam_detect_emotions.py", started=started) as url:
        server = psutil.Process(started[0].pid)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium_path(), args=[*CHROMIUM_ARGS, *camera])
            await asyncio.gather(meter(server, sessions, seconds, stats, profile),
                                 *(session(browser, url, seconds, i, stats) for i in range(sessions)))
            await browser.close()
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", default="1,2,4", help="comma-separated session counts, one run each")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--profile", type=Path, help="write a py-spy profile of the server here, per run")
    args = parser.parse_args()
    if args.profile is not None and not shutil.which("py-spy"):
        raise SystemExit("--profile needs py-spy: pip install py-spy")
    frame = np.full((480, 640, 3), 235, np.uint8)
    frame[:, 64:576] = cv2.resize(astronaut_bgr(), (512, 480))
    rows, errors = [], []
    with tempfile.TemporaryDirectory() as directory:
        clip = write_y4m(Path(directory) / "face.y4m", frame)
        for sessions in map(int, args.sessions.split(",")):
            started = time.monotonic()
            stats = asyncio.run(run(sessions, args.seconds, clip, args.profile))
            fps = stats["fps"]
            server = stats.get("server_cores")
            per_frame = f"{1000 * server / sum(fps):.1f}" if fps and server is not None else "-"
            rows.append([sessions, len(fps), len(stats["errors"]),
                         " ".join(f"{f:.1f}" for f in sorted(fps)) or "-",
                         f"{np.mean(fps):.1f}" if fps else "-",
                         f"{max(stats['gaps']):.2f}" if fps else "-", per_frame,
                         f"{server:.2f}" if server is not None else "-",
                         f"{stats['other_cores']:.2f}" if server is not None else "-",
                         f"{time.monotonic() - started:.0f}"])
            errors += stats["errors"]
    print(table(["sessions", "sessions that ran to the end", "errors", "frames analysed/s, each session",
                 "mean", "longest gap (s)", "server CPU ms per analysed frame", "server cores busy",
                 "Chromium cores busy", "wall s"], rows,
                f"Live webcam sessions with a 25 fps fake camera, {args.seconds:.0f} s each"))
    # the errors are what a load test measures: kept with the tables, so a run that had some is
    # published with them (a failed run is not one to retry until it passes)
    for error in errors[:10]:
        print(note(f"Error: {error}"))
    return 0


if __name__ == "__main__":
    run_benchmark(main)
