"""The emotion-app command line: photos, videos, bad files, resume, workers, Dask."""

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emotion_app import batch
from emotion_app.cli import main
from tests.conftest import REPO

EXAMPLES = REPO / "assets" / "examples"


@pytest.fixture
def folder(tmp_path, astronaut_bgr):
    """Two photos, a video in a subfolder, a damaged photo, a text file and a hidden file."""
    import cv2

    from tests.test_video import make_mp4

    root = tmp_path / "in"
    (root / "clips").mkdir(parents=True)
    shutil.copy(EXAMPLES / "astronaut.jpg", root / "astronaut.jpg")
    shutil.copy(EXAMPLES / "collage.jpg", root / "collage.jpg")
    frame = np.full((480, 640, 3), 200, np.uint8)
    frame[:, 64:576] = cv2.resize(astronaut_bgr, (512, 512))[16:496]
    (root / "clips" / "walk.mp4").write_bytes(make_mp4([frame] * 6, rate=10))
    (root / "broken.jpg").write_bytes((EXAMPLES / "astronaut.jpg").read_bytes()[:300])
    (root / "notes.txt").write_text("not a photo")
    (root / ".hidden.jpg").write_bytes(b"")
    return root


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_a_folder_becomes_a_row_per_face_with_errors_named_and_a_summary(folder, tmp_path, capsys):
    out = tmp_path / "faces.csv"
    # 1: broken.jpg could not be analysed (a mistake is never reported as plain success)
    assert main(["analyze", str(folder), "--out", str(out), "--workers", "1", "--annotate", str(tmp_path / "ann")]) == 1
    rows = read_rows(out)
    by_file = {}
    for row in rows:
        by_file.setdefault(Path(row["file"]).name, []).append(row)
    assert set(by_file) == {"astronaut.jpg", "collage.jpg", "walk.mp4", "broken.jpg"}  # no .txt, no hidden file
    assert len(by_file["collage.jpg"]) == 4 and by_file["astronaut.jpg"][0]["emotion"] == "happy"
    assert by_file["broken.jpg"][0]["error"] == "the image data is damaged or incomplete"
    video = by_file["walk.mp4"]
    assert [r["frame"] for r in video] == ["0", "2", "4"] and {r["face"] for r in video} == {"1"}
    assert video[1]["time_s"] == "0.2" and video[0]["image_width"] == "640"
    annotated = sorted(p.relative_to(tmp_path / "ann").as_posix() for p in (tmp_path / "ann").rglob("*.*"))
    assert annotated == ["in/astronaut.jpg_emotions.png", "in/clips/walk.mp4_emotions.mp4",
                         "in/collage.jpg_emotions.png"]
    err = capsys.readouterr().err
    assert "4 files analysed, 8 faces, 1 error," in err and "ETA" in err  # 1 + 4 + a face in 3 frames
    assert "skipped 1 .txt file, 1 hidden" in err and "XNNPACK" not in err


def test_the_command_line_gives_the_photo_pages_answers(tmp_path):
    """The same file through the page's own export and through the command line: the same rows."""
    from emotion_app.exports import FACE_FIELDS, rows_csv
    from emotion_app.overlay import Painter
    from emotion_app.photo import analyze_photo, face_rows
    from emotion_app.profiles import PHOTO
    from emotion_app.ui import get_predictor

    name = str(EXAMPLES / "collage.jpg")
    page = analyze_photo(Path(name).read_bytes(), get_predictor(PHOTO.detector, PHOTO.flip), Painter(), PHOTO.settings)
    page_rows = list(csv.DictReader(io.StringIO(rows_csv(face_rows([(name, page)])).decode())))
    out = tmp_path / "faces.csv"
    assert main(["analyze", name, "--out", str(out), "--workers", "1"]) == 0
    cli_rows = [{f: row[f] for f in FACE_FIELDS} for row in read_rows(out)]
    assert cli_rows == page_rows and len(cli_rows) == 4


def test_an_interrupted_run_goes_on_where_it_stopped_and_repairs_a_half_line(folder, tmp_path, capsys):
    out = tmp_path / "faces.jsonl"
    first = folder / "astronaut.jpg"
    assert main(["analyze", str(first), "--out", str(out), "--workers", "1"]) == 0
    with open(out, "a") as stream:
        stream.write('{"file": "' + str(folder / "collage.jpg") + '", "fa')  # killed mid-write
    capsys.readouterr()
    assert main(["analyze", str(folder), "--out", str(out), "--workers", "1"]) == 1  # broken.jpg
    lines = out.read_text().splitlines()
    rows = [json.loads(line) for line in lines]  # every line whole
    assert sum(Path(r["file"]).name == "astronaut.jpg" for r in rows) == 1  # not analysed twice
    assert sum(Path(r["file"]).name == "collage.jpg" for r in rows) == 4
    assert "1 file already in the output" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--out", "/proc/forbidden/faces.csv"], "cannot write /proc/forbidden/faces.csv"),
    (["--out", "faces.xlsx"], "--out must end in .csv, .jsonl, .parquet"),
    (["--out", "f.csv", "--dask", "tcp://127.0.0.1:9", "--dask-timeout", "2s"], "cannot reach the Dask scheduler"),
])
def test_bad_options_are_one_clear_line(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["analyze", str(EXAMPLES / "astronaut.jpg"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


@pytest.mark.slow
def test_worker_processes_and_a_local_dask_cluster_give_the_same_rows(folder, tmp_path):
    pytest.importorskip("distributed")
    results = {}
    for name, extra in (("inline", ["--workers", "1"]), ("pool", ["--workers", "2"]),
                        ("dask", ["--workers", "2", "--dask", "local"])):
        out = tmp_path / f"{name}.csv"
        assert main(["analyze", str(folder), "--out", str(out), *extra]) == 1  # broken.jpg
        results[name] = sorted(tuple(row.values()) for row in read_rows(out))
    assert results["inline"] == results["pool"] == results["dask"] and len(results["inline"]) == 9


def test_python_dash_m_runs_the_command(tmp_path):
    out = tmp_path / "faces.csv"
    done = subprocess.run([sys.executable, "-m", "emotion_app", "analyze", str(EXAMPLES / "astronaut.jpg"), "--out",
                           str(out), "--workers", "1"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-1000:]
    assert read_rows(out)[0]["emotion"] == "happy"


def test_media_are_found_recursively_in_order_and_named_files_always(folder):
    found = batch.find_media([folder, folder / "notes.txt"])
    assert [p.relative_to(folder).as_posix() for p in found.files] == [
        "astronaut.jpg", "broken.jpg", "clips/walk.mp4", "collage.jpg", "notes.txt"]
    assert found.skipped == {".txt": 1, "hidden": 1}


def test_parquet_output_holds_the_same_rows(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "faces.parquet"
    assert main(["analyze", str(EXAMPLES / "collage.jpg"), "--out", str(out), "--workers", "1"]) == 0
    table = pq.read_table(out).to_pylist()
    assert len(table) == 4 and table[0]["emotion"] and table[0]["file"].endswith("collage.jpg")


def test_serve_becomes_the_streamlit_app(monkeypatch, tmp_path):
    import os

    import emotion_app.cli as cli

    execs = []
    monkeypatch.setattr(os, "execv", lambda path, argv: execs.append((path, argv, os.getcwd())))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["serve", "--server.port", "8600"]) == 0
    (path, command, cwd), = execs
    assert path == sys.executable and command[1:4] == ["-m", "streamlit", "run"] and command[4].endswith("app.py")
    assert command[5:] == ["--server.port", "8600"] and Path(cwd, "app.py").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_ctrl_c_or_sigterm_stops_serve_quietly_and_leaves_no_server(tmp_path, signal_name):
    """Ctrl-C printed a KeyboardInterrupt traceback; SIGTERM stopped the command and left Streamlit running."""
    import signal
    import time
    import urllib.request

    from tests.browser import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "emotion_app", "serve", "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true"], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail(f"the server did not start: {server.communicate()[0][-2000:]}")
    server.send_signal(getattr(signal, signal_name))
    output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output
    with pytest.raises(OSError):  # nothing answers there any more: no server left behind
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
    assert not any(f"--server.port {port}" in command for command in _commands())


def _commands() -> list[str]:
    """Every running process's command line."""
    import os

    commands = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            commands.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:  # ended meanwhile
            pass
    return commands


# --- trust: the command line never harms a user's files, nor reports a mistake as success ---------


def run_cli(*args: str) -> int:
    return main(["analyze", *args, "--workers", "1"])


@pytest.mark.parametrize("name, content", [
    ("mydata.csv", b"name,score\nalice,10\nbob,20"),  # no last newline: the old "repair" cut bob
    ("mydata.csv", b"file,score\nalice.jpg,10\n"),  # a 'file' column: rows were appended under it
    ("mydata.jsonl", b'{"file": "x.jpg"}\n'),
    ("mydata.parquet", b"PAR1 not ours"),
])
def test_a_file_the_command_did_not_write_is_refused_and_left_untouched(tmp_path, capsys, name, content):
    out = tmp_path / name
    out.write_bytes(content)
    assert run_cli(str(EXAMPLES / "astronaut.jpg"), "--out", str(out)) == 2
    assert out.read_bytes() == content and sorted(p.name for p in tmp_path.iterdir()) == [name]
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "not written by emotion-app" in err and "untouched" in err


def test_an_output_of_ours_changed_by_hand_is_refused(tmp_path, capsys):
    out = tmp_path / "faces.csv"
    assert run_cli(str(EXAMPLES / "astronaut.jpg"), "--out", str(out)) == 0
    out.write_bytes(b"name,score\nalice,10\n")  # the user reused the name for their own table
    assert run_cli(str(EXAMPLES / "collage.jpg"), "--out", str(out)) == 2
    assert out.read_bytes() == b"name,score\nalice,10\n" and "was changed since" in capsys.readouterr().err


@pytest.mark.parametrize("make, message", [
    (lambda root: root / "nowhere.jpg", "does not exist"),
    (lambda root: (root / "empty").mkdir() or root / "empty", "no photo or video to analyse"),
    (lambda root: (root / "raw").mkdir() or [(root / "raw" / f"{i}.CR2").write_bytes(b"x") for i in "ab"]
     and root / "raw", "skipped 2 .cr2 files"),  # camera raw files
])
def test_a_run_with_nothing_to_analyse_is_an_error_and_writes_nothing(tmp_path, capsys, make, message):
    path = make(tmp_path)
    out = tmp_path / "faces.csv"
    assert run_cli(str(path), "--out", str(out)) == 2
    assert not out.exists() and not (tmp_path / "faces.csv.emotion-app.json").exists()
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err


def test_linked_folders_are_walked_once(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "photos").mkdir()
    shutil.copy(EXAMPLES / "astronaut.jpg", tmp_path / "photos" / "a.jpg")
    (tmp_path / "in" / "photos").symlink_to(tmp_path / "photos")
    (tmp_path / "in" / "loop").symlink_to(tmp_path / "in")  # a link back up the tree
    found = batch.find_media([tmp_path / "in"])
    assert [p.relative_to(tmp_path).as_posix() for p in found.files] == ["in/photos/a.jpg"]


def test_annotated_copies_never_overwrite_each_other_and_are_not_analysed_again(tmp_path):
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    photo = (EXAMPLES / "astronaut.jpg").read_bytes()
    for name in ("a.jpg", "sub/a.jpg", "sub_a.jpg"):
        (root / name).write_bytes(photo)
    import cv2

    cv2.imwrite(str(root / "a.png"), cv2.imread(str(EXAMPLES / "collage.jpg")))
    annotate = root / "annotated"  # inside the input folder
    out = tmp_path / "faces.csv"
    assert run_cli(str(root), "--out", str(out), "--annotate", str(annotate)) == 0
    copies = sorted(p.relative_to(annotate).as_posix() for p in annotate.rglob("*.png"))
    assert copies == ["in/a.jpg_emotions.png", "in/a.png_emotions.png", "in/sub/a.jpg_emotions.png",
                      "in/sub_a.jpg_emotions.png"]
    assert cv2.imread(str(annotate / "in/a.png_emotions.png")).shape[:2] == (720, 1280)  # the collage, not a.jpg
    out2 = tmp_path / "again.csv"
    assert run_cli(str(root), "--out", str(out2), "--annotate", str(annotate)) == 0
    assert {Path(row["file"]).name for row in read_rows(out2)} == {"a.jpg", "a.png", "sub_a.jpg"}
    assert len({row["file"] for row in read_rows(out2)}) == 4  # not the annotated copies


def test_an_earlier_runs_annotated_copies_are_not_analysed_as_photos(folder, tmp_path, capsys):
    """Copies carry emojis over the faces: a later run over the same tree, without --annotate or with
    another folder, passes them over and says so; a copy named on its own is still analysed."""
    (folder / "broken.jpg").unlink()
    assert run_cli(str(folder), "--out", str(tmp_path / "first.csv"), "--annotate", str(folder / "ann")) == 0
    lookalike = folder / "mine_emotions.png"  # the same kind of name, not our copy
    shutil.copy(folder / "astronaut.jpg", lookalike)
    capsys.readouterr()
    out = tmp_path / "later.csv"
    assert run_cli(str(folder), "--out", str(out)) == 0
    assert {Path(row["file"]).name for row in read_rows(out)} == {"astronaut.jpg", "collage.jpg", "walk.mp4",
                                                                   "mine_emotions.png"}
    assert "skipped 3 annotated copies of an earlier run, 1 .txt file, 1 hidden" in capsys.readouterr().err
    copy = folder / "ann/in/astronaut.jpg_emotions.png"
    assert run_cli(str(copy), "--out", str(tmp_path / "named.csv")) == 0


def test_a_copy_that_cannot_be_read_is_analysed_and_named_not_a_crash_of_the_walk(folder, tmp_path, monkeypatch):
    from emotion_app.output import is_our_copy

    unreadable = folder / "x.jpg_emotions.png"
    shutil.copy(folder / "astronaut.jpg", unreadable)
    real_open = Path.open

    def refuse(self, *args, **kwargs):
        if self.name == unreadable.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    assert not is_our_copy(unreadable)
    assert unreadable in batch.find_media([folder]).files  # its row will say it cannot be read


def test_annotate_never_replaces_a_file_it_did_not_write(folder, tmp_path, capsys):
    """A copy's name already taken by someone else's file: that file is left as it was, the file's
    row says why, the others are annotated, and the run does not report plain success."""
    ann = tmp_path / "ann"
    theirs = {ann / "in/astronaut.jpg_emotions.png": (EXAMPLES / "collage.jpg").read_bytes(),
              ann / "in/clips/walk.mp4_emotions.mp4": b"someone's own video"}
    for path, data in theirs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (folder / "broken.jpg").unlink()
    out = tmp_path / "faces.csv"
    assert run_cli(str(folder), "--out", str(out), "--annotate", str(ann)) == 1
    assert all(path.read_bytes() == data for path, data in theirs.items())
    errors = {Path(row["file"]).name: row["error"] for row in read_rows(out) if row["error"]}
    assert set(errors) == {"astronaut.jpg", "walk.mp4"}
    assert "astronaut.jpg_emotions.png already exists and was not written by emotion-app" in errors["astronaut.jpg"]
    assert (ann / "in/collage.jpg_emotions.png").exists()
    # its own copies it replaces: a run with --fresh writes them again, the foreign ones still refused
    ours = (ann / "in/collage.jpg_emotions.png").stat().st_mtime_ns
    assert run_cli(str(folder), "--out", str(out), "--annotate", str(ann), "--fresh") == 1
    assert (ann / "in/collage.jpg_emotions.png").stat().st_mtime_ns != ours
    assert all(path.read_bytes() == data for path, data in theirs.items())


def test_annotate_naming_a_file_is_a_clear_error_before_anything_is_written(tmp_path, capsys):
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    out = tmp_path / "faces.csv"
    assert run_cli(str(EXAMPLES / "astronaut.jpg"), "--out", str(out), "--annotate", str(taken)) == 2
    assert f"--annotate {taken} is a file, not a folder" in capsys.readouterr().err
    assert taken.read_text() == "mine" and not out.exists()
    assert run_cli(str(EXAMPLES / "astronaut.jpg"), "--out", str(out), "--annotate", str(taken / "sub")) == 2


def test_a_copy_that_cannot_be_written_is_named_in_its_row_not_an_internal_error(folder, tmp_path):
    ann = tmp_path / "ann"
    ann.mkdir()
    (ann / "in").write_text("a file where the copies' folder would go")
    (folder / "broken.jpg").unlink()
    out = tmp_path / "faces.csv"
    assert run_cli(str(folder), "--out", str(out), "--annotate", str(ann)) == 1
    errors = {Path(row["file"]).name: row["error"] for row in read_rows(out) if row["error"]}
    assert set(errors) == {"astronaut.jpg", "collage.jpg", "walk.mp4"}
    assert all(error.startswith("its annotated copy could not be written: ") for error in errors.values())
    assert (ann / "in").read_text().startswith("a file")


def test_resume_refuses_other_options_and_fresh_starts_again(tmp_path, capsys):
    out = tmp_path / "faces.csv"
    photo = str(EXAMPLES / "astronaut.jpg")
    assert run_cli(photo, "--out", str(out)) == 0
    before = out.read_bytes()
    assert run_cli(photo, "--out", str(out), "--detector", "haar") == 2
    err = capsys.readouterr().err
    assert "other options" in err and "detector 'mtcnn+haar' then, 'haar' now" in err and "--fresh" in err
    assert out.read_bytes() == before
    assert run_cli(photo, "--out", str(out), "--detector", "haar", "--fresh") == 0
    (row,) = read_rows(out)
    assert row["emotion"] == "happy"
    record = json.loads((tmp_path / "faces.csv.emotion-app.json").read_text())
    assert record["options"]["detector"] == "haar" and len(record["options"]["model_sha256"]) == 64


def test_resume_compares_resolved_paths_and_retries_files_that_failed(tmp_path, monkeypatch, capsys):
    root = tmp_path / "in"
    root.mkdir()
    shutil.copy(EXAMPLES / "astronaut.jpg", root / "a.jpg")
    (root / "b.jpg").write_bytes(b"not yet a photo")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "faces.csv"
    assert run_cli("in", "--out", str(out)) == 1  # b.jpg failed
    shutil.copy(EXAMPLES / "collage.jpg", root / "b.jpg")  # the user mends it
    capsys.readouterr()
    assert run_cli(str(root.resolve()), "--out", str(out)) == 0  # the same folder, spelled absolute
    rows = read_rows(out)
    assert [Path(row["file"]).name for row in rows].count("a.jpg") == 1  # not analysed twice
    b_rows = [row for row in rows if Path(row["file"]).name == "b.jpg"]
    assert len(b_rows) == 4 and not any(row["error"] for row in b_rows)  # its error row is gone
    err = capsys.readouterr().err
    assert "1 file already in the output" in err and "1 file that failed before tried again" in err


def test_a_second_run_on_the_same_output_refuses(tmp_path, capsys):
    import fcntl

    out = tmp_path / "faces.csv"
    assert run_cli(str(EXAMPLES / "astronaut.jpg"), "--out", str(out)) == 0
    before = out.read_bytes()
    with open(tmp_path / "faces.csv.emotion-app.json") as record:  # as a first run holds it
        fcntl.flock(record, fcntl.LOCK_EX)
        assert run_cli(str(EXAMPLES / "collage.jpg"), "--out", str(out)) == 2
    assert out.read_bytes() == before and "another emotion-app run is writing" in capsys.readouterr().err


@pytest.mark.parametrize("address, message", [
    ("garbage", "tcp://HOST:PORT"),
    ("http://127.0.0.1:8787", "a web address"),
    ("web", "no Dask scheduler answered within 2 s"),  # a port that answers HTTP
])
def test_a_bad_dask_address_is_one_line_within_the_timeout_and_writes_nothing(tmp_path, capsys, address, message):
    pytest.importorskip("distributed")
    import http.server
    import threading
    import time

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    if address == "web":
        address = f"tcp://127.0.0.1:{server.server_address[1]}"
    out = tmp_path / "faces.csv"
    started = time.monotonic()
    try:
        code = main(["analyze", str(EXAMPLES / "astronaut.jpg"), "--out", str(out), "--dask", address,
                     "--dask-timeout", "2s"])
    finally:
        server.shutdown()
    assert code == 2 and time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_workers_are_capped_at_the_usable_cores_with_a_note(tmp_path, monkeypatch, capsys):
    import emotion_app.cli as cli

    monkeypatch.setattr(cli, "usable_cores", lambda: 1)
    out = tmp_path / "faces.csv"
    assert main(["analyze", str(EXAMPLES / "astronaut.jpg"), "--out", str(out), "--workers", "40"]) == 0
    assert "note: --workers 40 is more than the 1 core" in capsys.readouterr().err


def test_pool_workers_end_with_a_killed_command(tmp_path):
    """SIGKILL leaves no chance to clean up: the workers must notice on their own."""
    import os
    import signal
    import time

    script = ("import emotion_app, os, sys, time\n"
              "from emotion_app import batch\n"
              "pool = batch.local_executor(2, 'haar')\n"
              "[task.result() for task in [pool.submit(time.sleep, 0.5) for _ in range(4)]]\n"
              "print(' '.join(map(str, [p.pid for p in pool._processes.values()])), flush=True)\n"
              "time.sleep(600)\n")
    command = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in command.stdout.readline().split()]
        assert len(workers) == 2
    finally:
        os.kill(command.pid, signal.SIGKILL)
        command.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by init, counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_out_naming_a_folder_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "faces.csv").mkdir()
    assert run_cli(str(EXAMPLES / "astronaut.jpg"), "--out", str(tmp_path / "faces.csv")) == 2
    assert "is a folder" in capsys.readouterr().err


def test_progress_speaks_plainly_and_waits_for_a_few_files_before_an_eta():
    from emotion_app.cli import Progress

    stream = io.StringIO()
    progress = Progress(10, stream)
    progress.update(batch.FileResult("a.jpg", faces=1))
    assert "1/10 files, 1 face, 0 errors" in stream.getvalue() and "ETA after a few files" in stream.getvalue()
    for _ in range(3):
        progress.update(batch.FileResult("b.jpg", faces=0))
    assert stream.getvalue().rstrip().split("ETA ")[-1].endswith(" s")
    assert progress.summary(1, 0, {}).startswith("4 files analysed, 1 face, 0 errors")


# --- recordings: a batch tool takes videos of any length ---------------------------------------------


def test_a_recording_longer_than_the_pages_limit_is_analysed_to_its_end(tmp_path, astronaut_bgr, monkeypatch):
    """The page caps a video at 2 minutes to share its server; on the command line the user chose the
    files and the machine: a class recording was refused whole ("lasts more than 120 s, the limit").
    It is read from its file as it is decoded, never into memory whole."""
    import av
    import cv2

    from emotion_app import video
    from tests.test_video import make_mp4

    frame = np.full((240, 320, 3), 200, np.uint8)
    frame[:, 32:288] = cv2.resize(astronaut_bgr, (256, 256))[8:248]
    seconds = int(video.MAX_SECONDS) + 10
    recording = tmp_path / "in" / "lesson.mp4"
    recording.parent.mkdir()
    recording.write_bytes(make_mp4([frame] * seconds, rate=1))
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} read whole") if self.suffix == ".mp4"
                        else real_read(self))
    out, ann = tmp_path / "faces.csv", tmp_path / "ann"
    assert run_cli(str(recording), "--out", str(out), "--annotate", str(ann)) == 0
    rows = read_rows(out)
    assert not any(row["error"] for row in rows)
    assert [float(row["time_s"]) for row in rows] == [float(t) for t in range(0, seconds, 2)]  # every 2nd frame
    copy = ann / "lesson.mp4_emotions.mp4"
    with av.open(str(copy)) as played:
        assert sum(1 for _ in played.decode(video=0)) == seconds
    assert sorted(p.name for p in ann.iterdir()) == [copy.name]  # nothing half-written left beside it


def test_a_video_that_fails_leaves_no_annotated_copy_nor_a_half_written_one(tmp_path):
    bad = tmp_path / "in" / "clip.mp4"
    bad.parent.mkdir()
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(500))  # an MP4 header, then nothing
    out, ann = tmp_path / "faces.csv", tmp_path / "ann"
    assert run_cli(str(bad), "--out", str(out), "--annotate", str(ann)) == 1
    assert read_rows(out)[0]["error"].startswith("the video data is damaged or incomplete")
    assert not ann.exists() or not any(ann.rglob("*"))


def test_a_copy_that_fills_the_disk_is_an_error_row_and_leaves_nothing_half_written(folder, tmp_path, monkeypatch):
    """Writing the video's copy fails midway (a full disk): the row says so, the run exits 1, the file is
    tried again on the next run, and no partial copy is left under the copy's name or beside it."""
    from emotion_app import output

    class Full:
        """The copy's file, on a disk that fills after its first bytes."""

        def __init__(self, stream):
            self.stream, self.name = stream, stream.name

        def write(self, data):
            if self.stream.tell() + len(data) > 1000:
                raise OSError(28, "No space left on device")
            return self.stream.write(data)

        def __getattr__(self, name):  # seek, tell, read, close: the real file's
            return getattr(self.stream, name)

    real = output.open_copy
    monkeypatch.setattr(output, "open_copy", lambda target: Full(real(target)))
    (folder / "broken.jpg").unlink()
    out, ann = tmp_path / "faces.csv", tmp_path / "ann"
    assert run_cli(str(folder / "clips"), "--out", str(out), "--annotate", str(ann)) == 1
    (row,) = read_rows(out)
    assert row["error"].startswith("its annotated copy could not be written: No space left on device")
    assert not any(path.is_file() for path in ann.rglob("*"))
    monkeypatch.undo()  # room on the disk again: the same command tries the video again
    assert run_cli(str(folder / "clips"), "--out", str(out), "--annotate", str(ann)) == 0
    assert [row["error"] for row in read_rows(out)] == ["", "", ""]
    assert [path.name for path in ann.rglob("*.*")] == ["walk.mp4_emotions.mp4"]
