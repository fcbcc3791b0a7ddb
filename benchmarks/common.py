"""Shared by the benchmark scripts: test frames and photos, timing, tables saved for the report, the
fer peer worker. Every benchmark imports this module first, which loads ``emotion_app`` (and with it
the import-order guard of ``emotion_app/__init__.py``) before anything can load TensorFlow."""

from __future__ import annotations

import csv
import datetime
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
import emotion_app  # noqa: E402, F401  (the import-order guard, once for every benchmark)

OUT = REPO / "benchmarks" / "out"
RESULTS = REPO / "benchmarks" / "results"
FER_PYTHON = Path(os.environ.get("FER_PYTHON", "/opt/fer-venv/bin/python"))
SHARED_DATA = REPO.parent / "shared" / "data"
PHOTOS = SHARED_DATA / "photos_dev"
PHOTO_SETS = ("dev", "closeups", "small", "tilted")


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


def mean_p95(times: list[float]) -> tuple[float, float]:
    """Mean and 95th percentile: a live path mixes cheap frames with full detections, so its median
    would overstate its speed."""
    return float(np.mean(times)), float(np.percentile(times, 95))


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    def line(cells: list) -> str:  # a "|" inside a cell would split it
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(header), "|" + "---|" * len(header), *(line(row) for row in rows)])


# What this run measured, for ``python -m benchmarks.report``: every table and note, in order.
_measured: list[dict] = []


def table(header: list[str], rows: list[list[str]], title: str = "") -> str:
    """A markdown table (printed by the caller), kept with its title for the saved results."""
    rows = [[str(cell) for cell in row] for row in rows]
    _measured.append({"title": title, "header": [str(h) for h in header], "rows": rows})
    return (f"{title}\n\n" if title else "") + markdown_table(header, rows)


def note(text: str) -> str:
    """A sentence the run found out (kept under its tables in the report), returned for printing."""
    _measured.append({"note": text})
    return text


def run_benchmark(main) -> None:
    """Run a benchmark's ``main``; with BENCHMARK_SAVE=1 (what ``benchmarks.report --run`` sets) its
    tables go to benchmarks/results/NAME.json with the command, date, CPU and model that made them."""
    print(machine(), flush=True)
    from emotion_app.model import sha256_file

    code = main()
    if code or os.environ.get("BENCHMARK_SAVE") != "1":
        sys.exit(code)
    script = Path(sys.argv[0]).resolve()
    name = os.environ.get("BENCHMARK_NAME") or script.stem
    RESULTS.mkdir(parents=True, exist_ok=True)
    model = REPO / "models" / "emotion_cnn.keras"
    result = {
        "command": " ".join(["python", str(script.relative_to(REPO)), *sys.argv[1:]]),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "model_sha256": sha256_file(model),
        "measured": _measured,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"\nsaved {RESULTS.relative_to(REPO) / (name + '.json')}")


INT8_DOT_PRODUCTS = {"avx512_vnni": "AVX-512 VNNI", "avx_vnni": "AVX-VNNI", "amx_int8": "AMX-INT8"}
BF16 = {"avx512_bf16": "AVX-512 BF16", "amx_bf16": "AMX-BF16"}


def machine() -> str:
    """Cores, CPU model and its int8 and bfloat16 instructions: the int8 twin is several times faster
    than float32 with int8 dot products and about as fast without (AVX2 alone), so a time a face means
    little without them."""
    cpu, flags = "unknown CPU", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu == "unknown CPU":
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    if not flags:
        return f"{os.cpu_count()} cores, {cpu} (instructions unknown)"
    int8 = [name for flag, name in INT8_DOT_PRODUCTS.items() if flag in flags] or ["no int8 dot products"]
    bf16 = [name for flag, name in BF16.items() if flag in flags] or ["no bfloat16"]
    return f"{os.cpu_count()} cores, {cpu} ({', '.join(int8 + bf16)})"


def load_dev(limit: int = 0) -> list[tuple[str, np.ndarray, str]]:
    """The JAFFE photos of ../shared/data/photos_dev: (file, BGR image, label); ``limit``: every k-th."""
    with open(PHOTOS / "labels.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    if limit:  # every k-th photo, so every class is in a quick look
        rows = rows[:: max(1, len(rows) // limit)][:limit]
    return [(row["file"], cv2.imread(str(PHOTOS / row["file"])), row["label"]) for row in rows]


def scenery() -> list[np.ndarray]:
    """Ten 640x480 scikit-image sample photos: clutter to hide small faces in."""
    from skimage import data
    from skimage.util import img_as_ubyte

    images = []
    for name in ("astronaut", "brick", "camera", "chelsea", "coffee", "grass", "gravel", "rocket", "clock", "coins"):
        image = img_as_ubyte(getattr(data, name)())
        image = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
        images.append(cv2.resize(cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2BGR), (640, 480)))
    return images


def make_variants(dev: list, seed: int = 0) -> dict[str, list]:
    """The dev photos and three sets made from them with seeded generators: close-ups, small faces in a
    scene, tilted heads (benchmarks/photos_e2e.py says what each is)."""
    rng, tilt_rng = np.random.default_rng(seed), np.random.default_rng(seed + 1)
    backgrounds = scenery()
    closeups, small, tilted = [], [], []
    for i, (name, image, label) in enumerate(dev):
        box = reference_face(image)
        if box is not None:
            x, y, w, h = box
            side = max(w, h) * rng.uniform(1.0, 1.15)
            left, top = int(round(x + w / 2 - side / 2)), int(round(y + h / 2 - side / 2))
            square = cv2.copyMakeBorder(image, 64, 64, 64, 64, cv2.BORDER_REPLICATE)
            square = square[top + 64:top + 64 + int(side), left + 64:left + 64 + int(side)]
            size = int(np.exp(rng.uniform(np.log(60), np.log(350))))
            interpolation = cv2.INTER_AREA if size < side else cv2.INTER_CUBIC
            closeups.append((name, cv2.resize(square, (size, size), interpolation=interpolation), label))
        size = int(rng.integers(90, 161))
        scene = np.full((480, 640, 3), 128, np.uint8) if i % 2 == 0 else backgrounds[i % len(backgrounds)].copy()
        x, y = int(rng.integers(0, 640 - size)), int(rng.integers(0, 480 - size))
        scene[y:y + size, x:x + size] = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
        small.append((name, scene, label))
        angle = tilt_rng.uniform(10, 25) * tilt_rng.choice([-1, 1])
        turn = cv2.getRotationMatrix2D((image.shape[1] / 2, image.shape[0] / 2), angle, 1.0)
        tilted.append((name, cv2.warpAffine(image, turn, image.shape[1::-1], borderMode=cv2.BORDER_REPLICATE), label))
    return {"dev": dev, "closeups": closeups, "small": small, "tilted": tilted}


def reference_face(image: np.ndarray) -> tuple[int, int, int, int] | None:
    """The largest face the package's MTCNN (its defaults and its pyramid, on LiteRT) finds in the whole photo,
    as ``(x, y, w, h)`` clipped to it: where a close-up is cut, fixed whatever the app's detectors become."""
    from emotion_app.mtcnn_lite import MtcnnLite

    global _REFERENCE
    if _REFERENCE is None:
        _REFERENCE = MtcnnLite(source_ratio=math.inf)
    found = _REFERENCE.detect_faces(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    if not found:
        return None
    x, y, w, h = max((face["box"] for face in found), key=lambda box: box[2] * box[3])
    height, width = image.shape[:2]
    left, top = max(0, x), max(0, y)
    return left, top, min(width, x + w) - left, min(height, y + h) - top


_REFERENCE = None


def timed(function):
    """``function()`` and the milliseconds it took."""
    start = time.perf_counter()
    result = function()
    return result, (time.perf_counter() - start) * 1000


def detect_all(photos: list, detectors: dict) -> dict:
    """(detector, photo index) -> (faces, ms) with the photo page's settings: each detector runs once
    per photo, for every model and row that reads them."""
    from emotion_app.profiles import PHOTO

    found_by = {}
    for key, detector in detectors.items():
        for i, (_, image, _) in enumerate(photos):
            found_by[key, i] = timed(lambda d=detector, im=image: d.detect(im, PHOTO.settings))
    return found_by


def classify_largest(photos: list, predictor, found_by: dict, detectors: tuple[str, ...]) -> tuple[list, list]:
    """The emotion of each photo's largest face (None where none was found) and the ms per photo
    (detection + classification). The second detector counts only where the first found nothing,
    as the photo page's default once did."""
    predicted, times = [], []
    for i, (_, image, _) in enumerate(photos):
        faces, ms = found_by[detectors[0], i]
        if not faces and len(detectors) > 1:
            faces, extra = found_by[detectors[1], i]
            ms += extra
        results, classify_ms = timed(lambda im=image, f=faces[:1]: predictor.predict(im, faces=f))
        predicted.append(results[0].emotion if results else None)
        times.append(ms + classify_ms)
    return predicted, times


def asked_negative(probabilities: np.ndarray, margin: float, doubt: float) -> tuple[np.ndarray, np.ndarray]:
    """Per face, whether the page asks it a negative question (a negative answer it is not unsure of,
    ``emotion_app.predictor.is_unsure`` with this margin and neutral doubt), and whether it is unsure."""
    from emotion_app.predictor import NEGATIVE, is_unsure

    unsure = np.array([is_unsure(row, margin, doubt) for row in probabilities], dtype=bool)
    return NEGATIVE[probabilities.argmax(axis=1)] & ~unsure, unsure


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
