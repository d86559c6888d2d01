"""The recommended real-data model: authored corpus + the team's labels of real messages.

The recipe, in order:

1. The authored corpus bundled with the package (``complaints.csv``), written in every
   channel's style for both hotlines, so that the channel cannot stand in for the label.
2. Real government messages that the team labelled by reading them under the rubric
   (``pool_labels.csv``: ids of ``real_pool.csv`` rows and their hotline, category and
   certainty). They hold almost every consumer matter among the board's unlabelled
   messages (about 340 of them) and carry categories, so they teach both models the real
   words of a consumer matter sent to a government channel.
3. Rows labelled by their source, at a lower weight: a sample of consumer-platform texts
   (12315) and the government messages of a non-commerce class (12345).
4. Channel balance: every row belongs to a government channel (messages to officials,
   call summaries, the board's messages) or a consumer channel (consumer-site posts,
   app complaints, the consumer platforms). Within each channel the weights are scaled so
   that both hotlines weigh the same: then a word that only marks the channel (政府,
   领导, 希望有关部门…, or a shopping site's phrasing) says nothing about the hotline.
5. The category model gets weights of its own: every row 1, the team-labelled real
   messages :data:`TEAM_CATEGORY_WEIGHT`.
6. Train on all of it and report on ``gold_dev.csv``, which it never sees.

Measured by 3-fold cross-validation over the team-labelled messages (``benchmarks/
accuracy.py``), fewer consumer-platform rows (2,000 rather than 6,000) and the channel
balance each ranked government-channel consumer matters better.

Rubric labelling functions voting on the remaining unlabelled messages (the first version
of this recipe) added nothing once the team's labels were in, so they are gone.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .datasets import join_title, load_corpus, load_gold_dev, load_pool_labels, shared_data_dir
from .evaluate import evaluate_routes
from .model import HotlineClassifier
from .taxonomy import CONSUMER, GOVERNMENT

#: Weight of a team-labelled real message in the category model, against 1 for an authored
#: text. The category model gets weights of its own: the channel balance (step 4) is about
#: hotlines, and it gave authored government-channel consumer texts twice the weight of
#: the real messages labelled 12345, which most of the categories' real examples are.
TEAM_CATEGORY_WEIGHT = 2.0
#: Authored styles written as a government channel receives them; the others are consumer.
GOVERNMENT_STYLES = frozenset({"web_message", "call_summary"})


@dataclass
class TrainingSet:
    """Texts with hotline, category and weight per row, and where each row came from."""

    texts: list[str] = field(default_factory=list)
    hotlines: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    category_weights: list[float] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)

    def add(
        self,
        texts,
        hotlines,
        categories,
        weight: float,
        source: str,
        channels,
        category_weight: float = 1.0,
    ) -> None:
        """Append rows; ``hotlines``, ``categories`` and ``channels`` hold one value per text."""
        self.texts += list(texts)
        self.hotlines += list(hotlines)
        self.categories += list(categories)
        self.weights += [weight] * len(texts)
        self.category_weights += [category_weight] * len(texts)
        self.sources += [source] * len(texts)
        self.channels += list(channels)

    def balance_channels(self) -> None:
        """Scale weights so that, within each channel, both hotlines weigh the same."""
        weights = np.array(self.weights, dtype=float)
        channels, hotlines = np.array(self.channels), np.array(self.hotlines)
        for channel in np.unique(channels):
            here = channels == channel
            half = weights[here].sum() / 2
            for hotline in np.unique(hotlines[here]):
                rows = here & (hotlines == hotline)
                weights[rows] *= half / weights[rows].sum()
        self.weights = weights.tolist()


def _read_pool(data_dir: Path) -> list[dict[str, str]]:
    with open(data_dir / "real_pool.csv", encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if join_title(r["title"], r["text"]).strip()]


def build_real_training_set(
    data_dir: str | Path | None = None,
    consumer_rows: int = 2000,
    weak_weight: float = 0.3,
    random_state: int = 0,
) -> TrainingSet:
    """Assemble the real-data training set described in this module's docstring.

    Parameters
    ----------
    data_dir : path or None
        Folder with ``real_pool.csv``; ``None`` uses :func:`.datasets.shared_data_dir`.
    consumer_rows : int, default=2000
        How many consumer-platform texts (12315 by their source) to sample.
    weak_weight : float, default=0.3
        Weight of rows labelled by their source against 1 for authored and team-labelled
        rows, before the channel balance.
    random_state : int, default=0
        Seed of the consumer-platform sample.

    Returns
    -------
    TrainingSet

    Raises
    ------
    ValueError
        If an id of ``pool_labels.csv`` is not in ``real_pool.csv`` (another pool version).
    """
    data_dir = Path(data_dir) if data_dir is not None else shared_data_dir()
    rng = np.random.default_rng(random_state)
    corpus = load_corpus()
    out = TrainingSet()
    channels = [
        "government" if style in GOVERNMENT_STYLES else "consumer"
        for style in corpus.extra["style"]
    ]
    out.add(corpus.texts, corpus.hotlines, corpus.categories, 1.0, "authored", channels)

    pool = _read_pool(data_dir)
    by_id = {r["id"]: r for r in pool}
    labels = load_pool_labels()
    missing = sorted(set(labels) - set(by_id))
    if missing:
        raise ValueError(
            f"{len(missing)} ids of pool_labels.csv are not in {data_dir / 'real_pool.csv'} "
            f"(first: {missing[0]}); the labels belong to another version of the pool"
        )
    ids = sorted(labels)
    out.add(
        [join_title(by_id[i]["title"], by_id[i]["text"]) for i in ids],
        [labels[i]["hotline"] for i in ids],
        [labels[i]["category"] for i in ids],
        1.0,
        "pool:team_labelled",
        ["government"] * len(ids),
        category_weight=TEAM_CATEGORY_WEIGHT,
    )

    weak = np.array([r["weak_hotline"] for r in pool], dtype=object)
    consumer = np.flatnonzero(weak == CONSUMER)
    consumer = np.sort(rng.choice(consumer, min(consumer_rows, len(consumer)), replace=False))
    government = np.flatnonzero(weak == GOVERNMENT)
    for rows, hotline, source, channel in (
        (consumer, CONSUMER, "pool:consumer_platform", "consumer"),
        (government, GOVERNMENT, "pool:gov_labelled", "government"),
    ):
        texts = [join_title(pool[i]["title"], pool[i]["text"]) for i in rows]
        n = len(rows)
        out.add(texts, [hotline] * n, [""] * n, weak_weight, source, [channel] * n)
    out.balance_channels()
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
    0.94
    """
    data_dir = Path(data_dir) if data_dir is not None else shared_data_dir()
    data = build_real_training_set(data_dir, random_state=random_state, **set_options)
    model = HotlineClassifier(random_state=random_state).fit(
        data.texts,
        data.hotlines,
        data.categories,
        sample_weight=data.weights,
        category_weight=data.category_weights,
    )
    gold = load_gold_dev(data_dir)
    report = evaluate_routes(
        model.route_many(gold.texts), gold.hotlines, gold.categories, gold.extra["slice"]
    )
    return model, report
