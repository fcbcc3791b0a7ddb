"""One uploaded video, end to end: frames streamed through the predictor into an H.264 MP4 that
browsers play, plus a row per face and frame for the CSV. No Streamlit.

Frames are decoded, annotated and encoded one at a time (PyAV), so memory holds one frame and the
compressed output, whatever the video's length. The page's uploads are bytes and their output stays
in memory (nothing is written to disk); the command line reads a file as it decodes it and writes
its copy to a file as it encodes it, so a long recording never sits in memory whole.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from fractions import Fraction
from typing import BinaryIO

import av
import numpy as np

from emotion_app.exports import face_row, rows_csv
from emotion_app.faces import DetectionSettings
from emotion_app.image_io import MAX_PIXELS, MIN_SIDE, SOFTWARE, ImageError, shrink
from emotion_app.overlay import Painter
from emotion_app.predictor import EmotionPredictor, FacePrediction
from emotion_app.tracking import FaceNumbers

VIDEO_TYPES = ("mp4", "webm", "mov")
ANNOTATED_SUFFIX = "_emotions.mp4"  # added to the video's name: its annotated copy's
MAX_SECONDS = 120.0  # the page refuses longer videos (about 4 minutes of work at 2 cores): see ``limits``
VIDEO_SIDE = 1280  # frames are shrunk to this longer side before analysis and encoding
# The work a file may cost is capped by frames, not by its length alone: a 120 fps clip has 4x the
# frames of a 30 fps one. At most this many frames a second are analysed (the "every Nth frame"
# setting is raised for higher rates) and kept in the annotated video (frames in between are dropped).
MAX_ANALYSED_PER_SECOND = 15
MAX_SHOWN_PER_SECOND = 30
# Decoding alone is capped too: frames x pixels a file may ask us to decode (2 minutes of 1080p at
# 30 fps), checked before any work when the file says its frame count, and as frames go otherwise.
MAX_DECODED_PIXELS = int(MAX_SECONDS * 30 * 1920 * 1080)
# ffmpeg's demuxer flag for formats without timestamps (raw H.264, HEVC, MPEG-4 elementary streams):
# their frame rate is a guess of 25 unless the stream's own headers give one.
NO_TIMESTAMPS = 0x0080
# A video to analyse: an upload's bytes, or a file on disk (read as it is decoded).
Source = bytes | str | os.PathLike


@dataclass
class VideoResult:
    video: bytes  # H.264 MP4, yuv420p: plays in every browser
    rows: list[dict] = field(default_factory=list)  # one per face and analysed frame (exports.FACE_FIELDS)
    frames: int = 0  # decoded
    analysed: int = 0
    rate: float = 0.0  # the file's frames a second
    every: int = 1  # every this many frames analysed (the setting, or more for a high frame rate)
    shown_every: int = 1  # every this many frames kept in the annotated video
    incomplete: bool = False  # the file stopped early (damaged or cut short): the part before was analysed
    cut: bool = False  # longer than MAX_SECONDS without saying so: its first MAX_SECONDS were analysed
    seconds: float = 0.0  # of video analysed
    language: str = "en"  # of the words drawn on its frames

    def csv(self) -> bytes:
        return rows_csv(self.rows)

    def download(self) -> tuple[str, bytes]:
        """The annotated file's suffix and bytes (as ``PhotoResult.download``)."""
        return ANNOTATED_SUFFIX, self.video


@dataclass
class OpenedVideo:
    container: av.container.InputContainer
    stream: av.video.stream.VideoStream
    seconds: float  # 0 when the file does not say
    rate: float  # frames a second, from the file's timing
    timestamps: bool  # whether frames carry their own times (else frame index / rate)


def is_picture(source: Source) -> bool:
    """Whether ``source`` is a picture Pillow can open, whatever its file name says."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source):
            return True
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return False


def _looks_like_a_container(data: bytes) -> bool:
    """An MP4/MOV (``ftyp`` box first) or WebM/Matroska (EBML magic) by its first bytes."""
    return data[4:8] == b"ftyp" or data[:4] == b"\x1a\x45\xdf\xa3"


def _head(source: Source) -> bytes:
    """The first bytes of ``source`` (a file that cannot be read raises its own ``OSError``)."""
    if isinstance(source, bytes):
        return source[:12]
    with open(source, "rb") as stream:
        return stream.read(12)


def open_video(source: Source, limits: bool = True) -> OpenedVideo:
    """The container, its first video stream, its length and frame rate; ``ImageError`` otherwise.
    ``limits``: refuse what the page refuses (over ``MAX_SECONDS``, or ``MAX_DECODED_PIXELS`` to
    decode); without them (the command line, on the user's own machine) any length is taken."""
    try:
        container = av.open(io.BytesIO(source) if isinstance(source, bytes) else os.fspath(source), mode="r")
    except (av.error.FFmpegError, ValueError):
        # an MP4 cut before its index (which cameras write last) cannot be opened at all
        raise ImageError("video_damaged" if _looks_like_a_container(_head(source)) else "not_video") from None
    if not container.streams.video:
        container.close()
        raise ImageError("no_video_stream")
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    width, height = stream.codec_context.width, stream.codec_context.height
    if 0 < min(width, height) < MIN_SIDE:
        container.close()
        raise ImageError("video_too_small", w=width, h=height, side=MIN_SIDE)
    if width * height > MAX_PIXELS:  # each frame is decoded whole before it is shrunk
        container.close()
        raise ImageError("too_many_pixels", w=width, h=height, mp=width * height / 1e6, limit=MAX_PIXELS / 1e6)
    timestamps = not container.format.flags & NO_TIMESTAMPS
    # NOTE: without timestamps ffmpeg assumes 25 fps; a 10 fps raw stream then played 2.5x fast and
    # its CSV times were wrong. Only the stream's own headers (H.264's VUI timing) are trusted there.
    rate = float(stream.average_rate or stream.guessed_rate or 0) if timestamps else float(
        stream.codec_context.framerate or 0)
    if rate <= 0:
        container.close()
        raise ImageError("no_timing")
    seconds = float(stream.duration * stream.time_base) if stream.duration else (container.duration or 0) / 1e6
    if not timestamps:
        seconds = stream.frames / rate if stream.frames else 0.0
    if limits and seconds > MAX_SECONDS:
        container.close()
        raise ImageError("video_too_long", limit=MAX_SECONDS)
    frames = stream.frames or seconds * rate
    if limits and frames * width * height > MAX_DECODED_PIXELS:
        container.close()
        raise ImageError("video_too_heavy", frames=int(frames), w=width, h=height)
    return OpenedVideo(container, stream, seconds, rate, timestamps)


def sampling(rate: float, every: int) -> tuple[int, int]:
    """(analyse every, show every) frames for a ``rate`` fps video whose user asked for ``every``:
    at most ``MAX_ANALYSED_PER_SECOND`` analysed and ``MAX_SHOWN_PER_SECOND`` shown a second, each
    analysed frame one that is shown."""
    shown = max(1, math.ceil(rate / MAX_SHOWN_PER_SECOND - 1e-9))
    analysed = max(every, math.ceil(rate / MAX_ANALYSED_PER_SECOND - 1e-9))
    return math.ceil(analysed / shown) * shown, shown


def upright(frame: av.VideoFrame) -> np.ndarray:
    """The frame as players show it, BGR. Phones store a portrait clip as landscape frames plus a
    rotation in the container (its display matrix), which decoding does not apply."""
    image = frame.to_ndarray(format="bgr24")
    turns = round(frame.rotation / 90) % 4  # counter-clockwise quarter turns, as np.rot90 counts
    return np.ascontiguousarray(np.rot90(image, turns)) if turns else image


def _by_number(predictions: list[FacePrediction], numbers: list[int]) -> tuple[list, list[int]]:
    pairs = sorted(zip(numbers, predictions, strict=True), key=lambda pair: pair[0])
    return [p for _, p in pairs], [n for n, _ in pairs]


class _Damaged(Exception):
    """The source failed to decode (the copy's errors are never this)."""


def _decoded(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> Iterator[av.VideoFrame]:
    try:
        yield from container.decode(stream)
    except av.error.FFmpegError as error:
        raise _Damaged from error


def face_summary(rows: list[dict], seconds_per_row: float) -> list[tuple[int, float, str]]:
    """Each face number's seconds in view (``seconds_per_row`` each analysed frame stands for) and
    its most frequent emotion, in number order."""
    from collections import Counter

    counts: dict[int, Counter] = {}
    for row in rows:
        counts.setdefault(row["face"], Counter())[row["emotion"]] += 1
    return [(face, sum(c.values()) * seconds_per_row, c.most_common(1)[0][0]) for face, c in sorted(counts.items())]


def analyze_video(
    source: Source,
    predictor: EmotionPredictor,
    painter: Painter,
    every: int = 1,
    language: str = "en",
    progress: Callable[[float | None, int], None] | None = None,
    settings: DetectionSettings | None = None,
    name: str = "",
    annotate: bool = True,
    limits: bool = True,
    copy_to: BinaryIO | None = None,
) -> VideoResult:
    """Analyse every ``every``-th frame (or fewer: see ``sampling``; others reuse the last answer)
    with the detection ``settings``, annotate the frames kept, and encode the result;
    ``progress(fraction, frames_done)`` is called as frames go by (``fraction`` is None when the
    file says neither its length nor its frame count). Each person keeps one face number while in
    view (``tracking.FaceNumbers``); rows name the file ``name``. Without ``annotate`` (the command
    line without --annotate) nothing is drawn or encoded: only the analysed frames are converted,
    and ``video`` stays empty. ``limits``: the page's (``open_video``). ``copy_to``: a seekable file
    the annotated MP4 is written to as it is encoded (``video`` then stays empty); an error writing
    it (a full disk) is raised as it comes, never taken for damage in the source."""
    opened = open_video(source, limits)
    stream, rate = opened.stream, opened.rate
    analysed_every, shown_every = sampling(rate, every)
    total = int(stream.frames or opened.seconds * rate)
    result = VideoResult(b"", rate=rate, every=analysed_every, shown_every=shown_every, language=language)
    predictions: list[FacePrediction] = []
    numbers, faces = FaceNumbers(), []
    decoded_pixels, time_s, converted = 0, 0.0, False
    out_file = io.BytesIO() if copy_to is None else copy_to  # uploads and their results never touch the disk
    output = av.open(out_file, mode="w", format="mp4")
    try:
        output.metadata["comment"] = SOFTWARE  # the command line's sign that it wrote the copy
        encoder = None
        try:
            try:
                for frame in _decoded(opened.container, stream):
                    index = result.frames
                    time_s = float(frame.time) if opened.timestamps and frame.time is not None else index / rate
                    if limits and time_s > MAX_SECONDS:  # a file that did not say how long (a browser's recording)
                        result.cut = True  # what came before is kept
                        break
                    if min(frame.width, frame.height) < MIN_SIDE:  # a file that did not say its size
                        raise ImageError("video_too_small", w=frame.width, h=frame.height, side=MIN_SIDE)
                    result.seconds = time_s
                    decoded_pixels += frame.width * frame.height
                    if limits and decoded_pixels > MAX_DECODED_PIXELS:
                        raise ImageError("video_too_heavy", frames=index, w=frame.width, h=frame.height)
                    result.frames += 1
                    if progress is not None:
                        progress(min(1.0, result.frames / total) if total else None, result.frames)
                    if index % (shown_every if annotate else analysed_every):
                        continue  # neither analysed nor shown: never converted
                    original = upright(frame)
                    image = shrink(original, VIDEO_SIDE)
                    converted = True
                    if encoder is None and annotate:
                        shown_rate = Fraction(rate / shown_every).limit_denominator(1001)
                        encoder = output.add_stream("libx264", rate=shown_rate)
                        # H.264 in yuv420p needs even sides
                        encoder.width, encoder.height = image.shape[1] // 2 * 2, image.shape[0] // 2 * 2
                        encoder.pix_fmt, encoder.options = "yuv420p", {"crf": "23", "preset": "veryfast"}
                    if index % analysed_every == 0:
                        predictions = predictor.predict(image, settings)
                        faces = numbers.assign([p.box for p in predictions], time_s)
                        predictions, faces = _by_number(predictions, faces)
                        size, scale = (original.shape[1], original.shape[0]), original.shape[1] / image.shape[1]
                        result.rows += [face_row(name, number, p, scale, size, index, time_s)
                                        for number, p in zip(faces, predictions, strict=True)]
                        result.analysed += 1
                    if not annotate:
                        continue
                    annotated = painter.draw(image, predictions, language, numbered=True, numbers=faces)
                    annotated = np.ascontiguousarray(annotated[: encoder.height, : encoder.width])
                    for packet in encoder.encode(av.VideoFrame.from_ndarray(annotated, format="bgr24")):
                        output.mux(packet)
            except _Damaged:
                if not converted:
                    raise ImageError("video_damaged") from None
                result.incomplete = True  # what decoded before the damage is kept
            if not converted:
                raise ImageError("no_frames")
            # NOTE: only the video stream's own length says it was cut short: a container's length
            # may be its audio's, which can outlast the pictures
            said = float(stream.duration * stream.time_base) if stream.duration else 0.0
            if said and result.seconds + 1.0 / rate < said - 1.0:
                result.incomplete = True  # the stream says it is longer than what it holds: cut short
            for packet in encoder.encode() if encoder is not None else ():
                output.mux(packet)
        finally:
            opened.container.close()
    except BaseException:
        with suppress(av.error.FFmpegError, OSError):  # the first error is the one to tell (a full disk
            output.close()  # that failed a frame's write fails the trailer's too)
        raise
    output.close()
    result.video = out_file.getvalue() if annotate and copy_to is None else b""
    return result
