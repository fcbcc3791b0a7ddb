"""Many files at once: photos and videos from folders, analysed by the same predictor the pages
use, file by file on any ``concurrent.futures`` executor. No Streamlit, no argument parsing
(``emotion_app/cli.py`` is the command line over it).
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path

from emotion_app.exports import FACE_FIELDS, safe_file_name
from emotion_app.image_io import ACCEPTED_TYPES, ImageError
from emotion_app.output import copy_failed, copy_refused, is_our_copy, write_copy, writing_copy
from emotion_app.photo import ANNOTATED_SUFFIX as PHOTO_COPY
from emotion_app.profiles import PHOTO
from emotion_app.video import ANNOTATED_SUFFIX as VIDEO_COPY
from emotion_app.video import VIDEO_TYPES

# A row per face, a row for a file with no face (face empty) and a row for a file that could not be
# analysed (error says why): the command line's output, the pages' columns plus the error.
BATCH_FIELDS = (*FACE_FIELDS, "error")
MEDIA_TYPES = (*ACCEPTED_TYPES, *VIDEO_TYPES)
# How annotated copies end: only files named so are opened to look for the sign that we wrote them.
COPY_SUFFIXES = (PHOTO_COPY, VIDEO_COPY)


@dataclass(frozen=True)
class Options:
    """How each file is analysed: the photo page's defaults."""

    detector: str = PHOTO.detector
    sensitivity: str = "medium"
    every: int = 2  # videos: analyse every Nth frame (more for high frame rates, as on the page)
    annotate: str | None = None  # folder for annotated copies (photos PNG, videos H.264 MP4)


@dataclass(frozen=True)
class Job:
    """One file to analyse, and where its annotated copy goes (``None``: no copy)."""

    file: str
    annotated: str | None = None


@dataclass
class FileResult:
    file: str
    rows: list[dict] = field(default_factory=list)
    faces: int = 0
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Found:
    """What the paths named hold: the files to analyse (in order, each once), each with where its
    annotated copy goes relative to the annotate folder, and what was passed over, counted by kind."""

    files: list[Path] = field(default_factory=list)
    annotated_names: dict[Path, Path] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)


def find_media(paths: Iterable[str | Path], exclude: Path | None = None) -> Found:
    """Each file named, and every photo or video under each folder named (recursively, sorted,
    following linked folders once, hidden files and ``exclude`` passed over). A path that does not
    exist raises ``FileNotFoundError``: it is the user's mistake, found before anything runs.

    Annotated names mirror the folders from the deepest folder that holds every path named, and
    keep the file's extension, so ``a.jpg`` and ``a.png``, or ``sub/a.jpg`` and ``sub_a.jpg``,
    never share one."""
    paths = [Path(path) for path in paths]
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(path)
    excluded = exclude.resolve() if exclude is not None else None
    base = Path(os.path.commonpath([os.path.dirname(os.path.abspath(path)) for path in paths]))
    found, seen, taken = Found(), set(), set()
    for path in paths:
        for file in (_walk(path, excluded, found.skipped) if path.is_dir() else [path]):
            real = file.resolve()
            if real in seen:
                continue  # a file named twice, or reached through a link, is analysed once
            seen.add(real)
            found.files.append(file)
            name = _annotated_name(file, base)
            while name in taken:  # two names that differ only in characters no file system takes
                name = name.with_name("_" + name.name)
            taken.add(name)
            found.annotated_names[file] = name
    return found


def _walk(folder: Path, excluded: Path | None, skipped: Counter) -> list[Path]:
    visited, media = set(), []
    for root, folders, names in os.walk(folder, followlinks=True):
        real = Path(root).resolve()
        if real in visited or (excluded is not None and real == excluded):
            folders[:] = []  # a link back up the tree, or the annotate folder of this very run
            continue
        visited.add(real)
        hidden = [name for name in folders + names if name.startswith(".")]
        if hidden:
            skipped["hidden"] += len(hidden)
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            suffix = Path(name).suffix[1:].lower()
            if name.endswith(COPY_SUFFIXES) and is_our_copy(Path(root) / name):
                skipped["copy"] += 1  # emojis over the faces: an earlier run's answer, not a photo
            elif suffix in MEDIA_TYPES:
                media.append(Path(root) / name)
            else:
                skipped[f".{suffix}" if suffix else "no extension"] += 1
    return sorted(media)


def _annotated_name(file: Path, base: Path) -> Path:
    """``file``'s annotated copy, relative to the annotate folder: its folders below ``base``, then
    its whole name (extension kept) and the suffix the copy's kind adds."""
    parts = Path(os.path.dirname(os.path.abspath(file))).relative_to(base).parts
    return Path(*(safe_file_name(part, "folder") for part in parts), safe_file_name(file.name))


def start_worker(detector: str) -> None:
    """A pool worker's first step: end with the command (a worker whose parent was killed would
    otherwise wait for work forever), and load its predictor once, before any progress is drawn."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="watch-parent").start()
    load_quietly(detector)


def load_quietly(detector: str) -> None:
    """Load the worker's predictor and run each network once, with LiteRT's start-up line ("INFO:
    Created TensorFlow Lite XNNPACK delegate"), which it writes to the process's stderr and no
    setting turns off, kept off the terminal."""
    import numpy as np

    from emotion_app.labels import FACE_SHAPE
    from emotion_app.model import quiet_native_stderr

    with quiet_native_stderr():
        predictor = worker_predictor(detector)
        predictor.warm_up()
        predictor.model.probabilities(np.zeros((1, *FACE_SHAPE), np.float32))


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


def analyze_file(path: str, options: Options, annotated: str | None = None) -> FileResult:
    """One file's rows, or an error row: never raises for a bad file (a bug is logged and named).
    ``annotated``: where its annotated copy goes, without the suffix its kind adds."""
    from emotion_app.photo import analyze_photo, face_rows
    from emotion_app.video import is_picture

    started, result = time.perf_counter(), FileResult(path)
    try:
        if Path(path).suffix[1:].lower() in VIDEO_TYPES and not is_picture(path):
            result.rows, result.error = analyze_video_file(path, options, annotated)
        else:
            photo = analyze_photo(Path(path).read_bytes(), worker_predictor(options.detector), worker_painter(),
                                  PHOTO.sensitivity[options.sensitivity])
            result.rows = face_rows([(path, photo)])
            if annotated:
                result.error = write_copy(Path(annotated + PHOTO_COPY), photo.png())
        result.faces = len(result.rows)
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


def analyze_video_file(path: str, options: Options, annotated: str | None) -> tuple[list[dict], str | None]:
    """A video's rows, and what went wrong (``None``: nothing). Any length (the page's limits are the
    page's): the file is read as it is decoded and its copy written as it is encoded. A copy that
    cannot be written costs the rows too, so the next run tries the file again."""
    import av

    from emotion_app.video import analyze_video

    target = Path(annotated + VIDEO_COPY) if annotated else None
    refused = copy_refused(target) if target else None

    def analyze(copy_to=None):
        return analyze_video(Path(path), worker_predictor(options.detector), worker_painter(), every=options.every,
                             settings=PHOTO.sensitivity[options.sensitivity], name=path,
                             annotate=copy_to is not None, limits=False, copy_to=copy_to)

    if target is None or refused:
        video = analyze()
    else:
        try:
            with writing_copy(target) as copy:
                video = analyze(copy)
        except (OSError, av.error.PyAVCallbackError) as error:
            # the copy's file is the only one PyAV writes through Python (its callbacks); the source's
            # errors are FFmpeg's own
            if isinstance(error, av.error.FFmpegError) and not isinstance(error, av.error.PyAVCallbackError):
                raise
            return [], copy_failed(error, target)
    damaged = f"the video is damaged or incomplete: its first {video.seconds:.0f} s were analysed"
    return video.rows, "; ".join(filter(None, (damaged if video.incomplete else None, refused))) or None


class InlineExecutor(Executor):
    """Runs each task at once in this process: ``--workers 1``, with nothing to start."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the caller through the future, as a pool would
            future.set_exception(error)
        return future


def local_executor(workers: int, detector: str = Options.detector) -> Executor:
    """``workers`` processes on this machine (each loads its own predictor for ``detector`` as it
    starts), or this process for 1.

    NOTE: processes are spawned, not forked: a fork of a process that has loaded TensorFlow or
    LiteRT threads can hang."""
    if workers <= 1:
        load_quietly(detector)
        return InlineExecutor()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=start_worker, initargs=(detector,))


def run(jobs: list[Job], options: Options, executor: Executor, window: int = 64) -> Iterator[FileResult]:
    """Each file's result as it finishes (not in order), at most ``window`` files queued at once so
    a million-file run does not hold a million futures."""
    from concurrent.futures import FIRST_COMPLETED, wait

    pending: set[Future] = set()
    queue = iter(jobs)
    while True:
        for job in queue:
            pending.add(executor.submit(analyze_file, job.file, options, job.annotated))
            if len(pending) >= window:
                break
        if not pending:
            return
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            yield future.result()
