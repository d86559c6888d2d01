"""Routing a large batch across processes forked from the caller.

The worker processes are forked when the call starts, so they begin with the caller's
memory: the model, its segmenter, the lookup tables it has built, the words it has already
met, and the batch itself. Nothing is pickled on the way in and no worker has to import or
build anything. Each worker takes the next chunk of the batch (the chunks shrink towards
the end so that the workers finish together) and sends back its routes, with the words it
met for the first time, which the caller remembers for the workers of its next batch. The
routes come back in input order; the workers end with the call.

Forking needs a platform that forks safely: on Linux it is the default. Elsewhere (macOS,
Windows) the batch is routed in the calling process, with the same result.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

from joblib import effective_n_jobs

from .fastvec import remember_words, word_memory_marks, words_since

#: A batch smaller than this is routed in the calling process: forking and the pages the
#: workers copy cost about 0.1 s, which a batch of 4,000 texts only just earns back.
MIN_PARALLEL_TEXTS = 5000
#: Texts the caller routes before it forks the workers.
WARM_UP_TEXTS = 100
#: The smallest chunk a worker is given. Each chunk is a share of what is left, so the
#: chunks shrink towards the end and the workers finish together.
MIN_CHUNK_TEXTS = 200

_INDEX = re.compile(r"\bindex (\d+)\b")
#: The model and batch of the call in progress, as each forked worker inherits them.
_batch: tuple = ()
#: Where the model's word memories stood when the workers were forked (or last reported).
_marks: list = []
#: The workers read the batch from the two above, so batches take turns.
_ONE_BATCH_AT_A_TIME = threading.Lock()


def _unlock_in_a_forked_child() -> None:
    # A process forked while another thread held the lock would wait for it forever.
    global _ONE_BATCH_AT_A_TIME
    _ONE_BATCH_AT_A_TIME = threading.Lock()


os.register_at_fork(after_in_child=_unlock_in_a_forked_child)


def _adopt(model, texts: list[str]) -> None:
    global _batch
    _batch = (model, texts)


def _route_range(bounds: tuple[int, int]) -> list:
    model, texts = _batch
    start, stop = bounds
    try:
        return model.route_many(texts[start:stop])
    except (TypeError, ValueError) as e:
        if type(e) not in (TypeError, ValueError):
            raise
        # Name the row by its place in the whole batch, not in this chunk.
        message = _INDEX.sub(lambda m: f"index {int(m.group(1)) + start}", str(e))
        raise type(e)(message) from None


def _route_range_in_worker(start: int, stop: int) -> tuple[list, list]:
    """Route a chunk; return its routes and the words this worker met for the first time."""
    routes = _route_range((start, stop))
    vectorizer = _batch[0].vectorizer_
    learned = words_since(vectorizer, _marks)
    _marks[:] = word_memory_marks(vectorizer)  # this worker's own copy
    return routes, learned


def can_fork() -> bool:
    """Whether this platform forks worker processes safely (Linux does)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def route_in_parallel(model, texts: list[str], n_jobs: int) -> list:
    """Route ``texts`` with ``model`` in ``n_jobs`` forked processes; results are in input
    order and the same as in one process.

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
    concurrent.futures.process.BrokenProcessPool
        If a worker dies (killed for lack of memory, say); nothing is returned.

    Examples
    --------
    >>> from hotline_classify import HotlineClassifier
    >>> routes = route_in_parallel(HotlineClassifier.default(), ["小区停水三天"] * 6000, -1)
    >>> len(routes), routes[-1].hotline
    (6000, '12345')
    """
    workers = effective_n_jobs(n_jobs)
    if workers < 2 or len(texts) < MIN_PARALLEL_TEXTS or not can_fork():
        return model.route_many(texts)
    with _ONE_BATCH_AT_A_TIME:
        _adopt(model, texts)
        try:
            # The caller routes the first few texts itself: that builds what a model builds
            # on first use (the segmenter's engine, lookup tables), for the workers to inherit.
            first = _route_range((0, WARM_UP_TEXTS))
            _marks[:] = word_memory_marks(model.vectorizer_)
            edges = [WARM_UP_TEXTS]
            while edges[-1] < len(texts):  # each chunk a share of what is left: they shrink
                left = len(texts) - edges[-1]
                edges.append(edges[-1] + min(left, max(MIN_CHUNK_TEXTS, left // (2 * workers))))
            # A worker that dies (killed for memory, say) fails the call: BrokenProcessPool.
            workers = min(workers, len(edges) - 1)  # no more workers than chunks
            pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
            try:
                parts = list(pool.map(_route_range_in_worker, edges, edges[1:]))
            finally:
                pool.shutdown(cancel_futures=True)
        finally:
            _adopt(None, [])
    # What the workers learned about words is kept, for the next batch's workers to inherit.
    for _, learned in parts:
        remember_words(model.vectorizer_, learned)
    return first + [route for routes, _ in parts for route in routes]
