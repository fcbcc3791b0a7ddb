"""Load: N concurrent live webcam sessions (fake cameras) on one server, for a fixed time.

    python benchmarks/load_webcam.py [--sessions 1,2,4] [--seconds 60]

Starts `streamlit run webcam_detect_emotions.py` on a free loopback port, opens N sessions in one
headless Chromium whose fake camera plays the astronaut at 640x480 and 25 fps, presses START in
each, and after ``--seconds`` presses STOP and reads each session's own timeline CSV: frames
analysed per second over the run and the longest gap between two analysed frames (a stall). Errors
are sessions whose video never started, an exception box, or no timeline. Chromium (decoding,
encoding N videos) shares the server's 2 cores. Traffic stays on 127.0.0.1 and the run stops by
itself.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from common import astronaut_bgr, run_benchmark, table

from tests.browser import CHROMIUM_ARGS, chromium_path, streamlit_server, write_y4m


def frame_rate(timeline_csv: str) -> tuple[float, float]:
    """Frames analysed per second over the whole run, and the longest gap between two of them (s),
    from the page's own timeline CSV (one row per face and analysed frame)."""
    times = sorted({float(row["time_s"]) for row in csv.DictReader(io.StringIO(timeline_csv))})
    if len(times) < 2:
        return 0.0, float("inf")
    return (len(times) - 1) / (times[-1] - times[0]), float(np.max(np.diff(times)))


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
        await expect(page.get_by_text("frames/s", exact=False)).to_be_visible(timeout=90_000)
        await asyncio.sleep(seconds)
        if await page.locator('[data-testid="stException"]').count():
            raise RuntimeError("exception box on the page")
        # NOTE: the page's "N frames/s" caption is a moving average that stays put if the video
        # stalls, so the rate comes from the timeline the session itself recorded.
        step = "press STOP"
        await component.get_by_role("button", name="STOP").click(timeout=60_000)
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


async def run(sessions: int, seconds: float, clip: Path) -> dict:
    from playwright.async_api import async_playwright

    stats: dict = {"fps": [], "gaps": [], "errors": []}
    camera = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={clip}")
    with streamlit_server("webcam_detect_emotions.py") as url:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium_path(), args=[*CHROMIUM_ARGS, *camera])
            await asyncio.gather(*(session(browser, url, seconds, i, stats) for i in range(sessions)))
            await browser.close()
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", default="1,2,4", help="comma-separated session counts, one run each")
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    frame = np.full((480, 640, 3), 235, np.uint8)
    frame[:, 64:576] = cv2.resize(astronaut_bgr(), (512, 480))
    rows, errors = [], []
    with tempfile.TemporaryDirectory() as directory:
        clip = write_y4m(Path(directory) / "face.y4m", frame)
        for sessions in map(int, args.sessions.split(",")):
            started = time.monotonic()
            stats = asyncio.run(run(sessions, args.seconds, clip))
            fps = stats["fps"]
            rows.append([sessions, len(fps), len(stats["errors"]),
                         " ".join(f"{f:.1f}" for f in sorted(fps)) or "-",
                         f"{np.mean(fps):.1f}" if fps else "-",
                         f"{max(stats['gaps']):.2f}" if fps else "-", f"{time.monotonic() - started:.0f}"])
            errors += stats["errors"]
    print(table(["sessions", "sessions that ran to the end", "errors", "frames analysed/s, each session",
                 "mean", "longest gap (s)", "wall s"], rows,
                f"Live webcam sessions with a 25 fps fake camera, {args.seconds:.0f} s each"))
    for error in errors[:10]:
        print(f"- {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    run_benchmark(main)
