"""The recommended real-data model: authored corpus + weakly labelled real messages.

The recipe, in order:

1. Train a content model on the bundled authored corpus alone (the default model). The
   corpus is written in every channel's style for both hotlines, so it cannot learn the
   channel.
2. Weak labels for real messages (``real_pool.csv``): consumer-platform texts are 12315 and
   labelled government messages are 12345 (from their source), and the government messages
   without a label get a hotline only where the content model and the rubric's labelling
   functions (:mod:`.weak_labels`) agree; the others abstain. Weak rows carry no category:
   the category model learns from authored rows only (weak categories measured worse).
3. Balance: a sample of each weak source, so that no channel outweighs the corpus, and a
   lower weight for rows labelled by their source than for authored ones. The rare
   government messages voted 12315 keep full weight: they are the one real example of a
   consumer matter in a government channel's words.
4. Train the final model on all of it, and report on ``gold_dev.csv``, which it never sees.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .datasets import join_title, load_corpus, load_gold_dev, shared_data_dir
from .evaluate import evaluate_routes
from .model import HotlineClassifier
from .taxonomy import CONSUMER, GOVERNMENT
from .weak_labels import weak_hotlines


@dataclass
class TrainingSet:
    """Texts with hotline, category and weight per row, and where each row came from."""

    texts: list[str] = field(default_factory=list)
    hotlines: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def add(self, texts, hotlines, categories, weight: float, source: str) -> None:
        self.texts += list(texts)
        self.hotlines += list(hotlines)
        self.categories += list(categories)
        self.weights += [weight] * len(texts)
        self.sources += [source] * len(texts)


def _read_pool(data_dir: Path) -> list[dict[str, str]]:
    with open(data_dir / "real_pool.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def build_real_training_set(
    data_dir: str | Path | None = None,
    consumer_rows: int = 6000,
    government_rows: int = 1500,
    weak_weight: float = 0.3,
    random_state: int = 0,
    content_model: HotlineClassifier | None = None,
) -> TrainingSet:
    """Assemble the real-data training set described in this module's docstring.

    Parameters
    ----------
    data_dir : path or None
        Folder with ``real_pool.csv``; ``None`` uses :func:`.datasets.shared_data_dir`.
    consumer_rows : int, default=6000
        How many consumer-platform texts (weakly 12315) to sample.
    government_rows : int, default=1500
        How many weakly-12345 unlabelled government messages to sample.
    weak_weight : float, default=0.3
        Weight of rows labelled by their source or voted 12345; authored rows and
        government messages voted 12315 weigh 1.
    random_state : int, default=0
    content_model : HotlineClassifier or None
        The content model of step 1; ``None`` trains one on the bundled corpus.

    Returns
    -------
    TrainingSet
    """
    data_dir = Path(data_dir) if data_dir is not None else shared_data_dir()
    rng = np.random.default_rng(random_state)
    corpus = load_corpus()
    if content_model is None:
        content_model = HotlineClassifier(random_state=random_state).fit(
            corpus.texts, corpus.hotlines, corpus.categories
        )
    out = TrainingSet()
    out.add(corpus.texts, corpus.hotlines, corpus.categories, 1.0, "authored")

    pool = [r for r in _read_pool(data_dir) if (r["title"] or r["text"]).strip()]
    texts = np.array([join_title(r["title"], r["text"]) for r in pool], dtype=object)
    weak = np.array([r["weak_hotline"] for r in pool], dtype=object)
    consumer = np.flatnonzero(weak == CONSUMER)
    consumer = rng.choice(consumer, min(consumer_rows, len(consumer)), replace=False)
    government = np.flatnonzero(weak == GOVERNMENT)

    unlabelled = np.flatnonzero(weak == "")
    votes = weak_hotlines(
        list(texts[unlabelled]), content_model.predict_proba(list(texts[unlabelled]))[:, 0]
    )
    voted_consumer = unlabelled[votes == CONSUMER]
    voted_government = unlabelled[votes == GOVERNMENT]
    voted_government = rng.choice(
        voted_government, min(government_rows, len(voted_government)), replace=False
    )
    for rows, hotline, weight, source in (
        (consumer, CONSUMER, weak_weight, "pool:consumer_platform"),
        (government, GOVERNMENT, weak_weight, "pool:gov_labelled"),
        (voted_consumer, CONSUMER, 1.0, "pool:gov_weak_12315"),
        (voted_government, GOVERNMENT, weak_weight, "pool:gov_weak_12345"),
    ):
        rows = np.sort(rows)
        out.add(list(texts[rows]), [hotline] * len(rows), [""] * len(rows), weight, source)
    return out


def train_real(
    data_dir: str | Path | None = None, random_state: int = 0, **set_options
) -> tuple[HotlineClassifier, dict]:
    """Train the recommended real-data model and score it on ``gold_dev.csv``.

    Parameters
    ----------
    data_dir : path or None
        Folder with ``real_pool.csv`` and ``gold_dev.csv`` (``$HOTLINE_DATA_DIR``).
    random_state : int, default=0
    **set_options
        Passed to :func:`build_real_training_set`.

    Returns
    -------
    model : HotlineClassifier
    report : dict
        :func:`.evaluate.evaluate_routes` on ``gold_dev.csv`` (never used in training).

    Examples
    --------
    >>> model, report = train_real()  # doctest: +SKIP
    >>> round(report["overall"]["hotline"]["macro_f1"], 2)  # doctest: +SKIP
    0.93
    """
    data_dir = Path(data_dir) if data_dir is not None else shared_data_dir()
    data = build_real_training_set(data_dir, random_state=random_state, **set_options)
    model = HotlineClassifier(random_state=random_state).fit(
        data.texts, data.hotlines, data.categories, sample_weight=data.weights
    )
    gold = load_gold_dev(data_dir)
    report = evaluate_routes(
        model.route_many(gold.texts), gold.hotlines, gold.categories, gold.extra["slice"]
    )
    return model, report
