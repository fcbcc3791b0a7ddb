"""Train the emotion CNN on FER2013 Training, choosing the checkpoint on PublicTest only.

    python -m training.train --run-dir runs/main --epochs 40

Interrupt it at any time and run the same command again: it resumes from the last finished epoch
(weights, optimizer state and schedule position) and keeps the best PublicTest checkpoint it had.
Each epoch the weights are scored on PublicTest with batch-norm statistics re-estimated on clean
Training faces (see ``batchnorm.py``), as they will be shipped. At the end the best checkpoint is
calibrated on PublicTest (see ``calibration.py``) and written to ``--out`` with its metadata.

With ``--average-from K`` the run also keeps the running mean of the weights of epochs K, K+1, ...
(stochastic weight averaging, Izmailov et al. 2018). The mean is one network of the same size and is
scored on PublicTest after each epoch like any other checkpoint, so it ships only if it scores best.

With ``--teacher MODEL`` (repeatable) the targets also blend in the models' flip-averaged predictions
on the training faces (see ``distill.py``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from emotion_app.model import sha256_file
from training.data import (
    DEFAULT_DATA,
    DEFAULT_FERPLUS,
    DataError,
    class_weights,
    load_fer2013_csv,
    load_ferplus_targets,
    soft_targets,
)
from training.model import AUGMENTATIONS, parse_widths

REPO = Path(__file__).resolve().parents[1]
log = logging.getLogger("training")


@dataclass
class TrainConfig:
    data: str = str(DEFAULT_DATA)
    ferplus: str = str(DEFAULT_FERPLUS)
    ferplus_weight: float = 0.3
    epochs: int = 40
    batch_size: int = 128
    learning_rate: float = 1e-3
    warmup_epochs: int = 1
    weight_decay: float = 1e-4
    class_weight_power: float = 0.5
    widths: tuple[int, int, int] = (32, 64, 128)
    block_dropout: float = 0.15
    dense_units: int = 256
    dense_dropout: float = 0.4
    augment: str = "fer"
    erase: bool = True
    seed: int = 42
    limit: int = 0
    init_from: str = ""
    average_from: int = 0
    teacher: tuple[str, ...] = ()
    teacher_weight: float = 0.5


def parse_args(argv: list[str] | None = None) -> tuple[TrainConfig, Path, Path, bool]:
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=defaults.data, help="FER2013 CSV (.csv or .csv.gz)")
    parser.add_argument("--ferplus", default=defaults.ferplus, help="fer2013new.csv with FER+ votes, or 'none'")
    parser.add_argument("--ferplus-weight", type=float, default=defaults.ferplus_weight,
                        help="weight of the FER+ vote distribution in the soft targets (0 = plain labels)")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--class-weight-power", type=float, default=defaults.class_weight_power,
                        help="0 = no class reweighting, 1 = fully balanced")
    parser.add_argument("--widths", type=parse_widths, default=",".join(map(str, defaults.widths)),
                        help="conv widths of the 3 blocks")
    parser.add_argument("--block-dropout", type=float, default=defaults.block_dropout,
                        help="dropout after each conv block")
    parser.add_argument("--dense-dropout", type=float, default=defaults.dense_dropout,
                        help="dropout before the softmax layer")
    parser.add_argument("--no-erase", action="store_true", help="turn off random erasing")
    parser.add_argument("--augment", choices=sorted(AUGMENTATIONS), default=defaults.augment,
                        help="augmentation setting (training/model.py): 'real' adds photometric changes, wider "
                        "framing and tilt")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--average-from", type=int, default=0, metavar="EPOCH",
                        help="also score the running mean of the weights of this epoch and later ones (0 = off)")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N rows of each split (smoke tests)")
    parser.add_argument("--init-from", default="", help="start from this trained .keras model (a warm restart of "
                        "our own network, e.g. the shipped one) instead of random weights")
    parser.add_argument("--teacher", action="append", default=[], help="also learn from this trained .keras model's "
                        "flip-averaged predictions on the training faces (self-distillation, see distill.py); "
                        "repeat it to average several teachers")
    parser.add_argument("--teacher-weight", type=float, default=defaults.teacher_weight,
                        help="weight of the teacher's distribution in the soft targets")
    parser.add_argument("--run-dir", type=Path, default=REPO / "runs" / "main", help="checkpoints and logs")
    parser.add_argument("--out", type=Path, default=REPO / "models" / "emotion_cnn.keras", help="the model to ship")
    parser.add_argument("--finish-only", action="store_true", help="train no further: calibrate the run's best "
                        "checkpoint again and write --out (e.g. after a change to the calibration)")
    args = parser.parse_args(argv)
    config = TrainConfig(
        data=args.data, ferplus=args.ferplus, ferplus_weight=args.ferplus_weight, epochs=args.epochs,
        batch_size=args.batch_size, learning_rate=args.learning_rate,
        class_weight_power=args.class_weight_power, widths=args.widths, block_dropout=args.block_dropout,
        dense_dropout=args.dense_dropout, augment=args.augment, erase=not args.no_erase,
        seed=args.seed, limit=args.limit, init_from=args.init_from, average_from=args.average_from,
        teacher=tuple(args.teacher), teacher_weight=args.teacher_weight,
    )
    return config, args.run_dir, args.out, args.finish_only


def setup_logging(run_dir: Path) -> None:
    log.setLevel(logging.INFO)
    log.handlers.clear()
    formatter = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S")
    for handler in (logging.StreamHandler(sys.stdout), logging.FileHandler(run_dir / "train.log")):
        handler.setFormatter(formatter)
        log.addHandler(handler)


def _limited(data, limit: int):
    return data if not limit else type(data)(data.x[:limit], data.y[:limit], data.usage[:limit], data.rows[:limit])


def start_from(model, path: Path) -> None:
    """Copy the weights of an earlier model of ours, minus the calibration offset folded into it."""
    import keras

    from emotion_app.model import load_metadata
    from training.calibration import OUTPUT_LAYER

    earlier = keras.saving.load_model(path)
    model.set_weights(earlier.get_weights())
    offset = load_metadata(path).get("training", {}).get("calibration_bias")
    if offset:
        layer = model.get_layer(OUTPUT_LAYER)
        kernel, bias = layer.get_weights()
        layer.set_weights([kernel, bias - np.asarray(offset, dtype=bias.dtype)])
    log.info("starting from %s%s", path, " (calibration offset removed)" if offset else "")


def parent_totals(init_from: str) -> dict:
    """Epochs and seconds that went into the model a warm restart starts from (zero for none)."""
    if not init_from:
        return {"epochs": 0, "seconds": 0}
    from emotion_app.model import load_metadata

    parent = load_metadata(Path(init_from)).get("training", {})
    return {"epochs": parent.get("total_epochs", parent.get("epochs_done", 0)),
            "seconds": parent.get("total_train_seconds", parent.get("train_seconds", 0))}


def same_config(saved: dict, config: TrainConfig) -> bool:
    """Whether a run directory's saved configuration is ``config``; options added since it was
    written count as their defaults (so older runs can still resume or ``--finish-only``)."""
    current = json.loads(json.dumps(asdict(config)))
    defaults = json.loads(json.dumps(asdict(TrainConfig())))
    return {**{k: v for k, v in defaults.items() if k not in saved}, **saved} == current


def fold_into_mean(path: Path, epoch: int, weights: list[np.ndarray]) -> dict:
    """Fold one epoch's weights into the running mean kept in ``path`` (so a resumed run continues it).

    Returns the first and last epochs in the mean and the mean weights.
    """
    if path.exists():
        with np.load(path) as saved:
            first, last = int(saved["first"]), int(saved["last"])
            mean = [saved[f"w{i}"] for i in range(len(weights))]
        if last < epoch:  # NOTE: an epoch re-run after a resume must not be counted twice
            count = last - first + 1
            mean = [m + (w - m) / (count + 1) for m, w in zip(mean, weights, strict=True)]
            last = epoch
    else:
        first = last = epoch
        mean = list(weights)
    np.savez(path, first=first, last=last, **{f"w{i}": m for i, m in enumerate(mean)})
    return {"first": first, "last": last, "weights": mean}


def train(config: TrainConfig, run_dir: Path, out: Path, finish_only: bool = False) -> dict:
    import keras

    from training.batchnorm import clean_sample, reestimate_batch_norm
    from training.calibration import calibrate_class_bias
    from training.inference import predict_probabilities
    from training.metadata import write_metadata
    from training.model import build_augmentation, build_model

    run_dir.mkdir(parents=True, exist_ok=True)
    setup_logging(run_dir)
    config_path = run_dir / "config.json"
    if config_path.exists() and not same_config(json.loads(config_path.read_text()), config):
        raise SystemExit(f"{run_dir} holds a run with another configuration; use a new --run-dir")
    config_path.write_text(json.dumps(asdict(config), indent=2))

    keras.utils.set_random_seed(config.seed)
    faces = load_fer2013_csv(config.data)
    train_set = _limited(faces.split("Training"), config.limit)
    val_set = _limited(faces.split("PublicTest"), config.limit)
    if not len(train_set) or not len(val_set):
        raise DataError(f"{config.data}: needs rows with Usage Training and PublicTest")
    ferplus = None
    if config.ferplus != "none" and config.ferplus_weight > 0:
        ferplus = load_ferplus_targets(config.ferplus, train_set.rows)
    targets = soft_targets(train_set.y, ferplus, config.ferplus_weight)
    if config.teacher:
        from training.distill import blend, teacher_targets

        teachers = [Path(t) for t in config.teacher]
        missing = [str(t) for t in teachers if not t.is_file()]
        if missing:
            raise SystemExit(f"--teacher: no model file at {', '.join(missing)}")
        taught = teacher_targets(teachers, train_set.x)
        targets = blend(targets, taught, config.teacher_weight)
        log.info("teachers %s: flip-averaged Training accuracy %.4f, mean top probability %.3f, weight %.2f",
                 ", ".join(config.teacher), np.mean(taught.argmax(axis=1) == train_set.y), taught.max(axis=1).mean(),
                 config.teacher_weight)
    weights = class_weights(train_set.y, config.class_weight_power)
    bn_faces = clean_sample(train_set.x, config.seed)
    log.info("training on %d faces, choosing on %d PublicTest faces; class weights %s",
             len(train_set), len(val_set), np.round(weights, 2).tolist())

    model = build_model(config.widths, config.block_dropout, config.dense_units, config.dense_dropout)
    if config.init_from:
        start_from(model, Path(config.init_from))
    trainer = keras.Sequential(
        [keras.Input(shape=model.input_shape[1:]),
         build_augmentation(config.seed, config.augment, config.erase),
         model],
        name="trainer",
    )
    steps_per_epoch = int(np.ceil(len(train_set) / config.batch_size))
    warmup = config.warmup_epochs * steps_per_epoch
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, warmup_target=config.learning_rate, warmup_steps=warmup,
        decay_steps=max(1, config.epochs * steps_per_epoch - warmup),
    )
    trainer.compile(
        optimizer=keras.optimizers.AdamW(schedule, weight_decay=config.weight_decay),
        loss=keras.losses.CategoricalCrossentropy(),
        metrics=["accuracy"],
    )

    best_path = run_dir / "best.keras"
    state_path = run_dir / "state.json"
    average_path = run_dir / "average.npz"
    if not state_path.exists():
        # NOTE: read now, while --init-from is still the parent: with the default --out the run
        # overwrites that very file at the end.
        state_path.write_text(json.dumps({"best_val_accuracy": -1.0, "parent": parent_totals(config.init_from)}))

    class KeepBest(keras.callbacks.Callback):
        """Saves the served model (no augmentation) whenever PublicTest accuracy improves.

        The score is that of a copy whose BN statistics are re-estimated on clean faces, which is
        what ships; the training-time statistics under-rated the second model by 2 points.
        NOTE: the best score lives in state.json, not in memory, so a resumed run keeps comparing
        against the best checkpoint of the interrupted one.
        """

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.time()

        def on_epoch_end(self, epoch, logs=None):
            state = json.loads(state_path.read_text()) if state_path.exists() else {"best_val_accuracy": -1.0}
            score, served = self.score(model.get_weights())
            log.info("epoch %d/%d  loss %.4f  acc %.4f  PublicTest loss %.4f acc %.4f, %.4f with clean BN  %.0f s",
                     epoch + 1, config.epochs, logs["loss"], logs["accuracy"], logs["val_loss"],
                     logs["val_accuracy"], score, time.time() - self.started)
            # Every epoch's served model is kept so a later choice can also weigh whole photos
            # (benchmarks/photos_e2e.py), which this loop does not see.
            served.save(run_dir / f"epoch{epoch + 1:03d}.keras")
            self.keep_if_best(state, score, served, epoch + 1, averaged=None)
            if config.average_from and epoch + 1 >= config.average_from:
                averaged = fold_into_mean(average_path, epoch + 1, model.get_weights())
                score, served = self.score(averaged["weights"])
                log.info("  mean of epochs %d-%d: PublicTest %.4f with clean BN",
                         averaged["first"], averaged["last"], score)
                self.keep_if_best(state, score, served, epoch + 1, averaged=[averaged["first"], averaged["last"]])
            state["epochs_done"] = epoch + 1
            state_path.write_text(json.dumps(state, indent=2))

        @staticmethod
        def score(weights):
            served = keras.models.clone_model(model)
            served.set_weights(weights)
            reestimate_batch_norm(served, bn_faces)
            return float(np.mean(np.argmax(predict_probabilities(served, val_set.x), axis=1) == val_set.y)), served

        @staticmethod
        def keep_if_best(state, score, served, epoch, averaged):
            if score > state["best_val_accuracy"]:
                served.save(best_path)
                state.update(best_val_accuracy=score, best_epoch=epoch, best_averaged_epochs=averaged)
                log.info("  new best PublicTest accuracy %.4f, saved %s", score, best_path)

    if finish_only:
        if not best_path.exists():
            raise SystemExit(f"{run_dir} has no best checkpoint to finish: train it first")
    else:
        started = time.time()
        trainer.fit(
            train_set.x.astype("float32"), targets, sample_weight=weights[train_set.y],
            validation_data=(val_set.x.astype("float32"), np.eye(7, dtype="float32")[val_set.y]),
            batch_size=config.batch_size, epochs=config.epochs, shuffle=True,
            verbose=1 if sys.stdout.isatty() else 0,  # a live progress bar in a terminal; per-epoch lines in the log
            callbacks=[
                keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
                keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
                KeepBest(),
            ],
        )
        state = json.loads(state_path.read_text())
        state["seconds_this_invocation"] = round(time.time() - started)
        state["seconds_total"] = state.get("seconds_total", 0) + state["seconds_this_invocation"]
        state_path.write_text(json.dumps(state, indent=2))
    state = json.loads(state_path.read_text())
    parent = state.get("parent") or parent_totals(config.init_from)  # run dirs from before "parent" was kept
    best = keras.saving.load_model(best_path)
    reestimate_batch_norm(best, bn_faces)  # idempotent for new runs; older runs saved training statistics
    bias = calibrate_class_bias(best, val_set.x, val_set.y)
    log.info("PublicTest calibration: class bias %s", np.round(bias.bias, 3).tolist())
    log.info("  PublicTest accuracy %.4f -> %.4f, disgust recall %.3f -> %.3f",
             bias.accuracy_before, bias.accuracy_after, bias.disgust_recall_before, bias.disgust_recall_after)
    out.parent.mkdir(parents=True, exist_ok=True)
    best.save(out)
    metadata = write_metadata(
        out,
        training={**asdict(config), "data_sha256": sha256_file(Path(config.data)),
                  "best_epoch": state["best_epoch"], "epochs_done": state["epochs_done"],
                  "best_averaged_epochs": state.get("best_averaged_epochs"),
                  "train_seconds": state["seconds_total"],
                  "total_epochs": parent["epochs"] + state["epochs_done"],
                  "total_train_seconds": parent["seconds"] + state["seconds_total"],
                  "calibration_bias": [round(float(b), 4) for b in bias.bias]},
    )
    log.info("wrote %s and its metadata", out)
    return metadata


def main(argv: list[str] | None = None) -> int:
    config, run_dir, out, finish_only = parse_args(argv)
    try:
        train(config, run_dir, out, finish_only)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
