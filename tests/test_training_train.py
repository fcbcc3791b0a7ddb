import json
import re
import shutil
from dataclasses import asdict, replace

import numpy as np
import pytest

from training.recipe import RECIPES, Settings, Stage
from training.train import main

TOY = (Stage("toy1", 1, 1e-3, (4, 4, 4), erase=True),
       Stage("toy2", 1, 5e-4, (6, 6, 6), 0.1, 0.3, augment="real-photometric"))


@pytest.fixture
def toy_recipe(monkeypatch):
    monkeypatch.setitem(RECIPES, "toy", TOY)
    return "toy"


def toy_args(tiny_csv, run_dir, recipe="toy"):
    return ["--recipe", recipe, "--data", str(tiny_csv), "--ferplus", "none", "--batch-size", "8",
            "--run", str(run_dir)]


@pytest.mark.slow
def test_one_command_runs_every_stage_then_resumes_without_redoing_any(tiny_csv, tmp_path, toy_recipe):
    import keras

    run_dir = tmp_path / "run"
    assert main(toy_args(tiny_csv, run_dir)) == 0
    model = keras.saving.load_model(run_dir / "model.keras")
    assert [model.get_layer(f"conv{b}_1").filters for b in (1, 2, 3)] == [6, 6, 6]  # widened by stage 2
    metadata = json.loads((run_dir / "model.json").read_text())
    assert metadata["training"]["recipe_stages"] == ["toy1", "toy2"] and metadata["training"]["total_epochs"] == 2
    assert {"PublicTest", "PrivateTest"} <= set(metadata["metrics"]) and (run_dir / "EVALUATION.md").is_file()
    assert metadata["tflite"]["file"] == "model.tflite" and (run_dir / "model.tflite").is_file()
    # The webcam's int8 twin, or why there is none (a toy network may change class when rounded).
    from emotion_app.model import load_model

    paired = "keras_sha256" in metadata["tflite_int8"]
    assert paired or "strays too far" in metadata["tflite_int8"]["refused"]
    assert load_model(run_dir / "model.keras", quantized=True).runtime == ("litert-int8" if paired else "litert")
    log = (run_dir / "train.log").read_text()
    assert "widened" in log and log.count("toy2 epoch 1/1") == 1

    # Served with BN statistics of clean Training faces, not of the augmented training batches.
    from training.batchnorm import clean_sample
    from training.data import load_fer2013_csv

    clean = clean_sample(load_fer2013_csv(tiny_csv).split("Training").x, seed=42)
    first_bn = model.get_layer("bn1_1")
    inputs = np.asarray(keras.Model(model.input, first_bn.input)(clean, training=False))
    assert np.allclose(first_bn.get_weights()[2], inputs.mean(axis=(0, 1, 2)), atol=1e-5)

    # The same command again trains nothing; a lost finish step is redone alone.
    (run_dir / "model.keras").unlink()
    assert main(toy_args(tiny_csv, run_dir)) == 0
    log = (run_dir / "train.log").read_text()
    assert log.count("toy2 epoch 1/1") == 1 and log.count("toy1: done before") == 1

    # Another recipe or settings in the same run directory is refused rather than silently mixed.
    with pytest.raises(SystemExit, match="another recipe or settings"):
        main([*toy_args(tiny_csv, run_dir), "--limit", "10"])


@pytest.mark.slow
def test_an_interrupted_stage_resumes_from_its_last_epoch(tiny_csv, tmp_path, monkeypatch):
    import keras

    monkeypatch.setitem(RECIPES, "three", (Stage("long", 3, 1e-3, (4, 4, 4)),))
    run_dir = tmp_path / "run"

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    original_fit = keras.Model.fit

    def fit_then_interrupt(self, *a, **kw):
        kw["callbacks"] = [*kw["callbacks"], Interrupt()]
        return original_fit(self, *a, **kw)

    monkeypatch.setattr(keras.Model, "fit", fit_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        main(toy_args(tiny_csv, run_dir, "three"))
    monkeypatch.setattr(keras.Model, "fit", original_fit)
    assert json.loads((run_dir / "long" / "state.json").read_text())["epochs_done"] == 2
    assert main(toy_args(tiny_csv, run_dir, "three")) == 0
    log = (run_dir / "train.log").read_text()
    assert "long epoch 3/3" in log and log.count("long epoch 1/3") == 1  # resumed at epoch 3
    assert json.loads((run_dir / "long" / "state.json").read_text())["epochs_done"] == 3
    assert log.count("long: random streams from seed") == 2 and len(set(re.findall(r"from seed (\d+)", log))) == 2


@pytest.mark.slow
def test_a_stage_stopped_while_scoring_an_epoch_trains_and_scores_it_again(tiny_csv, tmp_path, monkeypatch):
    """The backup used to mark an epoch done before it was scored: a session that ended then lost
    that epoch's checkpoint and PublicTest score for good."""
    from training import train

    monkeypatch.setitem(RECIPES, "three", (Stage("long", 3, 1e-3, (4, 4, 4)),))
    run_dir = tmp_path / "run"
    original = train.EpochScorer.on_epoch_end

    def stopped_while_scoring_the_second(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt
        return original(self, epoch, logs)

    monkeypatch.setattr(train.EpochScorer, "on_epoch_end", stopped_while_scoring_the_second)
    with pytest.raises(KeyboardInterrupt):
        main(toy_args(tiny_csv, run_dir, "three"))
    monkeypatch.setattr(train.EpochScorer, "on_epoch_end", original)
    assert main(toy_args(tiny_csv, run_dir, "three")) == 0
    assert (run_dir / "long" / "epoch002.keras").is_file()
    assert "long epoch 2/3" in (run_dir / "train.log").read_text()


def test_a_resumed_stage_draws_fresh_random_streams(tmp_path):
    """Keras keeps the augmentation's seed state out of the saved weights, so a resumed stage seeded
    as before replayed the exact augmented batches of its first epochs (its training accuracy jumped)."""
    import keras

    from training.network import build_augmentation
    from training.train import stage_seed

    trainer = keras.Sequential([keras.Input((48, 48, 1)), build_augmentation(42, "real-photometric", False)])
    assert any("seed" in v.path for v in trainer.variables) and not any("seed" in w.path for w in trainer.weights)
    first, second = tmp_path / "cycle01", tmp_path / "cycle02"
    first.mkdir()
    fresh = stage_seed(Settings(), first)
    assert stage_seed(Settings(), first) == fresh  # reproducible
    assert stage_seed(Settings(), second) != fresh  # the next stage does not replay the streams of this one
    (first / "state.json").write_text(json.dumps({"epochs_done": 3}))
    assert stage_seed(Settings(), first) not in (fresh, stage_seed(Settings(), second))  # nor does a resumption


@pytest.mark.slow
def test_ship_refuses_a_worse_model_and_writes_fresh_metadata(tiny_csv, tmp_path, toy_recipe):
    from training.ship import ShipError, ship

    run_dir, target = tmp_path / "run", tmp_path / "models" / "emotion_cnn.keras"
    assert main(toy_args(tiny_csv, run_dir)) == 0
    from emotion_app.model import twin_path

    twin_path(target, "litert-int8").parent.mkdir(parents=True)
    twin_path(target, "litert-int8").write_bytes(b"the int8 twin of the model shipped before")
    shipped = ship(run_dir, target, docs=tmp_path / "docs")
    assert target.with_suffix(".tflite").is_file() and (tmp_path / "docs" / "EVALUATION.md").is_file()
    assert "calibration_bias" in shipped["training"]
    from emotion_app.model import load_model

    assert load_model(target).runtime == "litert"  # the twin is paired with the copied file
    # the run's int8 twin, paired with the copied file too, or none at all: never the old one
    # (a toy model's int8 twin may be refused: the metadata then says why, and pairs nothing)
    expected = "litert-int8" if "keras_sha256" in shipped.get("tflite_int8", {}) else "litert"
    assert load_model(target, quantized=True).runtime == expected
    assert twin_path(target, "litert-int8").is_file() == (expected == "litert-int8")

    # A run scoring lower on PublicTest than what is shipped is refused.
    better = json.loads(target.with_suffix(".json").read_text())
    better["metrics"]["PublicTest"]["accuracy"] = 1.0
    target.with_suffix(".json").write_text(json.dumps(better))
    with pytest.raises(ShipError, match="below the shipped 1.0000"):
        ship(run_dir, target, docs=tmp_path / "docs")
    shutil.rmtree(run_dir / "toy2")
    (run_dir / "model.keras").unlink()
    with pytest.raises(ShipError, match="no finished model"):
        ship(run_dir, target, docs=tmp_path / "docs")


def test_split_arrays_give_the_same_training_data_as_the_csv_and_its_votes(tiny_csv, tmp_path):
    from tests.conftest import write_ferplus_csv, write_split_arrays
    from training.data import load_fer2013_csv
    from training.recipe import Settings
    from training.train import load_data

    faces = load_fer2013_csv(tiny_csv)
    votes = np.random.default_rng(2).integers(0, 4, (len(faces), 10))
    folder = write_split_arrays(tmp_path / "arrays", faces, votes)
    from_csv = load_data(Settings(data=str(tiny_csv), ferplus=str(write_ferplus_csv(tmp_path / "new.csv", votes))))
    from_arrays = load_data(Settings(data=str(folder), ferplus="ignored: the arrays carry their votes"))
    assert np.array_equal(from_arrays.train.x, from_csv.train.x) and np.array_equal(from_arrays.val.y, from_csv.val.y)
    assert np.allclose(from_arrays.targets, from_csv.targets) and not np.allclose(from_csv.targets.max(axis=1), 1)
    plain = load_data(Settings(data=str(folder), ferplus="none"))
    assert np.allclose(plain.targets.max(axis=1), 1)


@pytest.mark.slow
def test_stages_alone_on_split_arrays_then_the_finish_later(tiny_csv, tmp_path, toy_recipe):
    """What a GPU machine without TensorFlow runs (--no-finish), then the finish where TensorFlow is."""
    from tests.conftest import write_split_arrays
    from training.data import data_sha256, load_fer2013_csv

    faces = load_fer2013_csv(tiny_csv)
    folder = write_split_arrays(tmp_path / "arrays", faces, np.ones((len(faces), 10), np.int64))
    run_dir = tmp_path / "run"
    args = ["--recipe", "toy", "--data", str(folder), "--batch-size", "8", "--run", str(run_dir)]
    assert main([*args, "--no-finish"]) == 0
    assert (run_dir / "toy2" / "best.keras").is_file() and not (run_dir / "model.keras").exists()
    # What comes back from that machine: the last stage's model, not the earlier stages' files.
    shutil.rmtree(run_dir / "toy1")
    assert main(args) == 0
    metadata = json.loads((run_dir / "model.json").read_text())
    assert metadata["metrics"]["data_sha256"] == data_sha256(folder) and (run_dir / "model.tflite").is_file()
    log = (run_dir / "train.log").read_text()
    assert log.count("toy2 epoch 1/1") == 1 and log.count("toy1 epoch 1/1") == 1 and "toy1: done before" in log


def test_bad_data_is_a_clear_cli_error(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("emotion,pixels\n0,1 2 3\n")
    assert main(["--data", str(bad), "--run", str(tmp_path / "r")]) == 2
    assert "missing column(s) Usage" in capsys.readouterr().err


def test_a_missing_start_model_is_a_clear_cli_error(tmp_path, capsys):
    assert main(["--init-from", str(tmp_path / "nope.keras"), "--run", str(tmp_path / "r")]) == 2
    assert "no model file" in capsys.readouterr().err


def test_the_seed_option_reaches_the_runs_settings_and_defaults_to_the_shipped_seed(tmp_path, monkeypatch):
    import training.train as train

    seen = []
    monkeypatch.setattr(train, "run_recipe", lambda recipe, run_dir, settings, *rest: seen.append(settings.seed))
    assert main(["--run", str(tmp_path / "a")]) == 0 and main(["--seed", "43", "--run", str(tmp_path / "b")]) == 0
    assert seen == [42, 43]


def test_the_recipes_are_data_the_shipped_one_ends_at_the_shipped_widths():
    import keras

    from tests.conftest import SHIPPED_MODEL

    shipped = RECIPES["shipped"]
    model = keras.saving.load_model(SHIPPED_MODEL)
    assert shipped[-1].widths == tuple(model.get_layer(f"conv{b}_1").filters for b in (1, 2, 3))
    assert all(a.widths <= b.widths for a, b in zip(shipped, shipped[1:], strict=False))  # widen, never narrow
    # and the shipped model's last stage is the recipe's, augmentation included (its metadata may
    # hold fields of options the recipe no longer has, and lack those added since, at their defaults)
    made_by = json.loads(SHIPPED_MODEL.with_suffix(".json").read_text())["training"]["stage"]
    made_by = {**json.loads(json.dumps(asdict(Stage("", 0, 0.0)))), **made_by}
    recipe = json.loads(json.dumps(asdict(shipped[-1])))
    assert {field: made_by[field] for field in recipe} == recipe


def test_each_stage_keeps_its_best_publictest_epoch_not_its_last(tmp_path, monkeypatch):
    """The per-epoch choice: best.keras is the epoch with the highest PublicTest score, by that score alone."""
    import keras

    from training import train

    scores = iter([0.30, 0.50, 0.40])
    monkeypatch.setattr(train, "ServedCopy", lambda model, faces: lambda: model)
    monkeypatch.setattr(train, "accuracy", lambda model, data: next(scores))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    data = train.TrainingData(None, None, None, None, bn_faces=None)
    scorer = train.EpochScorer(model, data, Stage("toy", 3, 1e-3), tmp_path)
    for epoch in range(3):
        model.layers[0].bias.assign([float(epoch + 1)])  # marks which epoch's weights were saved
        scorer.on_epoch_begin(epoch)
        scorer.on_epoch_end(epoch, {"loss": 1.0, "accuracy": 0.5})
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["best_epoch"] == 2 and state["best_val_accuracy"] == 0.50 and state["epochs_done"] == 3
    assert keras.saving.load_model(tmp_path / "best.keras").layers[0].bias.numpy().tolist() == [2.0]


def test_the_served_copy_is_made_once_a_stage_and_follows_each_epochs_weights(tmp_path, monkeypatch):
    """Under JAX every new model compiles afresh (seconds an epoch on a GPU), so the scorer keeps one
    served copy a stage and refreshes it: each epoch's file holds that epoch's weights, with
    batch-norm statistics of the clean faces through them."""
    import keras

    from training import train
    from training.data import FaceData
    from training.network import build_model

    clones, original = [], keras.models.clone_model
    monkeypatch.setattr(keras.models, "clone_model", lambda m, *a, **k: clones.append(m) or original(m, *a, **k))
    keras.utils.set_random_seed(0)
    model = build_model((4, 4, 4), dense_units=8)
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (40, 48, 48, 1)).astype("float32")
    val = FaceData(faces[:20], rng.integers(0, 7, 20), np.array(["PublicTest"] * 20), np.arange(20))
    scorer = train.EpochScorer(model, train.TrainingData(None, val, None, None, bn_faces=faces),
                               Stage("toy", 2, 1e-3), tmp_path)
    for epoch in range(2):
        kernel = model.get_layer("conv1_1").kernel
        kernel.assign(rng.normal(0, 0.5, kernel.shape).astype("float32"))  # this epoch's training
        scorer.on_epoch_begin(epoch)
        scorer.on_epoch_end(epoch, {"loss": 1.0, "accuracy": 0.5})
        saved = keras.saving.load_model(tmp_path / f"epoch{epoch + 1:03d}.keras")
        assert np.array_equal(saved.get_layer("conv1_1").kernel.numpy(), kernel.numpy())
        inputs = np.asarray(keras.Model(model.input, model.get_layer("bn1_1").input)(faces, training=False))
        _, _, mean, variance = saved.get_layer("bn1_1").get_weights()
        assert np.allclose(mean, inputs.mean(axis=(0, 1, 2)), atol=1e-4)
        assert np.allclose(variance, inputs.var(axis=(0, 1, 2)), rtol=1e-4)
    assert len(clones) == 1


def test_every_recipe_stage_names_an_augmentation_that_exists():
    from training.network import AUGMENTATIONS

    stages = [stage for recipe in RECIPES.values() for stage in recipe]
    assert all(stage.augment in AUGMENTATIONS for stage in stages)
    # the last stage alone is the shipped lineage's
    shipped = RECIPES["shipped"]
    assert RECIPES["last-stage-photometric"] == shipped[-1:]
    # the toy recipe takes the shipped path: a widening, then the shipped last stage's augmentation
    quick = RECIPES["quick"]
    assert quick[0].widths < quick[1].widths and quick[-1].augment == shipped[-1].augment


@pytest.mark.slow
def test_a_bfloat16_run_saves_a_float32_model_and_records_its_precision_and_cpu(tiny_csv, tmp_path, toy_recipe):
    import keras

    run_dir = tmp_path / "run"
    assert main([*toy_args(tiny_csv, run_dir), "--precision", "bfloat16", "--no-finish"]) == 0
    model = keras.saving.load_model(run_dir / "toy2" / "model.keras")
    assert {layer.dtype_policy.name for layer in model.layers[1:]} == {"float32"}
    training = json.loads((run_dir / "toy2" / "model.json").read_text())["training"]
    assert training["settings"]["precision"] == "bfloat16"
    assert training["machines"] and {"model", "flags"} <= set(training["machines"][0])
    assert "training in bfloat16" in (run_dir / "train.log").read_text()


def test_the_training_model_computes_in_bfloat16_but_answers_in_float32():
    from training.network import build_model

    model = build_model((4, 4, 4), dense_units=8, precision="bfloat16")
    conv = model.get_layer("conv1_1")
    assert conv.compute_dtype == "bfloat16" and conv.kernel.dtype == "float32"
    assert model.get_layer("probabilities").compute_dtype == "float32"


def test_the_cpu_description_lists_the_speed_flags_it_finds(tmp_path):
    from training.train import cpu_description

    info = tmp_path / "cpuinfo"
    info.write_text("model name\t: Test Xeon\nflags\t\t: fpu avx2 amx_bf16 avx512f\n")
    assert cpu_description(info) == {"model": "Test Xeon", "flags": ["amx_bf16", "avx512f", "avx2"]}


@pytest.mark.slow
def test_the_training_log_on_a_cpu_keeps_to_what_a_user_needs(tmp_path, tiny_csv):
    """The log opened with TensorFlow's C++ lines and 'failed call to cuInit', warned of tf.function
    retracing, printed the converter's settings and every finishing line twice."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    environ = {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}  # as a user's
    done = subprocess.run([sys.executable, "-m", "training.train", "--recipe", "quick", "--limit", "42", "--data",
                           str(tiny_csv), "--ferplus", "none", "--run", str(tmp_path / "run")], cwd=REPO,
                          capture_output=True, text=True, timeout=900, env=environ)
    assert done.returncode == 0, done.stderr[-3000:]
    log = done.stdout + done.stderr
    for noise in ("cuInit", "cuda drivers", "oneDNN", "retracing", "absl::InitializeLog", "fully_quantize",
                  "XNNPACK", "WARNING:training", "INFO:training"):
        assert noise not in log, noise
    lines = [line.split(" ", 2)[-1] for line in done.stdout.splitlines()]
    assert len(lines) == len(set(lines)) and any("PrivateTest" in line for line in lines)


def test_a_teacher_s_probabilities_are_blended_into_the_targets(tiny_csv, random_model_path):
    from emotion_app.model import load_model
    from training.train import load_data

    settings = replace(Settings(), data=str(tiny_csv), ferplus="none")
    plain = load_data(settings)
    taught = load_data(replace(settings, teacher=(str(random_model_path),), teacher_weight=0.25))
    teacher = load_model(random_model_path).probabilities(plain.train.x)
    np.testing.assert_allclose(taught.targets, 0.75 * plain.targets + 0.25 * teacher, atol=1e-6)
    np.testing.assert_allclose(taught.targets.sum(axis=1), 1, atol=1e-5)


def test_teachers_on_the_copies_read_the_student_s_copy_in_inference_mode_and_never_learn(random_model_path):
    """Distilling on the copies (issue 47): the teachers' half of the trainer's outputs is their served
    answer on the very copy the student reads (no dropout, their own batch-norm statistics, even while
    training), and a training step moves the student alone."""
    import keras

    from emotion_app.model import load_model
    from training.network import build_model
    from training.train import distilling_loss, distilling_trainer, student_accuracy, teacher_network

    faces = np.random.default_rng(0).uniform(0, 255, (16, 48, 48, 1)).astype("float32")
    targets = np.eye(7, dtype="float32")[np.arange(16) % 7]
    student, teachers = build_model((4, 4, 4)), teacher_network((str(random_model_path),))
    trainer = distilling_trainer(student, keras.layers.Identity(), teachers)
    served = load_model(random_model_path, runtime="tensorflow").probabilities(faces)
    np.testing.assert_allclose(np.asarray(trainer(faces, training=True))[:, 7:], served, atol=1e-5)

    teacher_weights, student_weights = teachers.get_weights(), student.get_weights()
    trainer.compile(optimizer=keras.optimizers.SGD(0.1), loss=distilling_loss(0.5),
                    metrics=[keras.metrics.MeanMetricWrapper(student_accuracy, name="accuracy")])
    logs = trainer.fit(faces, targets, batch_size=8, epochs=1, verbose=0).history
    assert 0 <= logs["accuracy"][0] <= 1
    assert all(np.array_equal(a, b) for a, b in zip(teacher_weights, teachers.get_weights(), strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(student_weights, student.get_weights(), strict=True))


@pytest.mark.slow
def test_a_student_taught_on_the_copies_trains_every_stage(tiny_csv, tmp_path, toy_recipe, random_model_path):
    run_dir = tmp_path / "run"
    assert main([*toy_args(tiny_csv, run_dir), "--teacher", str(random_model_path), "--teacher-view", "copy"]) == 0
    assert (run_dir / "model.keras").is_file() and "toy2 epoch 1/1" in (run_dir / "train.log").read_text()
    assert "on the augmented copy the student reads" in (run_dir / "train.log").read_text()
    assert json.loads((run_dir / "recipe.json").read_text())["settings"]["teacher_view"] == "copy"


def test_the_distilling_loss_is_cross_entropy_against_the_blended_target():
    from training.train import distilling_loss

    student = np.array([[0.7, 0.1, 0.05, 0.05, 0.04, 0.03, 0.03]], dtype="float32")
    teachers = np.array([[0.2, 0.5, 0.1, 0.1, 0.04, 0.03, 0.03]], dtype="float32")
    target = np.eye(7, dtype="float32")[[0]]
    loss = float(np.asarray(distilling_loss(0.25)(target, np.concatenate([student, teachers], axis=1)))[0])
    assert loss == pytest.approx(-np.sum((0.75 * target + 0.25 * teachers) * np.log(student)), rel=1e-5)


def test_runs_begun_before_distillation_still_resume():
    """recipe.json is compared whole on resumption: without a teacher, the settings are recorded as they
    were before the teacher's fields existed (the lineages training across sessions resume)."""
    before = {"data": Settings.data, "ferplus": Settings.ferplus, "ferplus_weight": 0.3, "batch_size": 128,
              "warmup_epochs": 1, "weight_decay": 0.0001, "class_weight_power": 0.5, "dense_units": 256,
              "seed": 7, "precision": "float32", "limit": 0}
    assert replace(Settings(), seed=7).record() == before
    assert replace(Settings(), teacher=("a.keras",)).record()["teacher"] == ["a.keras"]
    # ...and a student taught on clean faces, as before the teachers could read the copies
    assert "teacher_view" not in replace(Settings(), teacher=("a.keras",)).record()
    assert replace(Settings(), teacher=("a.keras",), teacher_view="copy").record()["teacher_view"] == "copy"


def test_a_missing_teacher_is_a_clear_error(tiny_csv, tmp_path, capsys):
    assert main([*toy_args(tiny_csv, tmp_path / "run", "quick"), "--teacher", str(tmp_path / "none.keras")]) == 2
    assert "no model file" in capsys.readouterr().err


def test_a_damaged_teacher_is_a_clear_error(tiny_csv, tmp_path, capsys):
    damaged = tmp_path / "teacher.keras"
    damaged.write_bytes(b"not a model")
    assert main([*toy_args(tiny_csv, tmp_path / "run", "quick"), "--teacher", str(damaged)]) == 2
    assert "could not be loaded" in capsys.readouterr().err
