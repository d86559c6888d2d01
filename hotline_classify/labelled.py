"""Labelled tables for ``train`` and ``evaluate``: read, check, split.

Hotline labels are ``12345`` and ``12315``; integers (``12345``, ``12345.0`` from a
spreadsheet) and the aliases in :data:`~hotline_classify.taxonomy.HOTLINE_ALIASES`
(``12345热线``, ``政务服务便民热线``, ``12315热线``, ``市场监管``) are accepted for them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from .tables import InputError, choose_text_columns, open_table, record_text, require_column
from .taxonomy import CATEGORY_HOTLINE, HOTLINE_ALIASES, canonical_hotline

#: Fewest rows a hotline or a category needs for ``train`` to learn it.
MIN_CLASS_ROWS = 5


@dataclass
class LabelledTable:
    """The checked rows of a labelled file, aligned by position.

    Attributes
    ----------
    path : Path
    rows : list of int
        Each row's number in the file (the header is row 1).
    texts : list of str
        Title and body joined.
    hotlines : list of str
        ``'12345'`` or ``'12315'``.
    categories : list of str or None
        Empty string where a row has none; ``None`` without a category column.
    ids, slices : list of str or None
        The id and slice columns' values, if those columns were named.
    blank_rows : int
        Rows with no value at all, skipped.
    """

    path: object
    rows: list[int]
    texts: list[str]
    hotlines: list[str]
    categories: list[str] | None
    ids: list[str] | None
    slices: list[str] | None
    blank_rows: int = 0

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, idx) -> LabelledTable:
        """The rows at positions ``idx``."""

        def pick(values):
            return None if values is None else [values[i] for i in idx]

        return LabelledTable(
            self.path,
            pick(self.rows),
            pick(self.texts),
            pick(self.hotlines),
            pick(self.categories),
            pick(self.ids),
            pick(self.slices),
        )


def _cell(value) -> str:
    return "" if value is None else str(value).strip()


def read_labelled(
    path,
    *,
    text_columns: list[str] | None = None,
    label_column: str = "hotline",
    category_column: str | None = None,
    id_column: str | None = None,
    slice_column: str | None = None,
    encoding: str | None = None,
) -> LabelledTable:
    """Read a labelled CSV, TSV, JSONL or XLSX file, refusing the first bad row.

    Rows with no value at all are skipped (and counted). Every other row needs a text and a
    hotline label (see the module docstring for the aliases accepted).

    Raises
    ------
    InputError
        Naming the file, row and column: a missing column (listing those present), a
        broken row, an empty or non-text text, an unknown hotline label, or a duplicate id.

    Examples
    --------
    >>> data = read_labelled("orders.csv", text_columns=["标题", "内容"])  # doctest: +SKIP
    >>> data.hotlines[:2]  # doctest: +SKIP
    ['12345', '12315']
    """
    with open_table(path, encoding) as table:
        text_cols = choose_text_columns(table, text_columns)
        for col in (label_column, category_column, id_column, slice_column):
            if col is not None:
                require_column(table, col)
        data = LabelledTable(
            table.path,
            [],
            [],
            [],
            [] if category_column else None,
            [] if id_column else None,
            [] if slice_column else None,
        )
        first_row_of_id: dict[str, int] = {}
        for record in table:
            if record.problem is None and all(_cell(v) == "" for v in record.values.values()):
                data.blank_rows += 1
                continue
            where = f"{table.path}: row {record.row}"
            text, problem = record_text(record, text_cols)
            if problem:
                raise InputError(f"{where}: {problem}")
            try:
                label = record.values.get(label_column)
                if _cell(label) == "":
                    raise ValueError("no hotline label")
                hotline = canonical_hotline(label)
            except ValueError as e:
                accepted = ", ".join(HOTLINE_ALIASES)
                raise InputError(
                    f"{where}, column {label_column!r}: {e} (accepted: {accepted})"
                ) from None
            data.rows.append(record.row)
            data.texts.append(text)
            data.hotlines.append(hotline)
            if category_column:
                data.categories.append(_cell(record.values.get(category_column)))
            if slice_column:
                data.slices.append(_cell(record.values.get(slice_column)))
            if id_column:
                ident = _cell(record.values.get(id_column))
                if not ident:
                    raise InputError(f"{where}, column {id_column!r}: empty id")
                if ident in first_row_of_id:
                    raise InputError(
                        f"{where}, column {id_column!r}: duplicate id {ident!r}"
                        f" (first in row {first_row_of_id[ident]})"
                    )
                first_row_of_id[ident] = record.row
                data.ids.append(ident)
    if not data.texts:
        raise InputError(f"{data.path}: no rows")
    return data


def check_trainable(data: LabelledTable, min_rows: int = MIN_CLASS_ROWS) -> None:
    """Refuse data a model cannot learn from: one hotline only, or a class too small.

    Raises
    ------
    InputError
        Naming the classes and their row counts.
    """
    hotlines = Counter(data.hotlines)
    if len(hotlines) < 2:
        only = next(iter(hotlines))
        raise InputError(f"{data.path}: training needs both hotlines; every row is {only}")
    classes = [("hotline", hotlines)]
    if data.categories is not None:
        categories = Counter(c for c in data.categories if c)
        if len(categories) == 1:
            only = next(iter(categories))
            raise InputError(f"{data.path}: every row with a category has {only!r}")
        classes.append(("category", categories))
    for kind, counts in classes:
        small = {k: n for k, n in sorted(counts.items()) if n < min_rows}
        if small:
            raise InputError(
                f"{data.path}: too few rows to learn {kind} "
                + ", ".join(f"{k!r} ({n})" for k, n in small.items())
                + f"; each needs at least {min_rows}"
            )


def label_conflicts(data: LabelledTable, most: int = 5) -> list[str]:
    """Describe identical texts that carry different labels (at most ``most`` of them), and
    rows whose category is one of the taxonomy's that belongs to the other hotline.

    Examples
    --------
    >>> hotlines = ["12315", "12345"]
    >>> data = LabelledTable("f.csv", [2, 3], ["退款", "退款"], hotlines, None, None, None)
    >>> label_conflicts(data)
    ['f.csv: rows 2, 3: the same text has different labels: 12315, 12345']
    """
    by_text = defaultdict(list)
    for i, text in enumerate(data.texts):
        by_text[" ".join(text.split())].append(i)
    out = []
    for idx in by_text.values():
        labels = {
            data.hotlines[i] + (f"/{data.categories[i]}" if data.categories else "") for i in idx
        }
        if len(labels) > 1:
            rows = ", ".join(str(data.rows[i]) for i in idx)
            out.append(
                f"{data.path}: rows {rows}: the same text has different labels: "
                + ", ".join(sorted(labels))
            )
            if len(out) == most:
                break
    if data.categories:
        other = [
            i
            for i, (hotline, category) in enumerate(zip(data.hotlines, data.categories))
            if CATEGORY_HOTLINE.get(category, hotline) != hotline
        ]
        if other:
            shown = ", ".join(
                f"{data.rows[i]} ({data.hotlines[i]}, {data.categories[i]!r})" for i in other[:most]
            )
            more = f" and {len(other) - most} more" if len(other) > most else ""
            out.append(
                f"{data.path}: {len(other)} rows have a category of the other hotline: "
                f"rows {shown}{more}"
            )
    return out


def validation_split(data: LabelledTable, size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split row positions into training and held-out validation, stratified.

    Stratified by hotline and category together where every such pair has two rows or
    more and the held-out and training sides each have at least one row per pair; else
    by hotline.

    Raises
    ------
    InputError
        If there are too few rows to hold out ``size`` of them with every class on both
        sides.
    """
    from sklearn.model_selection import train_test_split

    if not 0 < size < 1:
        raise InputError(f"the validation size must be between 0 and 1, got {size}")
    rows = np.arange(len(data))
    strata = [data.hotlines]
    if data.categories is not None:
        pairs = [f"{h}/{c}" for h, c in zip(data.hotlines, data.categories)]
        if min(Counter(pairs).values()) >= 2:
            strata.insert(0, pairs)
    for keys in strata:
        try:
            return train_test_split(rows, test_size=size, random_state=seed, stratify=keys)
        except ValueError as e:
            # More hotline/category pairs than held-out (or training) rows: try by hotline.
            error = e
    raise InputError(
        f"{data.path}: cannot hold out {size:.0%} for validation ({error}); "
        "use more rows or --validation-size 0"
    ) from None
