"""Train the emotion CNN on FER2013 with one command: every stage of the recipe, then the finish.

    python -m training.train                      # the shipped recipe from scratch, into runs/shipped
    python -m training.train --recipe quick       # every step, tiny networks, all the faces, minutes
    python -m training.train --recipe last-stage-photometric --init-from runs/cycle6/emotion_cnn.keras

The last command is the fine-tune: the shipped recipe's last stage alone, from a trained model
(docs/TRAINING.md). Stages are listed in ``training/recipe.py``. Interrupt it at any time and run
the same command again: finished stages are skipped and the current one resumes from its last
finished epoch (weights, optimizer state, schedule position, best checkpoint so far). Each epoch is
scored on PublicTest with batch-norm statistics re-estimated on clean Training faces
(``batchnorm.py``), as it will be served; each stage keeps its best epoch and calibrates it on
PublicTest (``calibration.py``). The finish evaluates the last stage's model (EVALUATION.md and
metrics in the run directory) and pairs its TFLite twins. PrivateTest is reported, never used to
choose.

The shipped model changes only through ``python -m training.ship runs/NAME``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import zlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from emotion_app.labels import NUM_CLASSES
from emotion_app.model import ModelError, load_metadata
from training.data import (
    DataError,
    class_weights,
    data_sha256,
    distilled_targets,
    ferplus_distributions,
    load_faces_and_votes,
    load_ferplus_targets,
    soft_targets,
)
from training.network import PRECISIONS, build_augmentation, build_model, keras
from training.recipe import RECIPES, TEACHER_VIEWS, Settings, Stage

REPO = Path(__file__).resolve().parents[1]
log = logging.getLogger("training")


@dataclass
class TrainingData:
    train: object  # training.data.FaceData
    val: object
    targets: np.ndarray  # soft targets of the Training faces
    weights: np.ndarray  # per-class sample weights
    bn_faces: np.ndarray  # clean Training faces for batch-norm re-estimation


def setup_logging(run_dir: Path) -> None:
    log.setLevel(logging.INFO)
    log.handlers.clear()
    log.propagate = False  # a library that configures the root logger printed each line twice
    # "N out of the last N calls ... triggered tf.function retracing": batch-norm re-estimation runs
    # one small model a layer, each traced once by design
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    formatter = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S")
    for handler in (logging.StreamHandler(sys.stdout), logging.FileHandler(run_dir / "train.log")):
        handler.setFormatter(formatter)
        log.addHandler(handler)


# The instructions that decide what a precision costs here: AMX and AVX-512 BF16 run bfloat16
# convolutions in hardware; without them bfloat16 is no gain (each epoch's seconds are in the run's log).
SPEED_FLAGS = ("amx_bf16", "amx_int8", "amx_tile", "avx512_bf16", "avx512_vnni", "avx512f", "avx_vnni", "avx2")


def cpu_description(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict:
    """This machine's CPU model and which of ``SPEED_FLAGS`` it has (empty where /proc is not Linux's)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        import platform

        return {"model": platform.processor() or platform.machine(), "flags": []}
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    fields = {key.strip(): value.strip() for key, value in fields.items()}
    flags = set(fields.get("flags", "").split())
    return {"model": fields.get("model name", "unknown"), "flags": [f for f in SPEED_FLAGS if f in flags]}


def _limited(data, limit: int):
    return data if not limit else type(data)(data.x[:limit], data.y[:limit], data.usage[:limit], data.rows[:limit])


def load_data(settings: Settings) -> TrainingData:
    from training.batchnorm import clean_sample

    faces, votes = load_faces_and_votes(settings.data)  # the CSV's votes are in settings.ferplus
    train, val = _limited(faces.split("Training"), settings.limit), _limited(faces.split("PublicTest"), settings.limit)
    if not len(train) or not len(val):
        raise DataError(f"{settings.data}: needs rows with Usage Training and PublicTest")
    ferplus = None
    if settings.ferplus != "none" and settings.ferplus_weight > 0:
        ferplus = (ferplus_distributions(votes[train.rows]) if votes is not None
                   else load_ferplus_targets(settings.ferplus, train.rows))
    weights = class_weights(train.y, settings.class_weight_power)
    log.info("training on %d faces, choosing on %d PublicTest faces; class weights %s",
             len(train), len(val), ", ".join(f"{w:.2f}" for w in weights))
    targets = soft_targets(train.y, ferplus, settings.ferplus_weight)
    if settings.teacher:
        log.info("distilling: %.2f of each target is the average of %s, on the %s", settings.teacher_weight,
                 ", ".join(settings.teacher),
                 "clean face" if settings.teacher_view == "clean" else "augmented copy the student reads")
    if settings.teacher and settings.teacher_view == "clean":
        targets = distilled_targets(targets, teacher_probabilities(settings.teacher, train.x), settings.teacher_weight)
    return TrainingData(train, val, targets, weights, clean_sample(train.x, settings.seed))


def teacher_probabilities(teacher: tuple[str, ...], faces: np.ndarray) -> np.ndarray:
    """The teachers' averaged probabilities for ``faces`` (the clean faces: each epoch's augmented copy
    of a face keeps its clean face's target, as it keeps its label)."""
    from emotion_app.model import EnsembleModel, load_model

    model = EnsembleModel([load_model(path) for path in teacher])
    return np.concatenate([model.probabilities(batch) for batch in np.array_split(faces, max(1, len(faces) // 1024))])


def initial_model(stage: Stage, settings: Settings, init: Path | None):
    """``build_model`` for ``stage``, holding ``init``'s weights (minus its calibration offset),
    widened to the stage's widths when ``init`` is narrower; random weights without ``init``."""
    from training.calibration import OUTPUT_LAYER
    from training.widen import widen_model

    model = build_model(stage.widths, stage.block_dropout, settings.dense_units, stage.dense_dropout,
                        settings.precision)
    if init is None:
        return model
    earlier = keras.saving.load_model(init)
    offset = load_metadata(init).get("training", {}).get("calibration_bias")
    if offset:
        layer = earlier.get_layer(OUTPUT_LAYER)
        kernel, bias = layer.get_weights()
        layer.set_weights([kernel, bias - np.asarray(offset, dtype=bias.dtype)])
    if tuple(earlier.get_layer(f"conv{b}_1").filters for b in (1, 2, 3)) != tuple(stage.widths):
        earlier = widen_model(earlier, stage.widths, settings.seed)
        log.info("widened %s to %s", init, "-".join(map(str, stage.widths)))
    model.set_weights(earlier.get_weights())
    log.info("starting from %s%s", init, " (calibration offset removed)" if offset else "")
    return model


class InferenceOnly(keras.layers.Layer):
    """``model`` always in inference mode and never trained. NOTE: a ``training=False`` given when a
    functional graph is built does not hold: Keras passes the outer flag down to every nested model."""

    def __init__(self, model, **kwargs) -> None:
        super().__init__(trainable=False, **kwargs)
        self.model = model

    def call(self, faces):
        return self.model(faces, training=False)


def teacher_network(teacher: tuple[str, ...]) -> InferenceOnly:
    """The teachers as one frozen layer averaging their (calibrated) probabilities."""
    from emotion_app.model import EnsembleModel, load_model

    return InferenceOnly(EnsembleModel([load_model(path, runtime="tensorflow") for path in teacher]).keras_model,
                         name="teachers")


def distilling_trainer(model, augmentation, teachers):
    """The student and the teachers on the same augmented copy: ``(N, 14)`` outputs, the student's
    probabilities then the teachers' (read by ``distilling_loss``). The teachers run in inference mode
    (no dropout, their own batch-norm statistics) and are never trained."""
    face = keras.Input(shape=model.input_shape[1:])
    copy = augmentation(face)
    both = keras.layers.Concatenate(name="student_then_teachers")([model(copy), teachers(copy)])
    return keras.Model(face, both, name="trainer")


def distilling_loss(weight: float):
    """Cross-entropy of the student against its target with ``weight`` of it given to the teachers'
    probabilities on the same copy (``distilling_trainer``'s outputs)."""
    def loss(y_true, y_pred):
        student, teachers = y_pred[:, :NUM_CLASSES], keras.ops.stop_gradient(y_pred[:, NUM_CLASSES:])
        return keras.losses.categorical_crossentropy((1 - weight) * y_true + weight * teachers, student)
    return loss


def student_accuracy(y_true, y_pred):
    """Accuracy of the student's half of ``distilling_trainer``'s outputs."""
    same = keras.ops.equal(keras.ops.argmax(y_true, -1), keras.ops.argmax(y_pred[:, :NUM_CLASSES], -1))
    return keras.ops.cast(same, "float32")


def compile_trainer(model, stage: Stage, settings: Settings, steps_per_epoch: int, seed: int):
    """The model behind its augmentation (seeded with ``seed``), with AdamW on a warm-up + cosine schedule;
    distilling on the copies, the teachers read the same copy (``distilling_trainer``)."""
    augmentation = build_augmentation(seed, stage.augment, stage.erase)
    loss, accuracy_metric = keras.losses.CategoricalCrossentropy(), "accuracy"
    if settings.teacher and settings.teacher_view == "copy":
        trainer = distilling_trainer(model, augmentation, teacher_network(settings.teacher))
        loss = distilling_loss(settings.teacher_weight)
        accuracy_metric = keras.metrics.MeanMetricWrapper(student_accuracy, name="accuracy")
    else:
        trainer = keras.Sequential([keras.Input(shape=model.input_shape[1:]), augmentation, model], name="trainer")
    warmup = settings.warmup_epochs * steps_per_epoch
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, warmup_target=stage.learning_rate, warmup_steps=warmup,
        decay_steps=max(1, stage.epochs * steps_per_epoch - warmup),
    )
    trainer.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=settings.weight_decay),
                    loss=loss, metrics=[accuracy_metric])
    return trainer


def _float32_layer(layer):
    return layer.__class__.from_config({**layer.get_config(), "dtype": "float32"})


class ServedCopy:
    """A float32 copy of a training model as it will be served (batch-norm statistics of clean
    faces), refreshed from it on each call; a bfloat16 run's weights are float32 already.

    NOTE: made once a stage, not once an epoch: under JAX every new model (and every new batch-norm
    sub-model) compiles afresh, seconds an epoch on a GPU, where the rest of an epoch takes about as
    long.
    """

    def __init__(self, model, bn_faces: np.ndarray) -> None:
        from training.batchnorm import BatchNormEstimator

        self.source = model
        self.model = keras.models.clone_model(model, clone_function=_float32_layer)
        self.estimate = BatchNormEstimator(self.model, bn_faces)

    def __call__(self):
        self.model.set_weights(self.source.get_weights())
        self.estimate()
        return self.model


def accuracy(model, data) -> float:
    from training.inference import predict_probabilities

    return float(np.mean(predict_probabilities(model, data.x).argmax(axis=1) == data.y))


class EpochScorer(keras.callbacks.Callback):
    """Scores each epoch's served copy on PublicTest, saves it as ``epochNNN.keras`` (so a later
    choice can also weigh whole photos) and keeps the best as ``best.keras``.

    NOTE: the best score lives in state.json, not in memory, so a resumed stage keeps comparing
    against the best checkpoint of the interrupted one.
    """

    def __init__(self, served_model, data: TrainingData, stage: Stage, stage_dir: Path) -> None:
        super().__init__()
        self.served_model, self.data, self.stage, self.stage_dir = served_model, data, stage, stage_dir
        self.state_path = stage_dir / "state.json"
        self.served = None  # the ServedCopy, made at the first epoch's end

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.time()

    def on_epoch_end(self, epoch, logs=None):
        state = json.loads(self.state_path.read_text()) if self.state_path.exists() else {"best_val_accuracy": -1.0}
        if self.served is None:
            self.served = ServedCopy(self.served_model, self.data.bn_faces)
        served = self.served()
        score, seconds = accuracy(served, self.data.val), time.time() - self.started
        log.info("%s epoch %d/%d  loss %.4f  acc %.4f  PublicTest %.4f with clean BN  %.0f s", self.stage.name,
                 epoch + 1, self.stage.epochs, logs["loss"], logs["accuracy"], score, seconds)
        served.save(self.stage_dir / f"epoch{epoch + 1:03d}.keras")
        if score > state["best_val_accuracy"]:
            served.save(self.stage_dir / "best.keras")
            state.update(best_val_accuracy=score, best_epoch=epoch + 1)
        state.update(epochs_done=epoch + 1, seconds=round(state.get("seconds", 0) + seconds))
        machines, cpu = state.setdefault("machines", []), cpu_description()
        if cpu not in machines:  # a resumed stage may finish on another machine
            machines.append(cpu)
        self.state_path.write_text(json.dumps(state, indent=2))


def stage_seed(settings: Settings, stage_dir: Path) -> int:
    """The seed of a stage's random streams (shuffling, augmentation, dropout): the settings' seed,
    offset by the stage (its directory's name) and by the epochs it has done.

    NOTE: the backup restores weights and optimizer but not the augmentation's random state (Keras
    keeps seed-generator state out of the saved weights), so a stage seeded as the one before it, or
    resumed with its own first seed, replays exact augmented batches the model has already fitted:
    its training accuracy jumps and the epochs teach less. Offsets draw fresh ones.
    """
    state = stage_dir / "state.json"
    done = json.loads(state.read_text()).get("epochs_done", 0) if state.exists() else 0
    return settings.seed + 1000 * done + 100_000 * (zlib.crc32(stage_dir.name.encode()) % 1000)


def train_stage(stage: Stage, settings: Settings, stage_dir: Path, init: Path | None, data: TrainingData) -> Path:
    """One stage, resumable; returns its calibrated model (skipped when already written)."""
    out = stage_dir / "model.keras"
    if out.exists():
        log.info("%s: done before, %s", stage.name, out)
        return out
    stage_dir.mkdir(parents=True, exist_ok=True)
    seed = stage_seed(settings, stage_dir)
    log.info("%s: random streams from seed %d", stage.name, seed)
    keras.utils.set_random_seed(seed)
    model = initial_model(stage, settings, init)
    trainer = compile_trainer(model, stage, settings, int(np.ceil(len(data.train) / settings.batch_size)), seed)
    trainer.fit(
        data.train.x.astype("float32"), data.targets, sample_weight=data.weights[data.train.y],
        validation_data=(data.val.x.astype("float32"), np.eye(NUM_CLASSES, dtype="float32")[data.val.y]),
        batch_size=settings.batch_size, epochs=stage.epochs, shuffle=True, verbose=0,
        # NOTE: the scorer first, so the backup marks an epoch done only once it is scored and saved:
        # a stage stopped while scoring trains that epoch again instead of skipping its checkpoint.
        callbacks=[EpochScorer(model, data, stage, stage_dir),
                   keras.callbacks.CSVLogger(str(stage_dir / "history.csv"), append=True),
                   keras.callbacks.BackupAndRestore(str(stage_dir / "backup"))],
    )
    return finish_stage(stage, settings, stage_dir, init, data)


def finish_stage(stage: Stage, settings: Settings, stage_dir: Path, init: Path | None, data: TrainingData) -> Path:
    """The stage's best epoch, calibrated on PublicTest, written with its metadata."""
    from training.calibration import calibrate_class_bias
    from training.metadata import write_metadata

    state = json.loads((stage_dir / "state.json").read_text())
    best = keras.saving.load_model(stage_dir / "best.keras")
    bias = calibrate_class_bias(best, data.val.x, data.val.y)
    log.info("%s: best epoch %d; PublicTest calibration %.4f -> %.4f, disgust recall %.3f -> %.3f", stage.name,
             state["best_epoch"], bias.accuracy_before, bias.accuracy_after, bias.disgust_recall_before,
             bias.disgust_recall_after)
    parent = load_metadata(init).get("training", {}) if init else {}
    out = stage_dir / "model.keras"
    best.save(out)
    write_metadata(out, training={
        "settings": settings.record(), "stage": asdict(stage), "init_from": str(init) if init else None,
        "data_sha256": data_sha256(settings.data), "best_epoch": state["best_epoch"],
        "epochs_done": state["epochs_done"], "train_seconds": state["seconds"],
        "machines": state.get("machines", []),
        "total_epochs": parent.get("total_epochs", 0) + state["epochs_done"],
        "total_train_seconds": parent.get("total_train_seconds", 0) + state["seconds"],
        "calibration_bias": [round(float(b), 4) for b in bias.bias],
        "publictest_calibrated": round(bias.accuracy_after, 4),
    })
    return out


def finish_run(run_dir: Path, last: Path, settings: Settings, stages: list[str]) -> Path:
    """The run's model (the last stage's), evaluated, with its TFLite twin; each step skipped when done."""
    import shutil

    from emotion_app.model import quiet_native_stderr
    from training.evaluate import write_evaluation
    from training.export import export_all, write_twin
    from training.metadata import write_metadata

    model = run_dir / "model.keras"
    if not model.exists():
        shutil.copyfile(last, model)
        training = load_metadata(last)["training"]
        write_metadata(model, training={**training, "recipe_stages": stages})
    if "metrics" not in load_metadata(model):
        write_evaluation(model, Path(settings.data), run_dir, title=f"Evaluation of {run_dir.name}")
    if "tflite" not in load_metadata(model):
        with quiet_native_stderr():  # the converter's and LiteRT's own lines
            _, tflite = export_all(model, run_dir / "export")
            write_twin(model, tflite)
    if "tflite_int8" not in load_metadata(model):
        with quiet_native_stderr():
            write_int8_or_why_not(model, run_dir / "export", Path(settings.data))
    metrics = load_metadata(model)["metrics"]
    log.info("%s: PublicTest %.4f, PrivateTest %.4f (reported, never used to choose)", model,
             metrics["PublicTest"]["accuracy"], metrics["PrivateTest"]["accuracy"])
    return model


def write_int8_or_why_not(model: Path, export_dir: Path, data: Path) -> None:
    """The int8 twin the pages serve, beside ``model``; if it strays too far from it on PublicTest (a
    toy run), the metadata says so and the pages serve the float32 twin."""
    from training.export import Int8Refused, export_all, int8_from_data
    from training.metadata import write_metadata

    saved_model = export_dir / "saved_model" / "1"
    if not saved_model.is_dir():
        saved_model, _ = export_all(model, export_dir)
    try:
        log.info("%s: int8 twin %s", model, int8_from_data(model, saved_model, export_dir, data))
    except Int8Refused as error:  # anything else is a bug, and stops the run
        log.warning("%s: no int8 twin: %s", model, error)
        write_metadata(model, tflite_int8={"refused": str(error)})


def run_recipe(recipe: str, run_dir: Path, settings: Settings, init: Path | None = None, finish: bool = True) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    setup_logging(run_dir)
    saved = run_dir / "recipe.json"
    plan = {"recipe": recipe, "settings": settings.record(), "init_from": str(init) if init else None}
    if saved.exists() and json.loads(saved.read_text()) != json.loads(json.dumps(plan)):
        raise SystemExit(f"{run_dir} holds a run of another recipe or settings; use another --run")
    saved.write_text(json.dumps(plan, indent=2))
    cpu = cpu_description()
    log.info("CPU %s with %s; training in %s", cpu["model"], " ".join(cpu["flags"]) or "no listed speed flags",
             settings.precision)
    if settings.precision == "bfloat16" and not {"amx_bf16", "avx512_bf16"} & set(cpu["flags"]):
        log.warning("this CPU has no bfloat16 instructions: bfloat16 will be slower than float32 here")
    data = load_data(settings)
    stages, model = RECIPES[recipe], init
    # Each stage starts from the one before, so the last stage written is where the run stands: the
    # stages before it need no files (a GPU machine can send back the last stage's model alone).
    start = max((i for i, stage in enumerate(stages) if (run_dir / stage.name / "model.keras").exists()), default=0)
    for stage in stages[:start]:
        log.info("%s: done before (a later stage is written)", stage.name)
    for stage in stages[start:]:
        model = train_stage(stage, settings, run_dir / stage.name, model, data)
    if not finish:
        log.info("%s: every stage done; the same command without --no-finish evaluates it and makes its twins", model)
        return model
    return finish_run(run_dir, model, settings, [stage.name for stage in RECIPES[recipe]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="shipped")
    parser.add_argument("--run", type=Path, help="run directory (default runs/RECIPE)")
    parser.add_argument("--init-from", type=Path, help="start the first stage from this trained .keras model")
    parser.add_argument("--data", default=Settings.data,
                        help="FER2013 CSV (.csv or .csv.gz), or a folder of fer2013_<split>.npz.xz (which carry "
                             "their FER+ votes: --ferplus is then read only for 'none')")
    parser.add_argument("--ferplus", default=Settings.ferplus, help="fer2013new.csv with FER+ votes, or 'none'")
    parser.add_argument("--no-finish", action="store_true",
                        help="train the stages only, e.g. on a GPU machine without TensorFlow; the same command "
                             "without it later evaluates the run and makes its TFLite twins")
    parser.add_argument("--batch-size", type=int, default=Settings.batch_size)
    parser.add_argument("--limit", type=int, default=0, help="only the first N faces of each split (smoke tests)")
    parser.add_argument("--seed", type=int, default=Settings.seed,
                        help="seeds the widening, the data order and the augmentation: another seed trains a sibling")
    parser.add_argument("--teacher", nargs="+", default=[], metavar="MODEL",
                        help="distil: blend these trained models' averaged probabilities into the targets")
    parser.add_argument("--teacher-weight", type=float, default=Settings.teacher_weight,
                        help="the teachers' share of each target (default %(default)s)")
    parser.add_argument("--teacher-view", choices=TEACHER_VIEWS, default=Settings.teacher_view,
                        help="what the teachers read: each clean face once before training, or each batch's "
                             "augmented copy, as the student does (slower: the teachers run every step)")
    parser.add_argument("--precision", choices=sorted(PRECISIONS), default=Settings.precision,
                        help="bfloat16 trains about twice as fast on CPUs with AMX (see the run's log) and saves "
                             "the same float32 model")
    args = parser.parse_args(argv)
    settings = replace(Settings(), data=args.data, ferplus=args.ferplus, batch_size=args.batch_size, limit=args.limit,
                       seed=args.seed, precision=args.precision, teacher=tuple(args.teacher),
                       teacher_weight=args.teacher_weight, teacher_view=args.teacher_view)
    if args.init_from is not None and not args.init_from.is_file():
        print(f"error: --init-from: no model file at {args.init_from}", file=sys.stderr)
        return 2
    missing = [path for path in args.teacher if not Path(path).is_file()]
    if missing or not 0 < args.teacher_weight <= 1:
        print(f"error: --teacher: no model file at {missing[0]}" if missing
              else f"error: --teacher-weight must be in (0, 1], got {args.teacher_weight}", file=sys.stderr)
        return 2
    try:
        run_recipe(args.recipe, args.run or REPO / "runs" / args.recipe, settings, args.init_from, not args.no_finish)
    except (DataError, ModelError) as error:  # ModelError: a teacher that cannot be loaded
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
