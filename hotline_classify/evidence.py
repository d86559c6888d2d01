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
    rows = np.repeat(np.arange(n_rows), np.diff(features.indptr))
    contrib = features.data * weights[features.indices] * contributions_sign[rows]
    key = rows.astype(np.int64) * len(names) + ids[features.indices]
    unique, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    sums = np.bincount(inverse.ravel(), weights=contrib, minlength=len(unique))
    size = abs(sums)
    # ``unique`` is sorted by row, so each row's terms are one contiguous run.
    bounds = np.searchsorted(unique // len(names), np.arange(n_rows + 1))
    out = []
    for r in range(n_rows):
        lo, hi = bounds[r], bounds[r + 1]
        if hi - lo > n:
            # Every term at least as large as the n-th largest, ties included.
            cut = np.partition(size[lo:hi], hi - lo - n)[hi - lo - n]
            candidates = lo + np.flatnonzero(size[lo:hi] >= cut)
        else:
            candidates = np.arange(lo, hi)
        chosen = sorted(candidates.tolist(), key=lambda j: (-size[j], first[j]))[:n]
        out.append(
            tuple((str(names[unique[j] % len(names)]), round(float(sums[j]), 4)) for j in chosen)
        )
    return out
