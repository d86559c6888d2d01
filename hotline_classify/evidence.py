"""The terms behind a decision, for a whole batch at once."""

from __future__ import annotations

import weakref

import numpy as np

_term_ids: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def term_ids(model) -> tuple[np.ndarray, np.ndarray]:
    """Return, for a fitted model, the display term of each feature as an id, and the terms.

    A word and the same characters (``word__退款``, ``char__退款``) share one id. Built once
    per fitted model and kept while the model lives.
    """
    found = _term_ids.get(model)
    if found is None or found[0] is not model.feature_names_:
        names, ids = np.unique(model.feature_names_.astype(str), return_inverse=True)
        found = _term_ids[model] = (model.feature_names_, ids.ravel(), names)
    return found[1], found[2]


def top_terms(features, contributions_sign, weights, ids, names, n: int):
    """Return each row's ``n`` terms with the largest summed contribution, largest first.

    Parameters
    ----------
    features : scipy.sparse matrix
        Feature values, one row per text.
    contributions_sign : ndarray of float
        +1 or -1 per row: the side of the decision the contributions are counted for.
    weights : ndarray
        Linear weight of each feature.
    ids, names : ndarray
        Display-term id of each feature, and the term of each id (see :func:`term_ids`).
    n : int

    Returns
    -------
    list of tuple of (str, float)
        Per row, ``(term, contribution rounded to 4 places)``; features sharing a term are
        summed; ties keep the order in which the terms first appear in the row.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> X = sp.csr_matrix(np.array([[1.0, 2.0, 0.5]]))
    >>> top_terms(X, np.array([1.0]), np.array([0.1, -0.3, 0.2]), np.array([0, 1, 0]),
    ...           np.array(["退款", "小区"]), 2)
    [(('小区', -0.6), ('退款', 0.2))]
    """
    features = features.tocsr()
    n_rows = features.shape[0]
    if n < 1:
        return [()] * n_rows
    lengths = np.diff(features.indptr)
    rows = np.repeat(np.arange(n_rows, dtype=np.int64), lengths)
    contrib = features.data * weights[features.indices] * np.repeat(contributions_sign, lengths)
    # Sorted by row and term, a term's features are one run, in their order in the row.
    key = rows * len(names) + ids[features.indices]
    perm = np.argsort(key, kind="stable")
    key = key[perm]
    new = np.empty(len(key), dtype=bool)
    new[:1] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    starts = np.flatnonzero(new)  # one per (row, term)
    first = perm[starts]  # where the term first appears in the row
    row = rows[first]
    sums = np.bincount(np.cumsum(new) - 1, weights=contrib[perm], minlength=len(starts))
    size = abs(sums)
    # Every term at least as large as its row's n-th largest, ties included; sorted by
    # row, then largest first, then first appearance; the first n of each row's run.
    candidates = np.flatnonzero(size >= _nth_largest(size, row, n_rows, n)[row])
    order = candidates[np.lexsort((first[candidates], -size[candidates], row[candidates]))]
    rank = np.arange(len(order)) - np.searchsorted(row[order], row[order])
    chosen = order[rank < n]
    terms = names[key[starts[chosen]] % len(names)].tolist()
    pairs = list(zip(terms, rounded(sums[chosen], 4)))
    ends = np.cumsum(np.bincount(row[chosen], minlength=n_rows)).tolist()
    return [tuple(pairs[start:end]) for start, end in zip([0, *ends], ends)]


def _nth_largest(values, row, n_rows: int, n: int, block_rows: int = 256) -> np.ndarray:
    """Return each row's ``n``-th largest value, or -1 for a row with at most ``n`` values.

    ``values`` (all >= 0) hold the rows one after another in contiguous runs, ``row`` the
    row of each. Rows of similar length are padded with -1 into one block and partitioned
    together, so the work is a few numpy calls per ``block_rows`` rows, not per row.
    """
    lengths = np.bincount(row, minlength=n_rows)
    starts = np.cumsum(lengths) - lengths
    out = np.full(n_rows, -1.0)
    by_length = np.argsort(lengths, kind="stable")
    by_length = by_length[lengths[by_length] > n]
    for lo in range(0, len(by_length), block_rows):
        block = by_length[lo : lo + block_rows]
        width = lengths[block[-1]]  # the longest row of the block
        cols = np.arange(width)
        inside = cols < lengths[block, None]
        padded = np.where(inside, values[np.where(inside, starts[block, None] + cols, 0)], -1.0)
        out[block] = np.partition(padded, width - n, axis=1)[:, width - n]
    return out


def rounded(values: np.ndarray, digits: int) -> list[float]:
    """Return ``[round(v, digits) for v in values.tolist()]``: the values a route shows.

    Examples
    --------
    >>> rounded(np.array([0.123456, -2.5e-05, 0.03125, 1e300]), 4)
    [0.1235, -0.0, 0.0312, 1e+300]
    """
    return [round(v, digits) for v in values.tolist()]
