"""Messages about an emergency happening now are redirected to 110, 119, 120 or 122."""

import json

import numpy as np
import pytest

from hotline_classify.cli import main
from hotline_classify.datasets import data_path, load_emergencies
from hotline_classify.emergency import (
    EMERGENCY_LINES,
    EVERYDAY_WEIGHT,
    EmergencyDetector,
    detect_emergencies,
    detect_emergency,
    rule_redirect,
    training_rows,
    training_weights,
)

EMERGENCIES = [
    ("厨房着火了，火越来越大，快来人", "119"),
    ("有人在小区门口持刀砍人，现在还在追", "110"),
    ("路口两辆车相撞，有人倒在地上流血", "122"),
    ("我爸突然晕倒了，叫不醒，怎么办", "120"),
    ("朋友发消息说不想活了，现在站在楼顶边上", "110"),
    ("我正在被骗，对方还在让我转账", "110"),
]
NOT_EMERGENCIES = [
    "去年小区发生过一次火灾，建议加强消防检查",
    "投诉派出所出警太慢，态度很差",
    "空调用了一次冒烟了，要求商家退货",
    "上个月出了车祸，保险公司一直不赔",
    "小区停水三天了没人管",
    "商家拒绝退款",
]


@pytest.mark.parametrize("text, line", EMERGENCIES)
def test_an_emergency_happening_now_is_redirected_to_its_line(text, line):
    assert detect_emergency(text) == line


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_past_events_complaints_and_everyday_matters_are_not_redirected(text):
    assert detect_emergency(text) is None


@pytest.mark.parametrize(
    "text",
    ["现在没有着火，只是闻到一点焦味，想问问", "去年被车撞过，建议路口装红绿灯"],
)
def test_the_lexicon_reads_negation_and_the_past(text):
    assert rule_redirect(text) is None


def test_route_carries_the_redirect(default_model):
    routes = default_model.route_many([EMERGENCIES[0][0], NOT_EMERGENCIES[5]])
    assert [r.redirect for r in routes] == ["119", None]
    assert routes[0].to_dict()["redirect"] == "119"
    assert "REDIRECT 119" in repr(routes[0])


def test_the_cli_prints_the_redirect(capsys):
    assert main(["route", "--json", EMERGENCIES[2][0], NOT_EMERGENCIES[5]]) == 0
    objs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["redirect"] for o in objs] == ["122", None]
    assert main(["route", EMERGENCIES[2][0]]) == 0
    assert "\tREDIRECT 122" in capsys.readouterr().out


def test_the_authored_set_is_big_enough_and_well_formed():
    rows = load_emergencies()
    redirects = rows["redirect"]
    assert sum(r in EMERGENCY_LINES for r in redirects) >= 150
    assert sum(r == "" for r in redirects) >= 150
    assert set(redirects) <= {"", *EMERGENCY_LINES}
    assert set(rows["split"]) == {"dev", "test"}
    assert len(set(rows["id"])) == len(rows["id"]) and len(set(rows["text"])) == len(rows["text"])
    for split in ("dev", "test"):
        part = [r for r, s in zip(redirects, rows["split"]) if s == split]
        assert min(sum(r == line for r in part) for line in EMERGENCY_LINES) >= 15


def test_everyday_complaints_weigh_less_than_authored_rows():
    texts, _ = training_rows("dev")
    weights = training_weights("dev")
    n_authored = sum(s == "dev" for s in load_emergencies()["split"])
    assert len(weights) == len(texts)
    assert set(weights[:n_authored]) == {1.0}
    assert set(weights[n_authored:]) == {EVERYDAY_WEIGHT} and 0 < EVERYDAY_WEIGHT < 1


def test_held_out_rows_are_not_training_rows():
    rows = load_emergencies()
    texts, _ = training_rows("dev")
    test = {t for t, s in zip(rows["text"], rows["split"]) if s == "test"}
    assert test.isdisjoint(texts)


def test_the_detector_follows_scikit_learn_conventions():
    texts, redirects = training_rows("dev")
    det = EmergencyDetector(C=4.0, threshold=0.3)
    assert det.get_params() == {"C": 4.0, "ngram_range": (1, 2), "threshold": 0.3}
    assert det.fit(texts, redirects) is det
    assert set(det.classes_) == {"", *EMERGENCY_LINES}
    again = EmergencyDetector(C=4.0, threshold=0.3).fit(texts, redirects)
    sample = [t for t, _ in EMERGENCIES] + NOT_EMERGENCIES
    np.testing.assert_array_equal(det.emergency_proba(sample), again.emergency_proba(sample))
    strict = EmergencyDetector(threshold=1.01).fit(texts, redirects)
    assert strict.predict(sample) == [None] * len(sample)


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match="'999'"):
        EmergencyDetector().fit(["着火了", "退款"], ["119", "999"])
    with pytest.raises(ValueError, match="1 sample weights for 2 texts"):
        EmergencyDetector().fit(["着火了", "退款"], ["119", ""], [1.0])
    with pytest.raises(TypeError, match="index 1 is NoneType"):
        detect_emergencies(["着火了", None])
    with pytest.raises(TypeError, match="bytes"):
        detect_emergency(b"fire")


def test_the_authored_set_ships_with_the_package():
    assert data_path("emergencies.csv").name == "emergencies.csv"
