"""Out-of-core training: hashed features and SGD, learned chunk by chunk from a file.

:class:`OnlineHotlineClassifier` never holds more than one chunk of texts (plus a bounded
sample kept for calibration), so it trains on corpora larger than memory. It has no
vocabulary to learn: words and character n-grams are hashed into a fixed number of
columns. It routes through the same ``route``/``route_many`` API as
:class:`~hotline_classify.HotlineClassifier` and returns the same
:class:`~hotline_classify.Route`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction import FeatureHasher
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.preprocessing import normalize
from sklearn.utils import murmurhash3_32
from sklearn.utils.validation import check_is_fitted

from .emergency import detect_emergencies
from .fastvec import char_ngram_keys
from .io import InputError, choose_text_columns, open_table, record_text, require_column
from .model import (
    DEFAULT_REVIEW_THRESHOLD,
    HotlineScoreMixin,
    _category_labels,
    _check_hotlines,
    check_texts,
    clean_texts,
)
from .routing import Route, assemble_routes
from .segment import backend_of, make_segmenter
from .taxonomy import CATEGORIES, CATEGORY_HOTLINE, HOTLINES, canonical_hotline


class OnlineHotlineClassifier(HotlineScoreMixin, BaseEstimator):
    """Route complaints with a linear model trained chunk by chunk (``partial_fit``).

    Text is cleaned and segmented as in :class:`~hotline_classify.HotlineClassifier`;
    word n-grams and character n-grams are hashed (sublinear counts, L2-normalised) and
    fed to two ``SGDClassifier`` (logistic loss): one for the hotline, one for the
    category. One row in ``calibration_every`` is held out of training; a bounded random
    sample of those rows calibrates the hotline probability by Platt scaling at the end
    of :meth:`fit` and :meth:`fit_csv`.

    Parameters
    ----------
    n_features : int, default=2**20
        Hashed columns.
    ngram_range : tuple of int, default=(1, 2)
        Word n-gram sizes.
    char_ngram_range : tuple of int or None, default=(2, 3)
        Character n-gram sizes, or ``None``.
    alpha : float, default=1e-6
        SGD regularisation strength.
    n_epochs : int, default=3
        Passes over the data in :meth:`fit` and :meth:`fit_csv`.
    chunk_size : int, default=10_000
        Rows per ``partial_fit`` step in :meth:`fit` and :meth:`fit_csv`.
    calibration_every : int, default=10
        Hold out every n-th row for calibration.
    max_calibration_rows : int, default=20_000
        Most held-out rows kept (a reservoir sample).
    review_threshold : float, default=DEFAULT_REVIEW_THRESHOLD
    n_evidence : int, default=5
    segmenter : callable or None, default=None
        ``None`` means ``make_segmenter()`` (the default backend).
    random_state : int, default=0

    Attributes
    ----------
    classes_ : ndarray of str
    hotline_model_, category_model_ : SGDClassifier
    calibrator_ : LogisticRegression or None
        Platt scaling of the hotline score; ``None`` until :meth:`calibrate` ran on held-out
        rows (then probabilities are the SGD's own).
    categories_ : ndarray of str
    segmenter_backend_ : str
    n_training_rows_ : int
        Rows learned from (held-out rows not counted; in :meth:`fit`, one pass).

    Examples
    --------
    >>> from hotline_classify.datasets import load_corpus
    >>> c = load_corpus()
    >>> clf = OnlineHotlineClassifier().fit(c.texts, c.hotlines, c.categories)
    >>> clf.route("我在超市买的牛奶过期了，商家拒绝退款").hotline
    '12315'
    """

    def __init__(
        self,
        n_features: int = 2**20,
        ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] | None = (2, 3),
        alpha: float = 1e-6,
        n_epochs: int = 3,
        chunk_size: int = 10_000,
        calibration_every: int = 10,
        max_calibration_rows: int = 20_000,
        review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
        n_evidence: int = 5,
        segmenter=None,
        random_state: int = 0,
    ):
        self.n_features = n_features
        self.ngram_range = ngram_range
        self.char_ngram_range = char_ngram_range
        self.alpha = alpha
        self.n_epochs = n_epochs
        self.chunk_size = chunk_size
        self.calibration_every = calibration_every
        self.max_calibration_rows = max_calibration_rows
        self.review_threshold = review_threshold
        self.n_evidence = n_evidence
        self.segmenter = segmenter
        self.random_state = random_state

    # ------------------------------------------------------------------ features
    def _word_terms(self, text: str) -> list[str]:
        words = self.segmenter_(text)
        lo, hi = self.ngram_range
        return [
            " ".join(words[i : i + n]) for n in range(lo, hi + 1) for i in range(len(words) - n + 1)
        ]

    def _char_columns(self, texts: list[str]):
        """Yield ``(n, doc, column)`` of every character n-gram of ``texts``."""
        for n, doc, key in char_ngram_keys(
            texts, range(self.char_ngram_range[0], self.char_ngram_range[1] + 1)
        ):
            yield n, doc, _hash_keys(key, self.n_features)

    def _features(self, texts: list[str], word_terms: list[list[str]] | None = None):
        """Hashed word and character n-gram counts, sublinear, L2-normalised rows."""
        if word_terms is None:
            word_terms = [self._word_terms(t) for t in texts]
        hasher = FeatureHasher(
            self.n_features, input_type="string", alternate_sign=False, dtype=np.float64
        )
        X = hasher.transform(word_terms)
        if self.char_ngram_range is not None:
            parts = list(self._char_columns(texts))
            rows = np.concatenate([doc for _, doc, _ in parts] + [np.empty(0, np.int64)])
            cols = np.concatenate([col for _, _, col in parts] + [np.empty(0, np.int64)])
            X = X + sp.csr_matrix(
                (np.ones(len(rows)), (rows, cols)), shape=(len(texts), self.n_features)
            )
        X = sp.csr_matrix(X)
        X.sum_duplicates()
        np.log1p(X.data, out=X.data)  # sublinear term frequency
        return normalize(X).astype(np.float32)

    # ------------------------------------------------------------------ training
    def _start(self) -> None:
        self.segmenter_ = self.segmenter if self.segmenter is not None else make_segmenter()
        self.segmenter_backend_ = backend_of(self.segmenter_)
        self.classes_ = np.array(sorted(HOTLINES), dtype=object)
        self.categories_ = np.array(sorted(CATEGORIES), dtype=object)
        sgd = dict(loss="log_loss", alpha=self.alpha, random_state=self.random_state)
        self.hotline_model_ = SGDClassifier(**sgd)
        self.category_model_ = SGDClassifier(**sgd)
        self.category_hotline_ = dict(CATEGORY_HOTLINE)
        self.calibrator_ = None
        self.n_training_rows_ = 0
        self._held_out: list[tuple[str, str]] = []
        self._n_held_out_seen = 0
        self._n_rows_seen = 0
        self._rng = random.Random(self.random_state)

    def partial_fit(self, X: Iterable[str], y: Iterable, categories: Sequence | None = None):
        """Learn from one chunk of labelled texts; the first call starts a new model.

        Every ``calibration_every``-th row (counted over all calls) is held out for
        calibration rather than learned from. Call :meth:`calibrate` after the last chunk
        (:meth:`fit` and :meth:`fit_csv` do).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            On an empty text, an unknown hotline or category; the message names the row
            of the chunk.
        """
        if not hasattr(self, "hotline_model_"):
            self._start()
        texts = clean_texts(X)
        hotlines = _check_hotlines(y, len(texts))
        cats = _check_categories(categories, len(texts))
        return self._learn(texts, hotlines, cats)

    def _learn(self, texts: list[str], hotlines: np.ndarray, cats: np.ndarray):
        """:meth:`partial_fit` on a chunk already cleaned and checked."""
        train = np.ones(len(texts), dtype=bool)
        if self.calibration_every:
            rows = np.arange(self._n_rows_seen, self._n_rows_seen + len(texts))
            train = rows % self.calibration_every != self.calibration_every - 1
            for i in np.flatnonzero(~train):
                self._keep_for_calibration(texts[i], hotlines[i])
        self._n_rows_seen += len(texts)
        if not train.any():
            return self
        features = self._features([t for t, keep in zip(texts, train) if keep])
        hotlines, cats = hotlines[train], cats[train]
        self.hotline_model_.partial_fit(features, hotlines, classes=self.classes_)
        has = cats != ""
        if has.any():
            self.category_model_.partial_fit(features[has], cats[has], classes=self.categories_)
        self.n_training_rows_ += int(train.sum())
        self.calibrator_ = None
        return self

    def _keep_for_calibration(self, text: str, hotline: str) -> None:
        self._n_held_out_seen += 1
        if len(self._held_out) < self.max_calibration_rows:
            self._held_out.append((text, hotline))
        else:
            j = self._rng.randrange(self._n_held_out_seen)
            if j < self.max_calibration_rows:
                self._held_out[j] = (text, hotline)

    def calibrate(self):
        """Fit Platt scaling of the hotline score on the held-out rows; returns self.

        With fewer than two hotlines among them, probabilities stay the SGD's own.
        """
        check_is_fitted(self, "hotline_model_")
        labels = np.array([h for _, h in self._held_out], dtype=object)
        if len(set(labels)) < 2:
            self.calibrator_ = None
            return self
        scores = self.hotline_model_.decision_function(
            self._features([t for t, _ in self._held_out])
        )
        self.calibrator_ = LogisticRegression(C=1e4).fit(scores[:, None], labels)
        return self

    def fit(self, X: Iterable[str], y: Iterable, categories: Sequence | None = None):
        """Train from scratch on in-memory texts, ``n_epochs`` passes of ``chunk_size`` rows.

        Every text, label and category is checked before training starts (each text is
        cleaned once, not once per pass).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            On an empty text, an unknown hotline or category (naming its index in ``X``),
            or a number of labels or categories other than the number of texts.
        """
        texts = clean_texts(X)
        hotlines = _check_hotlines(y, len(texts))
        cats = _check_categories(categories, len(texts))

        def chunks():
            for start in range(0, len(texts), self.chunk_size):
                stop = start + self.chunk_size
                yield texts[start:stop], hotlines[start:stop], cats[start:stop]

        return self._fit_epochs(chunks, self._learn)

    def fit_csv(
        self,
        path: str | Path,
        text_columns: list[str] | None = None,
        label_column: str = "hotline",
        category_column: str | None = None,
    ):
        """Train from scratch on a labelled CSV read ``chunk_size`` rows at a time.

        Parameters
        ----------
        path : str or Path
            UTF-8 CSV with a header row.
        text_columns : list of str or None
            Columns joined to make each text; ``None`` picks them as the command line does.
        label_column : str, default='hotline'
        category_column : str or None

        Returns
        -------
        self

        Raises
        ------
        InputError
            On a missing column, an empty text or a bad label; the message names the file
            line.
        """
        return self._fit_epochs(
            lambda: iter_labelled_csv(
                path, text_columns, label_column, category_column, self.chunk_size
            ),
            self.partial_fit,
        )

    def _fit_epochs(self, make_chunks, learn):
        self._start()
        for epoch in range(self.n_epochs):
            self._n_rows_seen = 0  # the same rows are held out in every pass
            self._held_out, self._n_held_out_seen = [], 0
            self._rng = random.Random(self.random_state)
            for texts, labels, cats in make_chunks():
                learn(texts, labels, cats)
            if epoch == 0:
                rows = self.n_training_rows_
        if self.n_training_rows_ == 0:
            raise ValueError("no training rows")
        self.n_training_rows_ = rows
        return self.calibrate()

    def __getstate__(self) -> dict:
        # The texts kept for calibration stay out of model files and worker pickles.
        return {**super().__getstate__(), "_held_out": []}

    # ---------------------------------------------------------------- prediction
    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Return the probability of each hotline, columns in ``classes_`` order."""
        return self._proba(self._features_of(X))

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """Return the hotline of each text."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def _features_of(self, X):
        check_is_fitted(self, "hotline_model_")
        return self._features(clean_texts(X))

    def _proba(self, features) -> np.ndarray:
        if self.calibrator_ is None:
            return self.hotline_model_.predict_proba(features)
        scores = self.hotline_model_.decision_function(features)
        return self.calibrator_.predict_proba(scores[:, None])

    def route(self, text: str) -> Route:
        """Route one text."""
        if not isinstance(text, str):
            raise TypeError(f"expected a str, got {type(text).__name__}")
        return self.route_many([text])[0]

    def route_many(self, X: Iterable[str]) -> list[Route]:
        """Route many texts; the results are in input order."""
        check_is_fitted(self, "hotline_model_")
        X = check_texts(X)
        if not X:
            return []
        texts = clean_texts(X)
        word_terms = [self._word_terms(t) for t in texts]
        features = self._features(texts, word_terms)
        proba = self._proba(features)
        hotlines = self.classes_[np.argmax(proba, axis=1)]
        return assemble_routes(
            self.classes_,
            proba,
            self._categories_for(features, hotlines),
            self._evidence(features, texts, word_terms, hotlines),
            self.review_threshold,
            detect_emergencies(X),
        )

    def _categories_for(self, features, hotlines) -> list[str | None]:
        if not hasattr(self.category_model_, "coef_"):
            return [None] * len(hotlines)
        scores = self.category_model_.decision_function(features)
        owner = np.array([self.category_hotline_[c] for c in self.category_model_.classes_])
        allowed = owner[None, :] == np.asarray(hotlines)[:, None]
        masked = np.where(allowed, scores, -np.inf)
        return [str(self.category_model_.classes_[j]) for j in np.argmax(masked, axis=1)]

    def _evidence(self, features, texts, word_terms, hotlines):
        weights = self.hotline_model_.coef_[0]
        if self.calibrator_ is not None and self.calibrator_.coef_[0, 0] < 0:
            weights = -weights  # the calibrator turned the score around
        word_column: dict[str, int] = {}
        out = []
        for i, hotline in enumerate(hotlines):
            start, end = features.indptr[i], features.indptr[i + 1]
            cols = features.indices[start:end]
            sign = 1.0 if hotline == self.classes_[1] else -1.0
            contrib = features.data[start:end] * weights[cols] * sign
            # Only the strongest columns can hold the strongest terms; a word and the same
            # characters share a display term, so keep a margin.
            strongest = np.argsort(-np.abs(contrib), kind="stable")[: 3 * self.n_evidence]
            top = {int(cols[j]): float(contrib[j]) for j in strongest}
            by_term: dict[str, float] = {}
            for term in dict.fromkeys(word_terms[i]):
                col = word_column.get(term)
                if col is None:
                    col = word_column[term] = abs(murmurhash3_32(term, seed=0)) % self.n_features
                if col in top:
                    by_term[term] = by_term.get(term, 0.0) + top[col]
            if self.char_ngram_range is not None:
                text = texts[i]
                seen = set()
                for n, _, col in self._char_columns([text]):
                    for j in np.flatnonzero(np.isin(col, list(top))):
                        term = text[j : j + n]
                        if term not in seen:
                            seen.add(term)
                            by_term[term] = by_term.get(term, 0.0) + top[int(col[j])]
            best = sorted(by_term.items(), key=lambda kv: -abs(kv[1]))[: self.n_evidence]
            out.append(tuple((term, round(c, 4)) for term, c in best))
        return out


def _hash_keys(keys: np.ndarray, n_features: int) -> np.ndarray:
    """Spread packed character n-grams over ``n_features`` columns (multiplicative hash)."""
    h = keys * np.uint64(0x9E3779B97F4A7C15)
    h ^= h >> np.uint64(31)
    return (h % np.uint64(n_features)).astype(np.int64)


def _check_categories(categories, n: int) -> np.ndarray:
    if categories is None:
        return np.array([""] * n, dtype=object)
    cats = _category_labels(categories)
    if len(cats) != n:
        raise ValueError(f"got {len(cats)} categories for {n} texts")
    for i, c in enumerate(cats):
        if c and c not in CATEGORY_HOTLINE:
            raise ValueError(f"row {i}: unknown category {c!r}; expected one of {CATEGORIES}")
    return cats


def iter_labelled_csv(
    path: str | Path,
    text_columns: list[str] | None = None,
    label_column: str = "hotline",
    category_column: str | None = None,
    chunk_size: int = 10_000,
) -> Iterator[tuple[list[str], list[str], list[str] | None]]:
    """Yield ``(texts, hotlines, categories)`` chunks of a labelled table, streaming.

    Any format :func:`.io.open_table` reads (CSV, TSV, JSONL, XLSX; encodings detected).

    Raises
    ------
    InputError
        On a missing column or an empty text or label; the message names the file and row.

    Examples
    --------
    >>> for texts, hotlines, cats in iter_labelled_csv("orders.csv"):  # doctest: +SKIP
    ...     model.partial_fit(texts, hotlines, cats)
    """
    path = Path(path)
    with open_table(path) as table:
        columns = choose_text_columns(table, text_columns)
        require_column(table, label_column)
        if category_column:
            require_column(table, category_column)
        texts, labels, cats = [], [], []
        for record in table:
            text, problem = record_text(record, columns)
            if problem:
                raise InputError(f"{path}: row {record.row}: {problem}")
            label = str(record.values.get(label_column) or "").strip()
            if not label:
                raise InputError(f"{path}: row {record.row}: empty {label_column}")
            try:
                canonical_hotline(label)
            except ValueError as e:
                raise InputError(f"{path}: row {record.row}: {e}") from None
            cat = str(record.values.get(category_column) or "").strip() if category_column else ""
            if cat and cat not in CATEGORY_HOTLINE:
                raise InputError(f"{path}: row {record.row}: unknown category {cat!r}")
            texts.append(text)
            labels.append(label)
            cats.append(cat)
            if len(texts) == chunk_size:
                yield texts, labels, cats if category_column else None
                texts, labels, cats = [], [], []
        if texts:
            yield texts, labels, cats if category_column else None
