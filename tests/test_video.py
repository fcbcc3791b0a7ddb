"""Video uploads: streamed through the predictor into an MP4 that browsers play, plus a CSV."""

import io

import av
import numpy as np
import pytest

from emotion_app import video
from emotion_app.image_io import ImageError
from emotion_app.overlay import Painter
from emotion_app.video import ROW_FIELDS, analyze_video


def make_mp4(frames: list[np.ndarray], rate: int = 10, codec: str = "mpeg4", format: str = "mp4") -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=format) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def clip(astronaut_bgr_module):
    frames = []
    for shift in range(0, 40, 2):  # the astronaut sliding right on a grey canvas
        canvas = np.full((480, 640, 3), 200, np.uint8)
        canvas[:, 60 + shift:572 + shift] = astronaut_bgr_module[16:496]
        frames.append(canvas)
    return make_mp4(frames)


@pytest.fixture(scope="module")
def astronaut_bgr_module():
    import cv2
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def test_a_clip_comes_back_annotated_as_h264_with_a_row_per_face(random_predictor, clip):
    seen = []
    result = analyze_video(clip, random_predictor, Painter(), every=2, progress=lambda f, n: seen.append((f, n)))
    assert result.frames == 20 and result.analysed == 10 and len(result.rows) == 10
    assert seen[-1] == (1.0, 20) and all(a <= b for (a, _), (b, _) in zip(seen, seen[1:], strict=False))
    with av.open(io.BytesIO(result.video)) as played:
        stream = played.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        assert sum(1 for _ in played.decode(stream)) == 20
    header, first, *_ = result.csv().decode().splitlines()
    assert header.split(",") == list(ROW_FIELDS)
    assert first.split(",")[1] == "1" and 300 > int(first.split(",")[4]) > 50  # face 1, a plausible width


def with_display_rotation(data: bytes, clockwise: int) -> bytes:
    """``data`` (an MP4 from ``make_mp4``) with its track's display matrix set to turn the frames
    ``clockwise`` degrees, as phones write portrait clips (PyAV cannot write one)."""
    import struct

    cos, sin = {90: (0, 1), 180: (-1, 0), 270: (0, -1)}[clockwise]
    data = bytearray(data)
    box = data.find(b"tkhd")
    # version/flags, created, modified, track id, reserved, duration (v0: 4-byte times), reserved, layer...volume
    matrix = box + 4 + 4 + (32 if data[box + 4] == 1 else 20) + 8 + 8
    data[matrix:matrix + 36] = struct.pack(">9i", cos << 16, sin << 16, 0, -sin << 16, cos << 16, 0, 0, 0, 1 << 30)
    return bytes(data)


@pytest.mark.parametrize("clockwise", [90, 180, 270])
def test_a_phone_clip_is_analysed_and_returned_the_way_up_it_plays(random_predictor, astronaut_bgr_module, clockwise):
    portrait = np.full((640, 480, 3), 200, np.uint8)
    portrait[64:576, :] = astronaut_bgr_module[:, 16:496]
    stored = np.ascontiguousarray(np.rot90(portrait, clockwise // 90))  # what the phone's sensor wrote
    clip = with_display_rotation(make_mp4([stored] * 4, codec="libx264"), clockwise)
    with av.open(io.BytesIO(clip)) as check:  # the clip says how it plays
        assert next(check.decode(video=0)).rotation % 360 == (-clockwise) % 360
    result = analyze_video(clip, random_predictor, Painter())
    assert result.frames == 4 and len(result.rows) == 4  # the upright astronaut's face, in every frame
    x, y, w, h = result.rows[0][2:6]
    assert 80 < y < 320 and 0 < x < x + w < 480  # in the top half of the portrait frame
    with av.open(io.BytesIO(result.video)) as played:
        frame = next(played.decode(video=0))
        assert (frame.width, frame.height) == (480, 640) and frame.rotation == 0


@pytest.mark.parametrize("format, codec", [("webm", "libvpx-vp9"), ("mov", "libx264")])
def test_webm_and_mov_come_back_as_h264_mp4(random_predictor, format, codec):
    frames = [np.full((96, 128, 3), 40 + 10 * i, np.uint8) for i in range(6)]
    result = analyze_video(make_mp4(frames, codec=codec, format=format), random_predictor, Painter())
    assert result.frames == 6
    with av.open(io.BytesIO(result.video)) as played:
        assert played.format.name.startswith("mov,mp4") and played.streams.video[0].codec_context.name == "h264"


def test_a_video_over_the_limit_is_refused_before_any_work(random_predictor, monkeypatch):
    monkeypatch.setattr(video, "MAX_SECONDS", 1.0)
    frames = [np.zeros((32, 32, 3), np.uint8)] * 20  # 2 s at 10 fps, said in the MP4's header
    with pytest.raises(ImageError, match="more than 1 s"):
        analyze_video(make_mp4(frames), random_predictor, Painter(), progress=lambda *_: pytest.fail("decoded"))


def test_a_video_that_does_not_say_its_length_is_stopped_at_the_limit(random_predictor, monkeypatch):
    """A raw H.264 stream carries no duration and no frame count: the limit is checked frame by frame."""
    monkeypatch.setattr(video, "MAX_SECONDS", 1.0)
    seen = []
    frames = [np.zeros((32, 32, 3), np.uint8)] * 40  # 1.6 s at the assumed 25 fps
    with pytest.raises(ImageError, match="more than 1 s"):
        analyze_video(make_mp4(frames, codec="libx264", format="h264"), random_predictor, Painter(),
                      progress=lambda fraction, frames: seen.append(fraction))
    assert seen and set(seen) == {None} and len(seen) <= 26  # no made-up progress, stopped in time


def test_a_video_with_frames_too_large_to_decode_is_refused(random_predictor, monkeypatch):
    monkeypatch.setattr(video, "MAX_PIXELS", 64 * 64 - 1)
    with pytest.raises(ImageError, match="64x64"):
        analyze_video(make_mp4([np.zeros((64, 64, 3), np.uint8)] * 3), random_predictor, Painter())


@pytest.mark.parametrize("data, reason", [(b"not a video at all", "not a video we can read"),
                                          (b"", "not a video we can read")])
def test_a_bad_video_is_a_clear_error(random_predictor, data, reason):
    with pytest.raises(ImageError, match=reason):
        analyze_video(data, random_predictor, Painter())


def test_a_file_without_video_is_a_clear_error(random_predictor):
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("aac", rate=44100)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate = 44100
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with pytest.raises(ImageError, match="no video stream"):
        analyze_video(buffer.getvalue(), random_predictor, Painter())
