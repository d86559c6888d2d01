"""Fixes to scoring: evaluate_routes' labels and lengths, the review threshold, the split."""

import math

import pytest

from hotline_classify.evaluate import evaluate_routes
from hotline_classify.labelled import LabelledTable, validation_split
from hotline_classify.routing import Route, choose_review_threshold
from hotline_classify.taxonomy import CATEGORY_HOTLINE

pytestmark = pytest.mark.filterwarnings("ignore:A single label was found")


def _route(hotline, category=None, needs_review=False):
    return Route(hotline, category, 0.9, (), needs_review)


ROUTES = [_route("12345", "social"), _route("12315", "fraud")]


# ---------------------------------------------------------------- 2: labels as fit reads them
def test_evaluate_reads_float_hotlines_as_fit_does():
    report = evaluate_routes(ROUTES, [12345.0, 12315.0])
    assert report["overall"]["hotline"]["accuracy"] == 1.0
    assert list(report["overall"]["hotline"]["per_class"]) == ["12315", "12345"]
    assert report["review"]["accuracy_without_review"] == 1.0


@pytest.mark.parametrize("bad", [math.nan, None, "", "12306"])
def test_evaluate_refuses_a_missing_or_unknown_hotline_naming_the_row(bad):
    with pytest.raises(ValueError, match="row 1"):
        evaluate_routes(ROUTES, ["12345", bad])


def test_evaluate_leaves_a_nan_category_out_of_category_scores():
    report = evaluate_routes(ROUTES, ["12345", "12315"], ["social", math.nan])
    scores = report["overall"]["category"]
    assert scores["n"] == 1
    assert list(scores["per_class"]) == ["social"]
    assert scores["macro_f1"] == 1.0


# ---------------------------------------------------------------- 3: lengths, slices, no rows
@pytest.mark.parametrize("missing", [None, math.nan])
def test_evaluate_reads_a_missing_slice_as_empty_and_keeps_the_row(missing):
    report = evaluate_routes(ROUTES, ["12345", "12315"], None, ["gov", missing])
    assert sorted(report["slices"]) == ["", "gov"]
    assert report["slices"][""]["n"] == 1
    assert report["slices"][""]["hotline"]["per_class"]["12315"]["support"] == 1
    assert sum(block["n"] for block in report["slices"].values()) == 2


@pytest.mark.parametrize(
    "hotlines, categories, slices, lengths",
    [
        (["12345", "12315", "12315"], None, None, "2 routes, 3 hotlines"),
        (["12345", "12315"], ["social"], None, "2 routes, 2 hotlines, 1 categories"),
        (["12345", "12315"], None, ["a", "b", "c"], "2 routes, 2 hotlines, 3 slices"),
    ],
)
def test_evaluate_refuses_columns_of_different_lengths(hotlines, categories, slices, lengths):
    with pytest.raises(ValueError, match=f"same length, got {lengths}$"):
        evaluate_routes(ROUTES, hotlines, categories, slices)


def test_evaluate_refuses_zero_rows():
    with pytest.raises(ValueError, match="no rows to evaluate"):
        evaluate_routes([], [])


# ---------------------------------------------------------------- 4: review threshold
def test_threshold_refuses_labels_and_confidences_of_different_lengths():
    with pytest.raises(ValueError, match="same length, got 1, 3 and 3"):
        choose_review_threshold(["a"], ["a", "b", "b"], [0.9, 0.8, 0.7], 0.9)
    with pytest.raises(ValueError, match="same length, got 2, 2 and 3"):
        choose_review_threshold(["a", "a"], ["a", "a"], [0.9, 0.8, 0.7], 0.9)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_threshold_refuses_a_confidence_that_is_not_finite(bad):
    with pytest.raises(ValueError, match="confidence: row 1: .* not a finite number"):
        choose_review_threshold(["a"] * 3, ["a"] * 3, [0.9, bad, 0.7], 0.9)


def test_threshold_reads_integer_true_labels_as_fit_does():
    conf = [0.9, 0.8, 0.7]
    t = choose_review_threshold([12345, 12315.0, "12345热线"], ["12345", "12315", "12345"], conf)
    assert t == 0.7  # every row correct: all routed without review
    t = choose_review_threshold([12345, 12315, 12315], ["12345", "12315", "12345"], conf, 0.99)
    assert t == 0.8


def test_threshold_refuses_a_missing_label_naming_the_row():
    with pytest.raises(ValueError, match="y_true: row 2: missing label"):
        choose_review_threshold(["12345", "12315", None], ["12345"] * 3, [0.9, 0.8, 0.7])


# ---------------------------------------------------------------- 5: split fallback
def test_split_falls_back_to_hotline_when_pairs_outnumber_held_out_rows():
    texts, hotlines, categories = [], [], []
    for category, hotline in CATEGORY_HOTLINE.items():  # 7 categories x 5 rows
        for i in range(5):
            texts.append(f"{category} {i}")
            hotlines.append(hotline)
            categories.append(category)
    for hotline in ("12345", "12345", "12315", "12315"):  # 9 pairs in all
        texts.append(f"x{len(texts)}")
        hotlines.append(hotline)
        categories.append("")
    rows = list(range(2, len(texts) + 2))
    data = LabelledTable("f.csv", rows, texts, hotlines, categories, None, None)
    train, held = validation_split(data, 0.2, 0)  # 8 held-out rows for 9 pairs
    assert len(train) == 31 and len(held) == 8
    assert sorted([*train, *held]) == list(range(len(data)))
    for side in (train, held):
        assert {hotlines[i] for i in side} == {"12345", "12315"}
