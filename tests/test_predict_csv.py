import pandas as pd

from tests.conftest import write_fer_csv
from training.predict_csv import main


def test_writes_one_prediction_column_in_input_order(tiny_csv, random_model_path, tmp_path, capsys):
    out = tmp_path / "predictions.csv"
    assert main(["--csv", str(tiny_csv), "--out", str(out), "--model", str(random_model_path)]) == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["predictions"] and len(frame) == 42
    assert frame["predictions"].between(0, 6).all()
    assert "accuracy against the emotion column" in capsys.readouterr().out


def test_emotion_column_is_optional(random_model_path, tmp_path):
    rows = [f"{' '.join(['0'] * 2304)},PrivateTest", f"{' '.join(['255'] * 2304)},PrivateTest"]
    path = write_fer_csv(tmp_path / "in.csv", rows, header="pixels,Usage")
    out = tmp_path / "p.csv"
    assert main(["--csv", str(path), "--out", str(out), "--model", str(random_model_path)]) == 0
    assert len(pd.read_csv(out)) == 2


def test_errors_are_messages_not_tracebacks(random_model_path, tmp_path, capsys):
    bad = write_fer_csv(tmp_path / "bad.csv", ["1 2 3"], header="pixels")
    assert main(["--csv", str(bad), "--out", str(tmp_path / "p.csv"), "--model", str(random_model_path)]) == 2
    assert "row 0: expected 2304 pixel values" in capsys.readouterr().err
    assert main(["--csv", str(bad), "--model", str(tmp_path / "missing.keras")]) == 2


def test_the_input_or_any_file_it_did_not_write_is_never_overwritten(tiny_csv, random_model_path, tmp_path, capsys):
    """``--out`` naming the input itself replaced the user's faces with a column of numbers; naming any
    other file of theirs replaced it silently. Both are refused untouched; its own output it replaces."""
    data = tiny_csv.read_bytes()
    assert main(["--csv", str(tiny_csv), "--out", str(tiny_csv), "--model", str(random_model_path)]) == 2
    assert tiny_csv.read_bytes() == data and "is the input" in capsys.readouterr().err
    theirs = tmp_path / "scores.csv"
    theirs.write_text("name,score\nalice,10\n")
    assert main(["--csv", str(tiny_csv), "--out", str(theirs), "--model", str(random_model_path)]) == 2
    assert theirs.read_text() == "name,score\nalice,10\n"
    assert "not written by training.predict_csv" in capsys.readouterr().err
    ours = tmp_path / "predictions.csv"
    for _ in range(2):  # a second run replaces the first run's predictions
        assert main(["--csv", str(tiny_csv), "--out", str(ours), "--model", str(random_model_path)]) == 0
    assert len(pd.read_csv(ours)) == 42
    assert sorted(p.name for p in tmp_path.iterdir()) == ["predictions.csv", "scores.csv", "tiny.csv"]


def test_an_output_that_cannot_be_written_is_a_message_not_a_traceback(tiny_csv, random_model_path, tmp_path, capsys):
    (tmp_path / "taken").write_text("a file where a folder would go")
    for out in (tmp_path / "taken" / "p.csv", tmp_path):
        assert main(["--csv", str(tiny_csv), "--out", str(out), "--model", str(random_model_path)]) == 2
        assert capsys.readouterr().err.startswith(f"error: cannot write {out}")
