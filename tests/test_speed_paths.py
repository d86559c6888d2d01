"""The fast paths: segmenter backends recorded in the model, and routing across processes."""

import numpy as np
import pytest

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
    """Let the tests run small batches across processes."""
    from hotline_classify import parallel

    monkeypatch.setattr(parallel, "MIN_PARALLEL_TEXTS", 10)


def test_routing_across_processes_gives_the_same_routes_in_order(
    small_model, corpus, small_batches
):
    texts = corpus.texts[:400]
    assert small_model.route_many(texts, n_jobs=2) == small_model.route_many(texts)
    # A second call reuses the model the workers already hold.
    assert small_model.route_many(texts[::-1], n_jobs=-1) == small_model.route_many(texts[::-1])


def test_a_changed_model_is_not_confused_with_the_one_workers_hold(
    small_model, corpus, small_batches
):
    import copy

    texts = corpus.texts[:60]
    small_model.route_many(texts, n_jobs=2)
    strict = copy.deepcopy(small_model).set_params(review_threshold=1.01)
    assert all(r.needs_review for r in strict.route_many(texts, n_jobs=2))


def test_bad_rows_are_named_by_their_place_in_the_whole_batch(small_model, small_batches):
    texts = ["商家拒绝退款"] * 50
    texts[37] = " \u3000 "
    with pytest.raises(ValueError, match="index 37 is empty"):
        small_model.route_many(texts, n_jobs=2)
    texts[37] = None
    with pytest.raises(TypeError, match="index 37 is NoneType"):
        small_model.route_many(texts, n_jobs=2)


def test_chunks_cover_the_batch_in_order():
    from hotline_classify.parallel import chunk_bounds

    for n, k in [(10, 3), (7, 7), (3, 8), (1000, 16)]:
        bounds = chunk_bounds(n, k)
        assert bounds[0][0] == 0 and bounds[-1][1] == n
        assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
        sizes = [stop - start for start, stop in bounds]
        assert min(sizes) >= 1 and max(sizes) - min(sizes) <= 1
