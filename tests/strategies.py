"""Hypothesis strategies for hostile uploads, shared by tests/test_intake_fuzz.py and scripts/fuzz_intake.py."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from hypothesis import strategies as st
from PIL import Image

FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")
MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "YCbCr", "I", "I;16", "F")


def png_header(width: int, height: int) -> bytes:
    """A PNG claiming ``width x height`` with almost no pixel data (a decompression-bomb shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    pixels = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@st.composite
def encoded_images(draw) -> bytes:
    width = draw(st.integers(1, 64))
    height = draw(st.integers(1, 64))
    mode, fmt = draw(st.sampled_from(MODES)), draw(st.sampled_from(FORMATS))
    seed = draw(st.integers(0, 2**32 - 1))
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    image = Image.fromarray(pixels).convert(mode) if mode != "I;16" else Image.fromarray(
        pixels[..., 0].astype(np.uint16) * 257)
    buffer = io.BytesIO()
    try:
        image.save(buffer, format=fmt)
    except (OSError, ValueError, KeyError):
        image.convert("RGB").save(buffer, format=fmt)
    return buffer.getvalue()


@st.composite
def mutated(draw, base) -> bytes:
    data = bytearray(draw(base))
    action = draw(st.sampled_from(("keep", "truncate", "flip", "both")))
    if action in ("truncate", "both") and len(data) > 1:
        data = data[: draw(st.integers(0, len(data) - 1))]
    if action in ("flip", "both") and data:
        for _ in range(draw(st.integers(1, 8))):
            position = draw(st.integers(0, len(data) - 1))
            data[position] ^= 1 << draw(st.integers(0, 7))
    return bytes(data)


EXTREME_SIZES = st.sampled_from([(1, 1), (1, 10000), (10000, 1), (20000, 20000), (65535, 65535), (2, 50000)])

@st.composite
def face_photos(draw) -> bytes:
    """The astronaut portrait (a real face) at a random size and format, so detection and
    classification are fuzzed too, not only decoding."""
    import cv2
    from skimage import data

    side = draw(st.integers(48, 400))
    fmt = draw(st.sampled_from(("JPEG", "PNG", "WEBP")))
    image = Image.fromarray(cv2.resize(data.astronaut(), (side, side)))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


uploads = st.one_of(
    mutated(encoded_images()),
    mutated(face_photos()),
    st.binary(max_size=2048),
    EXTREME_SIZES.map(lambda size: png_header(*size)),
)
