"""Memory to decode the largest upload the photo page accepts, in every colour mode Pillow opens.

    python benchmarks/decode_memory.py [--side 7999] [--limit-mb 300]

A 7999x7999 image (64 megapixels, just inside the pixel budget), half black and half grey so it
compresses to a few hundred KB, saved in each mode (PNG, or TIFF where PNG cannot hold the mode);
each file is decoded as the page decodes it (``image_io.decode_photo``) in a fresh process, whose
peak resident memory before and after gives the growth. Exit status 1 if any mode grows by more
than ``--limit-mb``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from common import REPO, note, run_benchmark, table
from PIL import Image

# (mode, format, extra save options); "P+alpha" is a palette image with a transparent colour.
MODES = (
    ("RGB", "PNG"), ("RGBA", "PNG"), ("L", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("P+alpha", "PNG"), ("1", "PNG"),
    ("I;16", "PNG"), ("CMYK", "TIFF"), ("I", "TIFF"), ("F", "TIFF"), ("RGB", "JPEG"), ("CMYK", "JPEG"),
)

# NOTE: a child's peak RSS starts at its parent's (kept through fork and exec), and this parent held
# 64-megapixel images: the peak is reset first (Linux 4.0+: "5" to clear_refs), then read as VmHWM.
MEASURE = """
import sys, time
from pathlib import Path
import emotion_app
from emotion_app.image_io import decode_photo

def peak_mb():
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024

data = open(sys.argv[1], "rb").read()
Path("/proc/self/clear_refs").write_text("5")
before = peak_mb()
start = time.perf_counter()
image, size = decode_photo(data)
seconds = time.perf_counter() - start
print(peak_mb() - before, seconds, *image.shape[:2])
"""


def make_file(mode: str, fmt: str, side: int, folder: Path) -> Path:
    gray = np.zeros((side, side), np.uint8)
    gray[:, side // 2:] = 200
    if mode == "I;16":
        image = Image.fromarray(gray.astype(np.uint16) * 100)
    elif mode in ("I", "F"):
        image = Image.fromarray(gray.astype(np.int32 if mode == "I" else np.float32))
    elif mode == "P+alpha":
        image = Image.fromarray(gray).convert("P")
    else:
        image = Image.fromarray(gray).convert(mode)
    options = {"compression": "tiff_deflate"} if fmt == "TIFF" else {}
    if mode == "P+alpha":
        options["transparency"] = 0
    path = folder / f"{mode.replace(';', '_').replace('+', '_')}.{fmt.lower()}"
    image.save(path, fmt, **options)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--side", type=int, default=7999)
    parser.add_argument("--limit-mb", type=float, default=300)
    args = parser.parse_args()
    rows, worst = [], 0.0
    with tempfile.TemporaryDirectory() as folder:
        for mode, fmt in MODES:
            path = make_file(mode, fmt, args.side, Path(folder))
            opened = Image.open(path).mode
            done = subprocess.run([sys.executable, "-c", MEASURE, str(path)], cwd=REPO, capture_output=True,
                                  text=True, timeout=300)
            if done.returncode:
                rows.append([mode, fmt, opened, f"{path.stat().st_size // 1024}", "failed", "", ""])
                worst = float("inf")
                continue
            grew, seconds, height, width = done.stdout.split()
            worst = max(worst, float(grew))
            rows.append([mode, fmt, opened, f"{path.stat().st_size // 1024}", f"{float(grew):.0f}",
                         f"{float(seconds) * 1000:.0f}", f"{width}x{height}"])
    print(table(["mode", "format", "Pillow opens it as", "file KB", "decode growth MB", "decode ms", "decoded to"],
                rows, f"{args.side}x{args.side} ({args.side ** 2 / 1e6:.0f} MP) in each mode, peak RSS growth of a "
                f"fresh process around decode_photo"))
    print(note(f"Largest growth {worst:.0f} MB against a limit of {args.limit_mb:.0f} MB: Pillow holds 4 bytes a "
               f"pixel once decoded (256 MB at 64 MP) for every mode but L, P and 1-bit; the rest is the reduced "
               f"copy."))
    return 1 if worst > args.limit_mb else 0


if __name__ == "__main__":
    run_benchmark(main)
