"""Draw boxes, labels and alpha-blended emoji onto a copy of a frame. No inference here."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from emotion_app import paths
from emotion_app.labels import EMOTIONS, display_name, percent
from emotion_app.predictor import FacePrediction

ASSETS = paths.ASSETS
EMOJI_DIR = ASSETS / "emojis"
FONT_PATH = ASSETS / "fonts" / "DejaVuSans-Bold.ttf"

# BGR colours, one per class, distinct enough to tell faces apart on a projector.
COLORS: dict[str, tuple[int, int, int]] = {
    "angry": (48, 48, 220),
    "disgust": (60, 160, 60),
    "fear": (170, 80, 150),
    "happy": (0, 200, 255),
    "sad": (200, 120, 40),
    "surprise": (0, 140, 255),
    "neutral": (160, 160, 160),
}


class AssetError(RuntimeError):
    """An emoji image or the label font is missing or unreadable."""


def _blend(canvas: np.ndarray, bgra: np.ndarray, x: int, y: int) -> None:
    """Alpha-blend ``bgra`` onto ``canvas`` at (x, y), clipped to the canvas, in place."""
    height, width = canvas.shape[:2]
    left, top = max(x, 0), max(y, 0)
    right, bottom = min(x + bgra.shape[1], width), min(y + bgra.shape[0], height)
    if right <= left or bottom <= top:
        return
    patch = bgra[top - y:bottom - y, left - x:right - x]
    alpha = patch[:, :, 3:4].astype(np.float32) / 255.0
    region = canvas[top:bottom, left:right]
    region[:] = (patch[:, :, :3] * alpha + region * (1.0 - alpha)).astype(np.uint8)


CACHE_LIMIT = 512  # patches per cache; a long live session sees many sizes and confidences


def _cached(cache: dict, key, make):
    """``cache[key]``, made on a miss; the cache is emptied when full so memory stays bounded.

    NOTE: entries are only ever replaced by identical values, so concurrent writers are harmless.
    """
    value = cache.get(key)
    if value is None:
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        value = cache[key] = make()
    return value


class Painter:
    """Holds the emoji images and the label font, loaded once; safe to share between threads."""

    def __init__(self, emoji_dir: Path | None = None, font_path: Path | None = None) -> None:
        emoji_dir, font_path = Path(emoji_dir or EMOJI_DIR), Path(font_path or FONT_PATH)
        self.emojis = {emotion: self._load_emoji(emoji_dir / f"{emotion}.png") for emotion in EMOTIONS}
        if not font_path.is_file():
            raise AssetError(f"label font not found: {font_path}")
        self.font_path = font_path
        self._fonts: dict[int, ImageFont.FreeTypeFont] = {}
        self._sized: dict[tuple[str, int], np.ndarray] = {}
        self._labels: dict[tuple[str, int, str], np.ndarray] = {}

    @staticmethod
    def _load_emoji(path: Path) -> np.ndarray:
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED) if path.is_file() else None
        if image is None or image.ndim != 3 or image.shape[2] != 4:
            raise AssetError(f"emoji image missing or not RGBA: {path} (regenerate with scripts/make_emojis.py)")
        return image

    def emoji(self, emotion: str, size: int) -> np.ndarray:
        return _cached(self._sized, (emotion, size),
                       lambda: cv2.resize(self.emojis[emotion], (size, size), interpolation=cv2.INTER_AREA))

    def label(self, text: str, size: int, emotion: str) -> np.ndarray:
        """The label as a BGRA patch: white text on the class colour."""
        return _cached(self._labels, (text, size, emotion), lambda: self._render_label(text, size, emotion))

    def _render_label(self, text: str, size: int, emotion: str) -> np.ndarray:
        font = _cached(self._fonts, size, lambda: ImageFont.truetype(str(self.font_path), size))
        left, top, right, bottom = font.getbbox(text)
        pad = max(2, size // 4)
        b, g, r = COLORS[emotion]
        patch = Image.new("RGBA", (right - left + 2 * pad, bottom - top + 2 * pad), (r, g, b, 235))
        ImageDraw.Draw(patch).text((pad - left, pad - top), text, font=font, fill=(255, 255, 255, 255))
        return cv2.cvtColor(np.asarray(patch), cv2.COLOR_RGBA2BGRA)

    @staticmethod
    def _emoji_spot(shape: tuple[int, ...], box: tuple[int, int, int, int], size: int, gap: int,
                    faces: Sequence[tuple[int, int, int, int]]) -> tuple[int, int]:
        """Where the emoji of ``box`` goes: beside its top right, else its top left, else above or
        below it, at the first spot inside the image that covers no face (``faces``, its own
        included) and no emoji placed before; when there is none (a face filling the photo), the
        spot covering the least face, preferring the box's top corners (brow and hair, not mouth)."""
        height, width = shape[:2]
        x, y, w, h = box
        candidates = [(x + w + gap, y), (x - gap - size, y), (x + w - size, y - gap - size),
                      (x + w - size, y + h + gap), (x + w - size, y), (x, y)]
        inside = [(cx, cy) for cx, cy in candidates if 0 <= cx <= width - size and 0 <= cy <= height - size]
        clamped = [(min(max(cx, 0), max(0, width - size)), min(max(cy, 0), max(0, height - size)))
                   for cx, cy in candidates]

        def covered(spot: tuple[int, int]) -> int:
            sx, sy = spot
            return sum(max(0, min(sx + size, fx + fw) - max(sx, fx)) * max(0, min(sy + size, fy + fh) - max(sy, fy))
                       for fx, fy, fw, fh in faces)

        return min(inside or clamped, key=lambda spot: (covered(spot) > 0, covered(spot)))

    def draw(
        self,
        image: np.ndarray,
        predictions: Sequence[FacePrediction],
        language: str = "en",
        show_confidence: bool = True,
        numbered: bool = False,
        numbers_only: bool = False,
        numbers: Sequence[int] | None = None,
    ) -> np.ndarray:
        """A copy of the BGR ``image`` with each face boxed, labelled and given its emoji; with
        ``numbered``, labels start with the face's number (1, 2, ...) in ``predictions``' order.
        ``numbers_only`` (the presentation view, whose panels show each emotion in large type)
        labels each face with its number alone, in type big enough to read across a room.
        ``numbers``: each face's own number instead (a video's, which follow people)."""
        canvas = image.copy()
        longer = max(canvas.shape[:2])
        thickness = max(2, longer // 320)
        text_size = max(12, longer // 40)
        # Faces and every label first, then each emoji once placed: an emoji looks for a spot that
        # covers none of them (a label pushed inside its box by the photo's top edge included).
        occupied = [p.box for p in predictions]
        for number, prediction in zip(numbers or range(1, len(predictions) + 1), predictions, strict=True):
            x, y, w, h = prediction.box
            color = COLORS[prediction.emotion]
            cv2.rectangle(canvas, (x, y), (x + w, y + h), color, thickness, cv2.LINE_AA)
            if numbers_only:
                label = self.label(str(number), max(16, min(longer // 25, h // 2)), prediction.emotion)
            else:
                text = display_name(prediction.emotion, language) + ("?" if prediction.unsure else "")
                text = f"{number}. {text}" if numbered else text
                if show_confidence:
                    text = f"{text} {percent(prediction.confidence, language)}"
                # Scale the label with the face too, so small faces in a big photo keep small labels.
                label = self.label(text, max(12, min(text_size, w // 5)), prediction.emotion)
            label_y = y - label.shape[0] if y - label.shape[0] >= 0 else y + thickness
            _blend(canvas, label, x, label_y)
            occupied.append((x, label_y, label.shape[1], label.shape[0]))
        for prediction in predictions:
            x, y, w, h = prediction.box
            size = max(16, min(w, h) // 3)
            spot = self._emoji_spot(canvas.shape, prediction.box, size, thickness, occupied)
            _blend(canvas, self.emoji(prediction.emotion, size), *spot)
            occupied.append((*spot, size, size))
        return canvas
