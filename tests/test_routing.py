import numpy as np
import pytest

from hotline_classify.routing import choose_review_threshold, coverage_at


def test_threshold_keeps_the_longest_prefix_that_meets_the_target():
    conf = [0.99, 0.95, 0.9, 0.8, 0.7, 0.6]
    right = [1, 1, 1, 0, 1, 0]
    y_true = ["a"] * 6
    y_pred = ["a" if r else "b" for r in right]
    assert choose_review_threshold(y_true, y_pred, conf, 1.0) == 0.9
    assert choose_review_threshold(y_true, y_pred, conf, 0.8) == 0.7


def test_ties_are_kept_or_dropped_together():
    conf = [0.9, 0.8, 0.8]
    assert choose_review_threshold(["a"] * 3, ["a", "a", "b"], conf, 0.9) == 0.9


def test_unreachable_target_sends_everything_to_review():
    t = choose_review_threshold(["a", "a"], ["b", "b"], [0.9, 0.8], 0.97)
    assert t > 1.0 and coverage_at([0.9, 0.8], t) == 0.0


def test_precision_above_threshold_meets_target_on_random_data():
    rng = np.random.default_rng(0)
    conf = rng.uniform(0.5, 1.0, 500)
    correct = rng.uniform(size=500) < conf
    y_pred = np.where(correct, "a", "b")
    t = choose_review_threshold(["a"] * 500, y_pred, conf, 0.9)
    kept = conf >= t
    assert correct[kept].mean() >= 0.9
    assert coverage_at(conf, t) == pytest.approx(kept.mean())
