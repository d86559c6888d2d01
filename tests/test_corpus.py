"""The authored corpus is big enough, consistent with the taxonomy, and written by us."""

import csv
import re
from collections import Counter

from hotline_classify.datasets import data_path, shared_data_dir
from hotline_classify.taxonomy import CATEGORY_HOTLINE

STYLES = {"call_summary", "web_message", "sms_app", "consumer_post"}


def test_corpus_size_and_balance(corpus):
    assert len(corpus) >= 1400
    counts = Counter(corpus.categories)
    assert set(counts) == set(CATEGORY_HOTLINE)
    assert min(counts.values()) >= 200


def test_every_row_is_consistent_and_unique(corpus):
    for cat, hot in zip(corpus.categories, corpus.hotlines):
        assert CATEGORY_HOTLINE[cat] == hot
    assert len(set(corpus.ids)) == len(corpus.ids)
    assert len(set(corpus.texts)) == len(corpus.texts)
    assert all(t.strip() for t in corpus.texts)


def test_every_style_is_used_by_both_hotlines(corpus):
    pairs = Counter(zip(corpus.extra["style"], corpus.hotlines))
    for style in STYLES:
        for hotline in ("12345", "12315"):
            assert pairs[(style, hotline)] >= 50, (style, hotline)
    assert set(corpus.extra["style"]) == STYLES


def test_corpus_repeats_no_real_text():
    """No 16-character window of the authored data (the corpus and the emergency set)
    appears in the real data (nothing copied)."""
    real = set()
    for name in ("gold_dev.csv", "real_pool.csv"):
        with open(shared_data_dir() / name, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                t = re.sub(r"\s", "", row["text"])
                for i in range(0, max(0, len(t) - 16) + 1, 8):
                    w = t[i : i + 16]
                    if len(set(w)) > 6:
                        real.add(w)
    hits = []
    for name in ("complaints.csv", "emergencies.csv"):
        with open(data_path(name), encoding="utf-8") as f:
            for line in f:
                t = re.sub(r"\s", "", line)
                if any(t[i : i + 16] in real for i in range(max(1, len(t) - 15))):
                    hits.append(line[:40])
    assert hits == []
