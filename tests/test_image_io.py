import io

import numpy as np
import pytest
from PIL import Image

from emotion_app.image_io import (
    MAX_ASPECT,
    MAX_PIXELS,
    MIN_SIDE,
    ImageError,
    decode_image,
    decode_photo,
    encode_png,
    png_is_ours,
    shrink,
)


def encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


RGB = Image.fromarray(np.random.default_rng(0).integers(0, 256, (30, 40, 3), dtype=np.uint8))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF"])
def test_common_formats_decode_to_bgr(fmt):
    image = decode_image(encode(RGB, fmt))
    assert image.shape == (30, 40, 3) and image.dtype == np.uint8


# Every mode a file can carry (PA and HSV exist only in memory).
@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "P", "CMYK", "I", "I;16", "F", "1", "YCbCr", "LAB"])
def test_every_mode_becomes_bgr(mode):
    if mode == "I;16":
        converted = Image.fromarray(np.arange(1200, dtype=np.uint16).reshape(30, 40) * 50)
    else:
        converted = RGB.convert("RGB").convert(mode)
    for fmt in ("PNG", "TIFF", "JPEG"):
        try:
            data = encode(converted, fmt)
            break
        except (OSError, ValueError, KeyError):
            continue
    assert Image.open(io.BytesIO(data)).mode == mode
    image = decode_image(data)
    assert image.shape == (30, 40, 3) and image.dtype == np.uint8


def test_sixteen_bit_is_stretched_not_clipped():
    ramp = Image.fromarray(np.arange(1200, dtype=np.uint16).reshape(30, 40) * 50)
    image = decode_image(encode(ramp, "PNG"))
    assert image.min() == 0 and image.max() == 255


def test_transparent_pixels_become_white():
    rgba = Image.new("RGBA", (30, 30), (0, 0, 0, 0))
    assert decode_image(encode(rgba, "PNG")).min() == 255


def test_exif_rotation_is_applied():
    tall = Image.new("RGB", (30, 60), (255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    image = decode_image(encode(tall, "JPEG", exif=exif))
    assert image.shape[:2] == (30, 60)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_exif_rotation_is_applied_to_a_large_photo_reduced_while_decoding(fmt):
    from emotion_app.image_io import decode_photo

    wide = Image.new("RGB", (6000, 3000), (255, 255, 255))
    wide.paste((255, 0, 0), (0, 0, 600, 3000))  # a red band on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90 degrees clockwise: the band at the top
    image, size = decode_photo(encode(wide, fmt, exif=exif))
    assert size == (3000, 6000) and image.shape[0] > image.shape[1]
    middle = image.shape[1] // 2
    assert image[5, middle, 2] > 200 and image[5, middle, 0] < 60  # BGR: the red band is at the top
    assert image[-5, middle].min() > 200  # white at the bottom


def test_gif_first_frame_is_used():
    frames = [Image.new("RGB", (32, 32), color) for color in ((255, 0, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    image = decode_image(buffer.getvalue())
    assert image[0, 0, 2] > 200 and image[0, 0, 0] < 50  # red in BGR


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"hello, I am not a picture", "not an image format"),
        (encode(RGB, "PNG")[:60], "damaged|not an image"),
        (encode(RGB, "JPEG")[:200], "damaged"),
    ],
)
def test_bad_files_raise_image_error(data, message):
    with pytest.raises(ImageError, match=message):
        decode_image(data)


def test_huge_header_is_refused_before_decoding():
    header = encode(Image.new("L", (1, 1)), "PNG")
    # Patch the IHDR width/height to 20000 x 20000 (400 MP) without allocating it.
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    patched = header[:16] + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)) + header[33:]
    with pytest.raises(ImageError, match="megapixel"):
        decode_image(patched)
    assert MAX_PIXELS < 20000 * 20000


def test_small_images_decode():
    assert decode_image(encode(Image.new("RGB", (MIN_SIDE, MIN_SIDE)), "PNG")).shape == (MIN_SIDE, MIN_SIDE, 3)


@pytest.mark.parametrize("size", [(2000, 1), (3000, 1), (5000, 2), (1, 2000), (10, 10)])
def test_images_too_thin_for_a_face_get_a_clear_message(size):
    """A 2000x1 PNG once reached st.image, which raised on it, showing a traceback to the user."""
    with pytest.raises(ImageError, match=f"{size[0]}x{size[1]} pixels"):
        decode_image(encode(Image.new("RGB", size), "PNG"))


@pytest.mark.parametrize("size", [(40000, 24), (24, 40000), (MAX_ASPECT * 30 + 1, 30)])
def test_panoramas_too_thin_to_show_get_a_clear_message(size):
    """A 40000x24 PNG passed the 24 px check, shrank to 2048x1 for display and crashed st.image."""
    with pytest.raises(ImageError, match="too long and thin"):
        decode_image(encode(Image.new("RGB", size), "PNG"))


def test_the_longest_panorama_allowed_still_shows_24_px_thin():
    image = decode_photo(encode(Image.new("RGB", (MAX_ASPECT * 30, 30)), "PNG"))[0]
    assert min(shrink(image).shape[:2]) >= MIN_SIDE


def test_shrink_never_enlarges():
    small = np.zeros((100, 50, 3), np.uint8)
    assert shrink(small, 200) is small
    assert shrink(np.zeros((4000, 3000, 3), np.uint8), 2000).shape == (2000, 1500, 3)


def test_png_roundtrip():
    image = np.random.default_rng(1).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    assert (decode_image(encode_png(image)) == image).all()


def test_our_pngs_say_so_in_the_standard_software_text():
    import cv2

    image = np.random.default_rng(1).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    ours = encode_png(image)
    assert Image.open(io.BytesIO(ours)).info["Software"] == "emotion-app"
    assert png_is_ours(ours[:128])
    assert not png_is_ours(cv2.imencode(".png", image)[1].tobytes())
    assert not png_is_ours(encode(RGB, "PNG", pnginfo=None)) and not png_is_ours(b"emotion-app")


def test_tiff_is_accepted():
    """The uploader once refused TIFF although it decodes; it is now listed and read."""
    from emotion_app.image_io import ACCEPTED_TYPES

    assert {"tif", "tiff"} <= set(ACCEPTED_TYPES)
    assert decode_image(encode(RGB, "TIFF")).shape == (30, 40, 3)


def test_only_decoder_errors_blame_the_file(monkeypatch):
    """A bug (here a TypeError inside decoding) once read "the image data is damaged"."""
    import emotion_app.image_io as image_io

    def broken(image, *args):
        raise TypeError("a bug of ours")

    monkeypatch.setattr(image_io, "_to_rgb", broken)
    with pytest.raises(TypeError):
        decode_image(encode(RGB, "PNG"))


def test_running_out_of_memory_says_too_large(monkeypatch):
    import emotion_app.image_io as image_io

    def exhausted(image, *args):
        raise MemoryError

    monkeypatch.setattr(image_io, "_to_rgb", exhausted)
    with pytest.raises(ImageError, match="too large"):
        decode_image(encode(RGB, "PNG"))


@pytest.mark.slow
def test_decoding_the_largest_upload_grows_memory_by_at_most_300_mb_in_every_mode():
    """A 327 KB 7999x7999 RGBA PNG took 760 MB to decode (a full-size conversion, and reduce()
    premultiplying alpha into another full-size copy); the benchmark fails past its limit."""
    import subprocess
    import sys

    from tests.conftest import REPO

    done = subprocess.run([sys.executable, "benchmarks/decode_memory.py", "--limit-mb", "300"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert done.stdout.count(" | 2666x2666 |") == 11  # every mode decoded, reduced for the page


def heic_bytes(image_bgr) -> bytes:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    Image.fromarray(image_bgr[:, :, ::-1]).save(buffer, format="HEIF", quality=90)
    return buffer.getvalue()


def test_an_iphone_heic_photo_is_read_where_the_heic_extra_is_installed(astronaut_bgr):
    from emotion_app import image_io

    assert image_io.HEIC and {"heic", "heif"} <= set(image_io.ACCEPTED_TYPES)
    image = decode_image(heic_bytes(astronaut_bgr))
    assert image.shape == astronaut_bgr.shape and np.abs(image.astype(int) - astronaut_bgr).mean() < 8


def test_without_the_heic_extra_an_iphone_photo_gets_a_message_that_says_what_to_do(astronaut_bgr):
    import subprocess
    import sys

    from tests.conftest import REPO

    script = ("import sys; sys.modules['pillow_heif'] = None\n"  # as if not installed
              "from emotion_app import image_io\n"
              "assert not image_io.HEIC and 'heic' not in image_io.ACCEPTED_TYPES\n"
              "try:\n    image_io.decode_image(sys.stdin.buffer.read())\n"
              "except image_io.ImageError as error:\n    print(error.reason, '|', error)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, input=heic_bytes(astronaut_bgr),
                          capture_output=True, timeout=120)
    reason, message = done.stdout.decode().split(" | ")
    assert reason == "heic" and "export it as JPEG" in message, done.stderr.decode()[-2000:]
