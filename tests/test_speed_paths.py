"""The fast paths: segmenter backends recorded in the model, and routing across processes."""

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline_classify import HotlineClassifier
from hotline_classify.persist import read_metadata
from hotline_classify.segment import DEFAULT_BACKEND, JiebaSegmenter, make_segmenter

TEXTS = ["商家拒绝退款", "小区停水三天", "物业费乱收", "假冒名牌鞋子", "建议增加公交线路"]


@pytest.fixture(scope="module")
def jieba_model(small_corpus):
    texts, hotlines, categories = small_corpus
    return HotlineClassifier(segmenter=JiebaSegmenter()).fit(texts, hotlines, categories)


def test_the_model_records_its_backend(small_model, jieba_model, tmp_path):
    assert small_model.segmenter_backend_ == DEFAULT_BACKEND
    assert jieba_model.segmenter_backend_ == "jieba"
    path = jieba_model.save(tmp_path / "m.joblib")
    assert read_metadata(path)["segmenter_backend"] == "jieba"


def test_loading_with_another_backend_fails_unless_switched_on_purpose(jieba_model, tmp_path):
    path = jieba_model.save(tmp_path / "m.joblib")
    assert HotlineClassifier.load(path, backend="jieba").segmenter_backend_ == "jieba"
    with pytest.raises(ValueError, match="trained with the jieba segmenter, not rjieba"):
        HotlineClassifier.load(path, backend="rjieba")
    switched = HotlineClassifier.load(path).with_backend("rjieba")
    assert switched.segmenter == make_segmenter("rjieba")
    assert switched.segmenter_backend_ == "jieba"  # still says what it was trained with
    assert jieba_model.segmenter is not switched.segmenter  # the original is untouched
    routes = switched.route_many(TEXTS)
    assert [r.hotline for r in routes] == list(jieba_model.predict(TEXTS))


def test_switching_to_an_unknown_backend_fails(jieba_model):
    with pytest.raises(ValueError, match="unknown segmenter backend"):
        jieba_model.with_backend("thulac")


def test_both_backends_train_the_same_kind_of_model(small_model, jieba_model):
    a, b = small_model.predict_proba(TEXTS), jieba_model.predict_proba(TEXTS)
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.argmax(axis=1), b.argmax(axis=1))


@pytest.fixture()
def small_batches(monkeypatch):
    """Let the tests run small batches across processes, in chunks of a few texts."""
    from hotline_classify import parallel

    assert parallel.can_fork(), "these tests check the forked workers; run them on Linux"
    monkeypatch.setattr(parallel, "MIN_PARALLEL_TEXTS", 10)
    monkeypatch.setattr(parallel, "WARM_UP_TEXTS", 10)
    monkeypatch.setattr(parallel, "MIN_CHUNK_TEXTS", 5)


def test_routing_across_processes_gives_the_same_routes_in_order(
    small_model, corpus, small_batches
):
    texts = corpus.texts[:400]
    assert small_model.route_many(texts, n_jobs=2) == small_model.route_many(texts)
    assert small_model.route_many(texts[::-1], n_jobs=-1) == small_model.route_many(texts[::-1])
    assert small_model.route_many(texts[:13], n_jobs=3) == small_model.route_many(texts[:13])


def test_a_worker_that_dies_fails_the_call_instead_of_hanging(
    small_model, corpus, small_batches, monkeypatch
):
    import os
    from concurrent.futures.process import BrokenProcessPool

    from hotline_classify import parallel

    caller, route_range = os.getpid(), parallel._route_range

    def dies_in_a_worker(bounds):
        if os.getpid() != caller:
            os._exit(1)
        return route_range(bounds)

    monkeypatch.setattr(parallel, "_route_range", dies_in_a_worker)
    texts = corpus.texts[:80]
    with pytest.raises(BrokenProcessPool):
        small_model.route_many(texts, n_jobs=2)
    monkeypatch.setattr(parallel, "_route_range", route_range)
    assert small_model.route_many(texts, n_jobs=2) == small_model.route_many(texts)


def test_a_process_forked_while_a_batch_runs_can_route_batches_itself(small_batches):
    import multiprocessing

    from hotline_classify import parallel

    context = multiprocessing.get_context("fork")
    queue = context.SimpleQueue()
    with parallel._ONE_BATCH_AT_A_TIME:  # as while another thread routes a batch
        child = context.Process(
            target=lambda: queue.put(parallel._ONE_BATCH_AT_A_TIME.acquire(timeout=10))
        )
        child.start()
        assert queue.get() is True
        child.join()


def test_words_learned_after_a_memory_starts_over_are_all_reported(
    small_model, corpus, monkeypatch
):
    from hotline_classify import fastvec
    from hotline_classify.fastvec import remember_words, word_memory_marks, words_since

    vectorizer = copy.deepcopy(small_model).vectorizer_
    fastvec.transform(vectorizer, corpus.texts[:20])
    marks = word_memory_marks(vectorizer)
    monkeypatch.setattr(fastvec._SegmenterWordCounter, "MAX_WORDS", marks[0][1])
    fastvec.transform(vectorizer, corpus.texts[20:400])  # starts over, then fills up again
    memories = fastvec._word_memories(vectorizer)
    assert word_memory_marks(vectorizer)[0][0] == marks[0][0] + 1
    learned = words_since(vectorizer, marks)
    for memory, (restarts, size), pairs in zip(memories, marks, learned):
        items = list(memory.items())
        assert pairs == (items if memory.restarts != restarts else items[size:])
    # Merging stops at the limit.
    for memory in memories:
        memory.clear()
    remember_words(vectorizer, learned)
    assert all(len(m) == min(marks[0][1], len(p)) for m, p in zip(memories, learned))


def test_without_fork_the_batch_is_routed_in_the_calling_process(
    small_model, corpus, small_batches, monkeypatch
):
    from hotline_classify import parallel

    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    monkeypatch.setattr(parallel.multiprocessing, "get_context", None)  # would fail if used
    texts = corpus.texts[:50]
    assert small_model.route_many(texts, n_jobs=2) == small_model.route_many(texts)


def test_a_changed_model_is_not_confused_with_the_one_workers_hold(
    small_model, corpus, small_batches
):
    import copy

    texts = corpus.texts[:60]
    small_model.route_many(texts, n_jobs=2)
    strict = copy.deepcopy(small_model).set_params(review_threshold=1.01)
    assert all(r.needs_review for r in strict.route_many(texts, n_jobs=2))


@pytest.mark.parametrize("bad", [3, 37, 199])  # the caller's warm-up, workers' chunks
def test_bad_rows_are_named_by_their_place_in_the_whole_batch(small_model, small_batches, bad):
    texts = ["商家拒绝退款"] * 200
    texts[bad] = " \u3000 "
    with pytest.raises(ValueError, match=f"index {bad} is empty"):
        small_model.route_many(texts, n_jobs=2)
    texts[bad] = "商家拒绝退款"
    texts[37] = None
    with pytest.raises(TypeError, match="index 37 is NoneType"):
        small_model.route_many(texts, n_jobs=2)


@pytest.fixture(scope="module")
def real_texts():
    """Real messages, read from the shared data folder (never copied into the repo)."""
    from hotline_classify.datasets import load_gold_dev

    return load_gold_dev().texts


def test_fast_transform_gives_the_fitted_vectorizers_matrix(default_model, corpus, real_texts):
    from hotline_classify.fastvec import transform
    from hotline_classify.model import clean_texts

    texts = clean_texts(corpus.texts[:200] + real_texts[:300] + ["退款", "a  b\tc", "𠀀𠀁好的"])
    expected = default_model.vectorizer_.transform(texts)
    got = transform(default_model.vectorizer_, texts)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert got.nnz == expected.nnz
    assert abs(got - expected).max() < 1e-6


@pytest.mark.parametrize(
    "params",
    [
        dict(analyzer="char", ngram_range=(1, 4)),  # longer than the packed n-grams
        dict(analyzer="char_wb", ngram_range=(2, 3)),
        dict(analyzer="char", ngram_range=(2, 3), lowercase=True),
        dict(analyzer="word", ngram_range=(1, 3), tokenizer=str.split, token_pattern=None),
        dict(analyzer="char", ngram_range=(1, 2), sublinear_tf=False, use_idf=False, norm="l1"),
        dict(analyzer="char", ngram_range=(1, 2), preprocessor=lambda t: t[:7]),
        dict(tokenizer=str.split, token_pattern=None, preprocessor=lambda t: t[3:]),
    ],
)
def test_fast_transform_falls_back_or_matches_for_other_settings(corpus, params):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from hotline_classify.fastvec import transform

    texts = corpus.texts[:150]
    vec = TfidfVectorizer(**{"lowercase": False, **params}).fit(texts[:100])
    expected = vec.transform(texts)
    got = transform(vec, texts)
    assert got.nnz == expected.nnz and abs(got - expected).max() < 1e-6


def test_evidence_matches_a_plain_per_row_computation(default_model, real_texts):
    model = default_model
    features = model._features(real_texts[:150])
    hotlines = model.predict(real_texts[:150])
    got = model._evidence(features, hotlines)
    weights = model._linear().coef_[0]
    for i, hotline in enumerate(hotlines):
        row = features.getrow(i)
        sign = 1.0 if hotline == model.classes_[1] else -1.0
        by_term = {}
        for col, value in zip(row.indices, row.data):
            term = model.feature_names_[col]
            by_term[term] = by_term.get(term, 0.0) + float(value * weights[col] * sign)
        top = sorted(by_term.items(), key=lambda kv: -abs(kv[1]))[: model.n_evidence]
        assert got[i] == tuple((t, round(c, 4)) for t, c in top)


@pytest.mark.parametrize("n", [0, 1, 3, 5])
def test_evidence_ties_keep_first_appearance_order_in_rows_of_any_length(n):
    import scipy.sparse as sp

    from hotline_classify.evidence import top_terms

    # Few distinct values, so that many terms tie; two features per term, so that a
    # term's contribution is a sum; rows from empty to longer than a batch block.
    rng = np.random.default_rng(3)
    n_features, n_terms = 60, 30
    weights = rng.choice([-1.0, -0.5, 0.5, 1.0], n_features)
    ids = np.arange(n_features) % n_terms
    names = np.array([f"t{i}" for i in range(n_terms)])
    lengths = rng.choice([0, 1, 2, 4, 6, 9, 20, 60], 700)
    rows = [rng.permutation(n_features)[:k] for k in lengths]
    features = sp.csr_matrix(
        (
            rng.choice([1.0, 2.0], int(lengths.sum())),
            np.concatenate(rows),
            np.concatenate([[0], np.cumsum(lengths)]),
        ),
        shape=(len(rows), n_features),
    )
    sign = rng.choice([-1.0, 1.0], len(rows))
    got = top_terms(features, sign, weights, ids, names, n)
    for i in range(len(rows)):
        row = features.getrow(i)
        by_term = {}  # in order of first appearance in the row
        for col, value in zip(row.indices, row.data):
            term = str(names[ids[col]])
            by_term[term] = by_term.get(term, 0.0) + value * weights[col] * sign[i]
        top = sorted(by_term.items(), key=lambda kv: -abs(kv[1]))[:n]  # a stable sort
        assert got[i] == tuple((t, round(c, 4)) for t, c in top)


HALVES = (np.arange(-3000, 3000) + 0.5) / 1e4


@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(-1e-3, 1e-3),
        st.sampled_from(HALVES.tolist()).flatmap(
            lambda h: st.sampled_from([h, *(float(np.nextafter(h, d)) for d in (-1, 1))])
        ),
    )
)
@settings(max_examples=2000, deadline=None)
def test_evidence_values_are_rounded_as_pythons_round_does(value):
    from hotline_classify.evidence import rounded

    got = rounded(np.array([value, -value]), 4)
    assert repr(got) == repr([round(value, 4), round(-value, 4)])  # -0.0 and nan included


def test_evidence_rounds_near_halves_as_pythons_round_does():
    from hotline_classify.evidence import rounded

    values = np.concatenate(
        [HALVES, np.nextafter(HALVES, np.inf), np.nextafter(HALVES, -np.inf), HALVES * 1e9]
    )
    assert repr(rounded(values, 4)) == repr([round(v, 4) for v in values.tolist()])


@pytest.mark.parametrize(
    "text, masked",
    [
        ("电话13812345678", "电话 MASKPHONE"),
        ("+86 138 1234 5678", "MASKPHONE"),
        ("8613812345678", "MASKPHONE"),
        # A digit before: not a phone number, but a run of 7 or more digits all the same.
        ("编号913812345678", "编号 MASKNUM"),
        ("卡号6222 0212 3456 7890", "卡号 MASKCARD"),
        ("96222 0212 3456 7890", "96222 0212 3456 7890"),
        ("热线400-123-4567", "热线 MASKPHONE"),
        ("5400-123-4567", "5400-123-4567"),
        ("住5-2-301室", "住 MASKADDR"),
        ("15-2-301室", "MASKADDR"),
        ("1235-2-301室", "1235-2-301室"),
    ],
)
def test_masks_need_a_non_digit_before_the_number(text, masked):
    # Expected values are those of the earlier leading-lookbehind patterns.
    from hotline_classify.normalize import normalize_text

    assert normalize_text(text) == masked


def test_the_ngram_hash_table_finds_every_key_and_only_those():
    from hotline_classify.fastvec import _HashTable

    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(0, 2**62, 5000, dtype=np.uint64))
    cols = np.arange(len(keys))
    table = _HashTable(keys.tolist(), cols.tolist())
    np.testing.assert_array_equal(table.lookup(keys[::-1]), cols[::-1])
    others = np.setdiff1d(rng.integers(0, 2**62, 5000, dtype=np.uint64), keys)
    assert (table.lookup(others) == -1).all()
    assert (_HashTable([], []).lookup(keys[:3]) == -1).all()


@pytest.mark.parametrize("ngram_range", [(1, 2), (1, 1), (2, 2)])
def test_character_pair_tables_give_the_vectorizers_matrix(ngram_range, monkeypatch):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from hotline_classify import fastvec
    from hotline_classify.emergency import training_rows

    texts, _ = training_rows("dev")
    vec = TfidfVectorizer(
        analyzer="char", ngram_range=ngram_range, sublinear_tf=True, lowercase=False
    ).fit(texts[:300] + ["着 火 了", "a b\tc"])
    monkeypatch.setattr(fastvec._CharPairCounter.of(vec), "batch", 7)  # several batches
    odd = ["", "着", "火火火火", "𠀀着𠀁火", "a  b\t\tc", "", "着火了 ", "\u3000\u3000着火", "Ω"]
    sample = odd + texts[300:340] + odd
    got = fastvec.transform(vec, sample)
    expected = vec.transform(sample)
    assert got.shape == expected.shape and got.nnz == expected.nnz
    assert abs(got - expected).max() < 1e-12
    monkeypatch.setattr(fastvec._CharPairCounter, "MAX_PAIRS", 0)  # the hash-table path
    fastvec._CharPairCounter._cache.clear()
    assert fastvec._CharPairCounter.of(vec) is None
    assert (fastvec.transform(vec, sample) != got).nnz == 0
