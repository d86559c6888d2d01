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
