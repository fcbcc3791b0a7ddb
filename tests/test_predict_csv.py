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
