import gzip

import numpy as np
import pytest

from tests.conftest import SHARED_DATA, fer_rows, skip_or_fail, write_fer_csv, write_ferplus_csv, write_split_arrays
from training.data import (
    DataError,
    class_weights,
    data_sha256,
    ferplus_distributions,
    load_faces,
    load_fer2013_arrays,
    load_fer2013_csv,
    load_ferplus_targets,
    main,
    soft_targets,
    write_parts,
)


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


def test_split_arrays_read_as_the_csv_and_its_votes_do(tmp_path, tiny_csv):
    faces = load_fer2013_csv(tiny_csv)
    votes = np.random.default_rng(1).integers(0, 4, (len(faces), 10))
    folder = write_split_arrays(tmp_path / "arrays", faces, votes)
    arrays, by_row = load_fer2013_arrays(folder)
    for field in ("x", "y", "usage", "rows"):
        assert np.array_equal(getattr(arrays, field), getattr(faces, field)), field
    assert np.array_equal(load_faces(folder).x, faces.x) and np.array_equal(load_faces(tiny_csv).x, faces.x)
    rows = faces.split("Training").rows
    ferplus = write_ferplus_csv(tmp_path / "fer2013new.csv", votes)
    assert np.allclose(ferplus_distributions(by_row[rows]), load_ferplus_targets(ferplus, rows))
    # a fingerprint of the folder, recorded with the metrics, that follows its files' contents
    before = data_sha256(folder)
    write_split_arrays(folder, faces, votes + 1)
    assert data_sha256(folder) != before and len(before) == 64


def test_a_folder_without_readable_split_arrays_is_a_clear_error(tmp_path, tiny_csv):
    with pytest.raises(DataError, match="holds no fer2013_<split>.npz.xz"):
        load_fer2013_arrays(tmp_path)
    (tmp_path / "fer2013_Training.npz.xz").write_bytes(b"not xz")
    with pytest.raises(DataError, match="fer2013_Training.npz.xz: not a readable FER2013 split"):
        load_faces(tmp_path)
    import io
    import lzma

    buffer = io.BytesIO()
    np.savez(buffer, x=np.zeros((2, 32, 32), np.uint8), y=np.zeros(2, np.uint8), ferplus=np.zeros((2, 10), np.uint8),
             row=np.arange(2, dtype=np.int32))
    (tmp_path / "fer2013_Training.npz.xz").write_bytes(lzma.compress(buffer.getvalue()))
    with pytest.raises(DataError, match=r"expected x \(N, 48, 48\) uint8"):
        load_faces(tmp_path)


def test_a_split_in_parts_reads_as_the_whole(tmp_path, tiny_csv):
    faces = load_fer2013_csv(tiny_csv)
    votes = np.random.default_rng(3).integers(0, 4, (len(faces), 10))
    whole, whole_votes = load_fer2013_arrays(write_split_arrays(tmp_path / "whole", faces, votes))
    written = write_parts(faces, votes, tmp_path / "parts", 3)
    assert len(written) == 9 and {p.name for p in written} >= {"fer2013_Training.1.npz.xz", "fer2013_Training.3.npz.xz"}
    parts, parts_votes = load_fer2013_arrays(tmp_path / "parts")
    for field in ("x", "y", "usage", "rows"):
        assert np.array_equal(getattr(parts, field), getattr(whole, field)), field
    assert np.array_equal(parts_votes, whole_votes)
    # the command line: from the CSV and its votes, only the splits asked for
    out = tmp_path / "cli"
    assert main(["--data", str(tiny_csv), "--ferplus", str(write_ferplus_csv(tmp_path / "v.csv", votes)),
                 "--splits", "Training,PublicTest", "--parts", "2", "--out", str(out)]) == 0
    read, read_votes = load_fer2013_arrays(out)
    assert set(read.usage) == {"Training", "PublicTest"} and len(read) == len(faces.split("Training")) * 2
    assert np.array_equal(read_votes[read.rows], votes[read.rows])
    assert main(["--data", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    short = write_ferplus_csv(tmp_path / "short.csv", votes[:5])  # not this CSV's votes: an error, no traceback
    assert main(["--data", str(tiny_csv), "--ferplus", str(short), "--out", str(out)]) == 2


@pytest.mark.slow
def test_the_shared_split_arrays_hold_the_csvs_faces_and_votes():
    """../shared/data's fer2013_<split>.npz.xz, which a GPU machine trains on, against the CSV."""
    if not SHARED_DATA.exists():
        skip_or_fail(f"{SHARED_DATA} not present")
    arrays, votes = load_fer2013_arrays(SHARED_DATA.parent)
    csv = load_fer2013_csv(SHARED_DATA)
    for field in ("x", "y", "usage", "rows"):
        assert np.array_equal(getattr(arrays, field), getattr(csv, field)), field
    rows = csv.split("Training").rows
    assert np.allclose(ferplus_distributions(votes[rows]), load_ferplus_targets(SHARED_DATA.with_name("fer2013new.csv"),
                                                                                rows))


def test_the_data_folder_can_be_set_for_a_fresh_clone(tmp_path):
    """A clone without ../shared/data sets EMOTION_APP_DATA to where it put Kaggle's fer2013.csv."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    (tmp_path / "fer2013.csv").write_text("emotion,pixels,Usage\n")
    done = subprocess.run([sys.executable, "-c", "import emotion_app; from training.data import DEFAULT_DATA, "
                           "DEFAULT_FERPLUS; print(DEFAULT_DATA); print(DEFAULT_FERPLUS)"], cwd=REPO,
                          env={**os.environ, "EMOTION_APP_DATA": str(tmp_path)}, capture_output=True, text=True)
    assert done.stdout.split() == [str(tmp_path / "fer2013.csv"), str(tmp_path / "fer2013new.csv")], done.stderr
