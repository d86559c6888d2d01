"""Where text becomes tokens: jieba segmentation with the domain dictionary and stop words.

Two backends cut the text: ``jieba`` (the reference Python implementation) and ``rjieba``
(Python bindings of jieba-rs: the same dictionary and algorithm in Rust, about 12 times
faster, identical words on about 92% of real messages). Both share the domain dictionary,
the stop words and the number handling.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import re
import threading
from functools import cache, cached_property
from pathlib import Path

from .datasets import data_path

#: Numbers that mean something to a dispatcher and are kept as they are; every other
#: number becomes the token ``NUM`` so that amounts and dates do not each learn a weight.
#: A number is a cut word of digits, separators (``- . / :``) and the masks ``X``, ``x``
#: and ``*``, with at least one digit: ``3500``, ``2023-01-05``, ``010-8123-4567``,
#: ``138XXXX5678``; ``rjieba`` keeps such a run as one word where ``jieba`` cuts it up.
KEPT_NUMBERS = frozenset({"12345", "12315", "12365", "110", "119", "120", "122", "315", "3.15"})
NUMBER_TOKEN = "NUM"

#: The segmentation backends, and the one a new model uses. ``rjieba`` is the default: on
#: the shared real texts it segments 10-16 times faster than ``jieba`` and the models it
#: trains score the same on ``gold_dev.csv`` (see ``benchmarks/speed.py``).
BACKENDS = ("jieba", "rjieba")
DEFAULT_BACKEND = "rjieba"

_NUMBER = re.compile(r"[-./:Xx*]*[0-9][-./:Xx*0-9]*")
_WORD = re.compile(r"\w", re.UNICODE)
_INIT_LOCK = threading.Lock()
#: Built engines by segmenter class and user dictionary path, with a hash of the
#: dictionary as read; they are only read once built.
_ENGINES: dict[tuple, tuple] = {}
#: Engines kept for segmenters yet to come (each about 25 MB).
_MAX_ENGINES = 4
#: A segmenter remembers what each word it has seen becomes; past this many words it starts
#: over, so that an endless stream of new numbers cannot grow memory without bound.
_MAX_MEMO = 200_000


@cache
def _read_word_list(path: str) -> frozenset[str]:
    words = Path(path).read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in words if w.strip() and not w.startswith("#"))


def read_user_dict(path: str) -> list[tuple[str, int | None, str | None]]:
    """Return the ``(word, freq, tag)`` entries of a jieba user dictionary.

    Examples
    --------
    >>> read_user_dict(str(data_path("user_dict.txt")))[0]
    ('12315', 100, 'm')
    """
    entries = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.strip().split()
        if not parts or parts[0].startswith("#"):
            continue
        try:
            freq = int(parts[1]) if len(parts) > 1 else None
        except ValueError:
            raise ValueError(f"{path}: line {n}: frequency {parts[1]!r} is not a number") from None
        entries.append((parts[0], freq, parts[2] if len(parts) > 2 else None))
    return entries


class _Memo(dict):
    """What each cut word becomes, computed on first sight; past :data:`_MAX_MEMO` words
    it starts over."""

    def __init__(self, compute):
        super().__init__()
        self.compute = compute

    def __missing__(self, word: str) -> str:
        if len(self) >= _MAX_MEMO:
            self.clear()
        token = self[word] = self.compute(word)
        return token


class _Segmenter:
    """What both backends share: parameters, pickling, the word filter."""

    backend = ""

    def __init__(
        self, user_dict: str | None = None, stop_words: str | None = None, hmm: bool = True
    ):
        self.user_dict = user_dict
        self.stop_words = stop_words
        self.hmm = hmm
        self._tokenizer = None
        self._memo = _Memo(self._token)

    def __getstate__(self) -> dict:
        return {"user_dict": self.user_dict, "stop_words": self.stop_words, "hmm": self.hmm}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["user_dict"], state["stop_words"], state["hmm"])

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(user_dict={self.user_dict!r}, "
            f"stop_words={self.stop_words!r}, hmm={self.hmm!r})"
        )

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__getstate__() == self.__getstate__()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.user_dict, self.stop_words, self.hmm))

    @property
    def stop_word_set(self) -> frozenset[str]:
        """The stop words this segmenter drops."""
        return _read_word_list(str(self.stop_words or data_path("stopwords.txt")))

    @property
    def user_dict_path(self) -> str:
        """The user dictionary this segmenter loads."""
        return str(self.user_dict or data_path("user_dict.txt"))

    def _ready_engine(self):
        if self._tokenizer is None:
            with _INIT_LOCK:
                if self._tokenizer is None:
                    # Segmenters with the same backend and dictionary share one engine
                    # (about 25 MB and 0.05 s each): a model holds two, one per word block.
                    path = self.user_dict_path
                    key = (type(self), path)
                    version = hashlib.sha256(Path(path).read_bytes()).digest()
                    if _ENGINES.get(key, (None,))[0] != version:
                        _ENGINES.pop(key, None)
                        _ENGINES[key] = (version, self._build_engine())
                        while len(_ENGINES) > _MAX_ENGINES:  # the oldest go; users keep theirs
                            del _ENGINES[next(iter(_ENGINES))]
                    self._tokenizer = _ENGINES[key][1]
        return self._tokenizer

    @cached_property
    def _stop(self) -> frozenset[str]:
        # Read on first use, not with the engine: token() needs it on a fresh segmenter.
        return self.stop_word_set

    def _build_engine(self):
        raise NotImplementedError

    def _cut(self, engine, text: str) -> list[str]:
        raise NotImplementedError

    def _token(self, word: str) -> str:
        """What one cut word becomes: itself, ``NUM``, or ``''`` (dropped)."""
        if not _WORD.search(word) or word in self._stop:
            return ""
        if _NUMBER.fullmatch(word) and word not in KEPT_NUMBERS:
            return NUMBER_TOKEN
        return word

    def __call__(self, text: str) -> list[str]:
        """Return the words of one normalised text, in order."""
        return [token for token in map(self._memo.__getitem__, self.cut_words(text)) if token]

    def cut_words(self, text: str) -> list[str]:
        """Return the backend's cut of one normalised text, before the word filter: the
        words of ``self(text)`` are ``[self.token(w) for w in cut_words(text)]`` without
        the empty ones."""
        return self._cut(self._ready_engine(), text)

    def token(self, word: str) -> str:
        """Return what one cut word becomes: itself, ``NUM``, or ``''`` (dropped)."""
        return self._memo[word]


class JiebaSegmenter(_Segmenter):
    """Split normalised Chinese text into words with a private ``jieba.Tokenizer``.

    The tokenizer is built on first use and never pickled: a segmenter sent to another
    process or thread builds its own, so it is safe with joblib, ``multiprocessing`` and
    threads. Punctuation and stop words are dropped; numbers other than
    :data:`KEPT_NUMBERS` become ``NUM``.

    Parameters
    ----------
    user_dict : str or None, default=None
        A jieba user dictionary (``word [freq] [tag]`` per line); ``None`` uses the bundled
        domain dictionary ``user_dict.txt``.
    stop_words : str or None, default=None
        A file with one stop word per line; ``None`` uses the bundled ``stopwords.txt``.
    hmm : bool, default=True
        Let jieba guess words missing from its dictionaries.

    Examples
    --------
    >>> seg = JiebaSegmenter()
    >>> seg("预付卡商家跑路了")
    ['预付卡', '商家', '跑路']
    """

    backend = "jieba"

    def _build_engine(self):
        import jieba

        # jieba sets its logger to DEBUG on import; its start-up chatter is noise here.
        logging.getLogger("jieba").setLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        tokenizer.load_userdict(self.user_dict_path)
        return tokenizer

    def _cut(self, engine, text: str):
        return engine.cut(text, HMM=self.hmm)


class RjiebaSegmenter(_Segmenter):
    """Split normalised Chinese text into words with jieba-rs (the ``rjieba`` package).

    The same dictionary, algorithm, parameters and word filter as :class:`JiebaSegmenter`,
    about 12 times faster. Its engine is built on first use and never pickled.

    Parameters
    ----------
    user_dict, stop_words, hmm
        As for :class:`JiebaSegmenter`.

    Examples
    --------
    >>> seg = RjiebaSegmenter()
    >>> seg("预付卡商家跑路了")
    ['预付卡', '商家', '跑路']
    """

    backend = "rjieba"

    def _build_engine(self):
        try:
            import rjieba
        except ImportError:
            raise ImportError(
                "the rjieba backend needs the rjieba package: pip install rjieba "
                "(or use the jieba backend)"
            ) from None
        engine = rjieba.Jieba()
        for word, freq, tag in read_user_dict(self.user_dict_path):
            engine.add_word(word, freq, tag)
        return engine

    def _cut(self, engine, text: str):
        return engine.cut(text, self.hmm)


_CLASSES = {"jieba": JiebaSegmenter, "rjieba": RjiebaSegmenter}


def make_segmenter(backend: str | None = None, **params) -> _Segmenter:
    """Return a segmenter of the named backend (default :data:`DEFAULT_BACKEND`).

    Parameters
    ----------
    backend : {'jieba', 'rjieba'} or None
    **params
        ``user_dict``, ``stop_words``, ``hmm``.

    Raises
    ------
    ValueError
        For an unknown backend name.

    Examples
    --------
    >>> make_segmenter("jieba")
    JiebaSegmenter(user_dict=None, stop_words=None, hmm=True)
    """
    backend = DEFAULT_BACKEND if backend is None else backend
    if backend not in _CLASSES:
        raise ValueError(f"unknown segmenter backend {backend!r}; choose one of {BACKENDS}")
    return _CLASSES[backend](**params)


def backend_of(segmenter) -> str:
    """Name the backend of a segmenter: ``'jieba'``, ``'rjieba'``, or its class name."""
    return getattr(segmenter, "backend", "") or type(segmenter).__name__


def swap_backend(model, backend: str):
    """Return a deep copy of a fitted model whose segmenters use ``backend``.

    Raises
    ------
    ValueError
        For an unknown backend, or a model without a jieba or rjieba segmenter.
    """
    model = copy.deepcopy(model)
    swapped = None
    for name, value in model.vectorizer_.get_params(deep=True).items():
        if isinstance(value, _Segmenter):
            swapped = make_segmenter(backend, **value.__getstate__())
            model.vectorizer_.set_params(**{name: swapped})
    if swapped is None:
        raise ValueError("the model has no jieba or rjieba segmenter to swap")
    model.segmenter = swapped
    return model
