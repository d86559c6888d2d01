from collections import Counter

import numpy as np
import pytest

from hotline_classify import HotlineClassifier
from hotline_classify.recipes import build_real_training_set, train_real


@pytest.fixture(scope="module")
def small_set(default_model):
    return build_real_training_set(
        consumer_rows=300, government_rows=200, content_model=default_model
    )


def test_training_set_mixes_authored_and_weak_rows(small_set, corpus):
    sources = Counter(small_set.sources)
    assert sources["authored"] == len(corpus)
    assert sources["pool:consumer_platform"] == 300
    assert sources["pool:gov_weak_12345"] == 200
    assert sources["pool:gov_labelled"] > 0 and sources["pool:gov_weak_12315"] > 0
    n = len(small_set.texts)
    assert len(small_set.hotlines) == len(small_set.categories) == len(small_set.weights) == n
    weights = np.array(small_set.weights)
    full = np.isin(small_set.sources, ["authored", "pool:gov_weak_12315"])
    assert (weights[full] == 1.0).all() and (weights[~full] < 1.0).all()


def test_only_authored_rows_carry_categories(small_set):
    for source, category in zip(small_set.sources, small_set.categories):
        assert bool(category) == (source == "authored")


def test_same_seed_same_set(small_set, default_model):
    again = build_real_training_set(
        consumer_rows=300, government_rows=200, content_model=default_model
    )
    assert again.texts == small_set.texts and again.hotlines == small_set.hotlines


def test_train_real_reports_on_gold_dev(default_model):
    model, report = train_real(consumer_rows=300, government_rows=200, content_model=default_model)
    assert isinstance(model, HotlineClassifier)
    assert report["overall"]["n"] == 545
    assert set(report["slices"]) == {"gov_platform", "consumer_platform"}
    assert report["overall"]["hotline"]["macro_f1"] > 0.8
