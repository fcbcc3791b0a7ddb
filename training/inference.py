"""Batched inference over many faces, with optional horizontal-flip test-time averaging."""

from __future__ import annotations

import numpy as np


def predict_probabilities(model, faces: np.ndarray, flip: bool = False, batch_size: int = 512) -> np.ndarray:
    """``(N, 48, 48, 1)`` faces (0..255) to ``(N, 7)`` probabilities."""
    faces = faces.astype("float32")
    probabilities = model.predict(faces, batch_size=batch_size, verbose=0)
    if flip:
        probabilities = (probabilities + model.predict(faces[:, :, ::-1], batch_size=batch_size, verbose=0)) / 2
    return probabilities
