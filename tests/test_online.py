"""Out-of-core training: learning chunk by chunk, routing like the main model."""

import csv
import pickle

import numpy as np
import pytest
from sklearn.base import clone

from hotline_classify import Route
from hotline_classify.io import InputError
from hotline_classify.normalize import normalize_text
from hotline_classify.online import OnlineHotlineClassifier, iter_labelled_csv
from hotline_classify.taxonomy import CATEGORY_HOTLINE

SAMPLES = ["我在超市买的牛奶过期了，商家拒绝退款", "小区物业乱收停车费，多次反映无人处理"]


def write_csv(path, rows, header=("id", "text", "hotline", "category")):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def split(corpus):
    idx = np.random.default_rng(0).permutation(len(corpus))
    train, test = idx[: 2 * len(idx) // 3], idx[2 * len(idx) // 3 :]

    def pick(rows):
        return (
            [corpus.texts[i] for i in rows],
            [corpus.hotlines[i] for i in rows],
            [corpus.categories[i] for i in rows],
        )

    return pick(train), pick(test)


@pytest.fixture(scope="module")
def online(split):
    texts, hotlines, categories = split[0]
    return OnlineHotlineClassifier(chunk_size=400).fit(texts, hotlines, categories)


def test_learns_to_route_unseen_texts(online, split):
    texts, hotlines, categories = split[1]
    routes = online.route_many(texts)
    assert np.mean([r.hotline == h for r, h in zip(routes, hotlines)]) > 0.9
    assert np.mean([r.category == c for r, c in zip(routes, categories)]) > 0.6


def test_routes_have_the_main_models_shape(online):
    routes = online.route_many(SAMPLES)
    assert [r.hotline for r in routes] == ["12315", "12345"]
    proba = online.predict_proba(SAMPLES)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    for r, p in zip(routes, proba.max(axis=1)):
        assert isinstance(r, Route)
        assert CATEGORY_HOTLINE[r.category] == r.hotline
        assert r.confidence == pytest.approx(p) and 0.5 <= r.confidence <= 1
        assert r.needs_review == (r.confidence < online.review_threshold)
        assert 0 < len(r.evidence) <= online.n_evidence
    assert online.route(SAMPLES[0]) == routes[0]
    assert list(online.predict(SAMPLES)) == ["12315", "12345"]


def test_evidence_names_terms_of_the_text_backing_the_decision(online):
    text = "健身房办了预付卡，老板跑路了，要求退款"
    r = online.route(text)
    cleaned = normalize_text(text)  # evidence is read from the cleaned text (NFKC: "，" -> ",")
    for term, _ in r.evidence:
        assert all(part in cleaned for part in term.split())
    weights = [abs(w) for _, w in r.evidence]
    assert weights == sorted(weights, reverse=True)
    assert sum(w for _, w in r.evidence) > 0


def test_rows_are_held_out_for_calibration_and_not_learned(online, split):
    n = len(split[0][0])
    assert online.n_training_rows_ == n - n // 10
    assert online.calibrator_ is not None
    assert online.calibrator_.coef_[0, 0] > 0


def test_training_from_a_csv_streams_chunks_and_matches_in_memory_training(
    split, tmp_path, monkeypatch
):
    texts, hotlines, categories = split[0]
    rows = [(i, t, h, c) for i, (t, h, c) in enumerate(zip(texts, hotlines, categories))]
    path = write_csv(tmp_path / "train.csv", rows)
    sizes = []
    original = OnlineHotlineClassifier.partial_fit

    def spy(self, X, y, categories=None):
        sizes.append(len(X))
        return original(self, X, y, categories)

    monkeypatch.setattr(OnlineHotlineClassifier, "partial_fit", spy)
    from_file = OnlineHotlineClassifier(chunk_size=300, n_epochs=2).fit_csv(
        path, category_column="category"
    )
    assert max(sizes) == 300 and sum(sizes) == 2 * len(texts)
    in_memory = OnlineHotlineClassifier(chunk_size=300, n_epochs=2).fit(texts, hotlines, categories)
    np.testing.assert_array_equal(
        from_file.predict_proba(SAMPLES), in_memory.predict_proba(SAMPLES)
    )
    assert from_file.route_many(SAMPLES) == in_memory.route_many(SAMPLES)


def test_same_data_and_seed_give_the_same_model(split):
    texts, hotlines, categories = split[0]
    a = OnlineHotlineClassifier(random_state=4, n_epochs=1).fit(texts, hotlines, categories)
    b = OnlineHotlineClassifier(random_state=4, n_epochs=1).fit(texts, hotlines, categories)
    np.testing.assert_array_equal(a.predict_proba(SAMPLES), b.predict_proba(SAMPLES))


def test_estimator_conventions_and_pickling(online):
    copy = clone(online)
    assert copy.get_params() == online.get_params() and not hasattr(copy, "classes_")
    again = pickle.loads(pickle.dumps(online))
    assert again._held_out == []  # training texts do not travel with the model
    assert again.route_many(SAMPLES) == online.route_many(SAMPLES)


def test_without_categories_category_is_none(split):
    texts, hotlines, _ = split[0]
    clf = OnlineHotlineClassifier(n_epochs=1).fit(texts, hotlines)
    assert clf.route(SAMPLES[0]).category is None


@pytest.mark.parametrize(
    "row, message",
    [
        ((9, "  ", "12345", "social"), "row 4: .*empty"),
        ((9, "商家拒绝退款", "", ""), "row 4: empty hotline"),
        ((9, "商家拒绝退款", "110", ""), "row 4: hotline label '110'"),
        ((9, "商家拒绝退款", "12315", "scam"), "row 4: unknown category 'scam'"),
    ],
)
def test_bad_csv_rows_are_named_by_row(tmp_path, row, message):
    good = [(1, "小区停水三天", "12345", "public_service"), (2, "假货", "12315", "fraud")]
    path = write_csv(tmp_path / "bad.csv", [*good, row])
    with pytest.raises(InputError, match=message):
        list(iter_labelled_csv(path, category_column="category"))


def test_a_missing_column_is_named(tmp_path):
    path = write_csv(tmp_path / "x.csv", [(1, "退款", "12315")], header=("id", "text", "label"))
    with pytest.raises(InputError, match="no column 'hotline'"):
        OnlineHotlineClassifier().fit_csv(path)


def test_unknown_category_in_memory_names_the_row():
    with pytest.raises(ValueError, match="row 1: unknown category 'scam'"):
        OnlineHotlineClassifier().partial_fit(["退款", "假货"], ["12315", "12315"], ["", "scam"])


def test_routes_carry_the_emergency_redirect_like_the_main_model(online):
    from hotline_classify.emergency import detect_emergencies

    texts = ["楼下饭店着火了，火很大，有人被困在三楼", "网购的衣服质量差，商家拒绝退款"]
    redirects = [r.redirect for r in online.route_many(texts)]
    assert redirects == list(detect_emergencies(texts))
    assert redirects[0] is not None and redirects[1] is None
