"""Personal data never reaches a model's vocabulary, a saved file, a route or a log line."""

import logging
import pickle
import zipfile

import pytest

from hotline_classify import HotlineClassifier
from hotline_classify.normalize import normalize_text

SECRETS = {
    "phone": ["13812345678", "139 1234 5678", "+86 15987654321", "021-64331234"],
    "id_card": ["11010519491231002X", "430102198512311234"],
    "bank_card": ["6228480402564890018", "6217 0000 1234 5678 901"],
    "email": ["li_si2000@example.com", "wang.wu@mail.example.cn"],
    "plate": ["粤B·D12345", "湘A7K9Q2"],
    "address": ["5栋2单元502室", "解放西路158号", "中山路28弄6号602室", "8号楼2门302"],
}
TEMPLATES = [
    ("商家拒绝退款，我的电话{}，请回电", "12315", "consumer_dispute"),
    ("网购的手机是假货，联系方式{}", "12315", "counterfeit_quality"),
    ("超市虚假宣传价格欺诈，本人{}", "12315", "fraud"),
    ("小区物业乱收停车费，住址{}", "12345", "social"),
    ("路灯坏了半年没人修，我是{}", "12345", "public_service"),
    ("办事窗口态度差，证件{}", "12345", "administrative"),
]


def _all_secrets():
    return [s for values in SECRETS.values() for s in values]


def _windows(secret: str, size: int = 6):
    """The secret and every run of ``size`` characters of it (a partial leak counts too)."""
    compact = secret.replace(" ", "")
    return {secret, compact} | {compact[i : i + size] for i in range(len(compact) - size + 1)}


def _leaks(blob: str) -> list[str]:
    return sorted({w for s in _all_secrets() for w in _windows(s) if w in blob})


@pytest.fixture(scope="module")
def texts_with_secrets():
    rows = []
    for i, secret in enumerate(_all_secrets()):
        for j, (template, hotline, category) in enumerate(TEMPLATES):
            if (i + j) % 2 == 0:
                rows.append((template.format(secret), hotline, category))
    return rows


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_each_kind_of_personal_data_is_masked(kind):
    for secret in SECRETS[kind]:
        out = normalize_text(f"我的信息：{secret}，请处理")
        assert _leaks(out) == [], (secret, out)


def test_no_personal_data_in_the_fitted_or_saved_model(texts_with_secrets, tmp_path, caplog):
    texts, hotlines, categories = map(list, zip(*texts_with_secrets))
    assert _leaks("".join(texts))  # the training texts do carry them
    with caplog.at_level(logging.DEBUG):
        model = HotlineClassifier(min_df=1).fit(texts, hotlines, categories)
        routes = model.route_many(texts)
        path = model.save(tmp_path / "m.model")
        HotlineClassifier.load(path)

    assert _leaks(" ".join(model.feature_names_)) == []
    # The whole fitted object, every attribute at any depth (pickle writes str as UTF-8).
    assert _leaks(pickle.dumps(model).decode("utf-8", "replace")) == []
    # Every member of the saved file: the JSON tree (UTF-8) and the arrays (UTF-32).
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            raw = z.read(name)
            for encoding in ("utf-8", "utf-32-le"):
                assert _leaks(raw.decode(encoding, "replace")) == [], (name, encoding)
    for r in routes:
        assert _leaks(repr(r) + str(r.to_dict())) == []
    assert _leaks(caplog.text) == []
