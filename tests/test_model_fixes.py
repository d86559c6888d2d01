"""Fixes to the fast transform, the estimators' edge cases and their error messages."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import cross_val_score

from hotline_classify import HotlineClassifier, fastvec
from hotline_classify.features import drop_lead_without_words, make_vectorizer
from hotline_classify.model import clean_texts
from hotline_classify.online import OnlineHotlineClassifier, _check_categories
from hotline_classify.segment import RjiebaSegmenter


@pytest.fixture(scope="module")
def online_model(small_corpus):
    texts, hotlines, categories = small_corpus
    return OnlineHotlineClassifier(n_features=2**14, n_epochs=1).fit(texts, hotlines, categories)


# ------------------------------------------------------------ fast transform, to the bit
def test_fast_transform_is_bitwise_the_vectorizers_transform(default_model, corpus):
    texts = clean_texts(corpus.texts[:300] + ["退款", "a  b\tc", "𠀀𠀁好的", "谢谢!"])
    for name, part in default_model.vectorizer_.transformer_list:
        assert fastvec._plan(part) is not None, name  # the fast path, not the fallback
        fast, slow = fastvec.transform(part, texts), part.transform(texts)
        assert fast.dtype == slow.dtype == np.float32, name
        assert fast.shape == slow.shape and (fast != slow).nnz == 0, name
    union = default_model.vectorizer_
    assert (fastvec.transform(union, texts) != union.transform(texts)).nnz == 0


@pytest.mark.parametrize(
    "params",
    [
        dict(analyzer="char", ngram_range=(1, 2), sublinear_tf=True),
        dict(analyzer="char", ngram_range=(2, 3), sublinear_tf=True),
        dict(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, norm="l1"),
        dict(analyzer="char", ngram_range=(1, 2), use_idf=False),
        dict(tokenizer=str.split, token_pattern=None, sublinear_tf=True),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_transform_is_bitwise_for_other_settings_and_dtypes(corpus, params, dtype):
    texts = corpus.texts[:300]
    vec = TfidfVectorizer(lowercase=False, dtype=dtype, **params).fit(texts[:200])
    fast, slow = fastvec.transform(vec, texts), vec.transform(texts)
    assert fast.dtype == slow.dtype == dtype
    assert fast.shape == slow.shape and (fast != slow).nnz == 0


# ------------------------------------------------------------------ empty batches
def test_an_empty_batch_gives_no_routes_and_an_empty_matrix(small_model, online_model):
    assert small_model.route_many([]) == []
    assert small_model.route_many(iter([])) == []
    assert online_model.route_many([]) == []
    char = dict(small_model.vectorizer_.transformer_list)["char"]
    assert isinstance(fastvec._plan(char), fastvec._CharPairCounter)
    assert fastvec.transform(char, []).shape == (0, len(char.vocabulary_))
    features = fastvec.transform(small_model.vectorizer_, [])
    assert features.shape == (0, len(small_model.feature_names_))
    assert features.dtype == np.float32


# ------------------------------------------------------------ the last code point
def test_a_vocabulary_holding_the_last_code_point_is_counted_from_tables(corpus):
    last = "\U0010ffff"
    train = corpus.texts[:200] + [f"退款{last}", f"{last}{last}好", f"{last} 了"]
    vec = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 2), sublinear_tf=True, lowercase=False
    ).fit(train)
    assert last in vec.vocabulary_
    counter = fastvec._CharPairCounter.of(vec)
    assert counter is not None and counter.top == 0x10FFFF
    texts = corpus.texts[200:240] + [last, f"a {last}\t\t{last}退款", "", "退款", "𠀀着"]
    fast, slow = fastvec.transform(vec, texts), vec.transform(texts)
    assert fast.shape == slow.shape and (fast != slow).nnz == 0


def test_a_model_trained_on_the_last_code_point_routes(small_corpus):
    texts, hotlines, _ = small_corpus
    texts = [texts[0] + "\U0010ffff", texts[1] + "\U0010ffff", *texts[2:]]
    model = HotlineClassifier().fit(texts, hotlines)
    assert model.route("小区停水三天").hotline == "12345"
    assert model.route_many(texts[:20]) == [model.route(t) for t in texts[:20]]


# -------------------------------------------------------- scores with integer labels
def test_score_reads_hotline_labels_as_fit_does(small_model, small_corpus, online_model):
    texts, hotlines, _ = small_corpus
    expected = np.mean(small_model.predict(texts) == np.array(hotlines, dtype=object))
    assert small_model.score(texts, hotlines) == pytest.approx(expected)
    assert small_model.score(texts, [int(h) for h in hotlines]) == pytest.approx(expected)
    assert small_model.score(texts, [float(h) for h in hotlines]) == pytest.approx(expected)
    assert small_model.score(texts, [f"{h}热线" for h in hotlines]) == pytest.approx(expected)
    weights = np.arange(len(texts)) % 3
    assert small_model.score(texts, [int(h) for h in hotlines], weights) == pytest.approx(
        small_model.score(texts, hotlines, weights)
    )
    with pytest.raises(ValueError, match="row 4: hotline label '12306'"):
        small_model.score(texts, hotlines[:4] + ["12306"] + hotlines[5:])
    with pytest.raises(ValueError, match="got 3 hotline labels for 4 texts"):
        small_model.score(texts[:4], hotlines[:3])
    online = online_model.score(texts, hotlines)
    assert online == pytest.approx(
        np.mean(online_model.predict(texts) == np.array(hotlines, dtype=object))
    )
    assert online_model.score(texts, [int(h) for h in hotlines]) == pytest.approx(online)


def test_cross_validation_scores_integer_labels(small_corpus):
    texts, hotlines, _ = small_corpus
    scores = cross_val_score(
        HotlineClassifier(), texts, [int(h) for h in hotlines], cv=2, error_score="raise"
    )
    assert np.isfinite(scores).all() and (scores > 0.7).all()


# --------------------------------------------------------- missing categories (pandas)
def test_missing_categories_read_by_pandas_are_rows_without_one(small_corpus):
    pd = pytest.importorskip("pandas")
    texts, hotlines, categories = small_corpus
    gaps = [c if i % 3 else None for i, c in enumerate(categories)]
    frame = pd.DataFrame({"text": texts, "hotline": hotlines, "category": gaps})
    frame.loc[frame.index % 3 == 0, "category"] = np.nan  # how pandas reads an empty cell
    frame.loc[frame.index % 6 == 0, "category"] = pd.NA
    with_nan = HotlineClassifier().fit(frame.text, frame.hotline, frame.category)
    with_none = HotlineClassifier().fit(texts, hotlines, gaps)
    assert list(with_nan.categories_) == sorted(set(categories))
    np.testing.assert_array_equal(with_nan.category_model_.coef_, with_none.category_model_.coef_)
    assert set(with_nan.predict_category(texts[:50])) <= set(categories)
    got = _check_categories([np.nan, pd.NA, None, " fraud ", float("nan")], 5)
    assert list(got) == ["", "", "", "fraud", ""]


# ------------------------------------------- online fit: indexes in X, lengths up front
def test_online_fit_names_bad_rows_by_their_index_in_x(corpus):
    texts, hotlines = list(corpus.texts[:60]), list(corpus.hotlines[:60])
    model = OnlineHotlineClassifier(n_features=2**12, chunk_size=10, n_epochs=1)
    with pytest.raises(ValueError, match=r"text at index 25 is empty"):
        model.fit(texts[:25] + ["   "] + texts[26:], hotlines)
    with pytest.raises(ValueError, match=r"row 37: hotline label '12306'"):
        model.fit(texts, hotlines[:37] + ["12306"] + hotlines[38:])
    categories = list(corpus.categories[:60])
    with pytest.raises(ValueError, match=r"row 43: unknown category 'scam'"):
        model.fit(texts, hotlines, categories[:43] + ["scam"] + categories[44:])


def test_online_fit_refuses_more_or_fewer_labels_than_texts(corpus):
    texts, hotlines = list(corpus.texts[:60]), list(corpus.hotlines[:60])
    model = OnlineHotlineClassifier(n_features=2**12, chunk_size=10, n_epochs=1)
    with pytest.raises(ValueError, match="got 61 hotline labels for 60 texts"):
        model.fit(texts, ["12345"] + hotlines)
    with pytest.raises(ValueError, match="got 59 hotline labels for 60 texts"):
        model.fit(texts, hotlines[:59])
    with pytest.raises(ValueError, match="got 59 categories for 60 texts"):
        model.fit(texts, hotlines, list(corpus.categories[:59]))


# ------------------------------------------------------------- lead block and min_df
def test_min_df_drops_a_lead_block_whose_words_all_fall_below_it(small_corpus):
    texts, hotlines, _ = small_corpus
    # One-sentence texts (app/SMS style), but for two whose opening sentences share no word.
    texts = [t.translate({ord(c): "，" for c in "。!?！？\n"}) for t in texts]
    texts[:2] = ["小区停水三天。已经反映多次", "商家拒绝退款。请处理"]
    model = HotlineClassifier(min_df=2).fit(texts, hotlines)
    assert dict(model.vectorizer_.transformer_list)["lead"] == "drop"
    assert model.route("小区停水三天。已经反映多次").hotline == "12345"
    # Two opening sentences that share words keep it.
    texts[2] = "小区停水两天。没人管"
    model = HotlineClassifier(min_df=2).fit(texts, hotlines)
    assert dict(model.vectorizer_.transformer_list)["lead"] != "drop"


@pytest.mark.parametrize(
    ("min_df", "dropped"), [(1, False), (2, False), (3, True), (0.5, False), (0.8, True)]
)
def test_lead_block_is_dropped_exactly_when_its_fit_would_keep_no_word(min_df, dropped):
    texts = [
        "小区停水三天。已经反映多次",
        "小区停水两天。没人管",
        "商家拒绝退款。请处理",
        "物业乱收费",
    ]
    vec = make_vectorizer(RjiebaSegmenter(), lead_weight=1.0, min_df=min_df)
    lead = dict(vec.transformer_list)["lead"]
    drop_lead_without_words(vec, texts)
    assert (dict(vec.transformer_list)["lead"] == "drop") is dropped
    if not dropped:
        lead.fit(texts)  # what drop_lead_without_words kept fits
    else:
        with pytest.raises(ValueError, match="no terms remain"):
            lead.fit(texts)


# ------------------------------------------------- word memo after a new tokenizer
def test_word_memo_is_rebuilt_for_a_new_tokenizer(tmp_path):
    from hotline_classify.datasets import data_path

    stop = tmp_path / "stop_plus.txt"
    stop.write_text(
        data_path("stopwords.txt").read_text(encoding="utf-8") + "\n退款\n", encoding="utf-8"
    )
    train = ["商家拒绝退款", "小区停水三天", "退款难", "物业乱收费"]
    vec = TfidfVectorizer(tokenizer=RjiebaSegmenter(), token_pattern=None, lowercase=False)
    vec.fit(train)
    fastvec.transform(vec, ["商家拒绝退款"])  # the memo learns 退款's column
    vec.set_params(tokenizer=RjiebaSegmenter(stop_words=str(stop)))  # 退款: a stop word now
    texts = ["退款难", "商家拒绝退款"]
    assert (fastvec.transform(vec, texts) != vec.transform(texts)).nnz == 0
    assert fastvec._SegmenterWordCounter.of(vec).segmenter is vec.tokenizer
