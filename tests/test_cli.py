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
    assert main(["analyze", str(folder), "--out", str(out), "--workers", "1", "--annotate", str(tmp_path / "ann")]) == 0
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
    annotated = sorted(p.name for p in (tmp_path / "ann").iterdir())
    assert len(annotated) == 3 and any(name.endswith("walk_emotions.mp4") for name in annotated)
    err = capsys.readouterr().err
    assert "4 files analysed, 8 faces, 1 errors" in err and "ETA" in err  # 1 + 4 + a face in 3 frames


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
    assert main(["analyze", str(folder), "--out", str(out), "--workers", "1"]) == 0
    lines = out.read_text().splitlines()
    rows = [json.loads(line) for line in lines]  # every line whole
    assert sum(Path(r["file"]).name == "astronaut.jpg" for r in rows) == 1  # not analysed twice
    assert sum(Path(r["file"]).name == "collage.jpg" for r in rows) == 4
    assert "1 files skipped (already in the output)" in capsys.readouterr().err


def test_a_file_that_disappears_and_a_missing_path_are_error_rows(tmp_path):
    out = tmp_path / "faces.csv"
    assert main(["analyze", str(tmp_path / "nowhere.jpg"), "--out", str(out), "--workers", "1"]) == 0
    (row,) = read_rows(out)
    assert row["error"].startswith("no such file") and row["face"] == ""


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
        assert main(["analyze", str(folder), "--out", str(out), *extra]) == 0
        results[name] = sorted(tuple(row.values()) for row in read_rows(out))
    assert results["inline"] == results["pool"] == results["dask"] and len(results["inline"]) == 9


def test_python_dash_m_runs_the_command(tmp_path):
    out = tmp_path / "faces.csv"
    done = subprocess.run([sys.executable, "-m", "emotion_app", "analyze", str(EXAMPLES / "astronaut.jpg"), "--out",
                           str(out), "--workers", "1"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-1000:]
    assert read_rows(out)[0]["emotion"] == "happy"


def test_media_are_found_recursively_in_order_and_named_files_always(folder):
    found = [p.relative_to(folder).as_posix() for p in batch.find_media([folder, folder / "notes.txt"])]
    assert found == ["astronaut.jpg", "broken.jpg", "clips/walk.mp4", "collage.jpg", "notes.txt"]


def test_parquet_output_holds_the_same_rows(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "faces.parquet"
    assert main(["analyze", str(EXAMPLES / "collage.jpg"), "--out", str(out), "--workers", "1"]) == 0
    table = pq.read_table(out).to_pylist()
    assert len(table) == 4 and table[0]["emotion"] and table[0]["file"].endswith("collage.jpg")


def test_serve_starts_the_streamlit_app(monkeypatch):
    import emotion_app.cli as cli

    calls = []
    monkeypatch.setattr("subprocess.call", lambda command, cwd: calls.append((command, cwd)) or 0)
    assert cli.main(["serve", "--server.port", "8600"]) == 0
    (command, cwd), = calls
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4].endswith("app.py")
    assert command[5:] == ["--server.port", "8600"] and Path(cwd, "app.py").is_file()
