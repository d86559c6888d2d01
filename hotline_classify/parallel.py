"""Routing a large batch across processes with joblib's process pool (loky).

``n_jobs - 1`` worker processes and the calling process route a batch side by side: the
workers take chunks from its front and the caller from its back, and every chunk is a
share of what is left, so the chunks shrink as the two ends meet. The caller keeps every
worker fed and routes a chunk itself while they work; the results are put back in input
order. Workers take a second or so to start (they import scikit-learn and build the
segmenter), and the caller, whose model is ready, does not wait for them, so even the
first call on a fresh pool is not slower than one process.

The model travels to the workers as one pickle per chunk, and a worker keeps the last
model it unpickled (keyed by the pickle's hash), so repeated calls with the same model pay
for neither unpickling nor rebuilding the segmenter again.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from concurrent.futures import FIRST_COMPLETED, wait

from joblib import effective_n_jobs
from joblib.externals.loky import get_reusable_executor

#: A batch smaller than this is routed in the calling process: starting workers costs more.
MIN_PARALLEL_TEXTS = 2000
#: Most texts per chunk: small enough to share the work out evenly between a worker that
#: starts late and the caller, large enough that sending the model with each chunk costs
#: little. Chunks near the end are smaller, down to MIN_CHUNK_TEXTS.
CHUNK_TEXTS = 1000
MIN_CHUNK_TEXTS = 200
#: Chunks queued per worker, so that a worker never waits for the caller to hand it one.
CHUNKS_IN_FLIGHT = 2

_worker_model: dict[str, object] = {}
_INDEX = re.compile(r"\bindex (\d+)\b")


def _model_in_worker(key: str, payload: bytes):
    model = _worker_model.get(key)
    if model is None:
        _worker_model.clear()
        model = _worker_model[key] = pickle.loads(payload)
    return model


def _route_chunk(model, start: int, texts: list[str]) -> list:
    try:
        return model.route_many(texts)
    except (TypeError, ValueError) as e:
        # Name the row by its place in the whole batch, not in this chunk.
        message = _INDEX.sub(lambda m: f"index {int(m.group(1)) + start}", str(e))
        raise type(e)(message) from None


def _route_chunk_in_worker(key: str, payload: bytes, start: int, texts: list[str]) -> list:
    return _route_chunk(_model_in_worker(key, payload), start, texts)


def route_in_parallel(model, texts: list[str], n_jobs: int) -> list:
    """Route ``texts`` with ``model`` in ``n_jobs`` processes (the caller is one of them);
    results are in input order.

    Parameters
    ----------
    model : HotlineClassifier
        A fitted model.
    texts : list of str
        Already checked to be strings.
    n_jobs : int
        Processes, joblib-style (``-1``: one per core).

    Returns
    -------
    list of Route

    Raises
    ------
    TypeError, ValueError
        As ``route_many`` does, naming the row by its index in ``texts``.

    Examples
    --------
    >>> from hotline_classify import HotlineClassifier
    >>> routes = route_in_parallel(HotlineClassifier.default(), ["小区停水三天"] * 3000, -1)
    >>> len(routes), routes[0].hotline
    (3000, '12345')
    """
    workers = effective_n_jobs(n_jobs) - 1
    if workers < 1 or len(texts) < MIN_PARALLEL_TEXTS:
        return model.route_many(texts)
    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    key = hashlib.sha256(payload).hexdigest()
    executor = get_reusable_executor(max_workers=workers)
    # Workers take chunks from the front of what is left, the caller from the back. A chunk
    # is a share of what is left, so chunks shrink as the two ends meet, and nobody is left
    # waiting long for the last chunk of another.
    lo, hi = 0, len(texts)
    parts: dict[int, list] = {}
    running: dict = {}

    def chunk_size() -> int:
        return min(CHUNK_TEXTS, max(MIN_CHUNK_TEXTS, (hi - lo) // (2 * (workers + 1))))

    try:
        while lo < hi or running:
            while lo < hi and len(running) < workers * CHUNKS_IN_FLIGHT:
                start, lo = lo, min(hi, lo + chunk_size())
                job = executor.submit(_route_chunk_in_worker, key, payload, start, texts[start:lo])
                running[job] = start
            if lo < hi:  # the workers have enough queued: route one chunk here meanwhile
                hi, stop = max(lo, hi - chunk_size()), hi
                parts[hi] = _route_chunk(model, hi, texts[hi:stop])
                finished = [job for job in running if job.done()]
            else:
                finished = wait(running, return_when=FIRST_COMPLETED).done
            for job in finished:
                parts[running.pop(job)] = job.result()
    finally:
        for job in running:
            job.cancel()
    return [route for start in sorted(parts) for route in parts[start]]
