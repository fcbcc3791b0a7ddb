"""One uploaded video, end to end: frames streamed through the predictor into an H.264 MP4 that
browsers play, plus a row per face and frame for the CSV. No Streamlit.

Frames are decoded, annotated and encoded one at a time (PyAV), so memory holds one frame and the
compressed output, whatever the video's length; nothing is written to disk.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import av
import numpy as np

from emotion_app.image_io import MAX_PIXELS, ImageError, shrink
from emotion_app.labels import EMOTIONS
from emotion_app.overlay import Painter
from emotion_app.photo import reading_order
from emotion_app.predictor import EmotionPredictor, FacePrediction

VIDEO_TYPES = ("mp4", "webm", "mov")
MAX_SECONDS = 120.0  # longer videos are refused: about 4 minutes of work at 2 cores
VIDEO_SIDE = 1280  # frames are shrunk to this longer side before analysis and encoding
ROW_FIELDS = ("time_s", "face", "x", "y", "width", "height", "emotion", "unsure", *EMOTIONS)


@dataclass
class VideoResult:
    video: bytes  # H.264 MP4, yuv420p: plays in every browser
    rows: list[tuple] = field(default_factory=list)  # one per face and analysed frame, ROW_FIELDS
    frames: int = 0
    analysed: int = 0

    def csv(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(ROW_FIELDS)
        writer.writerows(self.rows)
        return buffer.getvalue().encode("utf-8")


def open_video(data: bytes) -> tuple[av.container.InputContainer, av.video.stream.VideoStream, float]:
    """The container, its first video stream and its length in seconds (0 when the file does not
    say); ``ImageError`` otherwise."""
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.error.FFmpegError, ValueError):
        raise ImageError("not_video") from None
    if not container.streams.video:
        container.close()
        raise ImageError("no_video_stream")
    stream = container.streams.video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if width * height > MAX_PIXELS:  # each frame is decoded whole before it is shrunk
        container.close()
        raise ImageError("too_many_pixels", w=width, h=height, mp=width * height / 1e6, limit=MAX_PIXELS / 1e6)
    seconds = float(stream.duration * stream.time_base) if stream.duration else (container.duration or 0) / 1e6
    if seconds > MAX_SECONDS:
        container.close()
        raise ImageError("video_too_long", limit=MAX_SECONDS)
    return container, stream, seconds


def upright(frame: av.VideoFrame) -> np.ndarray:
    """The frame as players show it, BGR. Phones store a portrait clip as landscape frames plus a
    rotation in the container (its display matrix), which decoding does not apply."""
    image = frame.to_ndarray(format="bgr24")
    turns = round(frame.rotation / 90) % 4  # counter-clockwise quarter turns, as np.rot90 counts
    return np.ascontiguousarray(np.rot90(image, turns)) if turns else image


def face_rows(time_s: float, predictions: list[FacePrediction]) -> list[tuple]:
    return [(round(time_s, 3), i, *p.box, p.emotion, p.unsure, *(round(p.probabilities[e], 4) for e in EMOTIONS))
            for i, p in enumerate(predictions, start=1)]


def analyze_video(
    data: bytes,
    predictor: EmotionPredictor,
    painter: Painter,
    every: int = 1,
    language: str = "en",
    progress: Callable[[float | None, int], None] | None = None,
) -> VideoResult:
    """Analyse every ``every``-th frame (others reuse the last answer), annotate every frame, and
    encode the result; ``progress(fraction, frames_done)`` is called as frames go by (``fraction``
    is None when the file says neither its length nor its frame count)."""
    container, stream, seconds = open_video(data)
    rate = stream.average_rate or 25
    total = int(stream.frames or seconds * float(rate))
    result, predictions = VideoResult(b""), []
    out_file = io.BytesIO()  # in memory: uploads and results never touch the disk
    with av.open(out_file, mode="w", format="mp4") as output:
        encoder = None
        try:
            for frame in container.decode(stream):
                time_s = float(frame.time) if frame.time is not None else result.frames / float(rate)
                if time_s > MAX_SECONDS:  # a file that did not say how long it is
                    raise ImageError("video_too_long", limit=MAX_SECONDS)
                image = shrink(upright(frame), VIDEO_SIDE)
                if encoder is None:
                    encoder = output.add_stream("libx264", rate=rate)
                    # H.264 in yuv420p needs even sides
                    encoder.width, encoder.height = image.shape[1] // 2 * 2, image.shape[0] // 2 * 2
                    encoder.pix_fmt, encoder.options = "yuv420p", {"crf": "23", "preset": "veryfast"}
                if result.frames % every == 0:
                    predictions = reading_order(predictor.predict(image))
                    result.rows += face_rows(time_s, predictions)
                    result.analysed += 1
                annotated = painter.draw(image, predictions, language, numbered=True)
                annotated = np.ascontiguousarray(annotated[: encoder.height, : encoder.width])
                for packet in encoder.encode(av.VideoFrame.from_ndarray(annotated, format="bgr24")):
                    output.mux(packet)
                result.frames += 1
                if progress is not None:
                    progress(min(1.0, result.frames / total) if total else None, result.frames)
            if encoder is None:
                raise ImageError("no_frames")
            for packet in encoder.encode():
                output.mux(packet)
        except av.error.FFmpegError:
            raise ImageError("video_damaged") from None
        finally:
            container.close()
    result.video = out_file.getvalue()
    return result
