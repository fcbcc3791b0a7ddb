import json

import numpy as np
import pytest

from training.distill import blend, remove_offset


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_removing_the_offset_recovers_the_uncalibrated_probabilities():
    rng = np.random.default_rng(0)
    logits, offset = rng.normal(size=(50, 7)), rng.normal(size=7)
    assert np.allclose(remove_offset(_softmax(logits + offset), offset), _softmax(logits), atol=1e-6)
    plain = _softmax(logits)
    assert remove_offset(plain, None) is plain


def test_blend_keeps_a_distribution_and_its_weight():
    labels = np.eye(7, dtype=np.float32)[[0, 3]]
    teacher = np.full((2, 7), 1 / 7, dtype=np.float32)
    blended = blend(labels, teacher, 0.3)
    assert np.allclose(blended.sum(axis=1), 1) and np.isclose(blended[0, 0], 0.7 + 0.3 / 7)


@pytest.mark.slow
def test_training_with_a_teacher_logs_it_and_keeps_it_in_the_metadata(tiny_csv, tmp_path):
    from training.train import main

    common = ["--data", str(tiny_csv), "--ferplus", "none", "--batch-size", "8", "--widths", "4,4,4", "--epochs", "1"]
    teacher = tmp_path / "teacher.keras"
    assert main([*common, "--run-dir", str(tmp_path / "a"), "--out", str(teacher)]) == 0
    out = tmp_path / "student.keras"
    assert main([*common, "--run-dir", str(tmp_path / "b"), "--out", str(out), "--teacher", str(teacher),
                 "--teacher-weight", "0.4"]) == 0
    assert "flip-averaged Training accuracy" in (tmp_path / "b" / "train.log").read_text()
    trained = json.loads(out.with_suffix(".json").read_text())["training"]
    assert trained["teacher"] == [str(teacher)] and trained["teacher_weight"] == 0.4
    with pytest.raises(SystemExit, match="no model file"):
        main([*common, "--run-dir", str(tmp_path / "c"), "--out", str(out), "--teacher", str(tmp_path / "gone.keras")])
