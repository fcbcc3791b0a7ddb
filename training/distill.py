"""Soft targets from trained models of ours (self-distillation, "born-again" networks).

The teachers' prediction for a training face is the average over the teachers and over the face and
its mirror image, so the student learns, in one forward pass, what an ensemble with flip test-time
averaging knew. The calibration offset folded into a shipped teacher is taken out first: it is
fitted to PublicTest's class balance, and the training loss already has its own class weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emotion_app.labels import NUM_CLASSES


def remove_offset(probabilities: np.ndarray, offset: np.ndarray | None) -> np.ndarray:
    """``softmax(logits + offset)`` back to ``softmax(logits)``, row by row."""
    if offset is None:
        return probabilities
    raw = probabilities * np.exp(-np.asarray(offset, dtype=np.float64))
    return (raw / raw.sum(axis=1, keepdims=True)).astype(np.float32)


def teacher_targets(paths: list[Path], faces: np.ndarray) -> np.ndarray:
    """The ``(N, 7)`` flip-averaged, uncalibrated probabilities for ``faces``, averaged over the models."""
    import keras

    from emotion_app.model import load_metadata
    from training.inference import predict_probabilities

    total = np.zeros((len(faces), NUM_CLASSES), dtype=np.float32)
    for path in paths:
        teacher = keras.saving.load_model(path)
        offset = load_metadata(path).get("training", {}).get("calibration_bias")
        total += remove_offset(predict_probabilities(teacher, faces, flip=True), offset)
    return total / len(paths)


def blend(targets: np.ndarray, teacher: np.ndarray, weight: float) -> np.ndarray:
    """``(1 - weight)`` of the label targets plus ``weight`` of the teacher's distribution."""
    return ((1 - weight) * targets + weight * teacher).astype(np.float32)
