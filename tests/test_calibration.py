import numpy as np

from training.calibration import DISGUST, _scores, fit_class_bias


def test_bias_recovers_a_starved_class():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(7), 50)
    logits = rng.normal(0, 1, (len(y), 7))
    logits[np.arange(len(y)), y] += 2.0
    logits[:, DISGUST] -= 3.0  # a model that almost never says disgust
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    before = _scores(log_probs, y, np.zeros(7))
    bias = fit_class_bias(log_probs, y)
    after = _scores(log_probs, y, bias)
    assert bias[DISGUST] > 1 and after[2] > before[2] + 0.3
    assert sum(after) - after[2] > sum(before) - before[2]  # accuracy + macro recall + macro F1


def test_false_alarms_count_against_a_bias():
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(7), 50)
    logits = rng.normal(0, 1, (len(y), 7))
    logits[np.arange(len(y)), y] += 2.0
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    bias = fit_class_bias(log_probs, y)  # a balanced, well-ranked model needs no large offset
    assert np.abs(bias).max() <= 0.5
    accuracy, _, _, macro_f1 = _scores(log_probs, y, bias)
    assert accuracy >= _scores(log_probs, y, np.zeros(7))[0] - 0.02 and macro_f1 > 0.5


def test_unweighted_fit_recovers_the_offset_that_generated_the_labels():
    # Labels drawn from softmax(scores + shift): the maximum-likelihood offset is that shift.
    rng = np.random.default_rng(2)
    scores = rng.normal(0, 1.5, (20000, 7))
    shift = np.array([0.5, -1.0, 0.3, 0.0, -0.2, 0.6, -0.2])
    p = np.exp(scores + shift)
    p /= p.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(7, p=row) for row in p])
    log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(fit_class_bias(log_probs, y, balance=0.0), shift - shift.mean(), atol=0.06)


def test_balance_raises_the_offset_of_a_rare_class():
    rng = np.random.default_rng(3)
    y = np.concatenate([np.repeat(np.arange(7), 100), np.full(10, DISGUST)])
    y = y[(y != DISGUST) | (np.arange(len(y)) >= 700)]  # disgust: 10 faces against 100 of each other class
    logits = rng.normal(0, 1, (len(y), 7))
    logits[np.arange(len(y)), y] += 1.5
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    plain, balanced = fit_class_bias(log_probs, y, balance=0.0), fit_class_bias(log_probs, y, balance=1.0)
    assert balanced[DISGUST] > plain[DISGUST] + 1
