"""The ``emotion-app`` command: batch analysis of photos and videos, or the web app.

    emotion-app analyze PATH... --out results.csv   # or .jsonl, or .parquet (with pyarrow)
    emotion-app analyze photos/ --workers 4 --annotate annotated/
    emotion-app analyze recordings/ --dask tcp://scheduler:8786
    emotion-app serve                               # the same as: streamlit run app.py

Rows are written as files finish, so an interrupted run loses nothing finished; run the same
command again and the files already in the output are skipped (a half-written last line is
repaired first).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from emotion_app import batch
from emotion_app.exports import rows_csv, spreadsheet_safe
from emotion_app.pool import usable_cores

FORMATS = (".csv", ".jsonl", ".parquet")


class CliError(Exception):
    """A clear one-line error for the user; the command exits with status 2."""


# --- the output file: appended as the run goes, read back on resume --------------------------


def repair(path: Path) -> None:
    """Cut a half-written last line (the run was killed mid-write) so appending starts clean."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])


def done_files(path: Path) -> set[str]:
    """The files an earlier run already wrote rows for."""
    import csv

    if not path.exists() or path.stat().st_size == 0:
        return set()
    repair(path)
    with open(path, encoding="utf-8", newline="") as stream:
        if path.suffix == ".jsonl":
            return {json.loads(line)["file"] for line in stream if line.strip()}
        return {_unquote(row["file"]) for row in csv.DictReader(stream)}


def _unquote(cell: str) -> str:
    """A file name as the CSV holds it, back to the name (``spreadsheet_safe`` adds an apostrophe)."""
    return cell[1:] if cell.startswith("'") and spreadsheet_safe(cell[1:]) == cell else cell


class RowWriter:
    """Appends rows to a CSV or JSON Lines file, flushing after each file's rows."""

    def __init__(self, path: Path) -> None:
        self.path, self.kind = path, path.suffix
        fresh = not path.exists() or path.stat().st_size == 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.stream = open(path, "ab")
        except OSError as error:
            raise CliError(f"cannot write {path}: {error.strerror or error}") from None
        if fresh and self.kind == ".csv":
            self.stream.write(rows_csv([], batch.BATCH_FIELDS))

    def write(self, rows: list[dict]) -> None:
        if self.kind == ".csv":
            self.stream.write(rows_csv(rows, batch.BATCH_FIELDS).split(b"\n", 1)[1])
        else:
            self.stream.write(b"".join(json.dumps({f: row.get(f) for f in batch.BATCH_FIELDS},
                                                  ensure_ascii=False).encode() + b"\n" for row in rows))
        self.stream.flush()

    def close(self) -> None:
        self.stream.close()


def to_parquet(jsonl: Path, target: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
    pq.write_table(pa.Table.from_pylist(rows), target)


# --- progress on stderr ------------------------------------------------------------------------


class Progress:
    """One line on stderr, rewritten in place: files done, faces, errors, elapsed and ETA."""

    def __init__(self, total: int, stream=None) -> None:
        self.total, self.stream, self.started = total, stream or sys.stderr, time.monotonic()
        self.files = self.faces = self.errors = 0

    def update(self, result: batch.FileResult) -> None:
        self.files += 1
        self.faces += result.faces
        self.errors += result.error is not None
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.files * (self.total - self.files)
        width = 24
        filled = int(width * self.files / max(1, self.total))
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.files}/{self.total} files, "
                          f"{self.faces} faces, {self.errors} errors, {elapsed:.0f} s, ETA {eta:.0f} s ")
        self.stream.flush()

    def summary(self, skipped: int) -> str:
        seconds = time.monotonic() - self.started
        done = f"{self.files} files analysed, {self.faces} faces, {self.errors} errors, {seconds:.1f} s"
        return done + (f"; {skipped} files skipped (already in the output)" if skipped else "")


# --- executors -------------------------------------------------------------------------------


def executor_for(args, stack: ExitStack):
    """The one seam between the run and where it runs: a ``concurrent.futures`` executor."""
    if args.dask:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise CliError("--dask needs Dask: pip install 'emotion-app[dask]'") from None
        try:
            if args.dask == "local":
                cluster = stack.enter_context(LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                                           processes=True, dashboard_address=None))
                client = stack.enter_context(Client(cluster))
            else:
                client = stack.enter_context(Client(args.dask, timeout=args.dask_timeout))
        except (OSError, TimeoutError) as error:
            raise CliError(f"cannot reach the Dask scheduler at {args.dask}: {error}") from None
        return client.get_executor(pure=False)
    return stack.enter_context(batch.local_executor(args.workers))


# --- the commands ------------------------------------------------------------------------------


def analyze(args) -> int:
    out = Path(args.out)
    if out.suffix not in FORMATS:
        raise CliError(f"--out must end in {', '.join(FORMATS)}, not {out.name!r}")
    if out.suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise CliError("--out .parquet needs pyarrow (pip install pyarrow), or use .csv or .jsonl") from None
    rows_path = out.with_suffix(".parquet.jsonl") if out.suffix == ".parquet" else out
    files = [str(path) for path in batch.find_media(args.paths)]
    done = done_files(rows_path)
    todo = [file for file in files if file not in done]
    options = batch.Options(detector=args.detector, sensitivity=args.sensitivity, every=args.every,
                            annotate=str(args.annotate) if args.annotate else None)
    progress = Progress(len(todo))
    with ExitStack() as stack:
        writer = RowWriter(rows_path)
        stack.callback(writer.close)
        executor = executor_for(args, stack)
        window = 1 if isinstance(executor, batch.InlineExecutor) else 4 * max(1, args.workers)
        try:
            for result in batch.run(todo, options, executor, window):
                writer.write(result.rows)
                progress.update(result)
        except KeyboardInterrupt:
            print(f"\ninterrupted: {progress.summary(len(files) - len(todo))}; run the same command to go on",
                  file=sys.stderr)
            return 130
    if out.suffix == ".parquet":
        to_parquet(rows_path, out)
    print(("\n" if todo else "") + progress.summary(len(files) - len(todo)) + f" -> {out}", file=sys.stderr)
    return 0


def serve(extra: list[str]) -> int:
    """``streamlit run app.py`` with any further Streamlit options."""
    import subprocess

    from emotion_app.paths import APP

    return subprocess.call([sys.executable, "-m", "streamlit", "run", str(APP), *extra], cwd=APP.parent)


def parser() -> argparse.ArgumentParser:
    from emotion_app.faces import DETECTORS
    from emotion_app.profiles import PHOTO

    top = argparse.ArgumentParser(prog="emotion-app", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", required=True)
    run = commands.add_parser("analyze", help="analyse photos and videos into a table of faces")
    run.add_argument("paths", nargs="+", help="photos, videos, or folders (walked recursively)")
    run.add_argument("--out", required=True, help="results file: .csv, .jsonl or .parquet")
    run.add_argument("--every", type=int, default=batch.Options.every, help="videos: analyse every Nth frame")
    run.add_argument("--detector", choices=DETECTORS, default=batch.Options.detector)
    run.add_argument("--sensitivity", choices=list(PHOTO.sensitivity), default=batch.Options.sensitivity)
    run.add_argument("--annotate", type=Path, help="write annotated copies here (photos PNG, videos MP4)")
    run.add_argument("--workers", type=int, default=usable_cores(),
                     help="processes (or, with --dask local, Dask workers); default: this machine's cores")
    run.add_argument("--dask", help="run on a Dask cluster: its scheduler's address (tcp://HOST:8786) or 'local'")
    run.add_argument("--dask-timeout", default="10s", help=argparse.SUPPRESS)
    commands.add_parser("serve", help="start the web app (streamlit run app.py); more options go to Streamlit")
    return top


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        return serve(argv[1:])
    args = parser().parse_args(argv)
    if args.every < 1 or args.workers < 1:
        print("error: --every and --workers take a positive number", file=sys.stderr)
        return 2
    try:
        return analyze(args)
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
