import json

import numpy as np
import pytest

from training.train import main


@pytest.mark.slow
def test_smoke_training_writes_a_loadable_model_and_resumes(tiny_csv, tmp_path):
    import keras

    run_dir, out = tmp_path / "run", tmp_path / "models" / "emotion_cnn.keras"
    args = ["--data", str(tiny_csv), "--ferplus", "none", "--batch-size", "8", "--run-dir", str(run_dir),
            "--out", str(out), "--widths", "4,4,4"]
    assert main([*args, "--epochs", "1"]) == 0
    model = keras.saving.load_model(out)
    assert model.output_shape == (None, 7)
    metadata = json.loads(out.with_suffix(".json").read_text())
    assert metadata["labels"][0] == "angry" and len(metadata["training"]["data_sha256"]) == 64
    assert (run_dir / "train.log").read_text().count("epoch 1/1") == 1

    # Shipped with BN statistics of the clean Training faces, not the augmented training batches.
    from training.batchnorm import clean_sample
    from training.data import load_fer2013_csv

    clean = clean_sample(load_fer2013_csv(tiny_csv).split("Training").x, seed=42)
    first_bn = model.get_layer("bn1_1")
    inputs = np.asarray(keras.Model(model.input, first_bn.input)(clean, training=False))
    assert np.allclose(first_bn.get_weights()[2], inputs.mean(axis=(0, 1, 2)), atol=1e-5)

    # --finish-only calibrates and writes the best checkpoint again without another epoch.
    out.unlink()
    assert main([*args, "--epochs", "1", "--finish-only"]) == 0
    assert keras.saving.load_model(out).output_shape == (None, 7)
    assert (run_dir / "train.log").read_text().count("epoch 1/1") == 1

    # Another config in the same run directory is refused rather than silently mixed.
    with pytest.raises(SystemExit, match="another configuration"):
        main([*args, "--epochs", "2"])


@pytest.mark.slow
def test_interrupted_run_resumes_from_its_last_epoch(tiny_csv, tmp_path):
    import keras

    run_dir = tmp_path / "run"
    args = ["--data", str(tiny_csv), "--ferplus", "none", "--batch-size", "8", "--run-dir", str(run_dir),
            "--out", str(tmp_path / "m.keras"), "--widths", "4,4,4", "--epochs", "3"]

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    original_fit = keras.Model.fit

    def fit_then_interrupt(self, *a, **kw):
        kw["callbacks"] = [*kw["callbacks"], Interrupt()]
        return original_fit(self, *a, **kw)

    keras.Model.fit = fit_then_interrupt
    try:
        with pytest.raises(KeyboardInterrupt):
            main(args)
    finally:
        keras.Model.fit = original_fit
    assert json.loads((run_dir / "state.json").read_text())["epochs_done"] == 2
    assert main(args) == 0
    log = (run_dir / "train.log").read_text()
    assert "epoch 3/3" in log and log.count("epoch 1/3") == 1  # resumed at epoch 3, not from scratch
    assert json.loads((run_dir / "state.json").read_text())["epochs_done"] == 3


def test_bad_data_is_a_clear_cli_error(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("emotion,pixels\n0,1 2 3\n")
    assert main(["--data", str(bad), "--run-dir", str(tmp_path / "r"), "--out", str(tmp_path / "m.keras")]) == 2
    assert "missing column(s) Usage" in capsys.readouterr().err


def test_keeps_best_epoch_by_publictest_only(tiny_csv, tmp_path):
    # state.json records the epoch chosen on PublicTest; PrivateTest rows never enter training.
    from training.data import load_fer2013_csv

    faces = load_fer2013_csv(tiny_csv)
    assert set(np.unique(faces.split("Training").usage)) == {"Training"}


@pytest.mark.slow
def test_warm_restart_starts_from_an_earlier_model(tiny_csv, tmp_path):
    import keras

    first = tmp_path / "first.keras"
    common = ["--data", str(tiny_csv), "--ferplus", "none", "--batch-size", "8", "--widths", "4,4,4", "--epochs", "1"]
    assert main([*common, "--run-dir", str(tmp_path / "a"), "--out", str(first)]) == 0
    assert main([*common, "--run-dir", str(tmp_path / "b"), "--out", str(tmp_path / "second.keras"),
                 "--init-from", str(first)]) == 0
    assert "starting from" in (tmp_path / "b" / "train.log").read_text()
    assert keras.saving.load_model(tmp_path / "second.keras").output_shape == (None, 7)
    # The metadata counts the epochs of both runs, so the model card can say what it really took,
    # and finishing the second run again (its --out is now written) must not count the first twice.
    trained = json.loads((tmp_path / "second.json").read_text())["training"]
    assert trained["epochs_done"] == 1 and trained["total_epochs"] == 2
    import shutil

    shutil.copy(tmp_path / "second.keras", first)  # as when --out is the model --init-from named
    shutil.copy(tmp_path / "second.json", first.with_suffix(".json"))
    assert main([*common, "--run-dir", str(tmp_path / "b"), "--out", str(tmp_path / "second.keras"),
                 "--init-from", str(first), "--finish-only"]) == 0
    assert json.loads((tmp_path / "second.json").read_text())["training"]["total_epochs"] == 2


def test_dropout_is_set_from_the_command_line():
    from training.train import parse_args

    config, *_ = parse_args(["--block-dropout", "0.1", "--dense-dropout", "0.3"])
    assert (config.block_dropout, config.dense_dropout) == (0.1, 0.3)
    default, *_ = parse_args([])
    assert (default.block_dropout, default.dense_dropout) == (0.15, 0.4)


def test_weight_average_is_the_mean_of_the_folded_epochs_and_survives_a_resume(tmp_path):
    from training.train import fold_into_mean

    path = tmp_path / "average.npz"
    first = [np.full((2, 2), 1.0, "float32"), np.zeros(3, "float32")]
    second = [np.full((2, 2), 3.0, "float32"), np.full(3, 6.0, "float32")]
    third = [np.full((2, 2), 8.0, "float32"), np.full(3, 3.0, "float32")]
    fold_into_mean(path, 4, first)
    fold_into_mean(path, 5, second)
    fold_into_mean(path, 5, third)  # epoch 5 again, as after an interrupted run: not counted twice
    mean = fold_into_mean(path, 6, third)
    assert (mean["first"], mean["last"]) == (4, 6)
    np.testing.assert_allclose(mean["weights"][0], np.full((2, 2), 4.0))
    np.testing.assert_allclose(mean["weights"][1], np.full(3, 3.0))


@pytest.mark.slow
def test_weight_average_is_scored_and_can_be_chosen(tiny_csv, tmp_path):
    run_dir = tmp_path / "run"
    assert main(["--data", str(tiny_csv), "--ferplus", "none", "--batch-size", "8", "--widths", "4,4,4",
                 "--epochs", "3", "--average-from", "2", "--run-dir", str(run_dir),
                 "--out", str(tmp_path / "m.keras")]) == 0
    log = (run_dir / "train.log").read_text()
    assert "mean of epochs 2-2" in log and "mean of epochs 2-3" in log
    averaged = json.loads((tmp_path / "m.json").read_text())["training"]["best_averaged_epochs"]
    assert averaged in (None, [2, 2], [2, 3])


def test_a_run_saved_before_an_option_existed_still_matches_its_configuration():
    from dataclasses import asdict, replace

    from training.train import TrainConfig, same_config

    config = TrainConfig(epochs=3)
    older = {k: v for k, v in json.loads(json.dumps(asdict(config))).items() if k != "average_from"}
    assert same_config(older, config)
    assert not same_config(older, replace(config, average_from=2))
    assert not same_config({**older, "epochs": 4}, config)
