import os
import pickle
from concurrent.futures import ThreadPoolExecutor

import joblib
import pytest

from hotline_classify.segment import (
    BACKENDS,
    NUMBER_TOKEN,
    JiebaSegmenter,
    RjiebaSegmenter,
    make_segmenter,
    read_user_dict,
)


@pytest.fixture(scope="module", params=BACKENDS)
def seg(request):
    return make_segmenter(request.param)


@pytest.mark.parametrize(
    "word",
    ["预付卡", "三包", "退一赔三", "霸王条款", "明码标价", "物业费", "公积金", "12315", "12345"],
)
def test_domain_words_stay_whole(seg, word):
    assert word in seg(f"我想问一下{word}的事情怎么处理")


def test_stop_words_and_punctuation_are_dropped(seg):
    tokens = seg("我的预付卡，商家跑路了！")
    assert "的" not in tokens and "了" not in tokens and "，" not in tokens and "!" not in tokens
    assert tokens == ["预付卡", "商家", "跑路"]


def test_numbers_become_one_token_but_hotline_numbers_stay(seg):
    tokens = seg("花了 3500 元，打了 12315 和 110")
    assert NUMBER_TOKEN in tokens and "3500" not in tokens
    assert "12315" in tokens and "110" in tokens


@pytest.mark.parametrize("backend", BACKENDS)
def test_custom_dictionary_and_stop_words(tmp_path, backend):
    udict = tmp_path / "dict.txt"
    udict.write_text("蓝莓派 100 n\n", encoding="utf-8")
    stops = tmp_path / "stop.txt"
    stops.write_text("商家\n", encoding="utf-8")
    seg = make_segmenter(backend, user_dict=str(udict), stop_words=str(stops))
    tokens = seg("蓝莓派商家")
    assert tokens == ["蓝莓派"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_segmenters_with_one_dictionary_share_one_engine(tmp_path, backend):
    first, second = make_segmenter(backend), make_segmenter(backend)
    first("预付卡商家跑路"), second("预付卡商家跑路")
    assert first._tokenizer is second._tokenizer
    udict = tmp_path / "dict.txt"
    udict.write_text("蓝莓派 100 n\n", encoding="utf-8")
    own = make_segmenter(backend, user_dict=str(udict))
    assert own("蓝莓派") == ["蓝莓派"] and own._tokenizer is not first._tokenizer
    # A dictionary edited on disk is read again by the next new segmenter, even when its
    # size and modification time stay the same.
    stat = udict.stat()
    udict.write_text("草莓塔 100 n\n", encoding="utf-8")
    os.utime(udict, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    edited = make_segmenter(backend, user_dict=str(udict))
    assert edited("草莓塔") == ["草莓塔"] and edited._tokenizer is not own._tokenizer


def test_survives_pickling_and_segments_the_same(seg):
    text = "物业公司乱收物业费，预付卡商家跑路"
    expected = seg(text)
    clone = pickle.loads(pickle.dumps(seg))
    assert clone._tokenizer is None  # the jieba state is rebuilt, not shipped
    assert clone(text) == expected


def test_threads_give_the_same_words(seg):
    texts = [f"第{i}号商家拒绝退款，物业费乱收" for i in range(50)]
    fresh = type(seg)()
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(fresh, texts))
    assert threaded == [seg(t) for t in texts]


def test_subprocesses_give_the_same_words(seg):
    texts = ["商家拒绝退款", "小区停水三天", "公积金提取咨询"]
    out = joblib.Parallel(n_jobs=2, backend="loky")(joblib.delayed(seg)(t) for t in texts)
    assert out == [seg(t) for t in texts]


def test_backends_are_distinct_classes_with_names():
    assert make_segmenter("jieba") == JiebaSegmenter()
    assert make_segmenter("rjieba") == RjiebaSegmenter()
    assert make_segmenter("jieba") != make_segmenter("rjieba")
    assert {make_segmenter(b).backend for b in BACKENDS} == set(BACKENDS)
    with pytest.raises(ValueError, match="unknown segmenter backend 'pkuseg'"):
        make_segmenter("pkuseg")


def test_backends_agree_on_most_complaints(corpus):
    jieba_seg, rjieba_seg = JiebaSegmenter(), RjiebaSegmenter()
    texts = corpus.texts[:300]
    same = sum(jieba_seg(t) == rjieba_seg(t) for t in texts)
    assert same / len(texts) > 0.85


def test_a_bad_user_dictionary_line_is_named(tmp_path):
    udict = tmp_path / "dict.txt"
    udict.write_text("# comment\n蓝莓派 100 n\n\n草莓派 many n\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 4: frequency 'many'"):
        read_user_dict(str(udict))
    udict.write_text("蓝莓派 100 n\n草莓派\n", encoding="utf-8")
    assert read_user_dict(str(udict)) == [("蓝莓派", 100, "n"), ("草莓派", None, None)]
