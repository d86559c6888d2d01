"""Coverage at a target precision: how many rows can skip review on ``gold_dev.csv``.

``needs_review`` is set when a route's confidence is below the model's ``review_threshold``.
:func:`hotline_classify.choose_review_threshold` picks the lowest threshold at which the
rows routed without review reach a target precision (hotline accuracy). This script
reports, for the default model on the 545 hand-labelled rows of ``gold_dev.csv``:

- the threshold chosen on all rows and its coverage (the share routed without review) and
  precision: the figures the threshold method promises, measured on the rows it saw;
- an honest estimate: the threshold chosen on one random half and applied to the other,
  over 20 random halvings (mean and range), because a threshold chosen on the same rows
  flatters itself;
- side by side, the shipped default threshold and routing everything without review.

Run: ``python benchmarks/review_threshold.py [--model PATH]`` (about half a minute): the
default model, or a saved one, e.g. the real-data model of ``hotline-classify train
--recipe real -o real.model``, whose own ``review_threshold`` is then "the model's".
"""

from __future__ import annotations

import argparse

import numpy as np

from hotline_classify import HotlineClassifier, choose_review_threshold
from hotline_classify.datasets import load_gold_dev
from hotline_classify.routing import coverage_at

TARGETS = (0.97, 0.99)
SPLITS = 20


def auto_figures(correct: np.ndarray, conf: np.ndarray, threshold: float) -> tuple[float, float]:
    """Coverage and precision of the rows at or above ``threshold``."""
    auto = conf >= threshold
    return coverage_at(conf, threshold), float(correct[auto].mean()) if auto.any() else float("nan")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="a saved model (default: the embedded default)")
    args = parser.parse_args(argv)
    model = HotlineClassifier.load(args.model) if args.model else HotlineClassifier.default()
    name = args.model or "default model"
    gold = load_gold_dev()
    routes = model.route_many(gold.texts)
    y_true = np.array(gold.hotlines)
    y_pred = np.array([r.hotline for r in routes])
    conf = np.array([r.confidence for r in routes])
    correct = y_true == y_pred
    slices = np.array(gold.extra["slice"])
    print(f"gold_dev.csv: {len(gold)} rows, {name}, hotline accuracy {correct.mean():.3f}\n")

    header = f"{'method':<44}{'threshold':>10}{'coverage':>10}{'precision':>11}"
    print(header)
    print("-" * len(header))
    for name, t in (
        ("no review (everything routed)", 0.5),
        (f"the model's threshold {model.review_threshold}", model.review_threshold),
    ):
        cov, prec = auto_figures(correct, conf, t)
        print(f"{name:<44}{t:>10.4f}{cov:>10.3f}{prec:>11.3f}")
    for target in TARGETS:
        t = choose_review_threshold(y_true, y_pred, conf, target)
        cov, prec = auto_figures(correct, conf, t)
        print(f"{f'chosen on all rows, target {target}':<44}{t:>10.4f}{cov:>10.3f}{prec:>11.3f}")
        rng = np.random.default_rng(0)
        covs, precs = [], []
        for _ in range(SPLITS):
            half = rng.permutation(len(conf)) < len(conf) // 2
            for fit, use in ((half, ~half), (~half, half)):
                th = choose_review_threshold(y_true[fit], y_pred[fit], conf[fit], target)
                c, p = auto_figures(correct[use], conf[use], th)
                covs.append(c)
                precs.append(p)
        covs, precs = np.array(covs), np.array(precs)
        label = f"chosen on half, scored on other, target {target}"
        print(
            f"{label:<44}{'':>10}{covs.mean():>10.3f}{np.nanmean(precs):>11.3f}"
            f"   (coverage {covs.min():.3f}-{covs.max():.3f}, "
            f"precision {np.nanmin(precs):.3f}-{np.nanmax(precs):.3f}, {len(covs)} runs)"
        )
    wrong = ~correct
    flagged = conf < model.review_threshold
    print(
        f"\nerrors flagged for review at the model's threshold: {(wrong & flagged).sum()}"
        f" of {wrong.sum()}"
    )
    print("\ncoverage per slice at the thresholds chosen on all rows:")
    for target in TARGETS:
        t = choose_review_threshold(y_true, y_pred, conf, target)
        parts = []
        for name in sorted(set(slices)):
            m = slices == name
            cov, prec = auto_figures(correct[m], conf[m], t)
            parts.append(f"{name} {cov:.3f} (precision {prec:.3f}, n={m.sum()})")
        print(f"  target {target}: " + "; ".join(parts))


if __name__ == "__main__":
    main()
