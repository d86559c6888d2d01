"""Reading labelled or unlabelled tables of complaints."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .datasets import join_title

#: Column names tried, in order, when no text column is named.
DEFAULT_TEXT_COLUMNS = (
    "text",
    "content",
    "内容",
    "诉求内容",
    "留言详情",
    "留言内容",
    "正文",
    "message",
    "body",
)
#: Title columns joined before the text column when no text column is named.
DEFAULT_TITLE_COLUMNS = ("title", "标题", "留言主题", "主题")


class InputError(ValueError):
    """Bad input data: the message names the file, and the row and column where known."""


@dataclass
class Table:
    """Rows of a file as dicts, with the column names in file order."""

    path: Path
    columns: list[str]
    rows: list[dict[str, str]]


def read_table(path: str | Path) -> Table:
    """Read a UTF-8 CSV (with or without BOM) into a :class:`Table`.

    Examples
    --------
    >>> table = read_table("orders.csv")  # doctest: +SKIP
    >>> table.columns
    ['id', 'title', 'text']
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            columns = list(reader.fieldnames or [])
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text at byte {e.start}") from None
    if not columns:
        raise InputError(f"{path}: no header row")
    return Table(path, columns, rows)


def choose_text_columns(table: Table, requested: list[str] | None) -> list[str]:
    """Return the columns whose values, joined in order, make each row's text.

    With ``requested`` empty, the first of :data:`DEFAULT_TEXT_COLUMNS` present is used,
    preceded by a title column if one of :data:`DEFAULT_TITLE_COLUMNS` is present.

    Raises
    ------
    InputError
        Naming the missing column and listing those present.
    """
    present = ", ".join(table.columns)
    if requested:
        for col in requested:
            if col not in table.columns:
                raise InputError(f"{table.path}: no column {col!r}; columns are: {present}")
        return list(requested)
    for col in DEFAULT_TEXT_COLUMNS:
        if col in table.columns:
            titles = [t for t in DEFAULT_TITLE_COLUMNS if t in table.columns][:1]
            return titles + [col]
    raise InputError(
        f"{table.path}: no text column found (tried {', '.join(DEFAULT_TEXT_COLUMNS)});"
        f" name one with --text-column; columns are: {present}"
    )


def require_column(table: Table, column: str) -> None:
    """Raise :class:`InputError` if ``column`` is not in the table."""
    if column not in table.columns:
        raise InputError(
            f"{table.path}: no column {column!r}; columns are: {', '.join(table.columns)}"
        )


def row_text(row: dict[str, str], columns: list[str]) -> str:
    """Join a row's text columns in order (a title is joined as in ``datasets.join_title``)."""
    text = ""
    for col in columns:
        text = join_title(text, row.get(col) or "")
    return text
