"""Where features become a decision: the :class:`HotlineClassifier` estimator."""

from __future__ import annotations

import gc
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from .boilerplate import strip_boilerplate
from .emergency import detect_normalized_emergencies
from .evidence import term_ids, top_terms
from .fastvec import transform as fast_transform
from .features import display_term, drop_lead_without_words, make_vectorizer
from .normalize import normalize_text
from .persist import fingerprint
from .routing import Route, assemble_routes
from .segment import backend_of, make_segmenter
from .taxonomy import HOTLINES, canonical_hotline, is_missing

#: Texts are cut to this many characters (after cleaning) before features are computed.
MAX_TEXT_CHARS = 5000

#: Default review threshold: the output of ``choose_review_threshold(..., 0.97)`` for the
#: default model on the 545 rows of gold_dev.csv (``python benchmarks/review_threshold.py``).
DEFAULT_REVIEW_THRESHOLD = 0.97927


def check_texts(X) -> list[str]:
    """Return ``X`` as a list of str, or raise naming the first bad element.

    Raises
    ------
    TypeError
        If ``X`` is a single string, or an element is not a ``str``.
    """
    if isinstance(X, (str, bytes)):
        raise TypeError("expected a list of texts, got a single string; wrap it in a list")
    try:
        texts = list(X)
    except TypeError:
        raise TypeError(f"expected a list of texts, got {type(X).__name__}") from None
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"text at index {i} is {type(t).__name__}, not str")
    return texts


def normalize_texts(X) -> list[str]:
    """Validate and normalise each text (:func:`~.normalize.normalize_text`).

    Raises
    ------
    TypeError
        As :func:`check_texts`.
    ValueError
        If a text is empty once normalised; the message names its index.
    """
    normalized = []
    for i, text in enumerate(check_texts(X)):
        text = normalize_text(text)
        if not text:
            raise ValueError(f"text at index {i} is empty after cleaning")
        normalized.append(text)
    return normalized


def clean_texts(X) -> list[str]:
    """Normalise, strip channel boilerplate and cut each text to :data:`MAX_TEXT_CHARS`.

    A text that is nothing but boilerplate (``"谢谢！"``) is kept as it is. Raises as
    :func:`normalize_texts`.
    """
    return [_feature_text(t) for t in normalize_texts(X)]


def content_text(normalized: str) -> str:
    """Return the part of a normalised text that features are computed from, before it is
    cut to :data:`MAX_TEXT_CHARS`: the text without channel boilerplate, or all of it if
    nothing else is left.

    Examples
    --------
    >>> content_text("尊敬的领导:您好!小区停水三天。谢谢!")
    '小区停水三天。'
    """
    return strip_boilerplate(normalized) or normalized


def _feature_text(normalized: str) -> str:
    return content_text(normalized)[:MAX_TEXT_CHARS]


class HotlineScoreMixin(ClassifierMixin):
    """scikit-learn's ``ClassifierMixin`` with a ``score`` that reads hotline labels as
    ``fit`` does; shared by this package's classifiers."""

    def score(self, X: Iterable[str], y: Iterable, sample_weight: Sequence[float] | None = None):
        """Return the accuracy of the predicted hotlines.

        The labels are read as :meth:`fit` reads them, so the ``y`` that trained a model
        also scores it (``12345``, ``12345.0`` and ``'12345热线'`` are all ``'12345'``).

        Parameters
        ----------
        X : iterable of str
            Complaint texts.
        y : iterable
            True hotline of each text, in any form :meth:`fit` accepts.
        sample_weight : sequence of float or None, default=None
            Weight of each row.

        Returns
        -------
        float
            The (weighted) share of texts routed to their true hotline.

        Raises
        ------
        ValueError
            On an empty text, an unknown hotline label (naming its row), or a number of
            labels other than the number of texts.
        """
        texts = check_texts(X)
        hotlines = _check_hotlines(y, len(texts))
        return super().score(texts, hotlines, sample_weight=sample_weight)


class HotlineClassifier(HotlineScoreMixin, BaseEstimator):
    """Route Chinese complaints to the 12345 or 12315 hotline and name the matter type.

    Text is cleaned (:func:`~hotline_classify.normalize.normalize_text`), segmented
    (:mod:`~hotline_classify.segment`, jieba or rjieba), turned into TF-IDF features
    (:func:`~hotline_classify.features.make_vectorizer`) and scored by a logistic
    regression whose probabilities are calibrated by Platt scaling on cross-validated
    scores. A second logistic regression names the category; the category returned is the
    most probable one among those the routed hotline handles.

    ``predict``, ``predict_proba`` and ``score`` are about the hotline, so the estimator
    works with ``clone``, ``Pipeline``, ``cross_val_score`` and ``GridSearchCV``.

    Parameters
    ----------
    C : float, default=8.0
        Inverse regularisation strength of both logistic regressions.
    ngram_range : tuple of int, default=(1, 1)
        Word n-gram sizes.
    char_ngram_range : tuple of int or None, default=(1, 2)
        Character n-gram sizes, or ``None`` for word features only. Words and single
        characters and pairs ranked government-channel consumer matters better than word
        pairs and character triples (cross-validated on the team-labelled real messages:
        AUC 0.933 against 0.924), with a fifth of the features.
    lead_weight : float or None, default=1.0
        Weight of a block of features made of the opening sentence's words
        (:class:`~hotline_classify.features.LeadSentence`: on government boards, the title,
        which names the matter and whom it is against); ``None`` or 0 for none. It raised
        the cross-validated AUC on the team-labelled real messages from 0.932 to 0.936 and,
        on gold_dev.csv, the default model's hotline macro-F1 from 0.910 to 0.919.
    min_df : int, default=1
        Ignore terms seen in fewer training documents.
    class_weight : dict, 'balanced' or None, default='balanced'
        Passed to the logistic regressions.
    review_threshold : float, default=DEFAULT_REVIEW_THRESHOLD
        A route whose confidence is below it gets ``needs_review=True``. The default was
        chosen with :func:`~hotline_classify.routing.choose_review_threshold` on the
        hand-labelled ``gold_dev.csv`` for the default model: the lowest threshold at which
        the rows routed without review are at least 97% correct. There it routes 70.5% of
        rows without review at 97.1% accuracy (72% at 96.5% when chosen on one half and
        scored on the other); a model trained on your own data should choose its own.
    n_evidence : int, default=5
        How many terms a route's ``evidence`` lists.
    segmenter : callable or None, default=None
        Maps a normalised text to its words; ``None`` means
        ``make_segmenter()``, the default backend (:mod:`.segment`).
    random_state : int, default=0
        Seed of the calibration folds; the same data and seed give the same model.
    n_jobs : int or None, default=None
        Processes for ``fit``: the word and character vectorizers, and the calibration
        folds, are fitted side by side (``-1``: all cores; ``None``: one). The fitted model
        is the same whatever the value. Routing in parallel is ``route_many(n_jobs=...)``.

    Attributes
    ----------
    classes_ : ndarray of str
        The hotlines, ``['12315', '12345']``.
    categories_ : ndarray of str or None
        Categories seen in training, or ``None`` if trained without them.
    category_hotline_ : dict
        The hotline of each category, learned from the training rows (majority).
    vectorizer_ : FeatureUnion
        The fitted text-to-features transformer.
    feature_names_ : ndarray of str
        Readable term of each feature.
    hotline_model_ : CalibratedClassifierCV
        The calibrated hotline classifier.
    category_model_ : LogisticRegression or None
        The category classifier.
    segmenter_backend_ : str
        The segmenter backend the model was trained with (``'rjieba'``, ``'jieba'``, or a
        custom segmenter's class name).
    n_training_rows_ : int
        Number of rows ``fit`` saw.
    training_fingerprint_ : str
        SHA-256 of the cleaned training texts and their hotlines.

    Examples
    --------
    >>> clf = HotlineClassifier.default()
    >>> clf.route("我在超市买的牛奶过期了，商家拒绝退款").hotline
    '12315'
    """

    def __init__(
        self,
        C: float = 8.0,
        ngram_range: tuple[int, int] = (1, 1),
        char_ngram_range: tuple[int, int] | None = (1, 2),
        lead_weight: float | None = 1.0,
        min_df: int = 1,
        class_weight: dict | str | None = "balanced",
        review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
        n_evidence: int = 5,
        segmenter=None,
        random_state: int = 0,
        n_jobs: int | None = None,
    ):
        self.C = C
        self.ngram_range = ngram_range
        self.char_ngram_range = char_ngram_range
        self.lead_weight = lead_weight
        self.min_df = min_df
        self.class_weight = class_weight
        self.review_threshold = review_threshold
        self.n_evidence = n_evidence
        self.segmenter = segmenter
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ training
    def fit(
        self,
        X: Iterable[str],
        y: Iterable,
        categories: Sequence | None = None,
        sample_weight: Sequence[float] | None = None,
        category_weight: Sequence[float] | None = None,
    ):
        """Learn hotlines (and, if given, categories) from labelled texts.

        Parameters
        ----------
        X : iterable of str
            Complaint texts.
        y : iterable
            Hotline of each text: ``'12345'`` or ``'12315'`` (integers accepted).
        categories : sequence of str or None, default=None
            Matter type of each text; empty strings, ``None`` and missing values (NaN,
            ``pd.NA``) mark rows without one.
        sample_weight : sequence of float or None, default=None
            Weight of each row in both models (e.g. less for weakly labelled rows).
        category_weight : sequence of float or None, default=None
            Weight of each row in the category model instead, where it should differ: a
            weight that balances the hotlines says nothing about categories. ``None`` uses
            ``sample_weight``.

        Returns
        -------
        self : HotlineClassifier

        Raises
        ------
        ValueError
            On empty texts, unknown hotline labels, a single hotline, or a class with fewer
            than 3 rows; the message names the problem.
        """
        texts = clean_texts(X)
        hotlines = _check_hotlines(y, len(texts))
        weights = _check_weights(sample_weight, len(texts), "sample")
        if category_weight is not None:
            category_weights = _check_weights(category_weight, len(texts), "category")
        else:
            category_weights = weights
        counts = Counter(hotlines)
        if len(counts) < 2:
            raise ValueError(f"training needs both hotlines; got only {sorted(counts)}")
        if min(counts.values()) < 3:
            raise ValueError(f"each hotline needs at least 3 training rows; got {dict(counts)}")

        segmenter = self.segmenter if self.segmenter is not None else make_segmenter()
        self.segmenter_backend_ = backend_of(segmenter)
        self.vectorizer_ = make_vectorizer(
            segmenter,
            ngram_range=self.ngram_range,
            char_ngram_range=self.char_ngram_range,
            lead_weight=self.lead_weight,
            min_df=self.min_df,
            n_jobs=self.n_jobs,
        )
        drop_lead_without_words(self.vectorizer_, texts)
        features = self.vectorizer_.fit_transform(texts)
        self.feature_names_ = np.array(
            [display_term(n) for n in self.vectorizer_.get_feature_names_out()], dtype=object
        )
        folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=self.random_state)
        self.hotline_model_ = CalibratedClassifierCV(
            self._linear_model(), method="sigmoid", cv=folds, ensemble=False, n_jobs=self.n_jobs
        ).fit(features, hotlines, sample_weight=weights)
        self.classes_ = self.hotline_model_.classes_
        self._fit_categories(features, hotlines, categories, category_weights)
        self.n_training_rows_ = len(texts)
        self.training_fingerprint_ = fingerprint(texts, hotlines)
        return self

    def _linear_model(self) -> LogisticRegression:
        return LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=2000, random_state=self.random_state
        )

    def _fit_categories(self, features, hotlines: np.ndarray, categories, weights) -> None:
        self.categories_ = None
        self.category_model_ = None
        self.category_hotline_ = {}
        if categories is None:
            return
        cats = _category_labels(categories)
        if len(cats) != len(hotlines):
            raise ValueError(f"got {len(cats)} categories for {len(hotlines)} texts")
        has = cats != ""
        if not has.any():
            return
        for cat in sorted(set(cats[has])):
            owners = Counter(hotlines[cats == cat])
            self.category_hotline_[cat] = owners.most_common(1)[0][0]
        if len(self.category_hotline_) < 2:
            raise ValueError("training categories need at least two different values")
        self.category_model_ = self._linear_model().fit(
            features[has], cats[has], sample_weight=None if weights is None else weights[has]
        )
        self.categories_ = self.category_model_.classes_

    # ---------------------------------------------------------------- prediction
    def _features(self, X):
        check_is_fitted(self, "hotline_model_")
        return fast_transform(self.vectorizer_, clean_texts(X))

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Return the calibrated probability of each hotline, columns in ``classes_`` order."""
        features = self._features(X)
        return self.hotline_model_.predict_proba(features)

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """Return the hotline of each text."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Return the uncalibrated linear score for ``classes_[1]`` of each text."""
        return self._linear().decision_function(self._features(X))

    def _linear(self) -> LogisticRegression:
        return self.hotline_model_.calibrated_classifiers_[0].estimator

    def predict_category(self, X: Iterable[str]) -> np.ndarray:
        """Return each text's category, always one of its routed hotline's categories."""
        features = self._features(X)
        proba = self.hotline_model_.predict_proba(features)
        hotlines = self.classes_[np.argmax(proba, axis=1)]
        return np.array(self._categories_for(features, hotlines), dtype=object)

    def route(self, text: str) -> Route:
        """Route one text.

        Examples
        --------
        >>> HotlineClassifier.default().route("小区物业乱收停车费").hotline
        '12345'
        """
        if not isinstance(text, str):
            raise TypeError(f"expected a str, got {type(text).__name__}")
        return self.route_many([text])[0]

    def route_many(self, X: Iterable[str], n_jobs: int | None = None) -> list[Route]:
        """Route many texts; the results are in input order.

        ``n_jobs`` > 1 (or -1, one per core) routes a large batch in that many processes
        (see :mod:`.parallel`); the routes are the same as in one process.
        """
        X = check_texts(X)
        with _collection_paused():
            if n_jobs not in (None, 1):
                from .parallel import route_in_parallel

                return route_in_parallel(self, X, n_jobs)
            return self._route_here(X)

    def _route_here(self, X: list[str]) -> list[Route]:
        check_is_fitted(self, "hotline_model_")
        if not X:
            return []
        normalized = normalize_texts(X)
        features = fast_transform(self.vectorizer_, [_feature_text(t) for t in normalized])
        proba = self.hotline_model_.predict_proba(features)
        hotlines = self.classes_[np.argmax(proba, axis=1)]
        return assemble_routes(
            self.classes_,
            proba,
            self._categories_for(features, hotlines),
            self._evidence(features, hotlines),
            self.review_threshold,
            detect_normalized_emergencies(normalized),
        )

    def _categories_for(self, features, hotlines) -> list[str | None]:
        if self.category_model_ is None:
            return [None] * len(hotlines)
        proba = self.category_model_.predict_proba(features)
        owner = np.array([self.category_hotline_[c] for c in self.categories_])
        allowed = owner[None, :] == np.asarray(hotlines)[:, None]
        # A hotline with no category of its own keeps the unconstrained choice.
        allowed[~allowed.any(axis=1)] = True
        masked = np.where(allowed, proba, -1.0)
        return [str(self.categories_[j]) for j in np.argmax(masked, axis=1)]

    def _evidence(self, features, hotlines) -> list[tuple[tuple[str, float], ...]]:
        # Each term's contribution to the chosen hotline's score (see .evidence).
        ids, names = term_ids(self)
        sign = np.where(np.asarray(hotlines) == self.classes_[1], 1.0, -1.0)
        weights = self._linear().coef_[0]
        return top_terms(features, sign, weights, ids, names, self.n_evidence)

    # --------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to ``path`` (safe format, with metadata); see :mod:`.persist`."""
        from .persist import save_model

        return save_model(self, path)

    @classmethod
    def load(
        cls, path: str | Path, backend: str | None = None, *, allow_pickle: bool = False
    ) -> HotlineClassifier:
        """Read a model written by :meth:`save`; loading it runs no code from the file.

        ``backend``, if given, must be the segmenter backend the model was trained with.
        ``allow_pickle=True`` also reads old joblib/pickle files, which **runs any code such
        a file holds**: see :func:`.persist.load_model`.
        """
        from .persist import load_model

        return load_model(path, backend, allow_pickle=allow_pickle)

    def with_backend(self, backend: str) -> HotlineClassifier:
        """Return a copy that segments with another backend (``'jieba'`` or ``'rjieba'``).

        The learned weights stay; only the segmenter changes, so routes can differ on the
        texts the two backends cut differently. ``segmenter_backend_`` still names the
        backend the model was trained with.

        Examples
        --------
        >>> HotlineClassifier.default().with_backend("jieba").route("小区停水三天").hotline
        '12345'
        """
        from .segment import swap_backend

        return swap_backend(self, backend)

    @classmethod
    def default(cls) -> HotlineClassifier:
        """Return the model trained on the bundled authored corpus.

        It is trained on first use and cached on disk (see :func:`.persist.default_model`),
        so later calls, in this process or another, load it in well under a second.
        """
        from .persist import default_model

        return default_model()


@contextmanager
def _collection_paused():
    """Pause Python's cyclic garbage collector (if it runs) for the duration.

    Routing makes many small objects and no reference cycles, yet each of the collector's
    passes walks every object in the process: the model's vocabularies and whatever else
    the caller holds (about a tenth of a batch's time in a busy notebook). Everything a
    route drops is still freed at once by reference counting.
    """
    global _pausing
    collecting = gc.isenabled()
    gc.disable()
    _pausing += collecting
    try:
        yield
    finally:
        if collecting:
            _pausing -= 1
            gc.enable()


#: Pauses in progress that will switch the collector back on when they end.
_pausing = 0


def _collect_again_in_a_forked_child() -> None:
    # A process forked while another thread was routing would never see that pause end.
    global _pausing
    if _pausing:
        _pausing = 0
        gc.enable()


os.register_at_fork(after_in_child=_collect_again_in_a_forked_child)


def _check_weights(weights, n: int, kind: str) -> np.ndarray | None:
    if weights is None:
        return None
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (n,):
        got = (
            f"{len(weights)} {kind} weights"
            if weights.ndim == 1
            else f"{kind} weights of shape {weights.shape}"
        )
        raise ValueError(f"got {got} for {n} texts")
    return weights


def _category_labels(categories) -> np.ndarray:
    """Return each category as a stripped str, ``''`` for none (missing or empty)."""
    return np.array(["" if is_missing(c) else str(c).strip() for c in categories], dtype=object)


def _check_hotlines(y, n: int) -> np.ndarray:
    labels = list(y)
    if len(labels) != n:
        raise ValueError(f"got {len(labels)} hotline labels for {n} texts")
    out = []
    for i, label in enumerate(labels):
        try:
            out.append(canonical_hotline(label))
        except ValueError as e:
            raise ValueError(f"row {i}: {e}") from None
    return np.array(out, dtype=object)


__all__ = ["HotlineClassifier", "HOTLINES", "MAX_TEXT_CHARS", "check_texts", "clean_texts"]
