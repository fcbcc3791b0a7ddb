"""Turn uploaded bytes into a BGR uint8 array, or an ``ImageError`` that says what is wrong.

Everything happens in memory: uploads are never written to disk.
"""

from __future__ import annotations

import io
import logging
import struct
import warnings
import zlib

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from emotion_app.texts import REASONS

# Pillow refuses images past 2x its own limit (~179 MP) as decompression bombs; ours is lower so a
# crafted header cannot make us allocate gigabytes, and still admits 50-megapixel phone photos.
MAX_PIXELS = 64_000_000
MAX_BYTES = 50 * 1024 * 1024
# Large photos are shrunk to this longer side for processing and display: faces stay far above the
# 48-pixel model input and the annotated PNG stays a sensible size to show and download.
WORK_SIDE = 2048
# Smaller than any face worth reading (benchmarks/face_size.py), and st.image raises on an image
# it must shrink to under 1 px (a 2000x1 PNG): such files are refused with a message instead.
MIN_SIDE = 24
# A panorama longer than this many times its height would be shrunk to under MIN_SIDE pixels thin
# for display (a 40000x24 PNG became 2048x1, and st.image raised on it): refused the same way.
MAX_ASPECT = WORK_SIDE // MIN_SIDE
ACCEPTED_TYPES = ("jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff")


def _heic_support() -> bool:
    """iPhone photos (HEIC) are read where the optional ``pillow-heif`` wheel is installed
    (``pip install .[heic]``); without it they are refused with a message that says what to do."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


HEIC = _heic_support()
HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")  # an ISO-BMFF file's brand
if HEIC:
    ACCEPTED_TYPES = (*ACCEPTED_TYPES, "heic", "heif")




class ImageError(ValueError):
    """An upload that cannot be read as a photo; the message (``reason`` and ``values``, English as
    ``str``) is meant for the user."""

    def __init__(self, reason: str, **values: object) -> None:
        self.reason, self.values = reason, values
        super().__init__(REASONS["en"][reason].format(**values))


def decode_image(data: bytes, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode, apply EXIF orientation, and convert any Pillow mode to BGR uint8 (first frame only)."""
    return decode_photo(data, max_pixels, max_side=None)[0]


def decode_photo(
    data: bytes, max_pixels: int = MAX_PIXELS, max_side: int | None = WORK_SIDE
) -> tuple[np.ndarray, tuple[int, int]]:
    """``decode_image``, reduced while decoding to a longer side of at least ``max_side`` (not
    exactly: ``shrink`` finishes the job), and the size as uploaded (width, height, upright).

    NOTE: decoding at full size first cost gigabytes for a small 16-bit 8000x7900 PNG; JPEG's own DCT
    scaling and an early integer reduction keep it far lower (tests/test_photo.py bounds it).
    """
    if not data:
        raise ImageError("empty")
    if len(data) > MAX_BYTES:
        raise ImageError("too_big", mb=len(data) / 2**20, limit=MAX_BYTES // 2**20)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise ImageError("too_many_pixels", w=width, h=height, mp=width * height / 1e6,
                                     limit=max_pixels / 1e6)
                if min(width, height) < MIN_SIDE:
                    raise ImageError("too_small", w=width, h=height, side=MIN_SIDE)
                if max(width, height) > MAX_ASPECT * min(width, height):
                    raise ImageError("too_thin", w=width, h=height, ratio=MAX_ASPECT)
                image.seek(0)
                upright = (height, width) if image.getexif().get(0x0112, 1) in (5, 6, 7, 8) else (width, height)
                if max_side and image.format == "JPEG":
                    image.draft("RGB", (max_side, max_side))  # decode at 1/2, 1/4 or 1/8 scale
                image.load()
                # reduced before it is turned upright: exif_transpose copies, and at full size that
                # copy doubled the memory a large photo costs
                turn = EXIF_TURNS.get(image.getexif().get(0x0112, 1))
                reduced = _reduced(image, max_side)
                if reduced is not image:
                    image.close()  # the full-size pixels go now, before the colour conversions
            rgb = _to_rgb(reduced.transpose(turn) if turn is not None else reduced)
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError("heic" if data[4:8] == b"ftyp" and data[8:12] in HEIC_BRANDS else "unknown_format") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("bomb", limit=max_pixels / 1e6) from None
    except MemoryError:
        raise ImageError("no_memory") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as error:
        # What Pillow's decoders raise for truncated or corrupt data, depending on the codec. Any
        # other exception is a bug, ours or Pillow's: it propagates to be logged, not blamed on the file.
        # Pillow's English words are for the log, not the user's message.
        logging.getLogger(__name__).info("undecodable image: %s", error)
        raise ImageError("damaged") from None
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), upright


def _reduction(size: tuple[int, int], max_side: int | None) -> int:
    """The integer factor that brings ``size`` down towards ``max_side`` without going under it."""
    return max(1, max(size) // max_side) if max_side else 1


WIDE_MODES = ("I;16", "I;16B", "I;16L", "I", "F")
# Modes Pillow's reduce() does not take: shrunk by nearest neighbour, which keeps any mode.
STRIP_PIXELS = 1_000_000  # the others are reduced a strip of about this many pixels at a time
NEAREST_ONLY = ("1", "P", "I;16", "I;16B", "I;16L", "I;16N")
# The EXIF orientation tag's values, as the transpose that shows the photo upright (as Pillow's
# ImageOps.exif_transpose does, without its copy of the full-size image).
EXIF_TURNS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}


def _reduced(image: Image.Image, max_side: int | None) -> Image.Image:
    """``image`` shrunk by the integer ``_reduction`` factor, in its own mode: a conversion at full
    size (RGBA for a palette, RGB for CMYK) cost another copy of every pixel, 256 MB at 64 MP
    (``benchmarks/decode_memory.py``); ``_to_rgb`` converts the small result."""
    factor = _reduction(image.size, max_side)
    if factor == 1:
        return image
    size = (max(1, image.width // factor), max(1, image.height // factor))
    if image.mode in NEAREST_ONLY:
        return image.resize(size, Image.Resampling.NEAREST)
    # NOTE: in strips: reduce() premultiplies an image with alpha into a full-size copy first
    # (RGBA and LA decoded to 256 MB, and reducing took 256 MB more)
    reduced = Image.new(image.mode, size)
    rows = factor * max(1, STRIP_PIXELS // (image.width * factor))
    for top in range(0, size[1] * factor, rows):
        strip = image.crop((0, top, size[0] * factor, min(top + rows, size[1] * factor)))
        reduced.paste(strip.reduce(factor), (0, top // factor))
    return reduced


def _to_rgb(image: Image.Image) -> np.ndarray:
    if image.mode in WIDE_MODES:
        # 16-bit and float images: stretch their actual range to 8 bits rather than clip to white
        # (float32, after the reduction: a float64 full-size copy was most of the memory it took).
        values = np.asarray(image).astype(np.float32)
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) * (255.0 / (high - low)) if high > low else np.zeros_like(values)
        image = Image.fromarray(scaled.astype(np.uint8), mode="L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparent parts become white, as a viewer shows them, instead of black.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    image = image.convert("RGB") if image.mode != "RGB" else image
    rgb = np.asarray(image, dtype=np.uint8)
    if rgb.ndim != 3 or min(rgb.shape[:2]) < 1:
        raise ImageError("no_pixels", size=image.size)
    return np.ascontiguousarray(rgb)


def shrink(image: np.ndarray, side: int = WORK_SIDE) -> np.ndarray:
    """Scale down so the longer side is at most ``side`` (never enlarges); a 1-pixel-thin image
    stays at least 1 pixel thin."""
    height, width = image.shape[:2]
    scale = side / max(height, width)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


# Every PNG and MP4 we make says so (PNG's standard "Software" text, MP4's comment): the command
# line replaces an annotated copy only where it carries this, never a file someone else wrote.
SOFTWARE = "emotion-app"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_HEADER_END = len(PNG_SIGNATURE) + 25  # the signature, then IHDR: 4 + 4 + 13 bytes + CRC


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


PNG_MARK = _png_chunk(b"tEXt", b"Software\0" + SOFTWARE.encode())


def encode_png(image_bgr: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode(".png", image_bgr)
    if not ok:
        raise ImageError("png")
    data = buffer.tobytes()
    return data[:_PNG_HEADER_END] + PNG_MARK + data[_PNG_HEADER_END:]


def png_is_ours(head: bytes) -> bool:
    """Whether a PNG's first bytes carry the text ``encode_png`` writes right after its header."""
    return head.startswith(PNG_SIGNATURE) and head[_PNG_HEADER_END:_PNG_HEADER_END + len(PNG_MARK)] == PNG_MARK
