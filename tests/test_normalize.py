import pytest

from hotline_classify.normalize import PLACEHOLDERS, normalize_text


@pytest.mark.parametrize(
    "raw, secret, placeholder",
    [
        ("我的电话13812345678请回电", "13812345678", "MASKPHONE"),
        ("联系138-1234-5678", "138-1234-5678", "MASKPHONE"),
        ("手机+86 13912345678", "13912345678", "MASKPHONE"),
        ("座机0731-84123456", "84123456", "MASKPHONE"),
        ("客服400-812-3456", "812-3456", "MASKPHONE"),
        ("身份证号110101199003074518", "110101199003074518", "MASKID"),
        ("身份证43010219851231123X", "43010219851231123X", "MASKID"),
        ("卡号6222021234567890123扣款", "6222021234567890123", "MASKCARD"),
        ("卡号6222 0212 3456 7890", "6222 0212", "MASKCARD"),
        ("邮箱zhang.san@example.com", "zhang.san@example.com", "MASKEMAIL"),
        ("见https://shop.example.com/item?id=9", "shop.example.com", "MASKURL"),
        ("车牌湘A12345违停", "湘A12345", "MASKPLATE"),
        ("住在5栋2单元502室", "502", "MASKADDR"),
        ("手机号：[手机号]", "[手机号]", "MASKPHONE"),
        ("身份证：[身份证号]", "[身份证号]", "MASKID"),
        ("住[门牌号]", "[门牌号]", "MASKADDR"),
        ("电话是*****************。", "*****", "MASKNUM"),
        ("工作证号1108****4", "1108****4", "MASKNUM"),
        ("订购电话0000-0000000", "0000-0000000", "MASKPHONE"),
    ],
)
def test_personal_data_is_masked(raw, secret, placeholder):
    out = normalize_text(raw)
    assert secret not in out
    assert placeholder in out.split()


@pytest.mark.parametrize(
    "raw",
    ["2020-10-15日在店里", "价格12000元", "第3期还款542.2元"],
)
def test_dates_and_amounts_are_kept(raw):
    out = normalize_text(raw)
    assert not any(p in out for p in PLACEHOLDERS.values())


def test_full_width_becomes_half_width_and_whitespace_folds():
    assert normalize_text("ＡＰＰ　退款１２３元\n\n\t商家") == "APP 退款123元 商家"


def test_control_and_zero_width_characters_are_removed():
    assert normalize_text("退\x00款\u200b商\ufeff家") == "退 款 商 家"


def test_lone_surrogates_do_not_crash():
    assert normalize_text("退款\ud800商家") == "退款 商家"


def test_non_string_is_a_type_error():
    with pytest.raises(TypeError):
        normalize_text(b"bytes")


@pytest.mark.parametrize(
    "raw, placeholder",
    [
        ("网址WWW.EXAMPLE.COM", "MASKURL"),
        ("网址HTTP://EXAMPLE.COM/A", "MASKURL"),
        ("见【手机号】", "MASKPHONE"),
        ("号码138****5678", "MASKNUM"),
        ("拨打400 812 3456", "MASKPHONE"),
        ("手机１３８１２３４５６７８", "MASKPHONE"),
        ("住中山路28弄6号602室", "MASKADDR"),
        ("住1-2-301室", "MASKADDR"),
        ("住2门302", "MASKADDR"),
        ("住3号楼2门301", "MASKADDR"),
        ("住2单元301室", "MASKADDR"),
    ],
)
def test_a_mask_runs_when_only_its_own_match_has_its_clue(raw, placeholder):
    # Masks are skipped when the text lacks what each of their matches contains; here
    # nothing but the personal data itself has it.
    assert placeholder in normalize_text(raw).split()


def test_nfkc_is_exact_where_replacing_full_width_punctuation_is_not_enough():
    assert normalize_text("ｅ\u0301，…") == "é,..."


def test_a_lone_surrogate_keeps_its_neighbours_apart():
    assert normalize_text("e\ud800\u0301") == "e \u0301"
