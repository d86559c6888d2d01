from hotline_classify.weak_labels import keyword_margin, weak_hotlines


def test_keyword_margin_reads_the_rubric():
    assert keyword_margin("驾校拒绝退费，还是霸王条款") > 0
    assert keyword_margin("小区物业不作为，业主很无奈") < 0
    assert keyword_margin("今天天气不错") == 0


def test_votes_need_model_and_keywords_to_agree():
    texts = ["驾校拒绝退费", "驾校拒绝退费", "小区物业乱收费", "今天天气不错"]
    votes = weak_hotlines(texts, [0.9, 0.4, 0.1, 0.45])
    assert list(votes) == ["12315", "", "12345", "12345"]


def test_a_regulator_that_did_not_act_is_government():
    text = "我向市场监管局投诉商家卖假货，一个月了没人管"
    assert keyword_margin(text) > 0
    assert list(weak_hotlines([text], [0.95])) == ["12345"]
