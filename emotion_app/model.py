"""Load the shipped ``.keras`` model and its metadata, and check they match the app's contract."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from emotion_app import environment
from emotion_app.labels import EMOTIONS, FACE_SHAPE
from emotion_app.paths import MODELS
from emotion_app.pool import Pool

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

MODELS_DIR = MODELS
DEFAULT_MODEL = MODELS_DIR / "emotion_cnn.keras"
HOW_TO_GET = (
    "The model ships with the repository as models/emotion_cnn.keras: restore it with "
    "`git checkout -- models/`, or train your own with `python -m training.train` (see "
    "docs/TRAINING.md)."
)


RUNTIMES = ("auto", "litert", "litert-int8", "tensorflow")
# Each LiteRT twin: its metadata key and the suffix that replaces ".keras". The float32 twin gives the
# .keras file's outputs to 1e-4; the int8 one (full-integer quantised, `training.export --int8`) is
# written only if it keeps the class of at least 97% of the PublicTest faces, and is faster on CPUs
# with int8 dot products (benchmarks/classifier.py).
TWINS = {"litert": ("tflite", ".tflite"), "litert-int8": ("tflite_int8", ".int8.tflite")}
# The metadata key of a served ensemble: its other members and the figures it was shipped with.
ENSEMBLE = "ensemble"
log = logging.getLogger(__name__)


def default_model_path() -> Path:
    """``$EMOTION_APP_MODEL`` if set (to serve another trained model), else the shipped model."""
    return Path(environment.read(environment.MODEL, str(DEFAULT_MODEL)))


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """The process's stderr (file descriptor 2) sent to /dev/null meanwhile: LiteRT and TensorFlow's
    converter write start-up lines there ("INFO: Created TensorFlow Lite XNNPACK delegate") that no
    setting turns off. For a command line's own moments only: other threads' stderr goes too."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class ModelError(RuntimeError):
    """The model file is missing, unreadable, or does not follow the contract."""


def compile_inference(keras_model) -> Callable[[np.ndarray], np.ndarray]:
    """The fastest way to call the model on a small batch that gives the same outputs.

    NOTE: ``Model.predict`` sets up a data pipeline per call and an eager call dispatches op by op;
    both cost more than the network itself on a handful of faces. Under TensorFlow a
    ``tf.function`` traced once for any batch size halves the per-frame cost (see benchmarks/).
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        return lambda faces: keras.ops.convert_to_numpy(keras_model(faces, training=False))
    import tensorflow as tf

    signature = [tf.TensorSpec((None, *FACE_SHAPE), tf.float32)]
    compiled = tf.function(lambda faces: keras_model(faces, training=False), input_signature=signature)
    return lambda faces: compiled(faces).numpy()


class LiteRTInference:
    """Calls the model's TFLite twin through LiteRT: faster per face than the ``tf.function``
    (benchmarks/classifier.py).

    NOTE: a LiteRT interpreter is not thread-safe and sessions run on their own threads, so each
    call borrows an interpreter no other thread is using (a few MB each: XNNPACK packs its own
    weights); the pool keeps them across Streamlit's reruns.
    """

    def __init__(self, path: Path, threads: int | None = None) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(path)
        self._threads = threads or min(4, os.cpu_count() or 1)
        self._interpreter = Interpreter
        first = self._make()  # fail at load, not on the first face
        _, face, probabilities, _ = first
        shapes = (list(face["shape"][1:]), list(probabilities["shape"][1:]))
        if shapes != (list(FACE_SHAPE), [len(EMOTIONS)]) or face["dtype"] != np.float32:
            raise ModelError(f"TFLite model {path} has input {face['shape']} and output {probabilities['shape']}")
        self._pool = Pool(self._make, first)

    def _make(self) -> list:
        interpreter = self._interpreter(model_path=str(self.path), num_threads=self._threads)
        interpreter.allocate_tensors()
        return [interpreter, interpreter.get_input_details()[0], interpreter.get_output_details()[0], 1]

    @property
    def copies(self) -> int:
        return self._pool.created

    def __call__(self, faces: np.ndarray) -> np.ndarray:
        with self._pool.borrow() as state:
            interpreter, face, probabilities, batch = state
            if len(faces) != batch:  # re-plan the tensors only when the number of faces changes
                interpreter.resize_tensor_input(face["index"], faces.shape, strict=False)
                interpreter.allocate_tensors()
                state[3] = len(faces)
            interpreter.set_tensor(face["index"], np.ascontiguousarray(faces, dtype=np.float32))
            interpreter.invoke()
            answers = interpreter.get_tensor(probabilities["index"]).astype(np.float32)
        # NOTE: the int8 twin's softmax output is quantised to steps of 1/256, so its rows did not
        # quite sum to 1: renormalised, they are probabilities again.
        return answers / np.maximum(answers.sum(axis=1, keepdims=True), np.finfo(np.float32).tiny)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def twin_path(model_path: Path, runtime: str = "litert") -> Path:
    """Where a TFLite twin of a ``.keras`` model lives: beside it (``training.export --twin``/``--int8``)."""
    return Path(model_path).with_suffix(TWINS[runtime][1])


def paired_twin(path: Path, metadata: dict, runtime: str = "litert") -> tuple[LiteRTInference | None, str]:
    """LiteRT on the ``runtime`` twin if there is one made from this very ``.keras`` file, else why not.

    The twin is trusted only if the metadata records the SHA-256 of the ``.keras`` file it was
    converted from (and parity-checked against, see ``training/export.py``), so retraining without
    re-exporting falls back to the slower but always-correct path instead of serving stale weights.
    """
    twin = twin_path(path, runtime)
    if not twin.is_file():
        return None, f"there is no {twin.name}"
    if metadata.get(TWINS[runtime][0], {}).get("keras_sha256") != sha256_file(path):
        return None, f"{twin.name} was not made from this {path.name}"
    try:
        return LiteRTInference(twin), ""
    except ImportError:
        return None, "ai-edge-litert is not installed"
    except (ValueError, RuntimeError) as error:  # a damaged .tflite: the .keras still works
        return None, f"{twin.name} could not be loaded ({error})"


def load_keras(path: Path):
    """The ``.keras`` file in Keras safe mode (no arbitrary code), checked against the contract."""
    try:
        import keras
    except ImportError as error:
        raise ModelError(
            f"serving {path.name} without its TFLite twin needs TensorFlow and Keras ({error}): install them "
            f"with `pip install -r requirements.txt`, or pair a twin with `python -m training.export --model "
            f"{path} --twin`"
        ) from None

    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for a damaged zip/config; all mean "unusable"
        reason = f"{type(error).__name__}: {error}"
        raise ModelError(f"Model file {path} could not be loaded ({reason}). {HOW_TO_GET}") from None
    if tuple(model.input_shape) != (None, *FACE_SHAPE) or tuple(model.output_shape) != (None, len(EMOTIONS)):
        raise ModelError(
            f"Model file {path} has input {model.input_shape} and output {model.output_shape}; "
            f"expected {(None, *FACE_SHAPE)} and (None, {len(EMOTIONS)}). {HOW_TO_GET}"
        )
    return model


class LoadedModel:
    """The model as the app calls it: ``probabilities`` on the fastest runtime that matches the file."""

    def __init__(self, path: Path, metadata: dict, infer: Callable[[np.ndarray], np.ndarray], runtime: str,
                 keras_model=None) -> None:
        self.path, self.metadata, self.infer, self.runtime = path, metadata, infer, runtime
        self._keras_model = keras_model

    @property
    def keras_model(self):
        """The Keras model (for training, evaluation and exports). Served from LiteRT, the app never
        needs it, so TensorFlow is imported only when this is first asked for."""
        if self._keras_model is None:
            self._keras_model = load_keras(self.path)
        return self._keras_model

    def probabilities(self, faces: np.ndarray) -> np.ndarray:
        """``(N, 48, 48, 1)`` faces (0..255) to ``(N, 7)`` probabilities, in one call."""
        if len(faces) == 0:
            return np.zeros((0, len(EMOTIONS)), dtype=np.float32)
        return np.asarray(self.infer(faces.astype(np.float32, copy=False)), dtype=np.float32)


class EnsembleModel:
    """Several trained models as one: each face's probabilities averaged over the members (each
    keeps its own calibration), one batched call a member. What ``benchmarks/judge.py --model A B C``
    scores, and what the pages serve when the shipped model's metadata lists members (``load_model``).

    ``metadata`` is the first member's, with the ensemble's own figures (``metrics``) where its
    metadata describes these very members: what the pages quote is then what the ensemble scores."""

    def __init__(self, members: list[LoadedModel | EnsembleModel]) -> None:
        if not members:
            raise ModelError("an ensemble needs at least one model")
        # an ensemble among the members adds its own members: every model weighs the same
        self.members = members = [one for member in members for one in getattr(member, "members", [member])]
        self.path, first = members[0].path, members[0].metadata
        ensemble = first.get(ENSEMBLE, {})
        listed = [member["file"] for member in ensemble.get("members", [])]
        described = listed and [member.path.name for member in members[1:]] == listed and "metrics" in ensemble
        self.metadata = {**first, "metrics": ensemble["metrics"]} if described else first
        self.runtime = "+".join(dict.fromkeys(member.runtime for member in members))

    def probabilities(self, faces: np.ndarray) -> np.ndarray:
        return np.mean([member.probabilities(faces) for member in self.members], axis=0, dtype=np.float32)

    @property
    def keras_model(self):
        """One Keras model averaging the members' (for evaluation and batch predictions, as for one model)."""
        if len(self.members) == 1:
            return self.members[0].keras_model
        import keras

        face = keras.Input(FACE_SHAPE, name="face")
        outputs = [keras.Model(member.keras_model.inputs, member.keras_model.outputs[0], name=f"member{i}")(face)
                   for i, member in enumerate(self.members)]
        return keras.Model(face, keras.layers.Average(name="probabilities")(outputs), name="ensemble")


def load_metadata(model_path: Path) -> dict:
    path = Path(model_path).with_suffix(".json")
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ModelError(f"model metadata {path} is unreadable: {error}") from None


def load_model(path: str | Path | None = None, runtime: str | None = None,
               quantized: bool = False) -> LoadedModel | EnsembleModel:
    """Load the model and check it against the contract (shapes, labels in FER2013 order).

    ``runtime`` (default ``$EMOTION_APP_RUNTIME``, else "auto"): "auto" serves a paired TFLite twin
    through LiteRT when there is one (see ``paired_twin``; with ``quantized``, the int8 twin first)
    and the ``.keras`` through TensorFlow otherwise; "litert", "litert-int8" and "tensorflow"
    insist on one.

    Where the metadata's ``ensemble`` lists ``members`` (``.keras`` files beside it, each with its
    own metadata and twins, and the SHA-256 it was chosen with), the model is the ensemble of this
    one and those (``EnsembleModel``), each served as the runtime says.
    """
    path = Path(path) if path is not None else default_model_path()
    runtime = runtime or environment.read(environment.RUNTIME, "auto")
    if runtime not in RUNTIMES:  # a ModelError, so a mistyped $EMOTION_APP_RUNTIME is a page message
        raise ModelError(f"the model runtime (EMOTION_APP_RUNTIME) must be one of {RUNTIMES}, got {runtime!r}")
    first = load_one(path, runtime, quantized)
    members = first.metadata.get(ENSEMBLE, {}).get("members", [])
    if not members:
        return first
    loaded = [first]
    for member in members:
        member_path = path.parent / member["file"]
        if not member_path.is_file():
            raise ModelError(f"{path.name} is served with {member['file']}, which is missing. {HOW_TO_GET}")
        if sha256_file(member_path) != member["keras_sha256"]:
            raise ModelError(f"{member['file']} is not the member {path.name} was chosen with. {HOW_TO_GET}")
        loaded.append(load_one(member_path, runtime, quantized))
    return EnsembleModel(loaded)


def load_one(path: Path, runtime: str, quantized: bool) -> LoadedModel:
    """One model file, as ``load_model`` describes, without its ensemble."""
    if not path.is_file():
        raise ModelError(f"Model file not found: {path}. {HOW_TO_GET}")
    metadata = load_metadata(path)
    labels = metadata.get("labels", list(EMOTIONS))
    if list(labels) != list(EMOTIONS):
        raise ModelError(f"Model metadata lists labels {labels}, expected {list(EMOTIONS)} in that order")
    if runtime == "auto":
        twins = ["litert-int8", "litert"] if quantized else ["litert"]
    else:
        twins = [runtime] if runtime in TWINS else []
    problems = []
    for twin_runtime in twins:
        twin, problem = paired_twin(path, metadata, twin_runtime)
        if twin is not None:
            return LoadedModel(path, metadata, twin, twin_runtime)
        problems.append(problem)
    if runtime in TWINS:
        flag = "--int8" if runtime == "litert-int8" else "--twin"
        raise ModelError(f"LiteRT cannot run {path.name}: {problems[0]}. Run `python -m training.export {flag}`.")
    if problems:
        # A warning: TensorFlow is slower per face and costs seconds of start-up and hundreds of MB
        # more (benchmarks/classifier.py, benchmarks/cold_start.py).
        log.warning("serving %s with TensorFlow, not LiteRT: %s", path.name, "; ".join(problems))
    model = load_keras(path)
    return LoadedModel(path, metadata, compile_inference(model), "tensorflow", keras_model=model)
