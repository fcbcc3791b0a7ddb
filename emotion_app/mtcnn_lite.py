"""MTCNN without TensorFlow: the ``mtcnn`` package's three networks on LiteRT, its pipeline in NumPy and OpenCV.

``mtcnn`` 1.0 runs PNet, RNet and ONet through TensorFlow, which costs seconds and hundreds of MB to import.
``scripts/convert_mtcnn.py`` converts the networks, with the weights inside the wheel, to models/mtcnn/*.tflite;
``MtcnnLite.detect_faces(rgb)`` runs them and redoes, step for step, what ``mtcnn.MTCNN().detect_faces(rgb)``
does around them with the package's defaults (mtcnn/stages/*.py, mtcnn/utils/*.py), but for shrinking the
pyramid's small levels from a larger level (``pyramid_level``), so both return the same faces
(tests/test_mtcnn_lite.py, benchmarks/mtcnn_parity.py):

1. PNet scores every 12-px window of an image pyramid and regresses a box for each window it keeps;
2. RNet rescores 24-px crops of those boxes (made square) and refines them;
3. ONet does the same on 48-px crops and adds five landmarks.

Between the steps, boxes are rows of ``[x1, y1, x2, y2, score]`` in the image's pixels.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor, wait
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

from emotion_app.memory import keep_working_memory
from emotion_app.model import MODELS_DIR, sha256_file
from emotion_app.pool import Pool, usable_cores

MTCNN_DIR = MODELS_DIR / "mtcnn"
RECORD = "mtcnn.json"
# Each network's weight file inside the wheel (mtcnn/assets/weights), as the package's stages name them.
WEIGHTS = {"pnet": "pnet.lz4", "rnet": "rnet.lz4", "onet": "onet.lz4"}

# The package's defaults (StagePNet, StageRNet and StageONet's keyword arguments).
MIN_FACE = 20  # px: the smallest face looked for
WINDOW = 12  # px: PNet's window; the pyramid's first level makes a MIN_FACE face this size
SCALE_FACTOR = 0.709  # between pyramid levels
STRIDE = 2  # px: between PNet's windows, on its level
PNET_THRESHOLD, RNET_THRESHOLD, ONET_THRESHOLD = 0.6, 0.7, 0.8
PNET_LEVEL_OVERLAP, PNET_OVERLAP, RNET_OVERLAP, ONET_OVERLAP = 0.5, 0.7, 0.7, 0.7
RNET_SIDE, ONET_SIDE = 24, 48
# Pixels to [-1, 1) as the package normalises them: (p - 127.5) / 128.
MEAN, SCALE = 127.5, 128.0
# Columns of the overlap matrix computed at once in ``nms``: bounds its memory for the thousands of boxes PNet
# proposes on a large textured photo (the package builds the whole N x N matrix).
NMS_COLUMNS = 512
# Input pixels (batch x height x width) of the shapes each network keeps planned (``Network``; the two PNets
# of a set half each), per concurrent user (the pool's copies): every level of a 1280x720 frame's pyramid
# (about 145,000) or of a webcam's (55,000), about 10 MB of PNet's tensors.
PLAN_PIXELS = 200_000
# A pyramid level is shrunk from the first level when that is this many times its size (``pyramid_level``).
SOURCE_RATIO = 4
MAX_BATCH = 256  # crops a call: a textured photo's thousands of proposals go in several


class Network:
    """One converted network, called by its signature's names: ``network(images)["bbox_reg"]``.

    NOTE: LiteRT's signature runner resizes and re-allocates the tensors on every call, which cost about as
    much as PNet's own work on a webcam frame's pyramid (1.6 ms a level at 250x202 run as planned, 2.5 ms
    through the runner). So each input shape gets its own interpreter, planned once and kept while the shapes
    in use stay within ``PLAN_PIXELS`` (least recently used dropped first: a webcam's or a video's frames keep
    theirs for good; photos of new sizes pay what every call paid before). RNet's and ONet's batches are
    padded to a few sizes (``batch_bucket``; rows are independent, so each face's answer is the same), which
    keeps their shapes to a handful. An interpreter is not thread-safe, hence the pool in ``MtcnnLite``.
    """

    def __init__(self, path: Path, threads: int, batched: bool = False, share: float = 1.0) -> None:
        self._content, self._threads, self._batched = Path(path).read_bytes(), threads, batched
        self._share = share  # of PLAN_PIXELS: the two PNets of a set each plan half a pyramid
        self._plans: OrderedDict[tuple[int, ...], Plan] = OrderedDict()
        self._plan(self._smallest_input())  # fail at construction on a damaged file

    def _smallest_input(self) -> tuple[int, ...]:
        """The input's shape with one image, and PNet's free sides at its window."""
        from ai_edge_litert.interpreter import Interpreter

        (source,) = Interpreter(model_content=self._content).get_signature_runner().get_input_details().values()
        batch, *sides, channels = source["shape_signature"].tolist()
        return (1, *(WINDOW if side < 0 else side for side in sides), channels)

    def _plan(self, shape: tuple[int, ...]) -> Plan:
        plan = self._plans.pop(shape, None)
        if plan is None:
            from ai_edge_litert.interpreter import Interpreter

            interpreter = Interpreter(model_content=self._content, num_threads=self._threads)
            runner = interpreter.get_signature_runner()
            (source,) = runner.get_input_details().values()
            outputs = {name: detail["index"] for name, detail in runner.get_output_details().items()}
            del runner  # it holds a view of the tensors, which a resize must not leave dangling
            interpreter.resize_tensor_input(source["index"], shape)
            interpreter.allocate_tensors()
            plan = Plan(interpreter, source["index"], outputs, int(np.prod(shape[:3])))
            while self._plans and sum(p.pixels for p in self._plans.values()) + plan.pixels > PLAN_PIXELS * self._share:
                self._plans.popitem(last=False)
        self._plans[shape] = plan
        return plan

    def __call__(self, images: np.ndarray) -> dict[str, np.ndarray]:
        images = np.ascontiguousarray(images, dtype=np.float32)
        count = len(images)
        if count > MAX_BATCH:
            parts = [self(images[start:start + MAX_BATCH]) for start in range(0, count, MAX_BATCH)]
            return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
        if self._batched:
            bucket = batch_bucket(count)
            if bucket > count:
                images = np.concatenate([images, np.zeros((bucket - count, *images.shape[1:]), np.float32)])
        plan = self._plan(images.shape)
        plan.interpreter.set_tensor(plan.source, images)
        plan.interpreter.invoke()
        # get_tensor copies, so the answer outlives the next call on this plan
        return {name: plan.interpreter.get_tensor(index)[:count] for name, index in plan.outputs.items()}


def batch_bucket(count: int) -> int:
    """The batch a call of ``count`` crops is padded to: a power of two up to 16, then a multiple of 16 (at
    most a sixth wasted on RNet's usual few dozen proposals, and at most 19 shapes planned)."""
    return 1 << (count - 1).bit_length() if count <= 16 else -(-count // 16) * 16


class Plan(NamedTuple):
    interpreter: object
    source: int  # the input tensor's index
    outputs: dict[str, int]  # each output's tensor index, by its signature name
    pixels: int  # batch x height x width, for PLAN_PIXELS


class Networks(NamedTuple):
    pnets: tuple[Network, ...]  # two on one thread each where there are 2 cores (``propose``), else one
    rnet: Network
    onet: Network


def wheel_weights() -> dict[str, Path]:
    """The weight files of the installed ``mtcnn`` wheel, found without importing it (it imports TensorFlow)."""
    spec = importlib.util.find_spec("mtcnn")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the mtcnn package is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "assets" / "weights"
    return {name: folder / file for name, file in WEIGHTS.items()}


def installed_version() -> str:
    try:
        return importlib.metadata.version("mtcnn")
    except importlib.metadata.PackageNotFoundError:
        return "none"


def stale_reason(folder: Path = MTCNN_DIR) -> str | None:
    """Why the networks in ``folder`` must not be served (``None`` when they may).

    They are trusted only while ``mtcnn.json`` records the SHA-256 of the installed wheel's weight files (the
    ones they were converted from) and of the ``.tflite`` files themselves, so another ``mtcnn`` version never
    runs stale weights: it gets the package itself until ``scripts/convert_mtcnn.py`` is run again.
    """
    folder = Path(folder)
    missing = [f"{name}.tflite" for name in WEIGHTS if not (folder / f"{name}.tflite").is_file()]
    if missing:
        return f"there is no {', '.join(missing)} in {folder}"
    try:
        record = json.loads((folder / RECORD).read_text())
        weights = wheel_weights()
    except (OSError, json.JSONDecodeError) as error:  # FileNotFoundError: no mtcnn package, or no record
        return f"the conversion cannot be checked ({error})"
    converted = record.get("networks", {})
    for name, weight_file in weights.items():
        entry, tflite = converted.get(name, {}), folder / f"{name}.tflite"
        if not weight_file.is_file() or entry.get("weights_sha256") != sha256_file(weight_file):
            return (f"the installed mtcnn {installed_version()}'s {weight_file.name} is not the file {tflite.name} was "
                    f"converted from (mtcnn {record.get('mtcnn_version')}): run `python scripts/convert_mtcnn.py`")
        if entry.get("tflite_sha256") != sha256_file(tflite):
            return f"{tflite.name} is not the file {RECORD} records: run `python scripts/convert_mtcnn.py`"
    return None


def pyramid_scales(width: int, height: int, step: float = SCALE_FACTOR) -> np.ndarray:
    """The scales of the image pyramid, as the package counts them (``build_scale_pyramid``): the first makes a
    MIN_FACE face WINDOW px wide, each next one is ``step`` of the last."""
    count = round(-((np.log(min(width, height) / WINDOW) / np.log(step)) + 1))
    return WINDOW / MIN_FACE * step ** np.arange(count)


def descending(scores: np.ndarray) -> np.ndarray:
    """The order of ``scores`` from high to low, ties broken as the package breaks them (a reversed argsort)."""
    return np.argsort(scores)[::-1]


def overlap(boxes: np.ndarray, others: np.ndarray, method: str) -> np.ndarray:
    """``(len(boxes), len(others))`` overlaps: intersection over union, or over the smaller box (``"min"``)."""
    x1, y1, x2, y2 = (column[:, None] for column in boxes[:, :4].T)
    ox1, oy1, ox2, oy2 = (row[None, :] for row in others[:, :4].T)
    area, other_area = (x2 - x1) * (y2 - y1), (ox2 - ox1) * (oy2 - oy1)
    inter_width = np.maximum(0, np.minimum(x2, ox2) - np.maximum(x1, ox1))
    inter = inter_width * np.maximum(0, np.minimum(y2, oy2) - np.maximum(y1, oy1))
    with np.errstate(divide="ignore", invalid="ignore"):  # a box of no area overlaps nothing (NaN > t is False)
        if method == "min":
            return inter / np.minimum(area, other_area)
        return inter / (area + other_area - inter)


def nms(boxes: np.ndarray, threshold: float, method: str = "union") -> np.ndarray:
    """Indices of the boxes (sorted by score, high first) that no earlier box overlaps by more than ``threshold``.

    NOTE: the package's suppression (``mtcnn/utils/bboxes.py: nms``) lets a box that was itself suppressed still
    suppress later ones, unlike the usual greedy NMS; this keeps its rule, as the boxes must come out the same.
    """
    beaten = np.zeros(len(boxes), dtype=bool)
    for start in range(0, len(boxes), NMS_COLUMNS):
        stop = min(start + NMS_COLUMNS, len(boxes))
        earlier = np.arange(stop)[:, None] < np.arange(start, stop)[None, :]
        beaten[start:stop] = ((overlap(boxes[:stop], boxes[start:stop], method) > threshold) & earlier).any(axis=0)
    return np.flatnonzero(~beaten)


def survivors(boxes: np.ndarray, threshold: float, method: str = "union") -> np.ndarray:
    """Indices of the boxes that ``nms`` keeps once they are sorted by score, best first."""
    order = descending(boxes[:, 4])
    return order[nms(boxes[order], threshold, method)]


def to_square(boxes: np.ndarray) -> np.ndarray:
    """Each box grown along its shorter side to a square about the same centre."""
    boxes = boxes.copy()
    width, height = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = np.maximum(width, height)
    boxes[:, 0] += width * 0.5 - side * 0.5
    boxes[:, 1] += height * 0.5 - side * 0.5
    boxes[:, 2:4] = boxes[:, 0:2] + side[:, None]
    return boxes


def refine(boxes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Boxes moved by a network's regression, in fractions of their side (counted inclusively, ``x2 - x1 + 1``)."""
    boxes = boxes.copy()
    width, height = boxes[:, 2] - boxes[:, 0] + 1, boxes[:, 3] - boxes[:, 1] + 1
    boxes[:, :4] += offsets * np.stack([width, height, width, height], axis=-1)
    return boxes


def crop_and_resize(image: np.ndarray, boxes: np.ndarray, side: int) -> np.ndarray:
    """``(N, side, side, 3)`` crops of a normalised image, sampled as ``tf.image.crop_and_resize`` (which the
    package crops with) samples them: bilinear, on a ``side`` x ``side`` grid from a box's first pixel to its last,
    and 0 (mid-grey) wherever a grid row or column falls outside the image."""
    height, width = image.shape[:2]
    # NOTE: the package divides boxes by the image's size and TensorFlow multiplies them back by the size less
    # one, in float32; doing the same puts the grid where TensorFlow puts it, to float32 rounding.
    x1, y1, x2, y2 = (boxes[:, :4] / [width, height, width, height]).astype(np.float32).T
    steps = np.arange(side, dtype=np.float32)[None, :]
    ys = y1[:, None] * (height - 1) + steps * ((y2 - y1) * (height - 1) / (side - 1))[:, None]
    xs = x1[:, None] * (width - 1) + steps * ((x2 - x1) * (width - 1) / (side - 1))[:, None]
    top, left = np.floor(ys), np.floor(xs)
    y_weight, x_weight = (ys - top)[:, :, None, None], (xs - left)[:, None, :, None]
    # NOTE: the four neighbours are gathered by flat pixel index with np.take, several times faster than
    # indexing the image with two index arrays (most of this function's time on a webcam frame's proposals).
    top, bottom = (np.clip(v, 0, height - 1).astype(np.intp)[:, :, None] * width for v in (top, np.ceil(ys)))
    left, right = (np.clip(v, 0, width - 1).astype(np.intp)[:, None, :] for v in (left, np.ceil(xs)))
    pixels = image.reshape(height * width, -1)
    top_left, upper = np.take(pixels, top + left, axis=0), np.take(pixels, top + right, axis=0)
    bottom_left, crops = np.take(pixels, bottom + left, axis=0), np.take(pixels, bottom + right, axis=0)
    # in place, each step the same float32 operation as upper = top_left + (top_right - top_left) * x_weight,
    # lower likewise, and crops = upper + (lower - upper) * y_weight: the same values, no temporaries
    upper -= top_left
    upper *= x_weight
    upper += top_left
    crops -= bottom_left
    crops *= x_weight
    crops += bottom_left
    crops -= upper
    crops *= y_weight
    crops += upper
    inside = ((ys >= 0) & (ys <= height - 1))[:, :, None] & ((xs >= 0) & (xs <= width - 1))[:, None, :]
    crops[~inside] = 0.0
    return crops


def window_boxes(regression: np.ndarray, scores: np.ndarray, scale: float,
                 threshold: float = PNET_THRESHOLD) -> np.ndarray:
    """PNet's windows on one pyramid level that score above ``threshold``, with their regression applied, in the
    image's pixels and sorted by score (the package's ``generate_bounding_box`` and ``upscale_bboxes``)."""
    rows, columns = np.nonzero(scores > threshold)
    offsets = regression[rows, columns].astype(np.float64)
    # NOTE: the package spans a window from 1 + stride * i to WINDOW + stride * i, and scales the regression by
    # that span, WINDOW - 1.
    left, top = columns * STRIDE + 1, rows * STRIDE + 1
    right, bottom = columns * STRIDE + WINDOW, rows * STRIDE + WINDOW
    span = WINDOW - 1
    boxes = np.stack([left + offsets[:, 0] * span, top + offsets[:, 1] * span, right + offsets[:, 2] * span,
                      bottom + offsets[:, 3] * span, scores[rows, columns]], axis=-1)
    boxes = boxes[descending(boxes[:, 4])]
    boxes[:, :4] /= scale
    return boxes


def pyramid_level(image: np.ndarray, scale: float, first: tuple[float, np.ndarray] | None = None,
                  source_ratio: float = SOURCE_RATIO) -> np.ndarray:
    """The image area-shrunk by ``scale``: from ``first`` (``(scale, level)``, the pyramid's first level) when
    that is at least ``source_ratio`` times as large, else from the image itself (always, with ``inf``).

    NOTE: the package shrinks every level from the image. An area resize reads every pixel of its source, so
    the small levels cost nearly as much as the large ones (a third of the resizes' time on a 1280x720
    photo); from the first level they read a third of the pixels, and differ from the image's own shrink
    by under a grey level on average (tests/test_mtcnn_lite.py): the same faces are found on the photo sets
    and detection scenes (benchmarks/photos_e2e.py, detection.py, mtcnn_parity.py). TensorFlow's AREA
    resize (the package's) and OpenCV's INTER_AREA average the same pixels with the same weights when
    shrinking, up to TensorFlow's float32 rounding of the cell edges; the size is truncated, as there."""
    height, width = image.shape[:2]
    source = first[1] if first is not None and first[0] >= source_ratio * scale else image
    return cv2.resize(source, (int(width * scale), int(height * scale)), interpolation=cv2.INTER_AREA)


def level_windows(pnet: Network, level: np.ndarray, scale: float, threshold: float) -> np.ndarray:
    """PNet's windows on one pyramid level, in the image's pixels, less those a better one overlaps."""
    output = pnet(level[None])
    boxes = window_boxes(output["bbox_reg"][0], output["bbox_class"][0, :, :, 1], scale, threshold)
    return boxes[nms(boxes, PNET_LEVEL_OVERLAP)]


def propose(pnets: Sequence[Network], image: np.ndarray, step: float = SCALE_FACTOR,
            threshold: float = PNET_THRESHOLD, source_ratio: float = SOURCE_RATIO,
            helper: Executor | None = None) -> np.ndarray:
    """Stage 1: PNet's square proposals, merged across the pyramid's levels (each ``step`` of the last), from
    the windows that score above ``threshold``.

    NOTE: with a ``helper`` and two PNets, the levels go in two halves of about the same pixels, one on the
    helper's thread: the first level with the small ones shrunk from it, and the levels in between. PNet on
    one thread each gets more from 2 cores than one PNet on two (LiteRT splits a level's small convolutions
    badly: 1.24x for 2 threads on a 355x200 level), and the resizes overlap with PNet.
    """
    height, width = image.shape[:2]
    scales = pyramid_scales(width, height, step)
    if not len(scales):
        return np.empty((0, 5))

    def first_and_small() -> dict[float, np.ndarray]:
        first = (scales[0], pyramid_level(image, scales[0]))
        found = {scales[0]: level_windows(pnets[0], first[1], scales[0], threshold)}
        for scale in scales[1:]:
            if first[0] >= source_ratio * scale:
                found[scale] = level_windows(pnets[0], pyramid_level(image, scale, first, source_ratio), scale,
                                             threshold)
        return found

    def in_between(pnet: Network) -> dict[float, np.ndarray]:
        return {scale: level_windows(pnet, pyramid_level(image, scale), scale, threshold)
                for scale in scales[1:] if scales[0] < source_ratio * scale}

    if helper is not None and len(pnets) > 1:
        others = helper.submit(in_between, pnets[1])
        try:
            found = first_and_small()
        finally:
            wait([others])  # its PNet must be idle before the set goes back to the pool, even on an error
        found.update(others.result())
    else:
        found = {**first_and_small(), **in_between(pnets[0])}
    boxes = np.concatenate([found[scale] for scale in scales])  # the package's order: ties sort alike
    return to_square(boxes[survivors(boxes, PNET_OVERLAP)])


def rescore(rnet: Network, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Stage 2: RNet's verdict on 24-px crops of the proposals; the boxes it keeps, refined and squared."""
    output = rnet(crop_and_resize(image, boxes, RNET_SIDE))
    boxes = boxes.copy()
    boxes[:, 4] = output["bbox_class"][:, 1]
    boxes = refine(boxes, output["bbox_reg"])
    boxes = boxes[boxes[:, 4] > RNET_THRESHOLD]
    return to_square(boxes[survivors(boxes, RNET_OVERLAP)])


def finish(onet: Network, image: np.ndarray, boxes: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Stage 3: ONet's verdict on 48-px crops; the faces it keeps, refined, with their landmarks as
    ``(N, 10)`` rows of five x then five y (left eye, right eye, nose, mouth left, mouth right)."""
    output = onet(crop_and_resize(image, boxes, ONET_SIDE))
    width, height = boxes[:, 2:3] - boxes[:, 0:1] + 1, boxes[:, 3:4] - boxes[:, 1:2] + 1
    # Landmarks are fractions of the crop's box; they stay float32 as in the package, which writes them back
    # into the network's output.
    landmarks = output["landmarks"].copy()
    landmarks[:, 0:5] = width * landmarks[:, 0:5] + boxes[:, 0:1] - 1
    landmarks[:, 5:10] = height * landmarks[:, 5:10] + boxes[:, 1:2] - 1
    boxes = boxes.copy()
    boxes[:, 4] = output["bbox_class"][:, 1]
    boxes = refine(boxes, output["bbox_reg"])
    chosen = boxes[:, 4] > threshold
    boxes, landmarks = boxes[chosen], landmarks[chosen]
    keep = survivors(boxes, ONET_OVERLAP, "min")
    return boxes[keep], landmarks[keep]


KEYPOINTS = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


def to_detections(boxes: np.ndarray, landmarks: np.ndarray, shape: tuple[int, ...]) -> list[dict]:
    """The package's output: boxes clipped to the image (landmarks are not), as rounded ``[x, y, w, h]``, with
    their confidence and rounded keypoints."""
    height, width = shape[:2]
    boxes = boxes.copy()
    boxes[:, [0, 2]] = np.clip(boxes[:, [0, 2]], 0, width - 1)
    boxes[:, [1, 3]] = np.clip(boxes[:, [1, 3]], 0, height - 1)
    detections = []
    for (x1, y1, x2, y2, score), points in zip(boxes, landmarks.round().astype(int), strict=True):
        box = np.asarray([x1, y1, x2 - x1, y2 - y1]).round().astype(int).tolist()
        keypoints = {name: [int(points[i]), int(points[i + 5])] for i, name in enumerate(KEYPOINTS)}
        detections.append({"box": box, "confidence": float(score), "keypoints": keypoints})
    return detections


class MtcnnLite:
    """``detect_faces`` as ``mtcnn.MTCNN`` has it, on the networks converted into ``folder``; with
    ``source_ratio=math.inf``, every pyramid level is shrunk from the image, as the package does (boxes within
    2 px of its own, tests/test_mtcnn_lite.py), where the default shrinks the small levels from larger ones.

    NOTE: sessions call the detector from their own threads and an interpreter is not thread-safe, so each call
    borrows a set of the networks no other thread is using (a few MB a set); the pool keeps them. With 2
    cores or more, each call runs half its pyramid on a helper thread (``propose``).
    """

    def __init__(self, folder: Path = MTCNN_DIR, threads: int | None = None,
                 source_ratio: float = SOURCE_RATIO) -> None:
        self.folder, self.source_ratio = Path(folder), source_ratio
        keep_working_memory()  # process-wide; see its note
        self._threads = threads or min(4, os.cpu_count() or 1)
        # threads are made as calls overlap, one a call at most
        self._helper = ThreadPoolExecutor(16, thread_name_prefix="mtcnn-pyramid") if usable_cores() > 1 else None
        self._pool = Pool(self._load, self._load())  # fail at construction, not on the first photo

    def _load(self) -> Networks:
        pnet = self.folder / "pnet.tflite"
        if self._helper:
            pnets = (Network(pnet, 1, share=0.5), Network(pnet, 1, share=0.5))
        else:
            pnets = (Network(pnet, self._threads),)
        return Networks(pnets, *(Network(self.folder / f"{name}.tflite", self._threads, batched=True)
                                 for name in ("rnet", "onet")))

    @property
    def copies(self) -> int:
        return self._pool.created

    def detect_faces(self, image: np.ndarray, threshold_onet: float = ONET_THRESHOLD,
                     scale_factor: float = SCALE_FACTOR, threshold_pnet: float = PNET_THRESHOLD) -> list[dict]:
        """Faces in an RGB uint8 ``(H, W, 3)`` image, most confident first: dicts of ``box`` ``[x, y, w, h]``,
        ``confidence`` and ``keypoints`` (each ``[x, y]``), as ``mtcnn.MTCNN().detect_faces`` returns them with
        the same keyword arguments (the pyramid's step, PNet's and ONet's thresholds)."""
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an H x W x 3 RGB image, got shape {image.shape}")
        # in place: a fresh array for each step costs more than the arithmetic (page faults), and the
        # values are the same, as SCALE is a power of two
        normalized = image.astype(np.float32)
        normalized -= MEAN
        normalized *= 1 / SCALE
        with self._pool.borrow() as networks:
            boxes = propose(networks.pnets, normalized, scale_factor, threshold_pnet, self.source_ratio,
                            self._helper)
            if len(boxes):
                boxes = rescore(networks.rnet, normalized, boxes)
            if not len(boxes):
                return []
            boxes, landmarks = finish(networks.onet, normalized, boxes, threshold_onet)
        return to_detections(boxes, landmarks, image.shape)
