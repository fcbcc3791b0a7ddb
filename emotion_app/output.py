"""The command line's results file: it only ever writes a file it wrote itself, and resumes it only
for the same run.

Beside ``faces.csv`` lies ``faces.csv.emotion-app.json``, the run's record: who wrote the file, its
columns, the options and the model (SHA-256) it was analysed with, and the folder its relative
paths start from. A results file without that record, or whose first line is not our header, is
someone else's: it is refused before a byte of it is read for writing. The record is also the lock
(an OS lock, released when the process ends, even killed), so a second run on one output refuses.
No Streamlit.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from emotion_app.exports import rows_csv, spreadsheet_safe

RECORD_SUFFIX = ".emotion-app.json"
WRITER = "emotion-app analyze"
FORMATS = (".csv", ".jsonl", ".parquet")


class OutputError(Exception):
    """The output cannot be used as asked; nothing of it was changed. One line for the user."""


def record_path(out: Path) -> Path:
    return out.with_name(out.name + RECORD_SUFFIX)


def rows_path(out: Path) -> Path:
    """Where rows are appended as files finish: the output itself, or beside a Parquet file (which
    cannot be appended to; it is written from these rows at the end)."""
    return out.with_name(out.name + ".jsonl") if out.suffix == ".parquet" else out


class ResultsFile:
    """Rows appended to a CSV or JSON Lines file as files finish, flushed after each file's rows.

    ``options`` (what the rows depend on: detector, sensitivity, every, annotate, model) must equal
    those recorded by an earlier run on ``out`` for it to be resumed; ``fresh`` replaces an earlier
    run's rows instead (only ever a file this command wrote).
    """

    def __init__(self, out: Path, fields: tuple[str, ...], options: dict, fresh: bool = False) -> None:
        self.out, self.fields, self.options = out, fields, options
        self.path = rows_path(out)
        self.kind = ".jsonl" if self.path.suffix == ".jsonl" else ".csv"
        self.record = record_path(out)
        self.base = os.getcwd()
        self.done: set[Path] = set()  # files (resolved) an earlier run analysed
        self.retried = 0  # files an earlier run could not analyse: their rows were taken out
        self._lock = self._stream = None
        if out.is_dir():
            raise OutputError(f"--out {out} is a folder: name a file in it, e.g. {out / 'faces.csv'}")
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self._take_lock()
        except OSError as error:
            raise OutputError(f"cannot write {out}: {error.strerror or error}") from None
        try:
            self._open(fresh)
        except BaseException:
            self.close()
            raise

    # --- ownership and the lock -------------------------------------------------------------------

    def _take_lock(self) -> None:
        created = not self.record.exists()
        self._lock = os.open(self.record, os.O_RDWR | os.O_CREAT, 0o644)
        self._created_record = created
        try:
            import fcntl

            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # Windows: no advisory locks; one run at a time is the user's to keep
            pass
        except BlockingIOError:
            os.close(self._lock)
            self._lock = None
            raise OutputError(f"another emotion-app run is writing {self.out}: wait for it to end, or choose "
                              f"another --out") from None

    def _read_record(self) -> dict | None:
        os.lseek(self._lock, 0, os.SEEK_SET)
        text = os.read(self._lock, 1 << 20).decode("utf-8", "replace")
        if not text.strip():
            return None
        try:
            record = json.loads(text)
        except json.JSONDecodeError:
            record = None
        if not isinstance(record, dict) or record.get("written_by") != WRITER:
            raise OutputError(f"{self.record} exists and was not written by emotion-app; it was left untouched: "
                              f"choose another --out")
        return record

    def _foreign(self, path: Path) -> OutputError:
        return OutputError(f"{path} already exists and was not written by emotion-app analyze (or has lost its "
                           f"record, {self.record.name}); it was left untouched: choose another --out")

    def _ours(self, path: Path) -> bool:
        """Whether the rows file holds only what this command writes: our header, or JSON lines
        with our columns (a last line cut mid-write excepted)."""
        with open(path, "rb") as stream:
            data = stream.read()
        lines = data.split(b"\n")
        if self.kind == ".csv":
            return lines[0] == rows_csv([], self.fields).rstrip(b"\n")
        whole = lines[:-1]  # the last piece is empty, or a line cut mid-write
        try:
            return all(list(json.loads(line)) == list(self.fields) for line in whole if line.strip())
        except (json.JSONDecodeError, TypeError):
            return False

    def _open(self, fresh: bool) -> None:
        record = self._read_record()
        existing = [path for path in dict.fromkeys((self.path, self.out)) if path.exists() and path.stat().st_size]
        if record is None:
            if existing:
                if self._created_record:
                    self.record.unlink()  # ours, made a moment ago to hold the lock
                raise self._foreign(existing[0])
        elif self.path.exists() and self.path.stat().st_size and not self._ours(self.path):
            raise OutputError(f"{self.path} was changed since emotion-app wrote it (its first line is not the "
                              f"header it writes); it was left untouched: choose another --out")
        if record is not None and not fresh:
            if record.get("options") != self.options:
                raise OutputError(self._other_run(record.get("options") or {}))
            self.base = record.get("base", self.base)
            self._resume()
        elif record is not None and self.out.suffix == ".parquet" and self.out.exists():
            self.out.unlink()  # --fresh: the Parquet file this command wrote from the rows replaced
        fresh_rows = record is None or fresh or not self.path.exists() or not self.path.stat().st_size
        self._write_record()
        self._stream = open(self.path, "wb" if fresh_rows else "ab")
        if fresh_rows and self.kind == ".csv":
            self._stream.write(rows_csv([], self.fields))
            self._stream.flush()

    def _other_run(self, earlier: dict) -> str:
        changed = [f"{name} {earlier.get(name)!r} then, {value!r} now" for name, value in self.options.items()
                   if earlier.get(name) != value]
        return (f"{self.out} holds a run with other options ({'; '.join(changed)}): its rows would not mix. "
                f"Choose another --out, or add --fresh to replace it")

    def _write_record(self) -> None:
        data = json.dumps({"written_by": WRITER, "fields": list(self.fields), "options": self.options,
                           "base": self.base}, indent=1).encode()
        os.ftruncate(self._lock, 0)
        os.lseek(self._lock, 0, os.SEEK_SET)
        os.write(self._lock, data + b"\n")

    # --- resuming -----------------------------------------------------------------------------------

    def _resume(self) -> None:
        """Cut a last line half-written when a run was killed; note the files done; take out the rows
        of files that failed (a file missing then, or unreadable, is tried again)."""
        if not self.path.exists():
            return
        whole = data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            data = data[: data.rfind(b"\n") + 1]
        rows = self._parse(data)
        failed = {row["file"] for row in rows} - {row["file"] for row in rows if not row.get("error")}
        self.done = {self.resolve(row["file"]) for row in rows if row["file"] not in failed}
        self.retried = len(failed)
        kept = [row for row in rows if row["file"] not in failed]
        if failed or data != whole:
            self._replace(kept)

    def _parse(self, data: bytes) -> list[dict]:
        text = data.decode("utf-8")
        if self.kind == ".jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        rows = list(csv.DictReader(text.splitlines(keepends=True)))
        for row in rows:
            row["file"] = _unquote(row["file"])
        return rows

    def _replace(self, rows: list[dict]) -> None:
        """Our rows file, rewritten whole (a new file moved over it, so a crash leaves one or the other)."""
        if self.kind == ".csv":
            data = rows_csv(rows, self.fields)
        else:
            data = b"".join(json.dumps(row, ensure_ascii=False).encode() + b"\n" for row in rows)
        with tempfile.NamedTemporaryFile(dir=self.path.parent, prefix=f".{self.path.name}.", delete=False) as new:
            new.write(data)
        os.replace(new.name, self.path)

    def resolve(self, file: str) -> Path:
        """A file as a row names it, resolved from the folder the first run started in."""
        return Path(self.base, file).resolve()

    # --- writing ------------------------------------------------------------------------------------

    def write(self, rows: list[dict]) -> None:
        if self.kind == ".csv":
            self._stream.write(rows_csv(rows, self.fields).split(b"\n", 1)[1])
        else:
            self._stream.write(b"".join(json.dumps({f: row.get(f) for f in self.fields},
                                                   ensure_ascii=False).encode() + b"\n" for row in rows))
        self._stream.flush()

    def finish(self) -> None:
        """Write the Parquet file from the rows (a no-op for CSV and JSON Lines)."""
        if self.out.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            rows = [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
            pq.write_table(pa.Table.from_pylist(rows), self.out)

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        if self._lock is not None:
            os.close(self._lock)  # releases the lock
            self._lock = None


def _unquote(cell: str) -> str:
    """A file name as the CSV holds it, back to the name (``spreadsheet_safe`` adds an apostrophe)."""
    return cell[1:] if cell.startswith("'") and spreadsheet_safe(cell[1:]) == cell else cell


# --- annotated copies ------------------------------------------------------------------------------


def copy_refused(target: Path) -> str | None:
    """Why no copy may be written at ``target``: a file there that this app did not make (a PNG or MP4
    without its sign, a folder, anything else) is left as it was."""
    if target.exists() and not is_our_copy(target):
        return f"its annotated copy was not written: {target} already exists and was not written by emotion-app"
    return None


def copy_failed(error: OSError, target: Path) -> str:
    """A copy that could not be written (a file where a folder goes, a full disk, no permission)."""
    return f"its annotated copy could not be written: {error.strerror or error} ({error.filename or target})"


def open_copy(target: Path) -> BinaryIO:
    """A new hidden file beside ``target`` (its folders made as needed) to write the copy into."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # "x": never a file that exists; the copy gets the mode a plain write would give (umask applies)
    return open(target.with_name(f".{target.name}.{secrets.token_hex(4)}.part"), "xb")


@contextmanager
def writing_copy(target: Path) -> Iterator[BinaryIO]:
    """A file to write ``target``'s copy into as it is made: moved over ``target`` when the block ends,
    removed if it raises, so no copy is ever left half-written under its name (a killed run leaves at
    most a hidden ``.part`` file, which the folder walk passes over). Ask ``copy_refused`` first."""
    stream = open_copy(target)
    try:
        try:
            yield stream
        finally:
            stream.close()
        os.replace(stream.name, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(stream.name)
        raise


def write_copy(target: Path, data: bytes) -> str | None:
    """Write a photo's annotated copy at ``target``, or return why it was not (``copy_refused``,
    ``copy_failed``)."""
    refused = copy_refused(target)
    if refused:
        return refused
    try:
        with writing_copy(target) as stream:
            stream.write(data)
    except OSError as error:
        return copy_failed(error, target)
    return None


def check_copies_folder(folder: Path) -> None:
    """Refuse, before anything is written, an annotate folder that names a file or lies under one."""
    for path in (folder, *folder.parents):
        if path.exists():
            if path == folder and not path.is_dir():
                raise OutputError(f"--annotate {folder} is a file, not a folder: name a folder for the copies")
            if not path.is_dir():
                raise OutputError(f"--annotate {folder} lies under {path}, which is a file, not a folder")
            if not os.access(path, os.W_OK | os.X_OK):
                raise OutputError(f"cannot write annotated copies in {folder}: {path} is not writable")
            return


def is_our_copy(path: Path) -> bool:
    """Whether ``path`` is an annotated copy this app wrote (its PNG text or MP4 comment)."""
    from emotion_app.image_io import SOFTWARE, png_is_ours

    if not path.is_file():
        return False
    if path.suffix.lower() == ".png":
        try:
            with path.open("rb") as stream:
                return png_is_ours(stream.read(128))
        except OSError:  # unreadable: not known to be ours; analysing it names the reason in its row
            return False
    import av

    try:
        with av.open(str(path)) as container:
            return container.metadata.get("comment") == SOFTWARE
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        return False
