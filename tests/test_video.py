"""Video uploads: streamed through the predictor into an MP4 that browsers play, plus a CSV."""

import io

import av
import numpy as np
import pytest

from emotion_app import video
from emotion_app.exports import FACE_FIELDS
from emotion_app.image_io import ImageError
from emotion_app.overlay import Painter
from emotion_app.video import analyze_video


def make_mp4(frames: list[np.ndarray], rate: int = 10, codec: str = "mpeg4", format: str = "mp4",
             path=None) -> bytes:
    """``frames`` encoded; through the file ``path`` with the index first ("faststart", as
    streaming encoders write it: cut short, its start still plays; ffmpeg moves the index by
    reading the file again, so it needs a file)."""
    target = str(path) if path else io.BytesIO()
    options = {"movflags": "faststart"} if path else {}
    with av.open(target, mode="w", format=format, options=options) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes() if path else target.getvalue()


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
        assert played.metadata["comment"] == "emotion-app"  # how the command line knows its own copies
    header, first, *_ = result.csv().decode().splitlines()
    assert header.split(",") == list(FACE_FIELDS)
    row = dict(zip(FACE_FIELDS, first.split(","), strict=True))
    assert row["face"] == "1" and row["frame"] == "0" and 300 > int(row["width"]) > 50  # face 1, a plausible width


def test_without_an_annotated_copy_nothing_is_drawn_or_encoded_and_the_rows_are_the_same(random_predictor, clip):
    """The command line without --annotate drew and encoded every frame for a copy it then dropped."""

    class NoPainter:
        def draw(self, *args, **kwargs):
            raise AssertionError("nothing is drawn without an annotated copy")

    bare = analyze_video(clip, random_predictor, NoPainter(), every=2, annotate=False)
    annotated = analyze_video(clip, random_predictor, Painter(), every=2)
    assert bare.video == b"" and bare.rows == annotated.rows and bare.frames == 20 and bare.analysed == 10


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
    x, y, w, h = (result.rows[0][k] for k in ("x", "y", "width", "height"))
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


def test_a_video_that_does_not_say_its_length_is_cut_at_the_limit_and_keeps_what_came_before(random_predictor,
                                                                                              monkeypatch):
    """A raw H.264 stream (or a browser's WebM recording) carries no duration: the limit is checked
    frame by frame. It was analysed up to the limit, then refused, keeping nothing."""
    monkeypatch.setattr(video, "MAX_SECONDS", 1.0)
    seen = []
    frames = [np.zeros((32, 32, 3), np.uint8)] * 40  # 4 s at 10 fps (ffmpeg would assume 25 fps: 1.6 s)
    result = analyze_video(make_mp4(frames, codec="libx264", format="h264"), random_predictor, Painter(),
                           progress=lambda fraction, frames: seen.append(fraction))
    assert seen and set(seen) == {None} and len(seen) <= 11  # no made-up progress, stopped at 1 s of 10 fps
    assert result.cut and not result.incomplete and result.frames == 11 and result.seconds == pytest.approx(1.0)
    with av.open(io.BytesIO(result.video)) as played:
        assert sum(1 for _ in played.decode(video=0)) == 11  # 0.0 s to 1.0 s


def test_without_the_pages_limits_a_file_of_any_length_is_read_from_disk_and_its_copy_written_to_a_file(
        random_predictor, monkeypatch, tmp_path):
    """The command line's way: the source a path, the copy a file written as it is encoded."""
    monkeypatch.setattr(video, "MAX_SECONDS", 1.0)
    monkeypatch.setattr(video, "MAX_DECODED_PIXELS", 10 * 32 * 32)
    source = tmp_path / "long.mp4"
    source.write_bytes(make_mp4([np.zeros((32, 32, 3), np.uint8)] * 30))  # 3 s at 10 fps
    with pytest.raises(ImageError, match="more than 1 s"):
        analyze_video(source, random_predictor, Painter())
    with open(tmp_path / "copy.mp4", "wb") as copy:
        result = analyze_video(source, random_predictor, Painter(), limits=False, copy_to=copy)
    assert result.frames == 30 and not result.cut and not result.incomplete and result.video == b""
    with av.open(str(tmp_path / "copy.mp4")) as played:
        assert sum(1 for _ in played.decode(video=0)) == 30 and played.metadata["comment"] == video.SOFTWARE


def test_an_error_writing_the_copy_is_raised_never_taken_for_a_damaged_source(random_predictor, tmp_path):
    class Full(io.BytesIO):
        def write(self, data):
            if self.tell() + len(data) > 2000:
                raise OSError(28, "No space left on device")
            return super().write(data)

    frames = [np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8) for _ in range(20)]
    with pytest.raises(OSError, match="No space left"):
        analyze_video(make_mp4(frames), random_predictor, Painter(), copy_to=Full())


@pytest.mark.parametrize("side, format", [(1, "mp4"), (8, "webm")])
def test_a_video_too_small_to_hold_a_face_says_so(random_predictor, side, format):
    """A 1x1 px video got "Something went wrong on our side"."""
    frames = [np.zeros((side, side, 3), np.uint8)] * 4
    codec = "libvpx-vp9" if format == "webm" else "mpeg4"
    try:
        data = make_mp4(frames, codec=codec, format=format)
    except Exception:  # an encoder that refuses such a size: the smallest it takes
        data = make_mp4([np.zeros((16, 16, 3), np.uint8)] * 4, codec=codec, format=format)
    with pytest.raises(ImageError, match="too small to hold a face") as refused:
        analyze_video(data, random_predictor, Painter())
    assert refused.value.reason == "video_too_small"


def test_a_raw_stream_is_timed_by_its_own_frame_rate_not_a_guess(random_predictor, clip):
    """A raw H.264 stream at 10 fps was taken for 25 fps: played 2.5x fast, with wrong CSV times."""
    frames = [np.zeros((48, 64, 3), np.uint8)] * 20
    result = analyze_video(make_mp4(frames, codec="libx264", format="h264"), random_predictor, Painter())
    assert result.rate == 10 and result.seconds == pytest.approx(1.9)
    with av.open(io.BytesIO(result.video)) as played:
        assert played.streams.video[0].average_rate == 10


def test_a_raw_stream_whose_headers_give_no_frame_rate_is_refused(random_predictor, monkeypatch):
    class Untimed:
        width, height, framerate = 64, 48, None

    frames = [np.zeros((48, 64, 3), np.uint8)] * 5
    real_open = av.open

    def untimed_open(*args, **kwargs):
        container = real_open(*args, **kwargs)
        monkeypatch.setattr(type(container.streams.video[0]), "codec_context", property(lambda self: Untimed()))
        return container

    data = make_mp4(frames, codec="libx264", format="h264")
    monkeypatch.setattr(video.av, "open", untimed_open)
    with pytest.raises(ImageError, match="does not say its frame rate"):
        video.open_video(data)


def test_a_high_frame_rate_video_costs_frames_a_second_not_its_frame_count(random_predictor):
    """A 120 fps clip held both cores for minutes: at most 15 frames a second are analysed and 30 kept."""
    frames = [np.zeros((48, 64, 3), np.uint8)] * 96  # 0.8 s at 120 fps
    calls = []
    predictor = type("Counting", (), {"predict": lambda self, image, settings=None: calls.append(1) or []})()
    result = analyze_video(make_mp4(frames, rate=120), predictor, Painter(), every=2)
    assert (result.every, result.shown_every) == (8, 4) and result.frames == 96
    assert result.analysed == len(calls) == 12
    with av.open(io.BytesIO(result.video)) as played:
        stream = played.streams.video[0]
        assert stream.average_rate == 30 and sum(1 for _ in played.decode(stream)) == 24
    assert video.sampling(25, 2) == (2, 1) and video.sampling(60, 5) == (6, 2) and video.sampling(30, 1) == (2, 1)


def test_a_video_with_too_many_pixels_to_decode_is_refused_before_any_work(random_predictor, monkeypatch):
    monkeypatch.setattr(video, "MAX_DECODED_PIXELS", 19 * 64 * 48)
    with pytest.raises(ImageError, match="too many pixels to decode"):
        analyze_video(make_mp4([np.zeros((48, 64, 3), np.uint8)] * 20), random_predictor, Painter(),
                      progress=lambda *_: pytest.fail("decoded"))


def test_the_detection_settings_reach_every_analysed_frame(clip):
    """The sensitivity slider changed photos but not videos: analyze_video never got the settings."""
    from emotion_app.profiles import PHOTO

    seen = []
    predictor = type("Spy", (), {"predict": lambda self, image, settings=None: seen.append(settings) or []})()
    analyze_video(clip, predictor, Painter(), every=5, settings=PHOTO.sensitivity["low"])
    assert seen == [PHOTO.sensitivity["low"]] * 4


def test_boxes_are_in_the_original_frames_pixels_with_its_size(random_predictor, astronaut_bgr_module, monkeypatch):
    monkeypatch.setattr(video, "VIDEO_SIDE", 256)  # the 512x512 astronaut is analysed at half size
    result = analyze_video(make_mp4([astronaut_bgr_module] * 2), random_predictor, Painter())
    row = result.rows[0]
    assert (row["image_width"], row["image_height"]) == (512, 512)
    x, y, width = (random_predictor.predict(video.shrink(astronaut_bgr_module, 256))[0].box[i] * 2 for i in (0, 1, 2))
    assert abs(row["x"] - x) <= 1 and abs(row["y"] - y) <= 1 and abs(row["width"] - width) <= 1


def test_a_video_cut_short_is_analysed_as_far_as_it_goes_and_says_so(random_predictor, tmp_path):
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (96, 128, 3), dtype=np.uint8) for _ in range(40)]  # 4 s, no two alike
    data = make_mp4(frames, path=tmp_path / "clip.mp4")
    assert data[4:8] == b"ftyp" and data.find(b"moov") < data.find(b"mdat")
    result = analyze_video(data[: len(data) // 2], random_predictor, Painter())
    assert result.incomplete and 5 < result.frames < 40 and result.video
    assert not analyze_video(data, random_predictor, Painter()).incomplete


def test_an_mp4_cut_before_its_index_is_called_damaged_not_an_unknown_format(random_predictor, clip):
    with pytest.raises(ImageError, match="damaged or incomplete"):
        analyze_video(clip[: len(clip) // 2], random_predictor, Painter())


def test_a_picture_is_known_whatever_its_name(astronaut_bgr_module, clip):
    import cv2

    assert video.is_picture(cv2.imencode(".jpg", astronaut_bgr_module)[1].tobytes())
    assert not video.is_picture(clip) and not video.is_picture(b"")


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


def test_faces_keep_their_number_through_a_video_as_people_cross(astronaut_bgr_module):
    """A generated clip: two faces walk past each other (one hidden behind the other as they
    cross); the rows, the frames' labels and the summary keep one number per person."""
    import cv2

    face = cv2.resize(astronaut_bgr_module[20:260, 130:370], (100, 100))
    frames, where = [], []
    for step in range(24):
        canvas = np.full((240, 640, 3), 200, np.uint8)
        a, b = 20 + 22 * step, 520 - 22 * step
        for x in sorted((a, b), key=lambda x: x != a):  # a drawn last: in front
            canvas[70:170, x:x + 100] = face if x == a else face[:, ::-1]
        frames.append(canvas)
        where.append((a, b))

    class Seen:  # a detector that sees what a camera would: b hidden while a covers it
        def predict(self, image, settings=None):
            from emotion_app.predictor import FacePrediction

            a, b = where[len(calls)]
            calls.append(1)
            boxes = [(a, 70, 100, 100)] + ([(b, 70, 100, 100)] if abs(a - b) > 70 else [])
            probabilities = {e: 1 / 7 for e in ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")}
            return [FacePrediction(box, "happy", 1 / 7, probabilities) for box in boxes]

    calls = []
    result = analyze_video(make_mp4(frames, rate=10), Seen(), Painter())
    people = {}
    for row in result.rows:
        a, b = where[row["frame"]]
        people.setdefault(row["face"], set()).add("a" if abs(row["x"] - a) < 3 else "b")
    assert people == {1: {"a"}, 2: {"b"}}
    assert [face for face, _, _ in video.face_summary(result.rows, 0.1)] == [1, 2]


def test_a_whole_video_whose_sound_outlasts_its_pictures_is_not_called_incomplete(random_predictor):
    """A WebM's streams carry no length of their own; its container's is the longer sound's."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm") as container:
        video_stream = container.add_stream("libvpx-vp9", rate=10)
        video_stream.width, video_stream.height, video_stream.pix_fmt = 64, 48, "yuv420p"
        audio = container.add_stream("libopus", rate=48000)
        for _ in range(10):  # 1 s of pictures
            for packet in video_stream.encode(av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), "bgr24")):
                container.mux(packet)
        for index in range(48000 * 3 // 960):  # 3 s of sound
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 960), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 48000, index * 960
            for packet in audio.encode(frame):
                container.mux(packet)
        for stream in (video_stream, audio):
            for packet in stream.encode():
                container.mux(packet)
    result = analyze_video(buffer.getvalue(), random_predictor, Painter())
    assert result.frames == 10 and not result.incomplete
