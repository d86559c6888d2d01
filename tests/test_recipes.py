import csv
from collections import Counter

import numpy as np
import pytest

from hotline_classify import HotlineClassifier
from hotline_classify.datasets import load_pool_labels, shared_data_dir
from hotline_classify.recipes import build_real_training_set, train_real
from hotline_classify.taxonomy import CATEGORY_HOTLINE


@pytest.fixture(scope="module")
def small_set():
    return build_real_training_set(consumer_rows=300)


def test_pool_labels_are_valid_and_carry_no_text():
    labels = load_pool_labels()
    assert len(labels) > 1000
    for row in labels.values():
        assert CATEGORY_HOTLINE[row["category"]] == row["hotline"]
        assert row["certainty"] in {"high", "low"}
    with open(shared_data_dir() / "real_pool.csv", encoding="utf-8", newline="") as f:
        pool = {r["id"]: r for r in csv.DictReader(f)}
    assert set(labels) <= set(pool)
    # Only unlabelled government messages were labelled; nothing of gold_dev.
    assert {pool[i]["slice"] for i in labels} == {"gov_platform"}
    assert {pool[i]["weak_hotline"] for i in labels} == {""}


def test_training_set_mixes_authored_team_and_source_rows(small_set, corpus):
    sources = Counter(small_set.sources)
    assert sources["authored"] == len(corpus)
    assert sources["pool:team_labelled"] == len(load_pool_labels())
    assert sources["pool:consumer_platform"] == 300
    assert sources["pool:gov_labelled"] > 0
    n = len(small_set.texts)
    assert len(small_set.hotlines) == len(small_set.categories) == len(small_set.weights) == n
    assert set(small_set.channels) == {"government", "consumer"}
    assert {c for c, s in zip(small_set.channels, small_set.sources) if s != "authored"} == {
        "government",
        "consumer",
    }


def test_both_hotlines_weigh_the_same_in_each_channel(small_set):
    weights = np.array(small_set.weights)
    channels, hotlines = np.array(small_set.channels), np.array(small_set.hotlines)
    for channel in ("government", "consumer"):
        here = channels == channel
        totals = [weights[here & (hotlines == h)].sum() for h in ("12315", "12345")]
        assert totals[0] == pytest.approx(totals[1])


def test_rows_labelled_by_source_weigh_less_than_read_ones(small_set):
    weights = np.array(small_set.weights)
    sources, hotlines = np.array(small_set.sources), np.array(small_set.hotlines)
    gov_labelled = weights[sources == "pool:gov_labelled"]
    team_12345 = weights[(sources == "pool:team_labelled") & (hotlines == "12345")]
    assert gov_labelled.max() < team_12345.min()


def test_category_weights_ignore_the_channel_balance_and_favour_real_messages(small_set):
    from hotline_classify.recipes import TEAM_CATEGORY_WEIGHT

    assert len(small_set.category_weights) == len(small_set.texts)
    by_source = {}
    for source, weight in zip(small_set.sources, small_set.category_weights):
        by_source.setdefault(source, set()).add(weight)
    assert by_source["authored"] == {1.0}
    assert by_source["pool:team_labelled"] == {TEAM_CATEGORY_WEIGHT}
    assert TEAM_CATEGORY_WEIGHT > 1


def test_team_labelled_rows_bring_real_consumer_matters(small_set):
    team = [h for h, s in zip(small_set.hotlines, small_set.sources) if s == "pool:team_labelled"]
    assert Counter(team)["12315"] > 200


def test_rows_labelled_by_source_carry_no_category(small_set):
    for source, category in zip(small_set.sources, small_set.categories):
        assert bool(category) == (source in {"authored", "pool:team_labelled"})


def test_same_seed_same_set(small_set):
    again = build_real_training_set(consumer_rows=300)
    assert again.texts == small_set.texts and again.hotlines == small_set.hotlines


def test_labels_of_another_pool_are_refused(tmp_path):
    with open(shared_data_dir() / "real_pool.csv", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)[:50]
        fields = reader.fieldnames
    with open(tmp_path / "real_pool.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ValueError, match="pool_labels.csv are not in"):
        build_real_training_set(tmp_path)


def test_a_pool_row_with_a_blank_title_and_a_real_text_is_kept(tmp_path):
    from hotline_classify.recipes import _read_pool

    fields = ["id", "title", "text", "weak_hotline", "slice", "dataset", "source_label"]
    with open(tmp_path / "real_pool.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        writer.writerow(dict.fromkeys(fields, "") | {"id": "A1", "title": "  ", "text": "停水"})
        writer.writerow(dict.fromkeys(fields, "") | {"id": "A2", "title": " ", "text": " "})
        writer.writerow(dict.fromkeys(fields, "") | {"id": "A3", "title": "退款", "text": ""})
    assert [r["id"] for r in _read_pool(tmp_path)] == ["A1", "A3"]


def test_train_real_reports_on_gold_dev():
    model, report = train_real(consumer_rows=300)
    assert isinstance(model, HotlineClassifier)
    assert report["overall"]["n"] == 545
    assert set(report["slices"]) == {"gov_platform", "consumer_platform"}
    assert report["overall"]["hotline"]["macro_f1"] > 0.85
