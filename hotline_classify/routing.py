"""The result of routing one text, and how the review threshold is chosen."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .taxonomy import CATEGORY_NAMES, HOTLINE_NAMES, canonical_hotline, is_missing


@dataclass(frozen=True)
class Route:
    """Where one complaint should go, and why.

    Attributes
    ----------
    hotline : str
        ``'12345'`` or ``'12315'``.
    category : str or None
        The matter type, always one of the routed hotline's categories; ``None`` when the
        model was trained without categories.
    confidence : float
        Probability of the chosen hotline, between 0.5 and 1.
    evidence : tuple of (str, float)
        Terms of the text that moved the decision, with their signed contribution to the
        chosen hotline's score (positive: for it, negative: against it), largest first.
    needs_review : bool
        True when ``confidence`` is below the model's review threshold.
    redirect : str or None
        ``'110'``, ``'119'``, ``'120'`` or ``'122'`` when the text describes an emergency
        happening now, which must go to that emergency line at once instead of waiting in a
        hotline queue (see :mod:`.emergency`); else ``None``.

    Examples
    --------
    >>> r = Route("12315", "consumer_dispute", 0.93, (("退款", 0.41),), False)
    >>> r.to_dict()["hotline"]
    '12315'
    """

    hotline: str
    category: str | None
    confidence: float
    evidence: tuple[tuple[str, float], ...]
    needs_review: bool
    redirect: str | None = None

    def __reduce__(self):
        # Unpickled by one call each: the routes of a parallel batch travel back this way.
        return (_route, (type(self), dict(self.__dict__)))

    def to_dict(self) -> dict:
        """Return the route as plain JSON-ready data (evidence as ``[[term, weight], ...]``)."""
        d = asdict(self)
        d["evidence"] = [[t, w] for t, w in self.evidence]
        return d

    def __repr__(self) -> str:
        terms = ", ".join(f"{t} {w:+.2f}" for t, w in self.evidence[:3])
        name = CATEGORY_NAMES.get(self.category or "", self.category)
        review = " needs review" if self.needs_review else ""
        review += f" REDIRECT {self.redirect}" if self.redirect else ""
        return (
            f"<Route {self.hotline} {HOTLINE_NAMES.get(self.hotline, '')} / {name} "
            f"p={self.confidence:.2f}{review} [{terms}]>"
        )


def _route(cls: type, fields: dict) -> Route:
    route = object.__new__(cls)
    object.__setattr__(route, "__dict__", fields)
    return route


def assemble_routes(
    classes, proba, categories, evidence, review_threshold: float, redirects
) -> list[Route]:
    """Build one :class:`Route` per row from a model's outputs (shared by every model).

    ``proba`` holds the hotline probabilities in ``classes`` order; the hotline is the most
    probable one and ``needs_review`` is set below ``review_threshold``.
    """
    best = np.argmax(proba, axis=1)
    confidence = proba[np.arange(len(best)), best]
    return [
        Route(
            hotline=str(classes[j]),
            category=categories[i],
            confidence=float(confidence[i]),
            evidence=evidence[i],
            needs_review=bool(confidence[i] < review_threshold),
            redirect=redirects[i],
        )
        for i, j in enumerate(best)
    ]


def _label_keys(labels, side: str) -> list[str]:
    """Read labels for comparison: hotline labels as ``fit`` reads them, others as str."""
    keys = []
    for i, label in enumerate(labels):
        if is_missing(label):
            raise ValueError(f"{side}: row {i}: missing label")
        try:
            keys.append(canonical_hotline(label))
        except ValueError:
            keys.append(str(label).strip())
    return keys


def choose_review_threshold(y_true, y_pred, confidence, target_precision: float = 0.97) -> float:
    """Return the lowest confidence threshold at which the rows routed without review
    (those with ``confidence >= threshold``) are at least ``target_precision`` correct.

    Rows are sorted by confidence, highest first; the threshold is the confidence of the
    last row of the longest prefix whose accuracy reaches the target, so it maximises
    coverage (the share of rows routed without review) under the precision constraint. If
    no prefix reaches it, every row needs review and the threshold is just above 1.

    Parameters
    ----------
    y_true, y_pred : array-like
        True and predicted hotlines of labelled rows. Hotline labels are read as
        :meth:`HotlineClassifier.fit <hotline_classify.HotlineClassifier.fit>` reads them
        (:func:`~hotline_classify.taxonomy.canonical_hotline`: ``12345``, ``12345.0`` and
        the aliases all equal ``'12345'``); any other label is compared as its ``str``.
    confidence : array-like of float
        Probability of each predicted hotline; every value must be finite.
    target_precision : float, default=0.97

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``y_true``, ``y_pred`` and ``confidence`` differ in length, a label is missing
        (``None`` or NaN) or a confidence is not finite, naming the row.

    Examples
    --------
    >>> choose_review_threshold(["a", "a", "b"], ["a", "a", "a"], [0.9, 0.8, 0.6], 0.99)
    0.8
    >>> choose_review_threshold([12345, 12315], ["12345", "12315"], [0.9, 0.8], 0.99)
    0.8
    """
    y_true, y_pred = list(y_true), list(y_pred)
    conf = np.asarray(confidence, dtype=float).ravel()
    if not len(y_true) == len(y_pred) == len(conf):
        raise ValueError(
            f"y_true, y_pred and confidence must have the same length, got "
            f"{len(y_true)}, {len(y_pred)} and {len(conf)}"
        )
    bad = np.flatnonzero(~np.isfinite(conf))
    if len(bad):
        raise ValueError(f"confidence: row {bad[0]}: {conf[bad[0]]} is not a finite number")
    correct = np.array(
        [t == p for t, p in zip(_label_keys(y_true, "y_true"), _label_keys(y_pred, "y_pred"))],
        dtype=bool,
    )
    order = np.argsort(-conf, kind="stable")
    sorted_conf = conf[order]
    precision = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    # A threshold keeps all rows tied with it, so only the last row of a tie can end a prefix.
    ends = np.flatnonzero(np.r_[sorted_conf[1:] != sorted_conf[:-1], True]) if len(conf) else []
    ok = [i for i in ends if precision[i] >= target_precision]
    if not ok:
        return float(np.nextafter(1.0, 2.0))
    return float(sorted_conf[ok[-1]])


def coverage_at(confidence, threshold: float) -> float:
    """Share of rows routed without review at ``threshold``."""
    conf = np.asarray(confidence, dtype=float)
    return float(np.mean(conf >= threshold)) if len(conf) else 0.0
