"""Post-hoc class-bias calibration on PublicTest, folded into the model's last layer.

Class weighting during training only partly undoes FER2013's imbalance (disgust is 1.5% of it).
Adding a per-class offset to the logits moves the decision boundaries without retraining; it is
fitted on PublicTest (never PrivateTest) and then added to the bias of the final ``Dense`` layer,
so the shipped file needs no custom layer and every consumer (app, TFLite, SavedModel) gets the
calibrated outputs.

The offset maximises the class-balanced likelihood of the PublicTest labels, each face weighted by
``(N / (7 n_c)) ** BALANCE`` (the training's own class-weight form): a smooth, convex fit that holds
up on faces it was not fitted on, where maximising accuracy and recall directly over-fitted
PublicTest. ``BALANCE`` is the value that maximised held-out accuracy + macro recall + macro F1
over halvings of PublicTest (docs/EXPERIMENTS.md, "Class weight power in that fit?"); lower values
buy accuracy with disgust recall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emotion_app.labels import EMOTIONS, NUM_CLASSES
from training.data import class_weights

OUTPUT_LAYER = "probabilities"
DISGUST = EMOTIONS.index("disgust")
BALANCE = 0.5


@dataclass(frozen=True)
class Calibration:
    bias: np.ndarray
    accuracy_before: float
    accuracy_after: float
    disgust_recall_before: float
    disgust_recall_after: float


def _scores(log_probs: np.ndarray, y: np.ndarray, bias: np.ndarray) -> tuple[float, float, float, float]:
    """Accuracy, macro recall, disgust recall and macro F1 of ``argmax(log_probs + bias)``."""
    predicted = np.argmax(log_probs + bias, axis=1)
    accuracy = float(np.mean(predicted == y))
    recalls = np.array([np.mean(predicted[y == c] == c) if np.any(y == c) else 0.0 for c in range(NUM_CLASSES)])
    precisions = np.array([np.mean(y[predicted == c] == c) if np.any(predicted == c) else 0.0
                           for c in range(NUM_CLASSES)])
    f1 = np.where(recalls + precisions > 0, 2 * recalls * precisions / np.maximum(recalls + precisions, 1e-12), 0.0)
    return accuracy, float(recalls.mean()), float(recalls[DISGUST]), float(f1.mean())


def fit_class_bias(log_probs: np.ndarray, y: np.ndarray, balance: float = BALANCE,
                   steps: int = 2000, tolerance: float = 1e-6) -> np.ndarray:
    """The per-class offset maximising the class-balanced log-likelihood of ``y`` (zero mean).

    Gradient descent on a convex function of 7 numbers; the step 1.0 is safe because the Hessian
    of the mean softmax cross-entropy in the offset is bounded by 1/2.
    """
    present = np.bincount(y, minlength=NUM_CLASSES) > 0
    class_weight = np.where(present, class_weights(y, balance).astype(np.float64), 0.0)
    weight = class_weight[y] / class_weight[y].mean()
    one_hot = np.eye(NUM_CLASSES)[y]
    bias = np.zeros(NUM_CLASSES)
    for _ in range(steps):
        z = log_probs + bias
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        gradient = ((p - one_hot) * weight[:, None]).mean(axis=0)
        bias -= gradient
        if np.abs(gradient).max() < tolerance:
            break
    return bias - bias.mean()


def _log_probabilities(model, x: np.ndarray) -> np.ndarray:
    from training.inference import predict_probabilities

    return np.log(np.clip(predict_probabilities(model, x), 1e-12, 1.0))


def calibrate_class_bias(model, x: np.ndarray, y: np.ndarray) -> Calibration:
    """Fit the offset on (x, y) and fold it into ``model`` in place."""
    log_probs = _log_probabilities(model, x)
    bias = fit_class_bias(log_probs, y)
    accuracy_before, _, disgust_before, _ = _scores(log_probs, y, np.zeros(NUM_CLASSES))
    accuracy_after, _, disgust_after, _ = _scores(log_probs, y, bias)
    layer = model.get_layer(OUTPUT_LAYER)
    kernel, layer_bias = layer.get_weights()
    layer.set_weights([kernel, layer_bias + bias.astype(layer_bias.dtype)])
    return Calibration(bias, accuracy_before, accuracy_after, disgust_before, disgust_after)
