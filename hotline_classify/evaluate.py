"""Scoring a model on labelled rows: the figures ``hotline-classify evaluate`` prints."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from .model import _category_labels, _check_hotlines
from .taxonomy import is_missing


def label_scores(y_true: Sequence[str], y_pred: Sequence[str]) -> dict:
    """Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix.

    Examples
    --------
    >>> label_scores(["a", "b"], ["a", "a"])["accuracy"]
    0.5
    """
    labels = sorted(set(y_true) | set(y_pred))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "n": len(y_true),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
        ),
        "per_class": {
            lab: {
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f[i]),
                "support": int(s[i]),
            }
            for i, lab in enumerate(labels)
        },
        "confusion": {
            "labels": labels,
            "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        },
    }


def _block(idx, hotlines, pred_hotlines, categories, pred_categories) -> dict:
    block = {"n": int(len(idx)), "hotline": label_scores(hotlines[idx], pred_hotlines[idx])}
    if categories is not None:
        has = idx[categories[idx] != ""]
        if len(has):
            block["category"] = label_scores(categories[has], pred_categories[has])
    return block


def evaluate_routes(
    routes,
    hotlines: Sequence[str],
    categories: Sequence[str] | None = None,
    slices: Sequence[str] | None = None,
) -> dict:
    """Score routes against true labels, overall and per slice.

    Labels are read as :meth:`HotlineClassifier.fit <hotline_classify.HotlineClassifier.fit>`
    reads them.

    Parameters
    ----------
    routes : list of Route
        What the model said, one per row.
    hotlines : sequence
        True hotline of each row: ``12345``, ``12315`` (``12345.0`` and the aliases of
        :func:`~hotline_classify.taxonomy.canonical_hotline` are accepted).
    categories : sequence of str or None
        True category of each row; ``None``, NaN and ``''`` mean the row has none, and such
        rows are left out of the category scores.
    slices : sequence of str or None
        A group name per row (e.g. ``gov_platform``); each group is also scored alone. A
        missing name (``None`` or NaN) is read as ``''``, so every row is kept: such rows
        form the group ``''``.

    Returns
    -------
    dict
        ``overall`` and ``slices`` blocks, each with ``hotline`` (and ``category``) scores,
        plus ``review``: the share of rows routed without review and their accuracy.

    Raises
    ------
    ValueError
        If there are no rows, if ``hotlines``, ``categories`` or ``slices`` differ in
        length from ``routes`` (giving the lengths), or if a true hotline is missing or
        unknown (naming the row, counted from 0).
    """
    routes = list(routes)
    columns = {"routes": routes, "hotlines": list(hotlines)}
    if categories is not None:
        columns["categories"] = list(categories)
    if slices is not None:
        columns["slices"] = list(slices)
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(
            "routes and labels must have the same length, got "
            + ", ".join(f"{n} {name}" for name, n in lengths.items())
        )
    if not routes:
        raise ValueError("no rows to evaluate")
    hot = _check_hotlines(columns["hotlines"], len(routes))
    pred_hot = np.asarray([r.hotline for r in routes], dtype=object)
    cats = None if categories is None else _category_labels(columns["categories"])
    pred_cats = np.asarray([r.category or "" for r in routes], dtype=object)
    everything = np.arange(len(routes))
    report = {"overall": _block(everything, hot, pred_hot, cats, pred_cats), "slices": {}}
    if slices is not None:
        sl = np.asarray(["" if is_missing(s) else str(s) for s in columns["slices"]], dtype=object)
        for name in sorted(set(sl)):
            report["slices"][name] = _block(
                np.flatnonzero(sl == name), hot, pred_hot, cats, pred_cats
            )
    auto = np.array([not r.needs_review for r in routes], dtype=bool)
    report["review"] = {
        "coverage": float(auto.mean()),
        "accuracy_without_review": float(np.mean(hot[auto] == pred_hot[auto]))
        if auto.any()
        else None,
    }
    return report


def _format_scores(title: str, scores: dict) -> list[str]:
    lines = [
        f"{title}: n={scores['n']} accuracy={scores['accuracy']:.3f} "
        f"macro-F1={scores['macro_f1']:.3f}"
    ]
    lines.append(f"  {'class':<22}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
    for lab, m in scores["per_class"].items():
        lines.append(
            f"  {lab:<22}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}"
            f"{m['support']:>9d}"
        )
    labels = scores["confusion"]["labels"]
    lines.append("  confusion (rows: true, columns: predicted): " + " ".join(labels))
    for lab, row in zip(labels, scores["confusion"]["matrix"]):
        lines.append(f"  {lab:<22}" + "".join(f"{v:>8d}" for v in row))
    return lines


def format_report(report: dict) -> str:
    """Render :func:`evaluate_routes`'s report as plain text tables."""
    lines = []
    for name, block in [("all rows", report["overall"]), *report["slices"].items()]:
        lines.append(f"== {name} (n={block['n']})")
        lines += _format_scores("hotline", block["hotline"])
        if "category" in block:
            lines += _format_scores("category", block["category"])
        lines.append("")
    review = report["review"]
    acc = review["accuracy_without_review"]
    lines.append(
        f"routed without review: {review['coverage']:.1%} of rows, accuracy "
        + ("n/a" if acc is None else f"{acc:.3f}")
    )
    return "\n".join(lines)
