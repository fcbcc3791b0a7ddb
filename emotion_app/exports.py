"""What leaves the app as a file: CSV cells a spreadsheet will not run, file names every system
can extract. No Streamlit."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence

from emotion_app.labels import EMOTIONS

# OWASP's rule for CSV injection: a cell starting with one of these, after any leading spaces, is a
# formula to a spreadsheet (tab and carriage return too, which some of them strip first); a leading
# apostrophe makes it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What Windows cannot have in a file name, and control and bidirectional-override characters (a
# name that shows as "photo_gpj.exe" but is "photo_exe.jpg").
UNSAFE_IN_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]')
WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.IGNORECASE)
MAX_NAME = 150  # characters: room for a folder before Windows' 260-character path limit


# One row per face, the same columns for photos (frame and time empty), videos and the command
# line: boxes in the uploaded image's or video frame's own pixels, with its size.
FACE_FIELDS = ("file", "frame", "time_s", "face", "x", "y", "width", "height", "image_width", "image_height",
               "emotion", "unsure", "confidence", *EMOTIONS)


def face_row(file: str, face: int, prediction, scale: float, size: tuple[int, int],
             frame: int | None = None, time_s: float | None = None) -> dict:
    """``prediction`` (a ``FacePrediction`` on an image ``scale`` times smaller than the original
    of ``size``, width and height) as a row of ``FACE_FIELDS``."""
    x, y, width, height = (round(value * scale) for value in prediction.box)
    return {"file": file, "frame": frame, "time_s": None if time_s is None else round(time_s, 3), "face": face,
            "x": x, "y": y, "width": width, "height": height, "image_width": size[0], "image_height": size[1],
            "emotion": prediction.emotion, "unsure": prediction.unsure, "confidence": round(prediction.confidence, 4),
            **{e: round(prediction.probabilities[e], 4) for e in EMOTIONS}}


def rows_csv(rows: Iterable[dict], fields: Sequence[str] = FACE_FIELDS) -> bytes:
    """Rows (dicts) as CSV under ``fields``; a missing or None cell is empty."""
    return write_csv(fields, ([("" if row.get(f) is None else row[f]) for f in fields] for row in rows))


def rows_json(rows: list[dict]) -> bytes:
    import json

    return json.dumps(rows, indent=1, ensure_ascii=False).encode("utf-8")


def spreadsheet_safe(value: object) -> object:
    """``value``, with a text cell that a spreadsheet would run as a formula made plain text."""
    if isinstance(value, str) and (value.startswith(FORMULA_START) or value.lstrip().startswith(FORMULA_START)):
        return "'" + value
    return value


def write_csv(fields: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 CSV of ``rows`` under the header ``fields``, every text cell spreadsheet-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    writer.writerows([spreadsheet_safe(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def safe_file_name(name: str, fallback: str = "photo") -> str:
    """``name`` made a file name that extracts on Windows, macOS and Linux: unsafe characters to
    ``_``, no trailing dots or spaces, no reserved device names, at most ``MAX_NAME`` characters."""
    name = UNSAFE_IN_NAMES.sub("_", unicodedata.normalize("NFC", name))
    name = "".join("_" if unicodedata.category(c) in ("Cc", "Cf") else c for c in name).strip(" .")
    if WINDOWS_RESERVED.match(name):
        name = "_" + name
    return name[:MAX_NAME] or fallback


def output_name(upload: str, suffix: str) -> str:
    """The download's file name for an upload called ``upload``: its stem, made safe, + ``suffix``."""
    stem = upload.rsplit(".", 1)[0] if "." in upload else upload
    return safe_file_name(stem) + suffix
