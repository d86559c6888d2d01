"""Where tokens become features: TF-IDF over segmented words and over characters."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

WORD_PREFIX = "word__"
CHAR_PREFIX = "char__"


def make_vectorizer(
    tokenizer: Callable[[str], list[str]],
    ngram_range: tuple[int, int] = (1, 2),
    char_ngram_range: tuple[int, int] | None = None,
    min_df: int = 1,
    n_jobs: int | None = None,
) -> FeatureUnion:
    """Build the text-to-features transformer used by :class:`~hotline_classify.HotlineClassifier`.

    Word n-grams come from ``tokenizer``; character n-grams (optional) read the normalised
    text directly, which helps with words the segmenter splits badly. Both use sublinear TF
    and L2-normalised TF-IDF.

    Parameters
    ----------
    tokenizer : callable
        Maps one normalised text to its list of words.
    ngram_range : tuple of int, default=(1, 2)
        Word n-gram sizes.
    char_ngram_range : tuple of int or None, default=None
        Character n-gram sizes, or ``None`` for no character features.
    min_df : int, default=1
        Drop terms seen in fewer documents.
    n_jobs : int or None, default=None
        Fit the word and character parts in parallel processes (``FeatureUnion(n_jobs)``).

    Returns
    -------
    sklearn.pipeline.FeatureUnion
        Unfitted; its feature names start with ``word__`` or ``char__``.

    Examples
    --------
    >>> from hotline_classify.segment import JiebaSegmenter
    >>> vec = make_vectorizer(JiebaSegmenter(), char_ngram_range=(2, 3))
    >>> X = vec.fit_transform(["商家拒绝退款", "小区停水三天"])
    >>> X.shape[0]
    2
    """
    parts = [
        (
            WORD_PREFIX[:-2],
            TfidfVectorizer(
                tokenizer=tokenizer,
                token_pattern=None,
                lowercase=False,
                ngram_range=ngram_range,
                min_df=min_df,
                sublinear_tf=True,
                dtype=np.float32,
            ),
        )
    ]
    if char_ngram_range is not None:
        parts.append(
            (
                CHAR_PREFIX[:-2],
                TfidfVectorizer(
                    analyzer="char",
                    lowercase=False,
                    ngram_range=char_ngram_range,
                    min_df=max(min_df, 2),
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            )
        )
    return FeatureUnion(parts, n_jobs=n_jobs)


def display_term(feature_name: str) -> str:
    """Turn a feature name such as ``'word__商家 退款'`` into the term a reader sees."""
    for prefix in (WORD_PREFIX, CHAR_PREFIX):
        if feature_name.startswith(prefix):
            return feature_name[len(prefix) :]
    return feature_name
