import copy
import dataclasses

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from hotline_classify import HotlineClassifier, Route
from hotline_classify.taxonomy import CATEGORY_HOTLINE

SAMPLES = [
    "我在超市买的牛奶过期了，商家拒绝退款",
    "小区物业乱收停车费，多次反映无人处理",
    "健身房办了预付卡，老板跑路了",
    "我们村的路灯坏了半年没人修",
]


def test_params_are_stored_unchanged():
    seg = object()
    clf = HotlineClassifier(C=3, ngram_range=(1, 1), char_ngram_range=None, segmenter=seg)
    params = clf.get_params()
    assert params["C"] == 3 and params["ngram_range"] == (1, 1)
    assert params["char_ngram_range"] is None and params["segmenter"] is seg


def test_fit_returns_self_and_sets_learned_attributes(small_corpus):
    texts, hotlines, categories = small_corpus
    clf = HotlineClassifier(char_ngram_range=None)
    assert clf.fit(texts, hotlines, categories) is clf
    assert list(clf.classes_) == ["12315", "12345"]
    assert set(clf.categories_) == set(CATEGORY_HOTLINE)
    assert clf.category_hotline_ == CATEGORY_HOTLINE
    assert clf.n_training_rows_ == len(texts)
    assert len(clf.feature_names_) == clf.vectorizer_.transform(["退款"]).shape[1]


def test_unfitted_model_refuses_to_predict():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        HotlineClassifier().predict(["退款"])


def test_predictions_have_the_documented_shape(small_model):
    proba = small_model.predict_proba(SAMPLES)
    assert proba.shape == (4, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    pred = small_model.predict(SAMPLES)
    assert list(pred) == list(small_model.classes_[proba.argmax(axis=1)])


def test_clear_cases_route_right(default_model):
    assert list(default_model.predict(SAMPLES)) == ["12315", "12345", "12315", "12345"]


def test_route_many_keeps_order_and_route_agrees(small_model):
    routes = small_model.route_many(SAMPLES)
    assert [r.hotline for r in routes] == list(small_model.predict(SAMPLES))
    assert small_model.route(SAMPLES[2]) == routes[2]


def test_category_always_belongs_to_routed_hotline(small_model, corpus):
    routes = small_model.route_many(corpus.texts[:300])
    assert all(CATEGORY_HOTLINE[r.category] == r.hotline for r in routes)


def test_confidence_and_review_flag_follow_threshold(small_model):
    routes = small_model.route_many(SAMPLES)
    proba = small_model.predict_proba(SAMPLES).max(axis=1)
    for r, p in zip(routes, proba):
        assert r.confidence == pytest.approx(p)
        assert 0.5 <= r.confidence <= 1.0
        assert r.needs_review == (r.confidence < small_model.review_threshold)
    strict = copy.deepcopy(small_model).set_params(review_threshold=1.01)
    assert all(r.needs_review for r in strict.route_many(SAMPLES))


def test_evidence_names_terms_of_the_text_most_decisive_first(small_model):
    r = small_model.route("健身房办了预付卡，老板跑路了，要求退款")
    assert 0 < len(r.evidence) <= small_model.n_evidence
    weights = [abs(w) for _, w in r.evidence]
    assert weights == sorted(weights, reverse=True)
    text = "健身房办了预付卡，老板跑路了，要求退款"
    for term, _ in r.evidence:
        assert all(part in text for part in term.split())
    assert sum(w for _, w in r.evidence) > 0  # the listed terms, on balance, back the decision


def test_without_categories_category_is_none(small_corpus):
    texts, hotlines, _ = small_corpus
    clf = HotlineClassifier(char_ngram_range=None).fit(texts, hotlines)
    assert clf.categories_ is None
    assert clf.route(SAMPLES[0]).category is None


def test_integer_hotline_labels_are_accepted(small_corpus):
    texts, hotlines, _ = small_corpus
    clf = HotlineClassifier(char_ngram_range=None).fit(texts, [int(h) for h in hotlines])
    assert list(clf.classes_) == ["12315", "12345"]


def test_same_data_and_seed_give_the_same_model(small_corpus):
    texts, hotlines, categories = small_corpus
    a = HotlineClassifier(random_state=3).fit(texts, hotlines, categories)
    b = HotlineClassifier(random_state=3).fit(texts, hotlines, categories)
    np.testing.assert_array_equal(a.predict_proba(SAMPLES), b.predict_proba(SAMPLES))
    assert a.route_many(SAMPLES) == b.route_many(SAMPLES)


def test_clone_gives_an_unfitted_copy_with_the_same_params(small_model):
    copy = clone(small_model)
    assert copy.get_params() == small_model.get_params()
    assert not hasattr(copy, "classes_")


def test_works_inside_a_pipeline(small_corpus):
    texts, hotlines, _ = small_corpus
    strip = FunctionTransformer(lambda xs: [x.strip() for x in xs])
    pipe = Pipeline([("strip", strip), ("clf", HotlineClassifier(char_ngram_range=None))])
    pipe.fit(texts, hotlines)
    alone = HotlineClassifier(char_ngram_range=None).fit(texts, hotlines)
    np.testing.assert_array_equal(pipe.predict_proba(SAMPLES), alone.predict_proba(SAMPLES))


def test_cross_val_score_and_grid_search(small_corpus):
    texts, hotlines, _ = small_corpus
    scores = cross_val_score(HotlineClassifier(char_ngram_range=None), texts, hotlines, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.7
    grid = GridSearchCV(HotlineClassifier(char_ngram_range=None), {"C": [1.0, 8.0]}, cv=3)
    grid.fit(texts, hotlines)
    assert grid.best_params_["C"] in (1.0, 8.0)
    assert grid.best_estimator_.predict(SAMPLES[:1])[0] == "12315"


@pytest.mark.parametrize(
    "bad, index, kind",
    [(["退款", None], 1, "NoneType"), (["退款", "好", b"x"], 2, "bytes"), ([3.5], 0, "float")],
)
def test_non_text_items_raise_type_error_naming_index(small_model, bad, index, kind):
    with pytest.raises(TypeError, match=f"index {index} is {kind}"):
        small_model.predict(bad)


def test_a_single_string_is_not_a_list_of_texts(small_model):
    with pytest.raises(TypeError, match="single string"):
        small_model.predict("商家拒绝退款")


def test_empty_text_raises_value_error_naming_index(small_model):
    with pytest.raises(ValueError, match="index 1 is empty"):
        small_model.route_many(["退款", " \u3000\n"])


@pytest.mark.parametrize(
    "hotlines, message",
    [
        (["12345"] * 6, "both hotlines"),
        (["12345"] * 5 + ["110"], "row 5"),
        (["12345"] * 4 + ["12315"] * 2, "at least 3"),
    ],
)
def test_bad_training_labels_are_refused(hotlines, message):
    texts = [f"第{i}条投诉内容" for i in range(6)]
    with pytest.raises(ValueError, match=message):
        HotlineClassifier().fit(texts, hotlines)


def test_route_is_frozen_and_readable(small_model):
    r = small_model.route(SAMPLES[0])
    assert isinstance(r, Route)
    with pytest.raises(AttributeError):
        r.hotline = "12345"
    assert r.hotline in repr(r)
    d = r.to_dict()
    assert set(d) == {"hotline", "category", "confidence", "evidence", "needs_review", "redirect"}
    assert d["evidence"][0][0] == r.evidence[0][0]


@dataclasses.dataclass(frozen=True)
class TicketRoute(Route):
    """A user's own kind of route, with a field of its own."""

    ticket: str = ""


def test_a_route_survives_pickling_and_copying_equal_and_still_frozen(small_model):
    import pickle

    r = small_model.route(SAMPLES[0])
    ticketed = TicketRoute(**dataclasses.asdict(r), ticket="T-1")
    for route in (r, ticketed):
        for back in (
            pickle.loads(pickle.dumps(route)),
            copy.copy(route),
            copy.deepcopy(route),
            dataclasses.replace(route),
        ):
            assert back == route and type(back) is type(route) and back is not route
            assert back.__dict__ is not route.__dict__
            with pytest.raises(AttributeError):
                back.hotline = "12345"
    assert pickle.loads(pickle.dumps(ticketed)).ticket == "T-1"


def test_a_process_forked_while_another_thread_routes_collects_garbage():
    import gc
    import multiprocessing
    import threading

    from hotline_classify.model import _collection_paused

    inside, release = threading.Event(), threading.Event()

    def route_slowly():
        with _collection_paused():
            inside.set()
            release.wait(30)

    thread = threading.Thread(target=route_slowly)
    thread.start()
    try:
        assert inside.wait(30) and not gc.isenabled()
        context = multiprocessing.get_context("fork")
        queue = context.SimpleQueue()
        child = context.Process(target=lambda: queue.put(gc.isenabled()))
        child.start()
        assert queue.get() is True
        child.join()
    finally:
        release.set()
        thread.join()
    assert gc.isenabled()


@pytest.mark.parametrize("enabled", [True, False])
def test_routing_leaves_the_garbage_collector_as_it_found_it(small_model, enabled):
    import gc

    (gc.enable if enabled else gc.disable)()
    try:
        small_model.route_many(SAMPLES)
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError):
            small_model.route_many(["退款", " "])
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_predict_category_agrees_with_routes(small_model, corpus):
    texts = corpus.texts[:50]
    assert list(small_model.predict_category(texts)) == [
        r.category for r in small_model.route_many(texts)
    ]


def test_category_weight_changes_the_category_model_only(small_corpus):
    texts, hotlines, categories = small_corpus
    rng = np.random.default_rng(0)
    weights = rng.uniform(0.5, 2.0, len(texts))
    same = HotlineClassifier().fit(texts, hotlines, categories, sample_weight=weights)
    other = HotlineClassifier().fit(
        texts, hotlines, categories, sample_weight=weights, category_weight=weights[::-1]
    )
    np.testing.assert_array_equal(same.predict_proba(texts), other.predict_proba(texts))
    a = same.category_model_.predict_proba(same._features(texts))
    b = other.category_model_.predict_proba(other._features(texts))
    assert np.abs(a - b).max() > 1e-3
    with pytest.raises(ValueError, match="got 3 category weights"):
        HotlineClassifier().fit(texts, hotlines, categories, category_weight=[1.0, 1.0, 1.0])
    # Bad weights are refused before anything is fitted: a fitted model stays usable.
    for bad in ({"category_weight": [1.0] * 3}, {"sample_weight": 2.0}):
        with pytest.raises(ValueError, match="weights"):
            same.fit(texts[:50], hotlines[:50], categories[:50], **bad)
    np.testing.assert_array_equal(same.predict_proba(texts), other.predict_proba(texts))


def test_parallel_fit_gives_the_same_model(corpus):
    texts, hotlines = corpus.texts[:600], corpus.hotlines[:600]
    one = HotlineClassifier().fit(texts, hotlines)
    two = HotlineClassifier(n_jobs=2).fit(texts, hotlines)
    np.testing.assert_array_equal(one.predict_proba(texts), two.predict_proba(texts))


def test_lead_features_count_only_the_opening_sentence_of_longer_texts(small_corpus):
    texts, hotlines, _ = small_corpus
    model = HotlineClassifier(C=1.0).fit(texts, hotlines)
    lead = dict(model.vectorizer_.transformer_list)["lead"]
    vocabulary = lead.get_feature_names_out()
    row = lead.transform(["商家拒绝退款,要求赔偿。小区停水三天"])
    expected = {w for w in lead.tokenizer("商家拒绝退款,要求赔偿") if w in lead.vocabulary_}
    assert {vocabulary[j] for j in row.indices} == expected and expected
    assert lead.transform(["商家拒绝退款,小区停水三天"]).nnz == 0  # one sentence: no lead
    assert "lead" in [name.split("__")[0] for name in model.vectorizer_.get_feature_names_out()]
    without = HotlineClassifier(C=1.0, lead_weight=None).fit(texts, hotlines)
    assert "lead" not in dict(without.vectorizer_.transformer_list)


def test_one_sentence_training_texts_fit_without_lead_features():
    texts = ["商家拒绝退款", "商家不退款", "退款被拒绝", "小区停水", "小区停电", "停水停电"]
    model = HotlineClassifier(C=1.0).fit(texts, ["12315"] * 3 + ["12345"] * 3)
    assert dict(model.vectorizer_.transformer_list)["lead"] == "drop"
    assert model.predict(["商家拒绝退款。要求赔偿"]).shape == (1,)
