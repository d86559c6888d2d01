"""The fitted text-to-features transform, without scikit-learn's per-string Python work.

A fitted ``TfidfVectorizer`` spends most of its ``transform`` building one Python string
per character n-gram and looking each up in a dict (raising ``KeyError`` for every unseen
one). :func:`transform` gives the same matrix faster:

* characters and character pairs are read from tables indexed by code point (a dense
  pair table while it stays under 64 MB), for the whole batch at once;
* other character n-grams (up to 3 characters) are packed into 64-bit integers from the
  text's code points and looked up in an open-addressing hash table probed with numpy;
* word n-grams are looked up with ``dict.get`` and counted with numpy; single words cut
  by this package's segmenters go from the backend's cut to their column in one lookup;
* a ``preprocessor``, if set, is applied to each text first, as the vectorizer does;
* TF (sublinear or not), IDF and L2 normalisation are applied to the counts as
  ``TfidfTransformer`` does, in the same dtype, so the values are the same to the bit.

Any part it does not recognise (another analyzer, lower-casing, n-grams
longer than 3 characters, a transformer that is not a ``TfidfVectorizer``) is left to its
own ``transform``, so the result is always the fitted transformer's.
"""

from __future__ import annotations

import sys
import weakref
from itertools import islice

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from .segment import _Segmenter

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
    >>> (X != model.vectorizer_.transform(["商家拒绝退款"])).nnz
    0
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


def _word_memories(vectorizer) -> list:
    """The dicts in which :func:`transform` remembers the column of each word it has cut
    (-1 for none), one per word block of ``vectorizer`` that it has transformed."""
    parts = (
        vectorizer.transformer_list if isinstance(vectorizer, FeatureUnion) else [(0, vectorizer)]
    )
    counters = [
        _SegmenterWordCounter._cache.get(p) for _, p in parts if isinstance(p, TfidfVectorizer)
    ]
    return [c.columns for c in counters if c is not None]


def word_memory_marks(vectorizer) -> list[tuple[int, int]]:
    """Return where each of ``vectorizer``'s word memories stands now, for
    :func:`words_since`.

    :func:`transform` remembers the column of each word it has cut; that only saves time.
    Forked workers send back what they add (see :mod:`.parallel`), so that the caller's
    next batch finds those words known.
    """
    return [(memory.restarts, len(memory)) for memory in _word_memories(vectorizer)]


def words_since(vectorizer, marks: list[tuple[int, int]]) -> list[list]:
    """Return, per word memory, the ``(word, column)`` pairs added since ``marks``."""
    out = []
    for memory, (restarts, size) in zip(_word_memories(vectorizer), marks):
        # New words are at the end of the dict; one that started over holds only new ones.
        out.append(list(islice(memory.items(), size if memory.restarts == restarts else 0, None)))
    return out


def remember_words(vectorizer, learned: list[list]) -> None:
    """Add :func:`words_since`'s pairs to ``vectorizer``'s word memories, up to their limit."""
    for memory, pairs in zip(_word_memories(vectorizer), learned):
        room = _SegmenterWordCounter.MAX_WORDS - len(memory)
        memory.update(islice(pairs, max(room, 0)))


def _plan(vec):
    """Return a function texts -> count matrix for a supported fitted vectorizer, or None."""
    if type(vec) is not TfidfVectorizer or not hasattr(vec, "vocabulary_"):
        return None
    if vec.input != "content" or vec.strip_accents:
        return None
    if vec.lowercase or vec.binary or vec.stop_words is not None:
        return None
    char_pairs = vec.analyzer == "char" and vec.ngram_range[1] <= 2
    unigrams = tuple(vec.ngram_range) == (1, 1)
    if char_pairs and (pairs := _CharPairCounter.of(vec)) is not None:
        counter = pairs  # None above: its pair table would be too large
    elif vec.analyzer == "char" and vec.ngram_range[1] <= _MAX_CHARS:
        counter = _CharCounter.of(vec)
    elif vec.analyzer == "word" and isinstance(vec.tokenizer, _Segmenter) and unigrams:
        counter = _SegmenterWordCounter.of(vec)
    elif vec.analyzer == "word" and vec.tokenizer is not None:
        counter = _WordCounter(vec)
    else:
        return None
    preprocess = vec.preprocessor
    if preprocess is None:
        return counter
    return lambda texts: counter([preprocess(t) for t in texts])


def _tfidf(vec: TfidfVectorizer, counts: sp.csr_matrix) -> sp.csr_matrix:
    # Bit for bit what TfidfVectorizer.transform computes from the same counts: its
    # TfidfTransformer works in the vectorizer's dtype (float32 or float64; any other
    # becomes float64), the IDF product in the dtype numpy gives ``data *= idf_``, and
    # sklearn's inplace_csr_row_normalize_l1/l2 sum each row's |x| or x * x (computed in
    # that dtype) in float64, in row order, and divide each value in float64, rounded
    # back to the dtype.
    dtype = vec.dtype if np.dtype(vec.dtype) in (np.float32, np.float64) else np.float64
    data = counts.data.astype(dtype)
    if vec.sublinear_tf:
        np.log(data, out=data)
        data += 1.0
    if vec.use_idf:
        data *= vec.idf_[counts.indices]
    if vec.norm:  # "l1" or "l2", all TfidfVectorizer allows
        # Without normalize's per-call input checks (most of one text's cost). Rows of
        # zeros are left as they are (divided by 1).
        lengths = np.diff(counts.indptr)
        rows = np.repeat(np.arange(len(lengths)), lengths)
        weights = abs(data) if vec.norm == "l1" else data * data  # in data's dtype
        norms = np.bincount(rows, weights, len(lengths)).astype(np.float64)  # int if empty
        if vec.norm == "l2":
            np.sqrt(norms, out=norms)
        norms[norms == 0] = 1
        data /= np.repeat(norms, lengths)  # in float64, rounded to data's dtype
    return sp.csr_matrix((data, counts.indices, counts.indptr), counts.shape)


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


class _CharPairCounter:
    """Counts of a vocabulary of single characters and character pairs, read from tables.

    Each character's column is read from a table indexed by code point, and each pair's
    from a dense table indexed by the two characters' ids: two array lookups per
    character, with no hashing and no probing (about three times faster than
    :class:`_CharCounter`). Counting is one sort of ``text * n_cols + column`` keys per batch; a
    character or pair outside the vocabulary finds a key above all others (:attr:`unknown`
    plus the text's offset), which the sort moves to the end, where it is cut off. The
    counts are those :class:`_CharCounter` computes.
    """

    #: Largest pair table built (64 MB; the emergency detector's takes 30 MB, the default
    #: model's 18 MB). A vocabulary with more characters goes to :class:`_CharCounter`.
    MAX_PAIRS = 1 << 24

    _cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __init__(self, vec: TfidfVectorizer):
        vocab = vec.vocabulary_
        n = self.n_cols = len(vocab)
        self.white = vec._white_spaces
        # Texts per batch: few enough for every key, known or not, to fit in 32 bits, and
        # for the arrays to stay in the CPU caches.
        self.batch = max(1, min(2048, (2**31 - 1) // (2 * n)))
        self.unknown = 2**31 - 1 - (self.batch - 1) * n  # above every known key
        # Code points from ``top`` on (in no term, not whitespace) share the entry ``top``;
        # if U+10FFFF is in a term, ``top`` is that last code point, which none exceeds.
        last = max([0x3000, *(ord(ch) for term in vocab for ch in term)])
        self.top = min(last + 1, sys.maxunicode)
        self.is_space = np.array([chr(c).isspace() for c in range(self.top + 1)])
        self.single = np.full(self.top + 1, self.unknown, dtype=np.int32)
        pairs = {}
        for term, col in vocab.items():
            if len(term) == 1:
                self.single[ord(term)] = col
            elif len(term) == 2:
                pairs[term] = col
        # Characters of the pairs get ids 0..k-1, every other code point the id k; the
        # pair (a, b) is entry ids[a] * (k + 1) + ids[b] of the pair table.
        chars = sorted({ch for term in pairs for ch in term})
        self.k = len(chars)
        self.ids = np.full(self.top + 1, self.k, dtype=np.intp)
        self.ids[[ord(ch) for ch in chars]] = np.arange(self.k)
        self.pair = np.full((self.k + 1) ** 2, self.unknown, dtype=np.int32)
        first = self.ids[[ord(term[0]) for term in pairs]]
        second = self.ids[[ord(term[1]) for term in pairs]]
        self.pair[first * (self.k + 1) + second] = list(pairs.values())

    @classmethod
    def of(cls, vec: TfidfVectorizer):
        """Return the counter of a fitted character 1-2-gram vectorizer, built once, or
        ``None`` if its pair table would be larger than :attr:`MAX_PAIRS`."""
        found = cls._cache.get(vec)
        if found is None or found[0] is not vec.vocabulary_:
            n_chars = len({ch for term in vec.vocabulary_ if len(term) == 2 for ch in term})
            counter = cls(vec) if (n_chars + 1) ** 2 <= cls.MAX_PAIRS else None
            found = cls._cache[vec] = (vec.vocabulary_, counter)
        return found[1]

    def __call__(self, texts: list[str]) -> sp.csr_matrix:
        """Return the count matrix of the texts, counted :attr:`batch` texts at a time."""
        if not texts:
            return sp.csr_matrix((0, self.n_cols))
        batches = range(0, len(texts), self.batch)
        return sp.vstack([self._count(texts[lo : lo + self.batch]) for lo in batches], "csr")

    def _count(self, texts: list[str]) -> sp.csr_matrix:
        codes = self._codes(texts)
        space = self.is_space[codes]
        if (space[1:] & space[:-1]).any():  # not normalised: fold whitespace as sklearn does
            texts = [self.white.sub(" ", t) for t in texts]
            codes = self._codes(texts)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        offset = np.repeat(np.arange(len(texts), dtype=np.int32) * self.n_cols, lengths)
        ids = self.ids[codes]
        pair_cols = self.pair[ids[:-1] * (self.k + 1) + ids[1:]]
        ends = np.cumsum(lengths)[:-1]
        pair_cols[ends[(ends > 0) & (ends < len(codes))] - 1] = self.unknown  # across texts
        keys = np.concatenate([offset + self.single[codes], offset[:-1] + pair_cols])
        keys.sort()
        keys = keys[: np.searchsorted(keys, self.unknown)]
        new = np.empty(len(keys), dtype=bool)
        new[:1] = True
        np.not_equal(keys[1:], keys[:-1], out=new[1:])
        starts = np.flatnonzero(new)
        counts = np.diff(starts, append=len(keys)).astype(np.float64)
        rows, cols = np.divmod(keys[starts], self.n_cols)
        indptr = np.searchsorted(rows, np.arange(len(texts) + 1))
        return sp.csr_matrix((counts, cols, indptr), shape=(len(texts), self.n_cols))

    def _codes(self, texts: list[str]) -> np.ndarray:
        """Return the code points of the texts, one after another, cut at :attr:`top`."""
        joined = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), np.uint32)
        return np.minimum(joined, self.top, dtype=np.intp)


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


class _SegmenterWordCounter:
    """Counts of the vocabulary's single words, for a vectorizer whose tokenizer is one of
    this package's segmenters: each word of the backend's cut maps to its column (-1 for
    none) through one dict, which remembers what the segmenter's word filter and the
    vocabulary make of it."""

    _cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    #: Past this many remembered words the dict starts over (bounded memory on a stream).
    MAX_WORDS = 200_000

    class _Columns(dict):
        def __init__(self, counter):
            super().__init__()
            self.counter = counter
            self.restarts = 0  # times it has started over

        def __missing__(self, word: str) -> int:
            token = self.counter.segmenter.token(word)
            col = self[word] = self.counter.vocabulary.get(token, -1) if token else -1
            return col

    def __init__(self, vec: TfidfVectorizer):
        self.segmenter = vec.tokenizer
        self.vocabulary = vec.vocabulary_
        self.columns = self._Columns(self)

    @classmethod
    def of(cls, vec: TfidfVectorizer):
        """Return the counter of a fitted vectorizer, built once per vocabulary and
        tokenizer: what a word makes depends on both (another segmenter may cut it
        otherwise, or drop it as a stop word)."""
        found = cls._cache.get(vec)
        if (
            found is None
            or found.vocabulary is not vec.vocabulary_
            or found.segmenter is not vec.tokenizer
        ):
            found = cls._cache[vec] = cls(vec)
        return found

    def __call__(self, texts: list[str]) -> sp.csr_matrix:
        if len(self.columns) >= self.MAX_WORDS:
            self.columns.clear()
            self.columns.restarts += 1
        column, cut = self.columns.__getitem__, self.segmenter.cut_words
        rows, cols = [], []
        for i, text in enumerate(texts):
            found = [c for c in map(column, cut(text)) if c >= 0]
            cols += found
            rows += [i] * len(found)
        return _count_matrix(
            np.array(rows, dtype=np.int64),
            np.array(cols, dtype=np.int64),
            len(texts),
            len(self.vocabulary),
        )
