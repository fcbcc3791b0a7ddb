"""Render assets/emojis/<emotion>.png once from Debian's Noto Color Emoji font (SIL OFL 1.1).

    apt-get install fonts-noto-color-emoji && python scripts/make_emojis.py

The app only reads the PNGs this writes; it never renders fonts at run time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from emotion_app.labels import EMOJI_CHAR  # noqa: E402

FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
OUT = Path(__file__).resolve().parents[1] / "assets" / "emojis"
# Noto Color Emoji is a bitmap (CBDT) font that only renders at its native strike of 109 px.
NATIVE_SIZE = 109
SIZE = 128


def render(char: str, font: ImageFont.FreeTypeFont) -> Image.Image:
    canvas = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).text((80, 80), char, font=font, embedded_color=True, anchor="mm")
    return canvas.crop(canvas.getbbox()).resize((SIZE, SIZE), Image.LANCZOS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--font", type=Path, default=FONT)
    args = parser.parse_args()
    if not args.font.is_file():
        print(f"error: {args.font} not found; apt-get install fonts-noto-color-emoji", file=sys.stderr)
        return 1
    font = ImageFont.truetype(str(args.font), NATIVE_SIZE)
    OUT.mkdir(parents=True, exist_ok=True)
    for emotion, char in EMOJI_CHAR.items():
        render(char, font).save(OUT / f"{emotion}.png", optimize=True)
        print(f"wrote {OUT / emotion}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
