"""The bundled training corpus and the shared real data sets.

The bundled files (corpus, dictionary, stop words) ship inside the wheel as
``hotline_classify/data``; in a source checkout they are read from the top-level ``data/``.
Real data is never bundled: it is read from ``$HOTLINE_DATA_DIR``, or else from
``../shared/data/hotline`` beside the working directory or the source checkout.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
DATA_ENV = "HOTLINE_DATA_DIR"


def data_path(name: str) -> Path:
    """Return the path of a bundled data file such as ``'complaints.csv'``.

    Raises
    ------
    FileNotFoundError
        If the file is in neither the installed package nor the source checkout.
    """
    for folder in (_PACKAGE_DIR / "data", _PACKAGE_DIR.parent / "data"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"bundled data file {name!r} is missing from {_PACKAGE_DIR}")


def shared_data_dir() -> Path:
    """Return the folder holding the real hotline data (``gold_dev.csv``, ``real_pool.csv``).

    ``$HOTLINE_DATA_DIR`` wins; otherwise ``../shared/data/hotline`` relative to the current
    directory or to the source checkout.

    Raises
    ------
    FileNotFoundError
        If no such folder exists.
    """
    if os.environ.get(DATA_ENV):
        candidates = [Path(os.environ[DATA_ENV])]
    else:
        rel = Path("..") / "shared" / "data" / "hotline"
        candidates = [Path.cwd() / rel, _PACKAGE_DIR.parent / rel]
    for folder in candidates:
        if folder.is_dir():
            return folder.resolve()
    raise FileNotFoundError(
        f"real hotline data not found (looked in {', '.join(map(str, candidates))}); "
        f"set {DATA_ENV} to the folder holding gold_dev.csv"
    )


@dataclass(frozen=True)
class LabelledTexts:
    """Texts with their hotline and category labels, aligned by position."""

    ids: list[str]
    texts: list[str]
    hotlines: list[str]
    categories: list[str]
    extra: dict[str, list[str]]

    def __len__(self) -> int:
        return len(self.texts)


def join_title(title: str, text: str) -> str:
    """Join a work order's title and body the way every reader in this package does."""
    title, text = (title or "").strip(), (text or "").strip()
    if title and text and not text.startswith(title):
        return f"{title}。{text}"
    return text or title


def _read_labelled(path: Path, extra_columns: tuple[str, ...] = ()) -> LabelledTexts:
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return LabelledTexts(
        ids=[r["id"] for r in rows],
        texts=[join_title(r.get("title", ""), r["text"]) for r in rows],
        hotlines=[r["hotline"] for r in rows],
        categories=[r["category"] for r in rows],
        extra={c: [r.get(c, "") for r in rows] for c in extra_columns},
    )


def load_corpus() -> LabelledTexts:
    """Load the authored training corpus bundled with the package (``complaints.csv``).

    Examples
    --------
    >>> corpus = load_corpus()
    >>> sorted(set(corpus.hotlines))
    ['12315', '12345']
    """
    return _read_labelled(data_path("complaints.csv"), ("style",))


def load_gold_dev(data_dir: str | Path | None = None) -> LabelledTexts:
    """Load the hand-labelled ``gold_dev.csv`` (title + text) from ``data_dir`` or
    :func:`shared_data_dir`."""
    folder = Path(data_dir) if data_dir is not None else shared_data_dir()
    return _read_labelled(folder / "gold_dev.csv", ("slice", "certainty", "redirect"))


def load_pool_labels() -> dict[str, dict[str, str]]:
    """Load the team's own labels of real government messages (``pool_labels.csv``).

    The file holds only ids of ``real_pool.csv`` rows and the labels the team gave them,
    reading each message under the rubric: ``hotline``, ``category`` and ``certainty``
    (``low`` where a dispatcher could reasonably route it the other way). No text: the
    messages themselves stay in the shared data folder.

    Returns
    -------
    dict
        ``{id: {"hotline": ..., "category": ..., "certainty": ...}}``.

    Examples
    --------
    >>> labels = load_pool_labels()
    >>> sorted({row["hotline"] for row in labels.values()})
    ['12315', '12345']
    """
    with open(data_path("pool_labels.csv"), encoding="utf-8", newline="") as f:
        return {
            r["id"]: {k: r[k] for k in ("hotline", "category", "certainty")}
            for r in csv.DictReader(f)
        }


def load_emergencies() -> dict[str, list[str]]:
    """Load the authored emergency set bundled with the package (``emergencies.csv``).

    Columns: ``id``, ``text``, ``redirect`` (``110``/``119``/``120``/``122`` for an
    emergency happening now, empty for an alarming message that is not one), ``kind``,
    ``style`` and ``split``: ``dev`` rows may be used to build or tune a detector, ``test``
    rows only to measure it (a row's split is fixed by the parity of the SHA-256 of its
    text).

    Examples
    --------
    >>> rows = load_emergencies()
    >>> sorted(set(rows["split"]))
    ['dev', 'test']
    """
    with open(data_path("emergencies.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {c: [r[c] for r in rows] for c in ("id", "text", "redirect", "kind", "style", "split")}
