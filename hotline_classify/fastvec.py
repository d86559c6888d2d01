"""The fitted text-to-features transform, without scikit-learn's per-string Python work.

A fitted ``TfidfVectorizer`` spends most of its ``transform`` building one Python string
per character n-gram and looking each up in a dict (raising ``KeyError`` for every unseen
one). :func:`transform` gives the same matrix faster:

* character n-grams (up to 3 characters) are packed into 64-bit integers from the text's
  code points and looked up in an open-addressing hash table probed with numpy, for the
  whole batch at once;
* word n-grams are looked up with ``dict.get`` and counted with numpy;
* a ``preprocessor``, if set, is applied to each text first, as the vectorizer does;
* TF (sublinear or not), IDF and L2 normalisation are applied to the counts as
  ``TfidfTransformer`` does.

Any part it does not recognise (another analyzer, lower-casing, n-grams
longer than 3 characters, a transformer that is not a ``TfidfVectorizer``) is left to its
own ``transform``, so the result is always the fitted transformer's.
"""

from __future__ import annotations

import weakref

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize

_BITS = 21  # every Unicode code point fits in 21 bits; three fit in a 64-bit integer
_MAX_CHARS = 3


def transform(vectorizer, texts: list[str]):
    """Return ``vectorizer.transform(texts)``, computed faster where it can be.

    Parameters
    ----------
    vectorizer : FeatureUnion, TfidfVectorizer or any fitted transformer
    texts : list of str

    Returns
    -------
    scipy.sparse.csr_matrix

    Examples
    --------
    >>> from hotline_classify import HotlineClassifier
    >>> model = HotlineClassifier.default()
    >>> X = transform(model.vectorizer_, ["商家拒绝退款"])
    >>> abs(X - model.vectorizer_.transform(["商家拒绝退款"])).max() < 1e-6
    True
    """
    if isinstance(vectorizer, FeatureUnion) and all(
        part != "passthrough" for _, part in vectorizer.transformer_list
    ):
        weights = vectorizer.transformer_weights or {}
        blocks = []
        for name, part in vectorizer.transformer_list:
            if part == "drop":
                continue
            block = transform(part, texts)
            if name in weights:
                block = block * weights[name]
            blocks.append(block)
        return sp.hstack(blocks, format="csr")
    plan = _plan(vectorizer)
    if plan is None:
        return vectorizer.transform(texts)
    counts = plan(texts)
    return _tfidf(vectorizer, counts)


def _plan(vec):
    """Return a function texts -> count matrix for a supported fitted vectorizer, or None."""
    if type(vec) is not TfidfVectorizer or not hasattr(vec, "vocabulary_"):
        return None
    if vec.input != "content" or vec.strip_accents:
        return None
    if vec.lowercase or vec.binary or vec.stop_words is not None:
        return None
    if vec.analyzer == "char" and vec.ngram_range[1] <= _MAX_CHARS:
        counter = _CharCounter.of(vec)
    elif vec.analyzer == "word" and vec.tokenizer is not None:
        counter = _WordCounter(vec)
    else:
        return None
    preprocess = vec.preprocessor
    if preprocess is None:
        return counter
    return lambda texts: counter([preprocess(t) for t in texts])


def _tfidf(vec: TfidfVectorizer, counts: sp.csr_matrix) -> sp.csr_matrix:
    data = counts.data.astype(np.float64)
    if vec.sublinear_tf:
        np.log(data, out=data)
        data += 1
    if vec.use_idf:
        data *= vec.idf_[counts.indices]
    X = sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)
    if vec.norm:
        X = normalize(X, norm=vec.norm, copy=False)
    return X.astype(vec.dtype)


def _count_matrix(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int):
    keys, counts = np.unique(rows.astype(np.int64) * n_cols + cols, return_counts=True)
    indptr = np.searchsorted(keys // n_cols, np.arange(n_rows + 1), side="left")
    return sp.csr_matrix(
        (counts.astype(np.float64), (keys % n_cols).astype(np.int32), indptr),
        shape=(n_rows, n_cols),
    )


class _CharCounter:
    """Counts of the vocabulary's character n-grams, found as packed integers."""

    _cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __init__(self, vec: TfidfVectorizer):
        self.white = vec._white_spaces
        self.n_cols = len(vec.vocabulary_)
        lo, hi = vec.ngram_range
        self.sizes = range(lo, hi + 1)
        by_size: dict[int, tuple[list[int], list[int]]] = {n: ([], []) for n in self.sizes}
        for term, col in vec.vocabulary_.items():
            keys, cols = by_size[len(term)]
            keys.append(pack(term))
            cols.append(col)
        self.tables = {n: _HashTable(keys, cols) for n, (keys, cols) in by_size.items()}

    @classmethod
    def of(cls, vec: TfidfVectorizer):
        # The tables depend on the fitted vocabulary only: build them once per vectorizer.
        found = cls._cache.get(vec)
        if found is None or found[0] is not vec.vocabulary_:
            found = cls._cache[vec] = (vec.vocabulary_, cls(vec))
        return found[1]

    def __call__(self, texts: list[str]) -> sp.csr_matrix:
        rows, cols = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
        texts = [self.white.sub(" ", t) for t in texts]
        for n, doc, key in char_ngram_keys(texts, self.sizes):
            found = self.tables[n].lookup(key)
            hit = found >= 0
            rows.append(doc[hit])
            cols.append(found[hit])
        return _count_matrix(np.concatenate(rows), np.concatenate(cols), len(texts), self.n_cols)


class _HashTable:
    """An open-addressing table from packed n-grams to columns, probed for whole arrays.

    At most a quarter full, so most keys are settled by the first probe; far cheaper than
    a binary search (``searchsorted``) over the sorted vocabulary.
    """

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, keys: list[int], cols: list[int]):
        bits = max(4, int(4 * max(len(keys), 1) - 1).bit_length())
        self.mask = (1 << bits) - 1
        self.shift = np.uint64(64 - bits)
        self.keys = np.zeros(1 << bits, dtype=np.uint64)
        self.cols = np.full(1 << bits, -1, dtype=np.int64)
        slots = self._slots(np.array(keys, dtype=np.uint64)).tolist()
        for key, col, slot in zip(keys, cols, slots):
            while self.cols[slot] >= 0:
                slot = (slot + 1) & self.mask
            self.keys[slot] = key
            self.cols[slot] = col

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        return ((keys * self._MULTIPLIER) >> self.shift).astype(np.int64)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Return the column of each key, or -1 for keys not in the vocabulary."""
        out = np.full(len(keys), -1, dtype=np.int64)
        pending = np.arange(len(keys))
        slots = self._slots(keys)
        while len(pending):
            cols = self.cols[slots]
            hit = (cols >= 0) & (self.keys[slots] == keys[pending])
            out[pending[hit]] = cols[hit]
            again = (cols >= 0) & ~hit  # an occupied slot holding another key: probe on
            pending, slots = pending[again], (slots[again] + 1) & self.mask
        return out


def char_ngram_keys(texts: list[str], sizes):
    """Yield ``(n, doc, key)`` for each n-gram size: every n-character window of every
    text (not crossing texts), as the text's index and the window packed in an integer.

    Examples
    --------
    >>> [(n, doc.tolist(), len(key)) for n, doc, key in char_ngram_keys(["退款了", "好"], [2])]
    [(2, [0, 0], 2)]
    """
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    joined = "".join(texts).encode("utf-32-le", "surrogatepass")
    codes = np.frombuffer(joined, dtype=np.uint32).astype(np.uint64)
    doc = np.repeat(np.arange(len(texts)), lengths)
    for n in sizes:
        m = len(codes) - n + 1
        if m <= 0:
            continue
        key = codes[:m].copy()
        for k in range(1, n):
            key <<= np.uint64(_BITS)
            key |= codes[k : k + m]
        inside = doc[:m] == doc[n - 1 : n - 1 + m]
        yield n, doc[:m][inside], key[inside]


def pack(term: str) -> int:
    """Return the integer :func:`char_ngram_keys` gives an n-gram of up to 3 characters."""
    key = 0
    for ch in term:
        key = (key << _BITS) | ord(ch)
    return key


class _WordCounter:
    """Counts of the vocabulary's word n-grams, looked up with ``dict.get``."""

    def __init__(self, vec: TfidfVectorizer):
        self.vec = vec

    def __call__(self, texts: list[str]) -> sp.csr_matrix:
        vocab = self.vec.vocabulary_
        get = vocab.get
        tokenize = self.vec.tokenizer
        lo, hi = self.vec.ngram_range
        rows, cols = [], []
        for i, text in enumerate(texts):
            tokens = tokenize(text)
            found = []
            for n in range(lo, hi + 1):
                if n == 1:
                    grams = tokens
                elif n == 2:
                    grams = [a + " " + b for a, b in zip(tokens, tokens[1:])]
                else:
                    grams = [" ".join(tokens[j : j + n]) for j in range(len(tokens) - n + 1)]
                found += [c for c in map(get, grams) if c is not None]
            cols += found
            rows += [i] * len(found)
        return _count_matrix(
            np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), len(texts), len(vocab)
        )
