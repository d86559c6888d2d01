"""Where text becomes tokens: jieba segmentation with the domain dictionary and stop words."""

from __future__ import annotations

import logging
import re
import threading
from functools import cache
from pathlib import Path

import jieba

from .datasets import data_path

logging.getLogger("jieba").setLevel(logging.WARNING)

#: Numbers that mean something to a dispatcher and are kept as they are; every other
#: number becomes the token ``NUM`` so that amounts and dates do not each learn a weight.
KEPT_NUMBERS = frozenset({"12345", "12315", "12365", "110", "119", "120", "122", "315", "3.15"})
NUMBER_TOKEN = "NUM"

_NUMBER = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
_WORD = re.compile(r"\w", re.UNICODE)
_INIT_LOCK = threading.Lock()


@cache
def _read_word_list(path: str) -> frozenset[str]:
    words = Path(path).read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in words if w.strip() and not w.startswith("#"))


class JiebaSegmenter:
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

    def __init__(
        self, user_dict: str | None = None, stop_words: str | None = None, hmm: bool = True
    ):
        self.user_dict = user_dict
        self.stop_words = stop_words
        self.hmm = hmm
        self._tokenizer = None

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_tokenizer"] = None
        return state

    def __repr__(self) -> str:
        return (
            f"JiebaSegmenter(user_dict={self.user_dict!r}, stop_words={self.stop_words!r}, "
            f"hmm={self.hmm!r})"
        )

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__getstate__() == self.__getstate__()

    def __hash__(self) -> int:
        return hash((self.user_dict, self.stop_words, self.hmm))

    @property
    def stop_word_set(self) -> frozenset[str]:
        """The stop words this segmenter drops."""
        return _read_word_list(str(self.stop_words or data_path("stopwords.txt")))

    def _ready_tokenizer(self) -> jieba.Tokenizer:
        if self._tokenizer is None:
            with _INIT_LOCK:
                if self._tokenizer is None:
                    tokenizer = jieba.Tokenizer()
                    tokenizer.initialize()
                    tokenizer.load_userdict(str(self.user_dict or data_path("user_dict.txt")))
                    self._tokenizer = tokenizer
        return self._tokenizer

    def __call__(self, text: str) -> list[str]:
        """Return the words of one normalised text, in order."""
        stop = self.stop_word_set
        tokens = []
        for word in self._ready_tokenizer().cut(text, HMM=self.hmm):
            if not _WORD.search(word) or word in stop:
                continue
            if _NUMBER.match(word) and word not in KEPT_NUMBERS:
                word = NUMBER_TOKEN
            tokens.append(word)
        return tokens
