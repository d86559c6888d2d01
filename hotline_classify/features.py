"""Where tokens become features: TF-IDF over segmented words, over characters, and over the
words of the opening sentence."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from numbers import Integral

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

WORD_PREFIX = "word__"
CHAR_PREFIX = "char__"
LEAD_PREFIX = "lead__"

#: The opening sentence is cut to this many characters.
LEAD_CHARS = 60

_SENTENCE_END = re.compile(r"[。!?\n]")


class LeadSentence:
    """Return a normalised text's opening sentence (at most :data:`LEAD_CHARS` characters),
    or ``""`` if the text is a single sentence.

    On a government message board the opening sentence is the title, and a title names the
    matter and whom it is against (``某某公司虚假宣传``, ``某小区物业乱收费``) without the
    background that follows. A one-sentence text has no title, and counting its words
    twice would only weigh short texts more. It is the ``preprocessor`` of the ``lead``
    features.

    Examples
    --------
    >>> LeadSentence()("某健身房老板跑路,会员卡无法退款。我于去年办卡……")
    '某健身房老板跑路,会员卡无法退款'
    >>> LeadSentence()("小区停水三天了。")
    ''
    """

    def __call__(self, text: str) -> str:
        parts = _SENTENCE_END.split(text, maxsplit=1)
        if len(parts) == 1 or not parts[1].strip():
            return ""
        return parts[0][:LEAD_CHARS]

    def __eq__(self, other: object) -> bool:
        return type(other) is LeadSentence

    def __hash__(self) -> int:
        return hash(LeadSentence)

    def __repr__(self) -> str:
        return "LeadSentence()"


def make_vectorizer(
    tokenizer: Callable[[str], list[str]],
    ngram_range: tuple[int, int] = (1, 2),
    char_ngram_range: tuple[int, int] | None = None,
    lead_weight: float | None = None,
    min_df: int = 1,
    n_jobs: int | None = None,
) -> FeatureUnion:
    """Build the text-to-features transformer used by :class:`~hotline_classify.HotlineClassifier`.

    Word n-grams come from ``tokenizer``; character n-grams (optional) read the normalised
    text directly, which helps with words the segmenter splits badly. Lead features
    (optional) are the words of the opening sentence (:class:`LeadSentence`) counted again
    as a block of their own, scaled by ``lead_weight``. Every block uses sublinear TF and
    L2-normalised TF-IDF.

    Parameters
    ----------
    tokenizer : callable
        Maps one normalised text to its list of words.
    ngram_range : tuple of int, default=(1, 2)
        Word n-gram sizes.
    char_ngram_range : tuple of int or None, default=None
        Character n-gram sizes, or ``None`` for no character features.
    lead_weight : float or None, default=None
        Weight of the opening-sentence block against 1 for the others; ``None`` or 0 for
        none.
    min_df : int, default=1
        Drop terms seen in fewer documents.
    n_jobs : int or None, default=None
        Fit the word and character parts in parallel processes (``FeatureUnion(n_jobs)``).

    Returns
    -------
    sklearn.pipeline.FeatureUnion
        Unfitted; its feature names start with ``word__``, ``char__`` or ``lead__``.

    Examples
    --------
    >>> from hotline_classify.segment import JiebaSegmenter
    >>> vec = make_vectorizer(JiebaSegmenter(), char_ngram_range=(2, 3))
    >>> X = vec.fit_transform(["商家拒绝退款", "商家拒绝退货", "小区停水三天"])
    >>> X.shape[0]
    3
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
    weights = None
    if lead_weight:
        parts.append(
            (
                LEAD_PREFIX[:-2],
                TfidfVectorizer(
                    tokenizer=tokenizer,
                    preprocessor=LeadSentence(),
                    token_pattern=None,
                    lowercase=False,
                    min_df=min_df,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            )
        )
        weights = {LEAD_PREFIX[:-2]: lead_weight}
    return FeatureUnion(parts, transformer_weights=weights, n_jobs=n_jobs)


def drop_lead_without_words(vectorizer: FeatureUnion, texts: list[str]) -> FeatureUnion:
    """Set the ``lead`` part of an unfitted vectorizer to ``'drop'`` if it would keep no
    word: no text has an opening sentence with words in it (a training set of one-sentence
    texts), or no such word is in as many opening sentences as its ``min_df`` asks (nor in
    at most ``max_df``), where fitting it would fail on an empty vocabulary. Returns the
    vectorizer.

    Examples
    --------
    >>> from hotline_classify.segment import JiebaSegmenter
    >>> texts = ["小区停水三天。已经反映多次", "商家拒绝退款。请处理", "物业乱收费"]
    >>> vec = make_vectorizer(JiebaSegmenter(), lead_weight=1.0, min_df=2)
    >>> drop_lead_without_words(vec, texts).get_params()["lead"]
    'drop'
    """
    lead = dict(vectorizer.transformer_list).get(LEAD_PREFIX[:-2])
    if lead in (None, "drop"):
        return vectorizer
    n = len(texts)
    # The document counts TfidfVectorizer keeps a word between (see its fit).
    low = lead.min_df if isinstance(lead.min_df, Integral) else lead.min_df * n
    high = lead.max_df if isinstance(lead.max_df, Integral) else lead.max_df * n
    analyze = lead.build_analyzer()
    seen: Counter = Counter()
    for text in texts:
        words = set(analyze(text))
        seen.update(words)
        if high >= n and any(seen[w] >= low for w in words):
            return vectorizer  # a word is kept already, whatever the other texts hold
    if not any(low <= count <= high for count in seen.values()):
        vectorizer.set_params(**{LEAD_PREFIX[:-2]: "drop"})
    return vectorizer


def display_term(feature_name: str) -> str:
    """Turn a feature name such as ``'word__商家 退款'`` into the term a reader sees."""
    for prefix in (WORD_PREFIX, CHAR_PREFIX, LEAD_PREFIX):
        if feature_name.startswith(prefix):
            return feature_name[len(prefix) :]
    return feature_name
