"""Classification metrics in plain NumPy (no scikit-learn dependency for one confusion matrix)."""

from __future__ import annotations

import numpy as np

from emotion_app.labels import EMOTIONS, NUM_CLASSES


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Rows: true class, columns: predicted class."""
    matrix = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def summarize(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    matrix = confusion_matrix(y_true, y_pred)
    true_counts, predicted_counts, hits = matrix.sum(axis=1), matrix.sum(axis=0), np.diag(matrix)
    recall = np.divide(hits, true_counts, out=np.zeros(NUM_CLASSES), where=true_counts > 0)
    precision = np.divide(hits, predicted_counts, out=np.zeros(NUM_CLASSES), where=predicted_counts > 0)
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros(NUM_CLASSES), where=denominator > 0)
    return {
        "faces": int(len(y_true)),
        "accuracy": round(float(np.mean(y_true == y_pred)), 4),
        "macro_recall": round(float(recall.mean()), 4),
        "macro_f1": round(float(f1.mean()), 4),
        "per_class": {
            emotion: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
                      "support": int(n)}
            for emotion, p, r, f, n in zip(EMOTIONS, precision, recall, f1, true_counts, strict=True)
        },
        "confusion_matrix": matrix.tolist(),
    }
