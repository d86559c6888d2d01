"""Accuracy benchmark: this project's models against plain baselines, side by side.

Usage::

    python benchmarks/accuracy.py [--eval CSV] [--json OUT]

Trains, in one run, on the same real-data training set (the authored corpus plus weakly
labelled ``real_pool.csv``, see ``hotline_classify.recipes``):

- ``real recipe``: this project's recommended real-data model;
- ``plain jieba+tfidf+LR``: jieba tokens, ``TfidfVectorizer``, ``LogisticRegression``;
- ``fastText``: fastText on jieba-segmented text (if the ``fasttext`` module imports);

and also ``default (authored only)``, the shipped default model, trained on the bundled
corpus alone, and the plain baseline trained on the weak pool labels alone (the usual first
attempt). It then scores each on the evaluation CSV (``gold_dev.csv`` by default), which
none of them saw. Real data is read from ``$HOTLINE_DATA_DIR`` or ``../shared/data/hotline``.

A second table gives a larger check than gold_dev's 56 government-channel consumer
matters: 3-fold cross-validation over the 2,058 real government messages the team labelled
(``pool_labels.csv``, 343 consumer matters). Each system trains on the recipe data without
the held-out fold's labelled rows and is scored on them; the default model never sees
them and is scored on all.

If the evaluation CSV has a ``certainty`` column (gold_dev.csv does: ``low`` when a
reasonable dispatcher could route the row the other way), a third table scores every
system again on the rows labelled ``high`` only.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

import jieba
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

from hotline_classify import HotlineClassifier
from hotline_classify.datasets import join_title, load_corpus, shared_data_dir
from hotline_classify.recipes import build_real_training_set


def read_eval(path: Path) -> dict:
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        "texts": [join_title(r.get("title", ""), r["text"]) for r in rows],
        "hotline": np.array([r["hotline"] for r in rows]),
        "category": np.array([r.get("category", "") for r in rows]),
        "slice": np.array([r.get("slice", "all") for r in rows]),
        "certainty": np.array([r.get("certainty", "") for r in rows]),
    }


def eval_rows(ev: dict, keep: np.ndarray) -> dict:
    """The rows of an evaluation set where ``keep`` is true."""
    return {
        k: v[keep] if isinstance(v, np.ndarray) else [x for x, y in zip(v, keep) if y]
        for k, v in ev.items()
    }


def scores(ev: dict, hotlines, categories=None) -> dict:
    y, p, sl = ev["hotline"], np.asarray(hotlines), ev["slice"]
    gov = sl == "gov_platform"
    out = {"macro_f1": f1_score(y, p, average="macro")}
    for name in sorted(set(sl)):
        out[f"acc_{name}"] = accuracy_score(y[sl == name], p[sl == name])
    if gov.any():
        out["gov_12315_recall"] = recall_score(y[gov], p[gov], pos_label="12315", zero_division=0)
        out["gov_12315_precision"] = precision_score(
            y[gov], p[gov], pos_label="12315", zero_division=0
        )
    if categories is not None and (ev["category"] != "").any():
        has = ev["category"] != ""
        out["category_macro_f1"] = f1_score(
            ev["category"][has], np.asarray(categories)[has], average="macro"
        )
    return out


class PlainBaseline:
    """jieba + TfidfVectorizer + LogisticRegression, nothing else."""

    def fit(self, texts, hotlines):
        tokenizer = jieba.Tokenizer()
        self.pipe = make_pipeline(
            TfidfVectorizer(tokenizer=tokenizer.lcut, token_pattern=None, lowercase=False),
            LogisticRegression(max_iter=2000),
        )
        self.pipe.fit(texts, hotlines)
        return self

    def predict(self, texts):
        return self.pipe.predict(texts), None


class FastTextBaseline:
    """fastText supervised on jieba-segmented text."""

    def fit(self, texts, hotlines):
        import fasttext

        self.tokenizer = jieba.Tokenizer()
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            for text, label in zip(texts, hotlines, strict=True):
                f.write(f"__label__{label} {self._line(text)}\n")
        self.model = fasttext.train_supervised(
            f.name, epoch=25, wordNgrams=2, lr=0.5, seed=0, thread=1, verbose=0
        )
        return self

    def _line(self, text):
        return " ".join(w for w in self.tokenizer.lcut(text.replace("\n", " ")) if w.strip())

    def predict(self, texts):
        labels, _ = self.model.predict([self._line(t) for t in texts])
        return np.array([lab[0].replace("__label__", "") for lab in labels]), None


class Ours:
    def __init__(self, model=None):
        self.model = model or HotlineClassifier()

    def fit(self, texts, hotlines, categories=None, sample_weight=None, category_weight=None):
        self.model.fit(
            texts,
            hotlines,
            categories,
            sample_weight=sample_weight,
            category_weight=category_weight,
        )
        return self

    def predict(self, texts):
        routes = self.model.route_many(texts)
        return [r.hotline for r in routes], [r.category for r in routes]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, help="labelled CSV (default: gold_dev.csv)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    data_dir = shared_data_dir()
    ev = read_eval(args.eval or data_dir / "gold_dev.csv")

    corpus = load_corpus()
    t0 = time.perf_counter()
    default = HotlineClassifier().fit(corpus.texts, corpus.hotlines, corpus.categories)
    default_seconds = time.perf_counter() - t0
    data = build_real_training_set(data_dir)
    with open(data_dir / "real_pool.csv", encoding="utf-8", newline="") as f:
        pool = [r for r in csv.DictReader(f) if r["weak_hotline"]]
    pool_texts = [join_title(r["title"], r["text"]) for r in pool]
    pool_labels = [r["weak_hotline"] for r in pool]

    systems = [
        ("plain, weak pool labels", PlainBaseline, (pool_texts, pool_labels), {}),
        ("plain, recipe data", PlainBaseline, (data.texts, data.hotlines), {}),
        ("fastText, recipe data", FastTextBaseline, (data.texts, data.hotlines), {}),
        (
            "ours: real recipe",
            Ours,
            (data.texts, data.hotlines, data.categories),
            {"sample_weight": data.weights, "category_weight": data.category_weights},
        ),
    ]
    results = []
    prefit = Ours(default)
    results.append(run("ours: default (authored only)", prefit, ev, default_seconds, len(corpus)))
    for name, cls, fit_args, fit_kwargs in systems:
        try:
            system = cls()
            t0 = time.perf_counter()
            system.fit(*fit_args, **fit_kwargs)
            seconds = time.perf_counter() - t0
        except ImportError as e:
            print(f"{name}: skipped ({e})", file=sys.stderr)
            continue
        results.append(run(name, system, ev, seconds, len(fit_args[0])))
    print_table(results)
    print()
    if any("high_certainty" in r for r in results):
        print("Rows labelled high certainty only:")
        print_table([{"system": r["system"], **r["high_certainty"]} for r in results])
        print()
    cv_results = team_label_cv(data, default)
    print_cv_table(cv_results)
    if args.json:
        out = {"eval": results, "team_label_cv": cv_results}
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def team_label_cv(data, default: HotlineClassifier, n_folds: int = 3) -> list[dict]:
    """Score each system on the team-labelled real messages by cross-validation."""
    sources = np.array(data.sources)
    hotlines = np.array(data.hotlines)
    team = np.flatnonzero(sources == "pool:team_labelled")
    rest = np.flatnonzero(sources != "pool:team_labelled")
    truth = hotlines[team]
    systems = {
        "ours: default (authored only)": None,
        "plain, recipe data": lambda idx: PlainBaseline().fit(*_training_rows(data, idx, False)),
        "fastText, recipe data": lambda idx: FastTextBaseline().fit(
            *_training_rows(data, idx, False)
        ),
        "ours: real recipe": lambda idx: Ours().fit(*_training_rows(data, idx, True)),
    }
    texts = [data.texts[i] for i in team]
    true_categories = np.array([data.categories[i] for i in team], dtype=object)
    out = []
    for name, train in systems.items():
        categories = None
        if train is None:
            predicted, categories = Ours(default).predict(texts)
            predicted, categories = np.array(predicted, dtype=object), np.array(categories)
        else:
            predicted = np.empty(len(team), dtype=object)
            categories = np.empty(len(team), dtype=object)
            folds = StratifiedKFold(n_folds, shuffle=True, random_state=0)
            try:
                for fit_part, held in folds.split(team, truth):
                    system = train(np.concatenate([rest, team[fit_part]]))
                    predicted[held], categories[held] = system.predict([texts[i] for i in held])
            except ImportError as e:
                print(f"{name}: skipped ({e})", file=sys.stderr)
                continue
        predicted = predicted.astype(str)
        has_categories = all(c is not None for c in categories)
        out.append(
            {
                "system": name,
                "rows": len(team),
                "macro_f1": f1_score(truth, predicted, average="macro"),
                "recall_12315": recall_score(truth, predicted, pos_label="12315"),
                "precision_12315": precision_score(truth, predicted, pos_label="12315"),
                "category_macro_f1": (
                    f1_score(true_categories, categories.astype(str), average="macro")
                    if has_categories
                    else None
                ),
            }
        )
    return out


def _training_rows(data, idx, with_categories: bool):
    texts = [data.texts[i] for i in idx]
    hotlines = [data.hotlines[i] for i in idx]
    if not with_categories:
        return texts, hotlines
    categories = [data.categories[i] for i in idx]
    weights = [data.weights[i] for i in idx]
    return texts, hotlines, categories, weights, [data.category_weights[i] for i in idx]


def print_cv_table(results) -> None:
    print("3-fold CV over the team-labelled real government messages:")
    print("| system | rows | macro_f1 | recall_12315 | precision_12315 | category_macro_f1 |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        category = "–" if r["category_macro_f1"] is None else f"{r['category_macro_f1']:.3f}"
        print(
            f"| {r['system']} | {r['rows']} | {r['macro_f1']:.3f} | "
            f"{r['recall_12315']:.3f} | {r['precision_12315']:.3f} | {category} |"
        )


def run(name, system, ev, train_seconds, n_train) -> dict:
    t0 = time.perf_counter()
    hotlines, categories = system.predict(ev["texts"])
    seconds = time.perf_counter() - t0
    result = {
        "system": name,
        "train_rows": n_train,
        **scores(ev, hotlines, categories),
        "train_seconds": train_seconds,
        "docs_per_second": len(ev["texts"]) / seconds,
    }
    high = ev["certainty"] == "high"
    if high.any() and not high.all():
        kept = eval_rows(ev, high)
        result["high_certainty"] = {
            "rows": int(high.sum()),
            **scores(kept, np.asarray(hotlines)[high], None),
        }
    return result


def print_table(results) -> None:
    order = [
        "rows",
        "train_rows",
        "macro_f1",
        "acc_gov_platform",
        "acc_consumer_platform",
        "gov_12315_recall",
        "gov_12315_precision",
        "category_macro_f1",
        "train_seconds",
        "docs_per_second",
    ]
    present = {k for r in results for k in r}
    keys = [k for k in order if k in present]
    print("| system | " + " | ".join(keys) + " |")
    print("|---|" + "---:|" * len(keys))
    for r in results:
        cells = []
        for k in keys:
            v = r.get(k)
            cells.append(
                "–"
                if v is None
                else f"{v:.0f}"
                if k in ("rows", "train_rows", "docs_per_second")
                else f"{v:.1f}"
                if k == "train_seconds"
                else f"{v:.3f}"
            )
        print(f"| {r['system']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
