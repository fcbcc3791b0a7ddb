"""Load: N concurrent browser sessions on the photo page, each uploading photos for a fixed time.

    python benchmarks/load_photo.py [--sessions 8] [--seconds 60] [--presenter-first 30]
    python benchmarks/load_photo.py --memory [--sessions 4] [--seconds 180]

Starts `streamlit run photo_detect_emotions.py` on a free loopback port, opens N sessions in one
headless Chromium (separate browser contexts = separate Streamlit sessions), and in each uploads a
photo, waits for its result, and repeats with the next photo until time is up. Reports requests
served, errors (a timeout, an exception box, or a wrong result) and latency percentiles. Traffic
stays on 127.0.0.1 and the run stops by itself. ``--presenter-first S`` opens the page alone and
leaves it S seconds before the sessions start, as a presenter opens the app before the room joins.

``--memory`` uploads a 386 KB PNG that decodes to 7999x7999 16-bit pixels (the heaviest photo
the app accepts) in every session, samples the server's resident memory (RSS) twice a second,
and keeps sampling for three minutes after the sessions close: the peak, what stays while Streamlit
keeps the closed sessions (two minutes), and what stays after.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from common import astronaut_bgr, note, run_benchmark, table

from emotion_app.texts import PAGE
from tests.browser import CHROMIUM_ARGS, chromium_path, streamlit_server


def heavy_photo(directory: Path) -> list[Path]:
    """A small file that decodes huge: 7999x7999 16-bit grey, half dark, half light."""
    from PIL import Image

    values = np.zeros((7999, 7999), np.uint16)
    values[:, :4000] = 30000
    path = directory / "heavy.png"
    Image.fromarray(values).save(path, "PNG")
    return [path]


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def sample_rss(pid: int, samples: list, stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append((time.monotonic(), rss_mb(pid)))
        await asyncio.sleep(0.5)


def photos(directory: Path) -> list[Path]:
    base = astronaut_bgr()
    variants = {"astronaut.jpg": base, "mirrored.jpg": base[:, ::-1], "large.jpg": cv2.resize(base, (1600, 1600)),
                "noface.png": np.full((300, 400, 3), 180, np.uint8)}
    paths = []
    for name, image in variants.items():
        path = directory / name
        cv2.imwrite(str(path), np.ascontiguousarray(image))
        paths.append(path)
    return paths


async def session(browser, url: str, files: list[Path], deadline: float, index: int, stats: dict) -> None:
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    try:
        await page.goto(url, wait_until="domcontentloaded")
        await expect(page.get_by_text("Emotion detector: photos")).to_be_visible(timeout=120_000)
        upload = page.locator("input[type=file]").first
        turn = index
        while time.monotonic() < deadline:
            photo = files[turn % len(files)]
            turn += 1
            heavy = photo.name == "heavy.png"
            if heavy:  # a new name each time, and the last one removed, as a user does
                unique = photo.with_name(f"heavy-{index}-{turn}.png")
                unique.write_bytes(photo.read_bytes())
                photo = unique
            # Both texts name the file: Streamlit keeps the previous run's elements on screen while it
            # reruns, so a text without the name could match the previous upload's result.
            # the page's own words (the detector's name, after the file's, left out)
            expected = PAGE["en"]["no_face"].format(name=photo.name) if photo.name.startswith(("noface", "heavy")) \
                else PAGE["en"]["faces_found_one"].split(" ({")[0].format(n=1, name=photo.name)
            start = time.monotonic()
            try:
                if heavy:
                    for remove in await page.get_by_test_id("stFileChipDeleteBtn").locator("button").all():
                        await remove.click()
                    # NOTE: the removal reruns the page; an upload sent before its chip is gone was lost
                    await expect(page.get_by_test_id("stFileChip")).to_have_count(0, timeout=60_000)
                    await expect(page.get_by_text("Upload a photo (or take a snapshot)")).to_be_visible(timeout=60_000)
                await upload.set_input_files(str(photo))
                await expect(page.get_by_text(expected).first).to_be_visible(timeout=60_000)
                if await page.locator('[data-testid="stException"]').count():
                    raise RuntimeError("exception box on the page")
                stats["latencies"].append(time.monotonic() - start)
                stats["slowest"][photo.name] = max(stats["slowest"].get(photo.name, 0.0), time.monotonic() - start)
            except Exception as error:  # counted and reported: the load test's whole point
                stats["errors"].append(f"session {index}, {photo.name}: {type(error).__name__}: {str(error)[:120]}")
    finally:
        await context.close()


async def presenter(browser, url: str, seconds: float) -> None:
    from playwright.async_api import expect

    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(url, wait_until="domcontentloaded")
    await expect(page.get_by_text("Emotion detector: photos")).to_be_visible(timeout=120_000)
    await asyncio.sleep(seconds)
    await context.close()


async def run(sessions: int, seconds: float, presenter_first: float = 0, memory: bool = False) -> dict:
    from playwright.async_api import async_playwright

    stats: dict = {"latencies": [], "errors": [], "slowest": {}, "rss": []}
    started: list = []
    with tempfile.TemporaryDirectory() as directory, \
            streamlit_server("photo_detect_emotions.py", started=started) as url:
        files = heavy_photo(Path(directory)) if memory else photos(Path(directory))
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(started[0].pid, stats["rss"], stop))
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            if presenter_first:
                await presenter(browser, url, presenter_first)
            stats["start"] = time.monotonic()
            deadline = stats["start"] + seconds
            await asyncio.gather(*(session(browser, url, files, deadline, i, stats) for i in range(sessions)))
            await browser.close()
        stats["closed"] = time.monotonic()
        if memory:  # what the server keeps once every session has gone, and once Streamlit forgets them
            await asyncio.sleep(FORGOTTEN + 2)
        stop.set()
        await sampler
    return stats


# Streamlit keeps a closed browser's session, and what it holds, for server.disconnectedSessionTTL
# (120 s by default) in case it reconnects; a little later the memory it held must be back.
FORGOTTEN = 180


def memory_table(stats: dict) -> str:
    rss = stats["rss"]
    before = [mb for t, mb in rss if t < stats["start"]]
    during = [mb for t, mb in rss if stats["start"] <= t <= stats["closed"]]
    minute = [mb for t, mb in rss if stats["closed"] + 60 <= t < stats["closed"] + 62]
    after = [mb for t, mb in rss if t >= stats["closed"] + FORGOTTEN]
    row = [f"{before[-1]:.0f}" if before else "-", f"{max(during):.0f}" if during else "-",
           f"{np.mean(during):.0f}" if during else "-", f"{minute[-1]:.0f}" if minute else "-",
           f"{after[-1]:.0f}" if after else "-"]
    return table(["RSS before (MB)", "peak while loaded", "mean while loaded", "a minute after closing",
                  f"{FORGOTTEN} s after closing"], [row],
                 "Server memory, uploading a 386 KB PNG of 7999x7999 16-bit pixels in each session")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--presenter-first", type=float, default=0, help="seconds one session idles on the page first")
    parser.add_argument("--memory", action="store_true", help="upload the heaviest photo and report server memory")
    args = parser.parse_args()
    stats = asyncio.run(run(args.sessions, args.seconds, args.presenter_first, args.memory))
    latencies = np.array(stats["latencies"]) * 1000
    first = f", after one session idled {args.presenter_first:.0f} s on the page" if args.presenter_first else ""
    row = [args.sessions, len(latencies), len(stats["errors"])]
    row += [f"{np.percentile(latencies, q):.0f}" for q in (50, 90, 99)] if len(latencies) else ["-"] * 3
    print(table(["sessions", "uploads served", "errors", "p50 ms", "p90 ms", "p99 ms"], [row],
                f"{args.sessions} concurrent sessions for {args.seconds:.0f} s on the photo page{first}"))
    if args.memory:
        print("\n" + memory_table(stats))
    print("\nslowest upload of each photo (ms): " + ", ".join(f"{name} {1000 * seconds:.0f}"
                                                          for name, seconds in sorted(stats["slowest"].items())))
    # the errors are what a load test measures: kept with the tables (see load_webcam.py)
    for error in stats["errors"][:10]:
        print(note(f"Error: {error}"))
    return 0


if __name__ == "__main__":
    run_benchmark(main)
