"""Shared by the benchmark scripts: test frames, timing, markdown tables, the fer peer worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "benchmarks" / "out"
FER_PYTHON = Path(os.environ.get("FER_PYTHON", "/opt/fer-venv/bin/python"))
SHARED_DATA = REPO.parent / "shared" / "data"


def astronaut_bgr() -> np.ndarray:
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def make_frame(width: int, height: int, faces: int) -> np.ndarray:
    """A gray canvas with 1 or 4 astronaut portraits (each face ~1/5 of the tile) side by side."""
    canvas = np.full((height, width, 3), 200, np.uint8)
    portrait = astronaut_bgr()
    columns = 1 if faces == 1 else 2
    rows = 1 if faces == 1 else 2
    tile = min(height // rows, width // columns)
    small = cv2.resize(portrait, (tile, tile), interpolation=cv2.INTER_AREA)
    x0 = (width - columns * tile) // 2
    for i in range(faces):
        r, c = divmod(i, columns)
        canvas[r * tile:(r + 1) * tile, x0 + c * tile:x0 + (c + 1) * tile] = small
    return canvas


FRAMES = {
    "640x480, 1 face": (640, 480, 1),
    "640x480, 4 faces": (640, 480, 4),
    "1280x720, 1 face": (1280, 720, 1),
    "1280x720, 4 faces": (1280, 720, 4),
}


def save_frames(directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, (width, height, faces) in FRAMES.items():
        path = directory / f"frame_{width}x{height}_{faces}.png"
        cv2.imwrite(str(path), make_frame(width, height, faces))
        paths[name] = path
    return paths


def time_calls(function, repeats: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    return float(np.median(times)), float(np.percentile(times, 95))


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)


INT8_DOT_PRODUCTS = {"avx512_vnni": "AVX-512 VNNI", "avx_vnni": "AVX-VNNI", "amx_int8": "AMX"}


def machine() -> str:
    """Cores, CPU model and whether it has int8 dot products: the int8 twin is 4-5x faster than float32
    with them (AVX-512 VNNI, AVX-VNNI, AMX) and about as fast without (AVX2 alone), so a time a face
    means little without it."""
    cpu, flags = "unknown CPU", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu == "unknown CPU":
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    int8 = [name for flag, name in INT8_DOT_PRODUCTS.items() if flag in flags]
    dots = ", ".join(int8) if int8 else ("no int8 dot products" if flags else "int8 dot products unknown")
    return f"{os.cpu_count()} cores, {cpu} ({dots})"


class FerPeer:
    """The fer package in its own virtual environment, driven over stdin/stdout one command at a time."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [str(FER_PYTHON), str(REPO / "benchmarks" / "fer_worker.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        self.ask({"command": "ping"})

    @staticmethod
    def available() -> str | None:
        """None when fer can run, else why not."""
        if not FER_PYTHON.exists():
            return f"no fer environment at {FER_PYTHON} (see benchmarks/README.md)"
        check = subprocess.run([str(FER_PYTHON), "-c", "from fer.fer import FER"], capture_output=True, text=True)
        return None if check.returncode == 0 else f"fer does not import: {check.stderr.strip().splitlines()[-1:]}"

    def ask(self, request: dict) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        if "error" in reply:
            raise RuntimeError(f"fer worker: {reply['error']}")
        return reply

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)
