"""Many files at once: photos and videos from folders, analysed by the same predictor the pages
use, file by file on any ``concurrent.futures`` executor. No Streamlit, no argument parsing
(``emotion_app/cli.py`` is the command line over it).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path

from emotion_app.exports import FACE_FIELDS, output_name
from emotion_app.image_io import ACCEPTED_TYPES, ImageError
from emotion_app.video import VIDEO_TYPES

# A row per face, a row for a file with no face (face empty) and a row for a file that could not be
# analysed (error says why): the command line's output, the pages' columns plus the error.
BATCH_FIELDS = (*FACE_FIELDS, "error")
MEDIA_TYPES = (*ACCEPTED_TYPES, *VIDEO_TYPES)


@dataclass(frozen=True)
class Options:
    """How each file is analysed: the photo page's defaults."""

    detector: str = "haar+mtcnn"
    sensitivity: str = "medium"
    every: int = 2  # videos: analyse every Nth frame (more for high frame rates, as on the page)
    annotate: str | None = None  # folder for annotated copies (photos PNG, videos H.264 MP4)


@dataclass
class FileResult:
    file: str
    rows: list[dict] = field(default_factory=list)
    faces: int = 0
    error: str | None = None
    seconds: float = 0.0


def find_media(paths: Iterable[str | Path]) -> list[Path]:
    """The files to analyse: each file named, and every photo or video under each folder named
    (recursively, sorted, hidden files skipped). A path that does not exist is kept: it becomes
    an error row, not a crash."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix[1:].lower() in MEDIA_TYPES
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            found.append(path)
    return list(dict.fromkeys(found))  # a file named twice is analysed once


@functools.lru_cache(maxsize=4)
def worker_predictor(detector: str):
    """One predictor per worker process and detector, as the photo page builds it."""
    from emotion_app.model import load_model
    from emotion_app.predictor import EmotionPredictor
    from emotion_app.profiles import PHOTO

    return EmotionPredictor(detector=detector, model=load_model(quantized=True), flip=PHOTO.flip)


@functools.lru_cache(maxsize=1)
def worker_painter():
    from emotion_app.overlay import Painter

    return Painter()


def analyze_file(path: str, options: Options) -> FileResult:
    """One file's rows, or an error row: never raises for a bad file (a bug is logged and named)."""
    from emotion_app.photo import analyze_photo, face_rows
    from emotion_app.profiles import PHOTO
    from emotion_app.video import analyze_video, is_picture

    started, result = time.perf_counter(), FileResult(path)
    try:
        data = Path(path).read_bytes()
        predictor, painter = worker_predictor(options.detector), worker_painter()
        settings = PHOTO.sensitivity[options.sensitivity]
        if Path(path).suffix[1:].lower() in VIDEO_TYPES and not is_picture(data):
            video = analyze_video(data, predictor, painter, every=options.every, settings=settings, name=path)
            result.rows = video.rows
            annotated, suffix = video.video, "_emotions.mp4"
            if video.incomplete:
                result.error = f"the video is damaged or incomplete: its first {video.seconds:.0f} s were analysed"
        else:
            photo = analyze_photo(data, predictor, painter, settings)
            result.rows = face_rows([(path, photo)])
            annotated, suffix = (photo.png() if options.annotate else b""), "_emotions.png"
        result.faces = len(result.rows)
        if options.annotate:
            target = Path(options.annotate) / output_name(_flat(path), suffix)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(annotated)
    except ImageError as error:
        result.error = str(error)
    except FileNotFoundError:
        result.error = "no such file (or it was removed during the run)"
    except IsADirectoryError:
        result.error = "this is a folder with no photo or video in it"
    except PermissionError:
        result.error = "this file cannot be read (permission denied)"
    except Exception as error:  # a bug of ours: logged with its traceback, the run goes on
        logging.getLogger(__name__).exception("analysing %s failed", path)
        result.error = f"internal error ({type(error).__name__}); the run goes on"
    if not result.rows or result.error:
        result.rows.append({"file": path, "error": result.error})  # the file is done, with or without faces
    result.seconds = time.perf_counter() - started
    return result


def _flat(path: str) -> str:
    """``a/b/c.jpg`` as one file name, ``a_b_c.jpg``, so annotated copies of two ``c.jpg`` differ."""
    return "_".join(part for part in Path(path).parts if part not in ("/", "..", "."))


class InlineExecutor(Executor):
    """Runs each task at once in this process: ``--workers 1``, with nothing to start."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the caller through the future, as a pool would
            future.set_exception(error)
        return future


def local_executor(workers: int) -> Executor:
    """``workers`` processes on this machine (each loads its own predictor), or this process for 1.

    NOTE: processes are spawned, not forked: a fork of a process that has loaded TensorFlow or
    LiteRT threads can hang."""
    if workers <= 1:
        return InlineExecutor()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def run(files: list[str], options: Options, executor: Executor, window: int = 64) -> Iterator[FileResult]:
    """Each file's result as it finishes (not in order), at most ``window`` files queued at once so
    a million-file run does not hold a million futures."""
    from concurrent.futures import FIRST_COMPLETED, wait

    pending: set[Future] = set()
    queue = iter(files)
    while True:
        for file in queue:
            pending.add(executor.submit(analyze_file, file, options))
            if len(pending) >= window:
                break
        if not pending:
            return
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            yield future.result()
