"""Routing every row of a file, in chunks, into a CSV or JSONL file written atomically."""

from __future__ import annotations

import csv
import functools
import json
import os
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from itertools import islice
from pathlib import Path

from .normalize import normalize_text
from .routing import Route
from .tables import InputError, Record, choose_text_columns, open_table, record_text, require_column

#: Output file name endings and the format each means.
OUTPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}

#: Columns added after a row's own, besides the fields of :class:`~hotline_classify.Route`.
EXTRA_COLUMNS = ("error", "note")
#: Rows routed per ``route_many`` call, in one process and across processes.
CHUNK_ROWS = 2000
PARALLEL_CHUNK_ROWS = 20_000


@dataclass
class RouteFileSummary:
    """What :func:`route_file` did.

    Attributes
    ----------
    output : Path
    rows : int
        Rows read and written.
    routed : int
        Rows that got a route.
    errors : int
        Rows with a reason in ``error`` instead of a route.
    cut : int
        Routed rows whose text was longer than ``MAX_TEXT_CHARS`` (said in ``note``).
    needs_review : int
        Routed rows flagged for review.
    first_errors : list of str
        The first few errors, each naming its row (and id).
    """

    output: Path
    rows: int = 0
    routed: int = 0
    errors: int = 0
    cut: int = 0
    needs_review: int = 0
    first_errors: list[str] = field(default_factory=list)


def output_columns(input_columns: Iterable[str]) -> dict[str, str]:
    """Map each added column to its name in the output.

    The added columns are the fields of :class:`~hotline_classify.Route` followed by
    :data:`EXTRA_COLUMNS`. One whose name the input already uses is written as
    ``routed_<name>`` so that no input column is overwritten.

    Examples
    --------
    >>> output_columns(["id", "text", "hotline"])["hotline"]
    'routed_hotline'
    """
    taken = set(input_columns)
    names = {}
    for name in [f.name for f in fields(Route)] + list(EXTRA_COLUMNS):
        out = name
        while out in taken:
            out = f"routed_{out}"
        names[name] = out
        taken.add(out)
    return names


def format_evidence(evidence: Iterable[tuple[str, float]]) -> str:
    """Write evidence terms compactly as ``term:+weight`` separated by spaces.

    Spaces inside a term (a word bigram) become ``_`` so the string splits back cleanly.

    Examples
    --------
    >>> format_evidence([("退款", 0.4112), ("商家 拒绝", 0.27)])
    '退款:+0.41 商家_拒绝:+0.27'
    """
    return " ".join(f"{'_'.join(term.split())}:{weight:+.2f}" for term, weight in evidence)


def _route_values(route: Route) -> dict:
    values = {}
    for f in fields(Route):
        value = getattr(route, f.name)
        if f.name == "evidence":
            value = format_evidence(value)
        elif isinstance(value, float):
            value = round(value, 4)
        values[f.name] = value
    return values


def output_format(path: str | Path) -> str:
    """Return ``'csv'`` or ``'jsonl'`` for an output file name, or raise :class:`InputError`."""
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise InputError(
            f"{path}: cannot write {suffix or 'a file without extension'!r} files "
            f"(write: {', '.join(OUTPUT_FORMATS)})"
        )
    return OUTPUT_FORMATS[suffix]


@contextmanager
def atomic_output(path: Path, encoding: str) -> Iterator:
    """Open a temporary file beside ``path`` and rename it to ``path`` only on success.

    A run that fails or is interrupted removes the temporary file, so no partial file is
    ever left under the final name.
    """
    if not path.parent.is_dir():
        raise InputError(f"{path}: the folder {path.parent} does not exist")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
    f = open(tmp, "x", encoding=encoding, newline="")
    try:
        yield f
        f.close()
        os.replace(tmp, path)
    except BaseException:
        f.close()
        tmp.unlink(missing_ok=True)
        raise


def _csv_cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class _Writer:
    def __init__(self, f, fmt: str, columns: list[str]):
        self.fmt = fmt
        self.columns = columns
        if fmt == "csv":
            self._csv = csv.writer(f)
            self._csv.writerow(columns)
        self._f = f

    def write(self, values: dict) -> None:
        if self.fmt == "csv":
            self._csv.writerow([_csv_cell(values.get(c)) for c in self.columns])
        else:
            self._f.write(json.dumps(values, ensure_ascii=False, default=str) + "\n")


def _route_chunk(route_many, records: list[Record], text_columns: list[str], input_columns, names):
    """Return the output rows of ``records``; ``route_many`` is called once."""
    from .model import MAX_TEXT_CHARS, content_text

    out, texts, routed_at = [], [], []
    for record in records:
        values = dict(record.values)
        added = dict.fromkeys(names.values())
        text, error = record_text(record, text_columns)
        notes, length = [], 0
        if text is not None:
            normalized = normalize_text(text)
            length = len(normalized)
            if length > MAX_TEXT_CHARS:  # the model cuts what is left once boilerplate goes
                length = len(content_text(normalized))
            if length == 0:
                error = "no text left after cleaning"
            elif length > MAX_TEXT_CHARS:
                notes.append(f"text cut to {MAX_TEXT_CHARS} of {length} characters")
        extra = {k: v for k, v in values.items() if k not in input_columns}
        if extra:
            notes.append(f"values not in the header: {extra!r}")
        added[names["error"]] = error
        added[names["note"]] = "; ".join(notes) or None
        if error is None:
            texts.append(text)
            routed_at.append(len(out))
        else:
            added[names["needs_review"]] = True
        out.append((record, values, added, length > MAX_TEXT_CHARS))
    routes = route_many(texts) if texts else []
    if len(routes) != len(texts):
        raise RuntimeError(f"the model returned {len(routes)} routes for {len(texts)} texts")
    for i, route in zip(routed_at, routes):
        for name, value in _route_values(route).items():
            out[i][2][names[name]] = value
    return out


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    it = iter(records)
    while chunk := list(islice(it, size)):
        yield chunk


def route_file(
    input: str | Path,
    output: str | Path,
    model=None,
    *,
    text_columns: list[str] | None = None,
    id_column: str | None = None,
    encoding: str | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
    n_jobs: int | None = None,
) -> RouteFileSummary:
    """Route every row of a CSV, TSV, JSONL or XLSX file into a CSV or JSONL file.

    Each input row is written, in input order, with all its columns, followed by the fields
    of :class:`~hotline_classify.Route` (``evidence`` as ``term:+weight`` pairs), ``error``
    and ``note``; an added column whose name the input already uses becomes
    ``routed_<name>``. A row that cannot be routed (empty, whitespace-only or non-text
    value, a broken row) keeps its place, with the reason in ``error``, empty route columns
    and ``needs_review`` true. A text longer than ``MAX_TEXT_CHARS`` once cleaned is cut
    for features and ``note`` says so. Values beyond the header are kept in ``note`` (or in
    ``error`` for a broken row).

    The input is read and routed ``chunk_size`` rows at a time (one ``model.route_many``
    call per chunk), so memory stays flat however long the file; with ``n_jobs``, each
    chunk is routed across that many processes (:mod:`.parallel`), for archives. The
    output, CSV in UTF-8 with BOM (Excel opens it) or JSONL as its extension says, is
    written to a temporary file beside it and renamed only when every row is done.

    Parameters
    ----------
    input, output : str or Path
        The file to read (format by extension, see :func:`~hotline_classify.io.open_table`)
        and the file to write (``.csv``, ``.jsonl`` or ``.ndjson``).
    model : HotlineClassifier or None, default=None
        Anything with ``route_many(list_of_texts) -> list[Route]``; ``None`` means
        ``HotlineClassifier.default()``.
    text_columns : list of str or None
        Columns joined in order (title, body) to make each text; ``None`` finds a default.
    id_column : str or None
        A column that names rows in the summary's error messages.
    encoding : str or None
        Input text encoding; ``None`` detects UTF-8, UTF-8 with BOM or GB18030.
    chunk_size : int or None, default=None
        Rows routed per ``route_many`` call; ``None``: 2,000, or 20,000 with ``n_jobs``
        (a chunk must be large enough to be worth forking for).
    progress : bool, default=False
        Show a progress bar (tqdm) on stderr.
    n_jobs : int or None, default=None
        Processes per chunk, joblib-style (``-1``: one per core); ``None`` or 1: this one.
        Needs a model whose ``route_many`` takes ``n_jobs`` (``HotlineClassifier``).

    Returns
    -------
    RouteFileSummary

    Raises
    ------
    InputError
        On a bad input file, a missing column or a bad output name; no output is written.

    Examples
    --------
    >>> from hotline_classify.io import route_file
    >>> columns = ["标题", "内容"]
    >>> summary = route_file("orders.xlsx", "out.csv", text_columns=columns)  # doctest: +SKIP
    >>> summary.rows, summary.errors  # doctest: +SKIP
    (1200, 3)
    """
    from tqdm import tqdm

    output = Path(output)
    fmt = output_format(output)
    parallel = n_jobs not in (None, 1)
    if chunk_size is None:
        chunk_size = PARALLEL_CHUNK_ROWS if parallel else CHUNK_ROWS
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    with open_table(input, encoding) as table:
        columns = choose_text_columns(table, text_columns)
        if id_column is not None:
            require_column(table, id_column)
        if output.resolve() == table.path.resolve():
            raise InputError(f"{output}: the output would overwrite the input")
        if model is None:
            from .model import HotlineClassifier

            model = HotlineClassifier.default()
        route_many = model.route_many
        if parallel:
            route_many = functools.partial(model.route_many, n_jobs=n_jobs)
        names = output_columns(table.columns)
        input_columns = set(table.columns)
        summary = RouteFileSummary(output)
        bar = tqdm(
            total=table.total,
            unit="B" if table.format != "xlsx" else "row",
            unit_scale=True,
            desc=table.path.name,
            disable=not progress,
            file=sys.stderr,
        )
        with bar, atomic_output(output, "utf-8-sig" if fmt == "csv" else "utf-8") as f:
            writer = _Writer(f, fmt, list(table.columns) + list(names.values()))
            for chunk in _chunks(table, chunk_size):
                for record, values, added, cut in _route_chunk(
                    route_many, chunk, columns, input_columns, names
                ):
                    values.update(added)
                    writer.write(values)
                    _count(summary, record, values, names, id_column, cut)
                bar.update(table.done - bar.n)
    return summary


def _count(summary: RouteFileSummary, record: Record, values: dict, names, id_column, cut) -> None:
    summary.rows += 1
    error = values[names["error"]]
    if error is not None:
        summary.errors += 1
        if len(summary.first_errors) < 5:
            ident = f" (id {values.get(id_column)})" if id_column else ""
            summary.first_errors.append(f"row {record.row}{ident}: {error}")
        return
    summary.routed += 1
    summary.needs_review += bool(values[names["needs_review"]])
    summary.cut += cut
