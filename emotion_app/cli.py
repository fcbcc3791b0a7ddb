"""The ``emotion-app`` command: batch analysis of photos and videos, or the web app.

    emotion-app analyze PATH... --out results.csv   # or .jsonl, or .parquet (with pyarrow)
    emotion-app analyze photos/ --workers 4 --annotate annotated/
    emotion-app analyze recordings/ --dask tcp://scheduler:8786
    emotion-app serve                               # the same as: streamlit run app.py
    emotion-app serve --https                       # phones on this network can open their camera

Rows are written as files finish, so an interrupted run loses nothing finished; run the same
command again and the files already in the output are skipped, those that failed are tried again
(a half-written last line is repaired first). The output is only ever a file this command wrote,
resumed with the same options and model (emotion_app/output.py).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from emotion_app import batch
from emotion_app.output import FORMATS, RECORD_SUFFIX, OutputError, ResultsFile, check_copies_folder
from emotion_app.pool import usable_cores

# A Dask scheduler's address: tcp:// or tls://, a host (or [IPv6]) and a port.
DASK_ADDRESS = re.compile(r"^((tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$")


class CliError(Exception):
    """A clear one-line error for the user; the command exits with status 2."""


# --- progress on stderr ------------------------------------------------------------------------


def plural(n: int, word: str) -> str:
    """``1 file``, ``2 files``, ``0 files``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


class Progress:
    """One line on stderr, rewritten in place: files done, faces, errors, elapsed and ETA."""

    ETA_AFTER = 3  # files: the first ones carry the start-up (loading, a video's first frames)

    def __init__(self, total: int, stream=None) -> None:
        self.total, self.stream, self.started = total, stream or sys.stderr, time.monotonic()
        self.files = self.faces = self.errors = 0

    def update(self, result: batch.FileResult) -> None:
        self.files += 1
        self.faces += result.faces
        self.errors += result.error is not None
        elapsed = time.monotonic() - self.started
        if self.files >= min(self.ETA_AFTER, self.total):
            eta = f"ETA {elapsed / self.files * (self.total - self.files):.0f} s"
        else:
            eta = "ETA after a few files"
        width = 24
        filled = int(width * self.files / max(1, self.total))
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.files}/{self.total} files, "
                          f"{plural(self.faces, 'face')}, {plural(self.errors, 'error')}, {elapsed:.0f} s, {eta} ")
        self.stream.flush()

    def summary(self, done_before: int, retried: int, skipped: Counter) -> str:
        seconds = time.monotonic() - self.started
        parts = [f"{plural(self.files, 'file')} analysed, {plural(self.faces, 'face')}, "
                 f"{plural(self.errors, 'error')}, {seconds:.1f} s"]
        if done_before:
            parts.append(f"{plural(done_before, 'file')} already in the output")
        if retried:
            parts.append(f"{plural(retried, 'file')} that failed before tried again")
        if skipped:
            parts.append(skipped_kinds(skipped))
        return "; ".join(parts)


def skipped_kinds(skipped: Counter) -> str:
    """``skipped 1 annotated copy of an earlier run, 2 .heic files, 1 .txt file, 3 hidden`` (hidden
    files and folders are never walked)."""
    def said(kind: str, count: int) -> str:
        if kind == "hidden":
            return f"{count} hidden"
        if kind == "copy":
            return f"{count} annotated {'copy' if count == 1 else 'copies'} of an earlier run"
        return plural(count, kind + " file")

    order = sorted(skipped.items(), key=lambda item: (item[0] != "copy", item[0] == "hidden", -item[1]))
    return "skipped " + ", ".join(said(kind, count) for kind, count in order)


# --- executors -------------------------------------------------------------------------------


def executor_for(args, stack: ExitStack):
    """The one seam between the run and where it runs: a ``concurrent.futures`` executor."""
    if not args.dask:
        return stack.enter_context(batch.local_executor(args.workers, args.detector))
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise CliError("--dask needs Dask: pip install 'emotion-app[dask]'") from None
    if args.dask == "local":
        cluster = stack.enter_context(LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                                   processes=True, dashboard_address=None))
        client = stack.enter_context(Client(cluster))
    else:
        client = stack.enter_context(connect(Client, args.dask, args.dask_timeout))
    return client.get_executor(pure=False)


def check_dask_address(address: str) -> None:
    if address == "local" or DASK_ADDRESS.match(address):
        return
    hint = " (that is a web address, perhaps its dashboard's)" if address.startswith(("http://", "https://")) else ""
    raise CliError(f"--dask takes 'local' or a Dask scheduler's address, tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786), "
                   f"not {address!r}{hint}")


def connect(client_class, address: str, timeout: str):
    """A client of the scheduler at ``address``, or a one-line error within ``timeout``: Dask's own
    timeout does not cover a port that answers but is not a scheduler (a web server), and some
    failures surface as other errors than ``OSError``."""
    import threading

    from dask.utils import parse_timedelta

    seconds = parse_timedelta(timeout)
    outcome: dict = {}

    def attempt() -> None:
        try:
            outcome["client"] = client_class(address, timeout=seconds)
        except Exception as error:  # any failure to connect is the same answer to the user
            outcome["error"] = error

    thread = threading.Thread(target=attempt, daemon=True, name="dask-connect")
    thread.start()
    thread.join(seconds + 2)
    if "client" in outcome:
        return outcome["client"]
    error = outcome.get("error")
    if error is None:
        why = f"no Dask scheduler answered within {seconds:.0f} s"
    elif isinstance(error, OSError | TimeoutError):
        why = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
    else:  # e.g. a gateway's reply read as a Dask message: "Unable to allocate 3.07 EiB"
        why = "something answered there, but not a Dask scheduler"
    raise CliError(f"cannot reach the Dask scheduler at {address}: {why}")


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
    if args.dask:
        check_dask_address(args.dask)
    cores = usable_cores()
    if args.workers > cores and args.dask in (None, "local"):
        print(f"note: --workers {args.workers} is more than the {plural(cores, 'core')} this machine lets us use: "
              f"{cores} workers (more would only share the same cores and multiply the memory)", file=sys.stderr)
        args.workers = cores
    annotate = Path(args.annotate).absolute() if args.annotate else None
    if annotate is not None:
        try:
            check_copies_folder(annotate)
        except OutputError as error:
            raise CliError(str(error)) from None
    try:
        found = batch.find_media(args.paths, exclude=annotate)
    except FileNotFoundError as error:
        raise CliError(f"{error.args[0]} does not exist: nothing was analysed") from None
    if not found.files:
        seen = skipped_kinds(found.skipped) if found.skipped else "the folders are empty"
        raise CliError(f"no photo or video to analyse in {' '.join(args.paths)} ({seen}); "
                       f"the types read are {', '.join(batch.MEDIA_TYPES)}")
    options = batch.Options(detector=args.detector, sensitivity=args.sensitivity, every=args.every,
                            annotate=str(annotate) if annotate else None)
    with ExitStack() as stack:
        executor = executor_for(args, stack)  # before the output: a cluster out of reach writes nothing
        try:
            results = ResultsFile(out, batch.BATCH_FIELDS, recorded_options(options), fresh=args.fresh)
        except OutputError as error:
            raise CliError(str(error)) from None
        stack.callback(results.close)
        moved = os.path.realpath(results.base) != os.path.realpath(os.getcwd())
        jobs = [batch.Job(os.path.abspath(file) if moved else str(file),
                          str(annotate / found.annotated_names[file]) if annotate else None)
                for file in found.files if file.resolve() not in results.done]
        done_before = len(found.files) - len(jobs)
        progress = Progress(len(jobs))
        window = 1 if isinstance(executor, batch.InlineExecutor) else 4 * max(1, args.workers)
        try:
            for result in batch.run(jobs, options, executor, window):
                results.write(result.rows)
                progress.update(result)
        except KeyboardInterrupt:
            print(f"\ninterrupted: {progress.summary(done_before, results.retried, found.skipped)}; "
                  f"run the same command to go on", file=sys.stderr)
            return 130
        results.finish()
    print(("\n" if jobs else "") + progress.summary(done_before, results.retried, found.skipped) + f" -> {out}",
          file=sys.stderr)
    if progress.errors:
        print(f"{plural(progress.errors, 'file')} could not be analysed: the 'error' column says why", file=sys.stderr)
        return 1
    return 0


def recorded_options(options: batch.Options) -> dict:
    """What the rows depend on, as the results file's record keeps it: a run resumed with other
    options, or another model, would mix rows that do not compare."""
    from emotion_app.model import default_model_path, sha256_file

    return {"detector": options.detector, "sensitivity": options.sensitivity, "every": options.every,
            "annotate": options.annotate, "model_sha256": sha256_file(default_model_path())}


def serve(extra: list[str]) -> int:
    """``streamlit run app.py`` with any further Streamlit options. With ``--https`` (and ``--cert
    FILE --key FILE``, or a self-signed certificate made for this machine) it serves over TLS and
    prints the addresses to open on phones, with a QR code."""
    from emotion_app.paths import APP

    command = [sys.executable, "-m", "streamlit", "run", str(APP)]
    try:
        https, cert, key, extra = serve_options(extra)
        if https:
            command += tls_options(cert, key, streamlit_port(extra))
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # NOTE: Streamlit replaces this process (exec) rather than running as its child: Ctrl-C and
    # SIGTERM then reach the server itself. As a child it outlived a parent stopped by SIGTERM, and
    # the parent, interrupted while it waited, printed a traceback.
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(APP.parent)
    os.execv(sys.executable, [*command, *extra])
    return 0  # reached only where exec is replaced (tests)


def serve_options(extra: list[str]) -> tuple[bool, Path | None, Path | None, list[str]]:
    """``--https``, ``--cert FILE`` and ``--key FILE`` taken out of ``serve``'s arguments; the rest
    goes to Streamlit."""
    https, files, rest = False, {"--cert": None, "--key": None}, []
    arguments = iter(extra)
    for argument in arguments:
        name, _, value = argument.partition("=")
        if argument == "--https":
            https = True
        elif name in files:
            value = value or next(arguments, "")
            if not value:
                raise CliError(f"{name} takes a file: {name} FILE")
            files[name] = Path(value)
        else:
            rest.append(argument)
    cert, key = files["--cert"], files["--key"]
    if (cert is None) != (key is None):
        raise CliError("--cert and --key go together: the certificate and its private key")
    if cert is not None and not https:
        raise CliError("--cert and --key serve over HTTPS: add --https")
    return https, cert, key, rest


def streamlit_port(extra: list[str]) -> int:
    from emotion_app.sharing import DEFAULT_PORT

    for i, argument in enumerate(extra):
        value = argument.split("=", 1)[1] if argument.startswith("--server.port=") else (
            extra[i + 1] if argument == "--server.port" and i + 1 < len(extra) else None)
        if value is not None:
            if not value.isdigit():
                raise CliError(f"--server.port takes a number, not {value!r}")
            return int(value)
    return DEFAULT_PORT


def tls_options(cert: Path | None, key: Path | None, port: int) -> list[str]:
    """Streamlit's TLS options for the given certificate, or for this machine's self-signed one;
    prints where to open the app, with a QR code of the first address a phone can reach."""
    from emotion_app import sharing

    addresses = sharing.lan_addresses()
    try:
        if cert is not None:
            sharing.check_pair(cert, key)
            chosen = sharing.Certificate(cert, key, self_signed=False)
        else:
            chosen = sharing.self_signed_certificate(sharing.config_dir(), addresses)
    except sharing.CertificateError as error:
        raise CliError(f"{error}; the server was not started") from None
    urls = sharing.https_urls(addresses, port, "webcam")
    print(f"Serving over HTTPS. On this machine: https://localhost:{port}/", file=sys.stderr)
    if urls:
        print("On a phone or another computer on this network (the webcam page):", file=sys.stderr)
        print("\n".join(f"  {url}" for url in urls), file=sys.stderr)
        print(sharing.qr_terminal(urls[0]), file=sys.stderr)
    else:
        print("This machine has no network address others can reach: only this machine can open it.",
              file=sys.stderr)
    if chosen.self_signed:
        print(f"The certificate is this machine's own ({chosen.cert}): each phone warns once that it does not know "
              "it; choose 'Advanced' (or 'Show details'), then go on to the address.", file=sys.stderr)
    return ["--server.sslCertFile", str(chosen.cert), "--server.sslKeyFile", str(chosen.key)]


EXIT_CODES = f"""exit status:
  0    every file analysed (or already in the output)
  1    the run finished, but some files could not be analysed, or their annotated copy not written (a
       file of that name that emotion-app did not write is left as it was): the 'error' column says why
  2    nothing was analysed: a bad option, a path that does not exist, no photo or video found, or an
       output that is not this command's own (an existing file is only ever appended to when it was
       written by emotion-app with the same options: its record, OUT{RECORD_SUFFIX}, lies beside it)
  130  interrupted (Ctrl-C): run the same command again to go on
"""


def parser() -> argparse.ArgumentParser:
    from emotion_app.faces import DETECTORS
    from emotion_app.profiles import PHOTO

    top = argparse.ArgumentParser(prog="emotion-app", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", required=True)
    run = commands.add_parser("analyze", help="analyse photos and videos into a table of faces",
                              epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("paths", nargs="+", help="photos, videos, or folders (walked recursively)")
    run.add_argument("--out", required=True, help="results file: .csv, .jsonl or .parquet")
    run.add_argument("--every", type=int, default=batch.Options.every, help="videos: analyse every Nth frame")
    run.add_argument("--detector", choices=DETECTORS, default=batch.Options.detector)
    run.add_argument("--sensitivity", choices=list(PHOTO.sensitivity), default=batch.Options.sensitivity)
    run.add_argument("--annotate", type=Path,
                     help="write annotated copies here (photos PNG, videos MP4); a file already there is replaced "
                     "only if emotion-app wrote it")
    run.add_argument("--workers", type=int, default=usable_cores(),
                     help="processes (or, with --dask local, Dask workers); default: this machine's cores")
    run.add_argument("--dask", help="run on a Dask cluster: its scheduler's address (tcp://HOST:8786) or 'local'")
    run.add_argument("--fresh", action="store_true",
                     help="replace the rows of an earlier run in --out (only ever a file this command wrote)")
    run.add_argument("--dask-timeout", default="10s", help=argparse.SUPPRESS)
    commands.add_parser("serve", help="start the web app (streamlit run app.py); --https [--cert FILE --key FILE] "
                        "serves it to phones on this network; more options go to Streamlit")
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
