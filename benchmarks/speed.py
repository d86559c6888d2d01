"""Speed and scale of hotline_classify against a plain jieba + TF-IDF + logistic regression.

One run, the same texts for every contender (title + text of ``gold_dev.csv`` and
``real_pool.csv`` from the shared data folder), raw text in, route out:

* throughput (docs/s, MB/s) of the plain pipeline, of this project in one process with
  both segmenter backends, and with ``n_jobs=-1``;
* where one process's time goes: microseconds per text of each stage of a route, beside
  the 10× budget;
* single-text latency p50/p99;
* training time and peak memory on 100,000 texts (in a fresh process each);
* macro-F1 on ``gold_dev.csv`` of models trained on the bundled corpus with each backend.

Usage::

    python benchmarks/speed.py            # everything, about 5 minutes on 2 cores
    python benchmarks/speed.py --quick    # 3,000 texts, 20,000 training rows
"""

from __future__ import annotations

import argparse
import csv
import functools
import multiprocessing
import os
import pickle
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline

from hotline_classify import HotlineClassifier
from hotline_classify.datasets import join_title, load_corpus, load_gold_dev, shared_data_dir
from hotline_classify.emergency import detect_normalized_emergencies
from hotline_classify.fastvec import transform
from hotline_classify.model import _feature_text, normalize_texts
from hotline_classify.online import OnlineHotlineClassifier
from hotline_classify.routing import assemble_routes
from hotline_classify.segment import make_segmenter

#: Warm calls of each kind; the table shows their median.
WARM_CALLS = 5


def load_texts() -> tuple[list[str], list[str]]:
    """Texts of gold_dev.csv and real_pool.csv, and a hotline for each (weak where unknown).

    real_pool rows without a weak label get the hotline of their source's channel; the
    labels only serve the training-time measurement.
    """
    texts, labels = [], []
    for name in ("gold_dev.csv", "real_pool.csv"):
        with open(shared_data_dir() / name, encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                text = join_title(row.get("title", ""), row["text"])
                if not text.strip():
                    continue
                label = row.get("hotline") or row.get("weak_hotline")
                if not label:
                    label = "12345" if row["slice"] == "gov_platform" else "12315"
                texts.append(text)
                labels.append(label)
    return texts, labels


def plain_pipeline():
    """The baseline: jieba words, TF-IDF over word 1-2-grams, logistic regression."""
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    corpus = load_corpus()
    pipe = make_pipeline(
        TfidfVectorizer(
            tokenizer=jieba.lcut, token_pattern=None, lowercase=False, ngram_range=(1, 2)
        ),
        LogisticRegression(max_iter=2000),
    )
    return pipe.fit(corpus.texts, corpus.hotlines)


def throughput(route_all, texts: list[str]) -> tuple[float, float, float]:
    """Return (seconds, docs/s, MB/s) of one call routing all ``texts``."""
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    start = time.perf_counter()
    out = route_all(texts)
    seconds = time.perf_counter() - start
    assert len(out) == len(texts)
    return seconds, len(texts) / seconds, megabytes / seconds


def stage_costs(model: HotlineClassifier, texts: list[str]) -> list[tuple[str, float]]:
    """Return the microseconds per text of each stage of ``model.route_many(texts)``, in
    one process, each timed alone on the whole batch, best of three, the model warm.

    The stages are those of ``HotlineClassifier._route_here``; the first row, the backend's
    cut alone, is part of the word features, and is the floor under any route that
    segments its text.
    """

    def best(stage, *args):
        seconds = []
        for _ in range(3):
            start = time.perf_counter()
            out = stage(*args)
            seconds.append(time.perf_counter() - start)
        return out, min(seconds) * 1e6 / len(texts)

    normalized, clean_us = best(normalize_texts, texts)
    feature_texts, boiler_us = best(lambda ts: [_feature_text(t) for t in ts], normalized)
    blocks = dict(model.vectorizer_.transformer_list)
    segmenter = blocks["word"].tokenizer
    _, cut_us = best(lambda ts: [segmenter.cut_words(t) for t in ts], feature_texts)
    costs = [
        (f"{segmenter.backend} cut alone (inside word features)", cut_us),
        ("cleaning and masking personal data", clean_us),
        ("removing channel boilerplate", boiler_us),
    ]
    for name, block in blocks.items():
        if block == "drop":
            continue
        _, us = best(transform, block, feature_texts)
        costs.append((f"{name} features", us))
    features = transform(model.vectorizer_, feature_texts)
    proba, us = best(model.hotline_model_.predict_proba, features)
    costs.append(("hotline model", us))
    hotlines = model.classes_[np.argmax(proba, axis=1)]
    categories, us = best(model._categories_for, features, hotlines)
    costs.append(("category model", us))
    evidence, us = best(model._evidence, features, hotlines)
    costs.append(("evidence", us))
    redirects, us = best(detect_normalized_emergencies, normalized)
    costs.append(("emergency check", us))
    _, us = best(
        assemble_routes,
        model.classes_,
        proba,
        categories,
        evidence,
        model.review_threshold,
        redirects,
    )
    costs.append(("Route objects", us))
    return costs


def bare_route_us(model: HotlineClassifier, texts: list[str]) -> float:
    """Return the microseconds per text, best of three, of the least a segmenting router
    can do: the backend's cut of the raw text, one dict lookup per word, and one sparse
    product with the hotline model's word weights. No cleaning, no other features, no
    calibration, no output but the sign; a floor, not a router."""
    word = dict(model.vectorizer_.transformer_list)["word"]
    get, cut = word.vocabulary_.get, word.tokenizer.cut_words
    weights = model._linear().coef_[0][: len(word.vocabulary_)]
    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        rows, cols = [], []
        for i, text in enumerate(texts):
            found = [c for c in map(get, cut(text)) if c is not None]
            cols += found
            rows += [i] * len(found)
        counts = sp.csr_matrix(
            (np.ones(len(cols)), (rows, cols)), shape=(len(texts), len(word.vocabulary_))
        )
        assert len(counts @ weights > 0) == len(texts)
        seconds.append(time.perf_counter() - start)
    return min(seconds) * 1e6 / len(texts)


def latencies(route_one, texts: list[str]) -> tuple[float, float]:
    """Return p50 and p99 in milliseconds of routing each text alone."""
    times = []
    for text in texts:
        start = time.perf_counter()
        route_one(text)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def _train_in_child(kind: str, path: str, queue) -> None:
    start = time.perf_counter()
    if kind == "online":
        OnlineHotlineClassifier().fit_csv(path)
    else:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        HotlineClassifier().fit([r["text"] for r in rows], [r["hotline"] for r in rows])
    seconds = time.perf_counter() - start
    queue.put((seconds, peak_resident_mb()))


def peak_resident_mb() -> float:
    """This process's peak resident memory in MB.

    ``VmHWM`` belongs to the process's own memory map, which a spawned child gets new at
    ``exec``; ``ru_maxrss`` would also count the parent's memory at the fork before it.
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def train_cost(kind: str, path: str) -> tuple[float, float]:
    """Train in a fresh process; return (seconds, peak resident memory in MB)."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_train_in_child, args=(kind, path, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def macro_f1(model, gold) -> tuple[float, float]:
    routes = model.route_many(gold.texts)
    hot = f1_score(gold.hotlines, [r.hotline for r in routes], average="macro")
    cat = f1_score(gold.categories, [r.category or "" for r in routes], average="macro")
    return 100 * hot, 100 * cat


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer texts, for a smoke run")
    args = parser.parse_args(argv)
    n_route = 3000 if args.quick else None
    n_train = 20_000 if args.quick else 100_000

    texts, labels = load_texts()
    rng = random.Random(0)
    if n_route:
        texts = rng.sample(texts, n_route)
    sample = rng.sample(texts, min(1000, len(texts)))
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(
        f"{len(texts):,} texts, {mb:.2f} MB; python {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )

    rows = []
    plain = plain_pipeline()
    plain.predict(texts[:10])
    rows.append(("plain jieba + TF-IDF + LR", *throughput(plain.predict, texts)))
    print(rows[-1], flush=True)
    model = HotlineClassifier.default()
    jieba_model = model.with_backend("jieba")
    model.route_many(texts[:10])
    jieba_model.route_many(texts[:10])
    rows.append(("hotline_classify, jieba backend", *throughput(jieba_model.route_many, texts)))
    print(rows[-1], flush=True)

    # A first call fills the segmenter's and the feature lookups' memory of the words it
    # meets and builds the model's lookup tables; later calls find them there. So each kind
    # routes the texts once with its own fresh copy of the model (as a newly loaded model
    # would, except that the segmenter's engine, shared within a process, is already built:
    # about 0.05 s); then the two take turns for WARM_CALLS warm calls each. This machine's speed
    # drifts by 10-20% within a minute, so the ratio is taken within each adjacent pair of
    # calls, and the table shows medians.
    routers = {}
    for name, n_jobs in (("1 process", None), ("n_jobs=-1", -1)):
        routers[name] = functools.partial(
            pickle.loads(pickle.dumps(model)).route_many, n_jobs=n_jobs
        )
        rows.append((f"hotline_classify, {name}, first call", *throughput(routers[name], texts)))
        print(rows[-1], flush=True)
    warm = {name: [] for name in routers}
    for _ in range(WARM_CALLS):
        for name, route_all in routers.items():
            warm[name].append(throughput(route_all, texts))
    for name, calls in warm.items():
        median = sorted(calls)[WARM_CALLS // 2]
        rows.append((f"hotline_classify, {name}, warm (median of {WARM_CALLS})", *median))
        print(rows[-1], flush=True)
    pair_ratios = sorted(one[0] / par[0] for one, par in zip(*warm.values()))
    stages = stage_costs(model, texts)
    bare_us = bare_route_us(model, texts)
    print(stages, bare_us, flush=True)

    lat = {
        "plain jieba + TF-IDF + LR": latencies(lambda t: plain.predict([t]), sample),
        "hotline_classify, 1 process": latencies(model.route, sample),
    }
    print(lat, flush=True)

    corpus = load_corpus()
    gold = load_gold_dev()
    f1 = {}
    for backend in ("jieba", "rjieba"):
        fitted = HotlineClassifier(segmenter=make_segmenter(backend)).fit(
            corpus.texts, corpus.hotlines, corpus.categories
        )
        f1[backend] = macro_f1(fitted, gold)
    f1["online (hashing + SGD)"] = macro_f1(
        OnlineHotlineClassifier().fit(corpus.texts, corpus.hotlines, corpus.categories), gold
    )
    print(f1, flush=True)

    all_texts, all_labels = load_texts()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "train.csv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["text", "hotline"])
            for i in range(n_train):
                writer.writerow([all_texts[i % len(all_texts)], all_labels[i % len(all_labels)]])
        train = {
            "HotlineClassifier.fit (in memory)": train_cost("batch", path),
            "OnlineHotlineClassifier.fit_csv (chunks)": train_cost("online", path),
        }
    print(train, flush=True)

    base = rows[0][2]
    print()
    print(f"| throughput ({len(texts):,} texts, {mb:.1f} MB) | docs/s | MB/s | × plain |")
    print("|---|---:|---:|---:|")
    for name, _, docs, mbs in rows:
        print(f"| {name} | {docs:,.0f} | {mbs:.2f} | {docs / base:.1f}× |")
    print(
        f"\nn_jobs=-1 vs 1 process: first call {rows[3][2] / rows[2][2]:.2f}×; warm, call by "
        f"call: median {pair_ratios[WARM_CALLS // 2]:.2f}× "
        f"(from {pair_ratios[0]:.2f}× to {pair_ratios[-1]:.2f}×)"
    )
    plain_us = 1e6 / base
    print(f"\n| where one process's time goes ({len(texts):,} texts) | µs per text |\n|---|---:|")
    for name, us in stages:
        print(f"| {name} | {us:.1f} |")
    print(f"| sum of the stages (the cut counted once) | {sum(us for _, us in stages[1:]):.1f} |")
    print(f"| a bare cut, word lookup and product (see bare_route_us) | {bare_us:.1f} |")
    print(f"| plain pipeline, for comparison | {plain_us:.1f} |")
    print(f"| 10× plain: the budget per text | {plain_us / 10:.1f} |")
    print("\n| single-text latency | p50 ms | p99 ms |\n|---|---:|---:|")
    for name, (p50, p99) in lat.items():
        print(f"| {name} | {p50:.2f} | {p99:.2f} |")
    print(f"\n| training on {n_train:,} texts ({len(all_texts):,} distinct) | seconds | peak MB |")
    print("|---|---:|---:|")
    for name, (seconds, peak) in train.items():
        print(f"| {name} | {seconds:.1f} | {peak:.0f} |")
    print("\n| gold_dev macro-F1 (trained on the bundled corpus) | hotline | category |")
    print("|---|---:|---:|")
    for name, (hot, cat) in f1.items():
        print(f"| {name} | {hot:.1f} | {cat:.1f} |")
    delta = f1["rjieba"][0] - f1["jieba"][0]
    print(f"\nrjieba - jieba hotline macro-F1: {delta:+.2f} points")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
