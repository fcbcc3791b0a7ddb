"""training/metrics.py and training/evaluate.py against hand-computed figures."""

import numpy as np
import pytest

from training.metrics import confusion_matrix, summarize


def test_summary_matches_a_hand_computed_example():
    # true:  angry x3, happy x2, sad x1; predicted: angry, angry, happy | happy, happy | angry
    y_true = np.array([0, 0, 0, 3, 3, 4])
    y_pred = np.array([0, 0, 3, 3, 3, 0])
    matrix = confusion_matrix(y_true, y_pred)
    assert matrix[0, 0] == 2 and matrix[0, 3] == 1 and matrix[3, 3] == 2 and matrix[4, 0] == 1 and matrix.sum() == 6
    summary = summarize(y_true, y_pred)
    assert summary["accuracy"] == pytest.approx(4 / 6, abs=1e-4)
    angry, happy, sad = (summary["per_class"][e] for e in ("angry", "happy", "sad"))
    assert (angry["precision"], angry["recall"]) == (pytest.approx(2 / 3, abs=1e-4), pytest.approx(2 / 3, abs=1e-4))
    assert (happy["precision"], happy["recall"], happy["f1"]) == (pytest.approx(2 / 3, abs=1e-4), 1.0,
                                                                  pytest.approx(0.8, abs=1e-4))
    assert (sad["precision"], sad["recall"], sad["f1"], sad["support"]) == (0.0, 0.0, 0.0, 1)
    # Classes with no faces count as recall 0 in the macro mean (7 classes, 4 absent).
    assert summary["macro_recall"] == pytest.approx((2 / 3 + 1 + 0) / 7, abs=1e-4)


def test_evaluation_report_and_metrics_of_a_model(random_model_path, tiny_csv, tmp_path):
    import json
    import shutil

    from training.evaluate import write_evaluation

    model = tmp_path / "m.keras"
    shutil.copy(random_model_path, model)
    shutil.copy(random_model_path.with_suffix(".json"), model.with_suffix(".json"))
    results = write_evaluation(model, tiny_csv, tmp_path / "docs", title="Evaluation of a test model")
    report = (tmp_path / "docs" / "EVALUATION.md").read_text()
    assert report.startswith("# Evaluation of a test model") and "| PrivateTest | 14 |" in report
    assert (tmp_path / "docs" / "confusion_PrivateTest.png").stat().st_size > 1000
    stored = json.loads(model.with_suffix(".json").read_text())["metrics"]
    assert stored["PublicTest"]["accuracy"] == results["PublicTest"]["accuracy"]
    assert sum(map(sum, stored["PrivateTest"]["confusion_matrix"])) == 14


def test_evaluation_figures_are_the_models_own_answers(random_model_path, tiny_csv):
    """Each split's accuracy (and the flip figure) recomputed by hand from the model's outputs."""
    import keras

    from training.data import load_fer2013_csv
    from training.evaluate import evaluate

    model = keras.saving.load_model(random_model_path)
    results = evaluate(model, tiny_csv)
    for split in ("PublicTest", "PrivateTest"):
        faces = load_fer2013_csv(tiny_csv).split(split)
        x = faces.x.astype("float32")
        single = model.predict(x, verbose=0)
        both = (single + model.predict(x[:, :, ::-1], verbose=0)) / 2
        assert results[split]["accuracy"] == pytest.approx(np.mean(single.argmax(1) == faces.y), abs=1e-4)
        assert results[split]["flip_tta"]["accuracy"] == pytest.approx(np.mean(both.argmax(1) == faces.y), abs=1e-4)
        assert np.array_equal(results[split]["confusion_matrix"], confusion_matrix(faces.y, single.argmax(1)))


def test_evaluation_on_split_arrays_needs_both_test_splits(random_model_path, tiny_csv, tmp_path):
    import keras

    from tests.conftest import write_split_arrays
    from training.data import DataError, load_fer2013_csv
    from training.evaluate import evaluate

    faces = load_fer2013_csv(tiny_csv)
    folder = write_split_arrays(tmp_path / "arrays", faces, np.zeros((len(faces), 10), np.int64))
    model = keras.saving.load_model(random_model_path)
    assert evaluate(model, folder) == evaluate(model, tiny_csv)
    (folder / "fer2013_PrivateTest.npz.xz").unlink()  # as carried to a GPU machine
    with pytest.raises(DataError, match="has no PrivateTest faces"):
        evaluate(model, folder)
