"""The training recipe as data: what ``python -m training.train`` runs, stage after stage.

Each stage is one cosine learning-rate cycle, a warm restart from the model the stage before it
wrote (calibration offset removed). A stage whose widths are larger than the previous stage's
starts from that model widened without changing its predictions (``training/widen.py``). The
reasons behind each value are in docs/EXPERIMENTS.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from training.data import DEFAULT_DATA, DEFAULT_FERPLUS

TEACHER_VIEWS = ("clean", "copy")


@dataclass(frozen=True)
class Settings:
    """What every stage of a run shares."""

    data: str = str(DEFAULT_DATA)
    ferplus: str = str(DEFAULT_FERPLUS)  # "none": plain labels
    ferplus_weight: float = 0.3
    batch_size: int = 128
    warmup_epochs: int = 1
    weight_decay: float = 1e-4
    class_weight_power: float = 0.5
    dense_units: int = 256
    seed: int = 42
    precision: str = "float32"  # training/network.py PRECISIONS; the run's metadata records it and the CPU
    limit: int = 0  # only the first N faces of each split (smoke tests)
    # Distillation (issue 47): trained models whose averaged probabilities are blended into the targets,
    # with this weight; none, the targets are the labels and votes alone.
    teacher: tuple[str, ...] = ()
    teacher_weight: float = 0.5
    # What the teachers read (TEACHER_VIEWS): "clean", each clean face once, before training, its target kept
    # for every augmented copy; "copy", the very copy the student reads, each batch. A face's copy can change
    # its answer (docs/EXPERIMENTS.md, issue 47), so only "copy" teaches the student what the teachers see.
    teacher_view: str = "clean"

    def record(self) -> dict:
        """The settings as a run's recipe.json keeps them; without a teacher, as they were before
        distillation existed, so the runs begun then still resume."""
        record = asdict(self)
        if not self.teacher:
            del record["teacher"], record["teacher_weight"], record["teacher_view"]
            return record
        record["teacher"] = list(self.teacher)
        if self.teacher_view == "clean":  # as the students begun before the choice existed recorded it
            del record["teacher_view"]
        return record


@dataclass(frozen=True)
class Stage:
    name: str
    epochs: int
    learning_rate: float
    widths: tuple[int, int, int] = (32, 64, 128)
    block_dropout: float = 0.15
    dense_dropout: float = 0.4
    erase: bool = False  # random erasing
    augment: str = "fer"  # a training/network.py AUGMENTATIONS name


WIDE, WIDER = (40, 80, 160), (48, 96, 192)
# The shipped model's lineage. Each widening starts the wider net from the narrower one's function,
# cheaper on a CPU than training the wide net from scratch. The last stage adds the photometric
# changes: whole photos are read better with them, for a little PublicTest (docs/EXPERIMENTS.md).
SHIPPED = (
    Stage("cycle01", 44, 1e-3, erase=True),
    Stage("cycle02", 32, 7e-4),
    Stage("cycle03", 14, 4e-4),
    Stage("cycle04", 26, 7e-4, WIDE),
    Stage("cycle05", 24, 4e-4, WIDE, 0.1, 0.3),
    Stage("cycle06", 10, 3e-4, WIDE, 0.1, 0.3),
    Stage("cycle07", 12, 4e-4, WIDER, 0.1, 0.3, augment="real-photometric"),
)
RECIPES: dict[str, tuple[Stage, ...]] = {
    "shipped": SHIPPED,
    # The lineage's last stage alone, the fine-tune path: with --init-from a model of the sixth
    # stage (docs/TRAINING.md) it makes the shipped model for a fraction of the lineage's time.
    "last-stage-photometric": (SHIPPED[-1],),
    # A few minutes on a CPU: every step of the shipped recipe, widening and the photometric
    # changes included, on all the faces with tiny networks for 3 epochs.
    "quick": (
        Stage("quick1", 2, 1e-3, (8, 16, 32), erase=True),
        Stage("quick2", 1, 5e-4, (12, 24, 48), 0.1, 0.3, augment="real-photometric"),
    ),
}
