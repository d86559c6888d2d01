import pytest

from hotline_classify.boilerplate import strip_boilerplate
from hotline_classify.model import clean_texts


@pytest.mark.parametrize(
    "text, kept, dropped",
    [
        ("尊敬的领导:您好!某商场拒绝退款,望领导重视。谢谢!", "某商场拒绝退款", "领导"),
        ("市长您好,小区物业乱收费", "小区物业乱收费", "市长"),
        ("市民来电反映:驾校拒绝退费", "驾校拒绝退费", "来电"),
        ("A市B2区某超市卖过期牛奶", "某超市卖过期牛奶", "A市"),
        ("[区名]某饭店后厨脏乱", "某饭店后厨脏乱", "区名"),
    ],
)
def test_channel_boilerplate_goes_and_the_matter_stays(text, kept, dropped):
    out = strip_boilerplate(text)
    assert kept in out and dropped not in out


def test_a_text_of_only_boilerplate_is_kept_whole():
    assert clean_texts(["谢谢!"]) == ["谢谢!"]


def test_boilerplate_is_stripped_before_features():
    assert clean_texts(["尊敬的领导:您好!商家拒绝退款"]) == ["商家拒绝退款"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("市民反映:尊敬的领导您好,A市停水", "停水"),
        ("小区停水,市民反映:水压低", "小区停水,市民反映:水压低"),  # only at the start
        ("ABC市场", "ABC市场"),  # a capital after a letter is no place code
        ("Z9镇某店谢谢您们!", "某店"),
        ("恳请有关部门高度重视!", ""),
    ],
)
def test_boilerplate_is_stripped_exactly(text, expected):
    assert strip_boilerplate(text) == expected
