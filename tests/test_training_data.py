import gzip

import numpy as np
import pytest

from tests.conftest import fer_rows, write_fer_csv
from training.data import DataError, class_weights, load_fer2013_csv, load_ferplus_targets, soft_targets


def test_reads_plain_and_gzip(tmp_path):
    plain = write_fer_csv(tmp_path / "a.csv", fer_rows(9))
    zipped = write_fer_csv(tmp_path / "a.csv.gz", fer_rows(9))
    a, b = load_fer2013_csv(plain), load_fer2013_csv(zipped)
    assert a.x.shape == (9, 48, 48, 1) and a.x.dtype == np.uint8
    assert (a.x == b.x).all() and (a.y == b.y).all()
    assert list(a.usage[:3]) == ["Training", "PublicTest", "PrivateTest"]
    assert len(a.split("Training")) == 3


def test_pixels_are_row_major(tmp_path):
    pixels = " ".join(str(i % 256) for i in range(2304))
    data = load_fer2013_csv(write_fer_csv(tmp_path / "a.csv", [f"3,{pixels},Training"]))
    assert data.x[0, 0, 1, 0] == 1 and data.x[0, 1, 0, 0] == 48


@pytest.mark.parametrize(
    "header, rows, message",
    [
        ("emotion,Usage", ["0,Training"], "missing column.*pixels"),
        ("emotion,pixels,Usage", ["0,1 2 3,Training"], "row 0: expected 2304 pixel values, found 3"),
        ("emotion,pixels,Usage", ["0," + " ".join(["7"] * 2303 + ["x"]) + ",Training"], "row 0: pixel value 'x'"),
        ("emotion,pixels,Usage", ["0," + " ".join(["300"] * 2304) + ",Training"], "row 0: pixel values must lie"),
        ("emotion,pixels,Usage", ["9," + " ".join(["1"] * 2304) + ",Training"], "row 0: emotion '9'"),
        ("emotion,pixels,Usage", ["1," + " ".join(["1"] * 2304) + ",Training",
                                  "1," + " ".join(["1"] * 2304) + ",Validation"], "row 1: unknown Usage 'Validation'"),
        ("emotion,pixels,Usage", ["1,,Training"], "row 0: the pixels field is empty"),
        ("emotion,pixels,Usage", [], "no rows"),
    ],
)
def test_malformed_csv_names_row_and_problem(tmp_path, header, rows, message):
    with pytest.raises(DataError, match=message):
        load_fer2013_csv(write_fer_csv(tmp_path / "bad.csv", rows, header=header))


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_fer2013_csv(tmp_path / "nope.csv")
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(b"emotion,pixels,Usage\n0,1 2")[:20])
    with pytest.raises(DataError):
        load_fer2013_csv(broken)


def test_labels_and_usage_optional_for_prediction(tmp_path):
    path = write_fer_csv(tmp_path / "p.csv", [" ".join(["5"] * 2304)] * 2, header="pixels")
    data = load_fer2013_csv(path, require_labels=False, require_usage=False)
    assert (data.y == -1).all() and len(data) == 2
    with pytest.raises(DataError, match="missing column"):
        load_fer2013_csv(path)


def test_ferplus_votes_map_to_fer2013_order(tmp_path):
    votes = tmp_path / "fer2013new.csv"
    votes.write_text(
        "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n"
        "Training,a.png,5,5,0,0,0,0,0,0,0,0\n"
        "Training,b.png,0,0,0,0,0,2,0,2,1,0\n"
        "Training,,0,0,0,0,0,0,0,0,0,10\n"
    )
    targets = load_ferplus_targets(votes, np.array([0, 1, 2]))
    assert np.allclose(targets[0], [0, 0, 0, 0.5, 0, 0, 0.5])  # happy + neutral
    assert np.allclose(targets[1], [0, 1, 0, 0, 0, 0, 0])  # disgust + contempt, unknown ignored
    assert targets[2].sum() == 0  # not a face: no information


def test_soft_targets_blend_only_where_votes_exist():
    ferplus = np.array([[0, 0, 0, 1, 0, 0, 0], [0] * 7], dtype=np.float32)
    targets = soft_targets(np.array([6, 2]), ferplus, 0.3)
    assert np.allclose(targets[0], [0, 0, 0, 0.3, 0, 0, 0.7])
    assert np.allclose(targets[1], np.eye(7)[2])
    assert np.allclose(targets.sum(axis=1), 1)


def test_class_weights_favour_rare_classes():
    y = np.array([1] * 10 + [3] * 90)
    weights = class_weights(y, power=0.5)
    assert weights[1] > weights[3]
    assert np.allclose(class_weights(y, power=0.0), 1)
