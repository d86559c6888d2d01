"""Routing a large batch across processes with joblib.

The batch is cut into chunks in input order; each worker routes whole chunks. The model
travels to the workers as one pickle per call, and a worker keeps the last model it
unpickled (keyed by the pickle's hash), so repeated calls with the same model pay for
neither unpickling nor rebuilding the segmenter again.
"""

from __future__ import annotations

import hashlib
import pickle
import re

from joblib import Parallel, delayed, effective_n_jobs

#: A batch smaller than this is routed in the calling process: starting workers costs more.
MIN_PARALLEL_TEXTS = 2000
#: Chunks per worker: a few, so that a worker that draws slow texts does not hold up the end.
CHUNKS_PER_WORKER = 4

_worker_model: dict[str, object] = {}
_INDEX = re.compile(r"\bindex (\d+)\b")


def _model_in_worker(key: str, payload: bytes):
    model = _worker_model.get(key)
    if model is None:
        _worker_model.clear()
        model = _worker_model[key] = pickle.loads(payload)
    return model


def _route_chunk(key: str, payload: bytes, start: int, texts: list[str]) -> list:
    model = _model_in_worker(key, payload)
    try:
        return model.route_many(texts)
    except (TypeError, ValueError) as e:
        # Name the row by its place in the whole batch, not in this chunk.
        message = _INDEX.sub(lambda m: f"index {int(m.group(1)) + start}", str(e))
        raise type(e)(message) from None


def chunk_bounds(n: int, n_chunks: int) -> list[tuple[int, int]]:
    """Split ``range(n)`` into ``n_chunks`` contiguous, nearly equal ``(start, stop)`` pairs.

    Examples
    --------
    >>> chunk_bounds(10, 3)
    [(0, 4), (4, 7), (7, 10)]
    """
    n_chunks = max(1, min(n_chunks, n))
    size, extra = divmod(n, n_chunks)
    bounds, start = [], 0
    for i in range(n_chunks):
        stop = start + size + (i < extra)
        bounds.append((start, stop))
        start = stop
    return bounds


def route_in_parallel(model, texts: list[str], n_jobs: int) -> list:
    """Route ``texts`` with ``model`` in ``n_jobs`` processes; results are in input order.

    Parameters
    ----------
    model : HotlineClassifier
        A fitted model.
    texts : list of str
        Already checked to be strings.
    n_jobs : int
        Worker processes, joblib-style (``-1``: one per core).

    Returns
    -------
    list of Route

    Examples
    --------
    >>> from hotline_classify import HotlineClassifier
    >>> routes = route_in_parallel(HotlineClassifier.default(), ["小区停水三天"] * 3000, -1)
    >>> len(routes), routes[0].hotline
    (3000, '12345')
    """
    workers = effective_n_jobs(n_jobs)
    if workers == 1 or len(texts) < MIN_PARALLEL_TEXTS:
        return model.route_many(texts)
    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    key = hashlib.sha256(payload).hexdigest()
    bounds = chunk_bounds(len(texts), workers * CHUNKS_PER_WORKER)
    parts = Parallel(n_jobs=workers, backend="loky")(
        delayed(_route_chunk)(key, payload, start, texts[start:stop]) for start, stop in bounds
    )
    return [route for part in parts for route in part]
