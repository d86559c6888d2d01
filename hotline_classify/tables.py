"""Reading tables of complaints: CSV, TSV, JSONL and XLSX, streamed row by row.

Text files are decoded as UTF-8 (with or without BOM) or GB18030 (a superset of GBK and
GB2312), detected from the first MiB unless an encoding is given; CSV and TSV lines may end
in ``\\r\\n``, ``\\n`` or ``\\r``. Rows are numbered as a
spreadsheet shows them: in CSV, TSV and XLSX the header is row 1, so the first data row is
row 2; in JSONL a row's number is its line number.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
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

#: File name endings read, and the format each means.
FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
}

#: Bytes read from the start of a text file to detect its encoding.
SNIFF_BYTES = 1 << 20

# One field may hold a whole long complaint; the csv module's default limit is 128 KiB.
_FIELD_LIMIT = 1 << 28

# CSV and TSV lines end in \r\n, \n or, from old Mac Excel, \r alone. Neither byte occurs
# inside a UTF-8 or GB18030 character, so the bytes can be split before decoding.
_LINE_END = re.compile(rb"\r\n|\r|\n")
_CHUNK_BYTES = 1 << 16

# Half of a UTF-16 pair: JSON can spell one (\ud83d), an XLSX cell too (_xD83D_); it cannot
# be written as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


class InputError(ValueError):
    """Bad input data: the message names the file, and the row and column where known."""


@dataclass
class Record:
    """One row of a table.

    Attributes
    ----------
    row : int
        The row number (see the module docstring).
    values : dict
        Column name to value; ``str`` from text files, also numbers, dates and ``None`` from
        XLSX and any JSON value from JSONL.
    problem : str or None
        Why the row is broken (wrong number of fields, bad JSON), with the values that could
        not be placed in a column, so nothing is lost.
    """

    row: int
    values: dict
    problem: str | None = None


@dataclass
class Table:
    """All rows of a file, with the column names in file order."""

    path: Path
    columns: list[str]
    records: list[Record] = field(default_factory=list)
    encoding: str | None = None

    @property
    def rows(self) -> list[dict]:
        """The rows' values, without their numbers."""
        return [r.values for r in self.records]


class TableStream:
    """Rows of a file, read lazily; iterate it to get :class:`Record` objects.

    Use :func:`open_table` to make one, as a context manager.

    Attributes
    ----------
    path : Path
    format : str
        ``'csv'``, ``'tsv'``, ``'jsonl'`` or ``'xlsx'``.
    columns : list of str
        Column names in file order (for JSONL: the keys of the first object).
    encoding : str or None
        The text encoding read, or ``None`` for XLSX.
    total : int or None
        Size of the input for a progress bar: bytes of a text file, or the data rows a
        sheet declares (``None`` if it declares none; the declaration may be wrong).
    """

    def __init__(self, path: Path, fmt: str, encoding: str | None):
        self.path = path
        self.format = fmt
        self.encoding = encoding
        self._done = 0  # bytes (text files) or rows (XLSX) consumed so far
        self._file = None
        self._workbook = None
        try:
            if fmt == "xlsx":
                self.columns, records, self.total = self._open_xlsx()
            else:
                self.total = path.stat().st_size
                self._file = open(path, "rb")
                if fmt == "jsonl":
                    self.columns, records = self._open_jsonl()
                else:
                    self.columns, records = self._open_delimited("\t" if fmt == "tsv" else ",")
        except BaseException:
            self.close()
            raise
        # JSONL drops its trailing blank lines itself
        self._records = records if fmt == "jsonl" else _drop_trailing_blank(records)

    @property
    def done(self) -> int:
        """How far reading has got, in the unit of :attr:`total` (bytes, or XLSX rows)."""
        return self._done

    def __iter__(self) -> Iterator[Record]:
        return self._records

    def close(self) -> None:
        """Release the file."""
        if self._file is not None:
            self._file.close()
        if self._workbook is not None:
            self._workbook.close()

    def __enter__(self) -> TableStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _error(self, where: str, problem: str) -> InputError:
        return InputError(f"{self.path}: {where + ': ' if where else ''}{problem}")

    # ------------------------------------------------------------------ text files
    def _lines(self, any_line_end: bool = False) -> Iterator[str]:
        """Decode the file line by line, so a bad byte is reported with its offset and line.

        Lines end at ``\\n``; with ``any_line_end`` also at ``\\r\\n`` and a lone ``\\r``.
        """
        raw_lines = _split_lines(self._file) if any_line_end else self._file
        # A UTF-8 BOM is skipped here, not by the utf-8-sig codec, so that it is also skipped
        # when utf-8 is named and byte offsets on line 1 count it.
        utf8 = codecs.lookup(self.encoding).name in ("utf-8", "utf-8-sig")
        decoder = codecs.getincrementaldecoder("utf-8" if utf8 else self.encoding)()
        for lineno, raw in enumerate(raw_lines, start=1):
            if lineno == 1 and utf8 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
                self._done += len(codecs.BOM_UTF8)
            if b"\0" in raw:
                at = self._done + raw.index(b"\0")
                raise self._error(f"line {lineno}, byte {at}", "NUL byte: binary data, not text")
            try:
                text = decoder.decode(raw)
            except UnicodeDecodeError as e:
                raise self._error(
                    f"line {lineno}, byte {self._done + e.start}",
                    f"cannot decode as {self.encoding}; name the encoding with --encoding",
                ) from None
            self._done += len(raw)
            yield text
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise self._error(f"byte {self._done}", "file ends inside a character") from None

    def _open_delimited(self, delimiter: str):
        csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
        # strict: a stray or unclosed quote is an error, not a field that swallows what follows
        reader = csv.reader(self._lines(any_line_end=True), delimiter=delimiter, strict=True)
        try:
            header = next(reader, None)
        except csv.Error as e:
            raise self._error("row 1", f"broken header: {_csv_problem(e)}") from None
        if not header:
            raise self._error("row 1", "no header row")
        columns = _name_columns(header, self._error)

        def records() -> Iterator[Record]:
            row = 1
            while True:
                row += 1
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as e:  # named by the row where the broken record began
                    raise self._error(f"row {row} (byte {self._done})", _csv_problem(e)) from None
                yield _record(row, columns, fields)

        return columns, records()

    def _open_jsonl(self):
        lines = enumerate(self._lines(), start=1)
        pending: list[Record] = []
        columns: list[str] | None = None
        for lineno, line in lines:
            record = _json_record(lineno, line)
            pending.append(record)
            if record.values:
                columns = list(record.values)
                break
        if columns is None:
            raise self._error("line 1", "no JSON object with any key in the file")

        def records() -> Iterator[Record]:
            yield from pending
            # Only whitespace-only lines at the end are not rows: an object with empty
            # values still has keys (an id), so it is a row.
            blank: list[Record] = []
            for lineno, line in lines:
                if not line.strip():
                    blank.append(Record(lineno, {}))
                    continue
                yield from blank
                blank.clear()
                yield _json_record(lineno, line)

        return columns, records()

    # ------------------------------------------------------------------------ XLSX
    def _open_xlsx(self):
        from openpyxl import load_workbook
        from openpyxl.utils.escape import unescape

        try:
            self._workbook = load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
            raise self._error("", f"not a readable XLSX workbook ({e})") from None
        sheet = self._workbook.worksheets[0]
        # The sheet's <dimension> may be wrong (Apache POI's streaming writer declares "A1")
        # or missing: read every row present. The declared rows serve only for progress.
        declared_rows = sheet.max_row
        sheet.reset_dimensions()
        rows = sheet.iter_rows()
        header = [_xlsx_value(cell, unescape)[0] for cell in next(rows, ())]
        while header and header[-1] in (None, ""):
            header.pop()
        if not header:
            raise self._error("row 1", f"no header row in sheet {sheet.title!r}")
        columns = _name_columns(["" if h is None else str(h) for h in header], self._error)
        total = declared_rows - 1 if declared_rows and declared_rows > 1 else None

        def records() -> Iterator[Record]:
            for row, cells in enumerate(rows, start=2):
                self._done += 1
                values, problems = [], []
                for i, cell in enumerate(cells):
                    value, problem = _xlsx_value(cell, unescape)
                    values.append(value)
                    if problem:
                        where = repr(columns[i]) if i < len(columns) else f"{i + 1}"
                        problems.append(f"column {where} holds {problem}")
                while len(values) > len(columns) and values[-1] in (None, ""):
                    values.pop()
                # a row's XML omits its trailing empty cells
                values += [None] * (len(columns) - len(values))
                record = _record(row, columns, values)
                if problems:
                    record.problem = "; ".join(filter(None, [record.problem, *problems]))
                yield record

        return columns, records(), total


def _split_lines(file) -> Iterator[bytes]:
    """Yield the lines of a binary file, each with its ending: ``\\r\\n``, ``\\r`` or ``\\n``."""
    line: list[bytes] = []  # the part of a line read so far
    while chunk := file.read(_CHUNK_BYTES):
        if chunk.endswith(b"\r"):
            chunk += file.read(1)  # keep a \r\n in one chunk
        start = 0
        for end in _LINE_END.finditer(chunk):
            line.append(chunk[start : end.end()])
            yield b"".join(line)
            line.clear()
            start = end.end()
        if start < len(chunk):
            line.append(chunk[start:])
    if line:
        yield b"".join(line)


def _csv_problem(error: csv.Error) -> str:
    message = str(error)
    if "expected after" in message or "unexpected end of data" in message:
        message = (
            f"broken quoting ({message}): a field that starts with a double quote must end "
            "with one, and a double quote inside it must be doubled"
        )
    return message


class ExcelError(str):
    """An Excel error value (``#N/A``, ``#REF!``) read from a cell: written out as it is,
    but refused as a text to route (:func:`record_text`)."""


def _xlsx_value(cell, unescape) -> tuple[object, str | None]:
    """Return a cell's value and, for an Excel error or a lone surrogate, the problem."""
    value = cell.value
    if cell.data_type == "e":  # #N/A, #REF!, ...: kept, but not text to route
        return ExcelError(value), None
    if not isinstance(value, str):
        return value, None
    # Excel stores control characters as _xHHHH_ escapes (a carriage return as _x000D_).
    # openpyxl has already turned the escaped underscore _x005F_ of shared strings into "_".
    value, found = _replace_surrogates(unescape(value))
    return value, _surrogate_problem(found)


def _replace_surrogates(value, found: set | None = None):
    """Return ``(value, found)``: lone surrogates in every string of ``value`` (keys too)
    replaced by U+FFFD, and the set of those replaced."""
    found = set() if found is None else found
    if isinstance(value, str):
        if _SURROGATE.search(value):
            found.update(_SURROGATE.findall(value))
            value = _SURROGATE.sub("\ufffd", value)
    elif isinstance(value, dict):
        value = {
            _replace_surrogates(k, found)[0]: _replace_surrogates(v, found)[0]
            for k, v in value.items()
        }
    elif isinstance(value, list):
        value = [_replace_surrogates(v, found)[0] for v in value]
    return value, found


def _surrogate_problem(found: set) -> str | None:
    if not found:
        return None
    codes = ", ".join(f"\\u{ord(c):04x}" for c in sorted(found))
    return f"a lone surrogate {codes} (half of a UTF-16 pair), replaced by U+FFFD"


def _name_columns(header: list[str], error) -> list[str]:
    """Strip header names, name blank ones ``column_N`` and refuse duplicates."""
    columns = []
    for i, name in enumerate(header, start=1):
        name = (name or "").strip() or f"column_{i}"
        if name in columns:
            first = columns.index(name) + 1
            raise error("row 1", f"column {name!r} appears twice (columns {first} and {i})")
        columns.append(name)
    return columns


def _record(row: int, columns: list[str], fields: list) -> Record:
    values = dict(zip(columns, fields))
    if not fields:  # a blank line: an empty row that keeps its place
        values = dict.fromkeys(columns, "")
        return Record(row, values)
    if len(fields) == len(columns):
        return Record(row, values)
    problem = f"row has {len(fields)} fields, the header has {len(columns)}"
    if len(fields) > len(columns):
        problem += f"; values beyond the header: {fields[len(columns) :]!r}"
    else:
        values.update((c, None) for c in columns[len(fields) :])
    return Record(row, values, problem)


def _json_record(lineno: int, line: str) -> Record:
    stripped = line.strip()
    if not stripped:
        return Record(lineno, {})
    try:
        obj = json.loads(stripped)
    except json.JSONDecodeError as e:
        return Record(lineno, {}, f"not valid JSON ({e.msg}, column {e.colno}): {stripped}")
    if not isinstance(obj, dict):
        return Record(lineno, {}, f"not a JSON object: {stripped}")
    if "\\u" in stripped:  # an escape may spell a lone surrogate, which cannot be written
        obj, found = _replace_surrogates(obj)
        if found:
            return Record(lineno, obj, f"JSON text with {_surrogate_problem(found)}")
    return Record(lineno, obj)


def _drop_trailing_blank(records: Iterator[Record]) -> Iterator[Record]:
    """Pass records on, holding back blank ones until a non-blank one follows."""
    held: list[Record] = []
    for record in records:
        if record.problem is None and all(v in (None, "") for v in record.values.values()):
            held.append(record)
            continue
        yield from held
        held.clear()
        yield record


def detect_encoding(path: str | Path) -> str:
    """Return the encoding of a text file: ``'utf-8-sig'``, ``'utf-8'`` or ``'gb18030'``.

    Decided on the first :data:`SNIFF_BYTES` bytes: a UTF-8 BOM, else valid UTF-8, else
    valid GB18030. Text that is mostly valid UTF-8 with a broken byte is not guessed to be
    GB18030: it is an error.

    Raises
    ------
    InputError
        On binary data (NUL bytes), UTF-16, or bytes valid in neither encoding; the message
        names the byte offset.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "gbk.csv"
    >>> _ = p.write_bytes("text\\n小区停水\\n".encode("gbk"))
    >>> detect_encoding(p)
    'gb18030'
    """
    path = Path(path)
    with open(path, "rb") as f:
        sample = f.read(SNIFF_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{path}: byte 0: UTF-16 text; save the file as UTF-8 or GB18030")
    if b"\0" in sample:
        at = sample.index(b"\0")
        raise InputError(f"{path}: byte {at}: NUL byte: binary data, not a text table")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < SNIFF_BYTES)
        return "utf-8"
    except UnicodeDecodeError as e:
        utf8_error = e
    prefix = sample[: utf8_error.start].decode("utf-8")
    if sum(ord(c) > 127 for c in prefix) < 8:
        try:
            codecs.getincrementaldecoder("gb18030")().decode(
                sample, final=len(sample) < SNIFF_BYTES
            )
            return "gb18030"
        except UnicodeDecodeError:
            pass
    raise InputError(
        f"{path}: byte {utf8_error.start}: not UTF-8 or GB18030 text; "
        "name the encoding with --encoding"
    )


def table_format(path: str | Path) -> str:
    """Return the format a file name means (see :data:`FORMATS`), or raise :class:`InputError`."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        hint = "; save it as .xlsx" if suffix == ".xls" else ""
        raise InputError(
            f"{path}: cannot read {suffix or 'a file without extension'!r} files "
            f"(read: {', '.join(FORMATS)}){hint}"
        )
    return FORMATS[suffix]


def open_table(path: str | Path, encoding: str | None = None) -> TableStream:
    """Open a CSV, TSV, JSONL or XLSX file for reading row by row.

    Parameters
    ----------
    path : str or Path
        The format follows the extension (:data:`FORMATS`).
    encoding : str or None, default=None
        Text encoding; ``None`` detects UTF-8, UTF-8 with BOM or GB18030. Ignored for XLSX.

    Returns
    -------
    TableStream
        Iterate it for :class:`Record` objects; use it in a ``with`` block.

    Raises
    ------
    InputError
        On an unknown format, an undecodable or binary file, or a missing or broken header.
    FileNotFoundError
        If the file does not exist.

    Examples
    --------
    >>> with open_table("orders.csv") as rows:  # doctest: +SKIP
    ...     print(rows.columns)
    ...     for record in rows:
    ...         print(record.row, record.values["内容"])
    """
    path = Path(path)
    fmt = table_format(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if fmt != "xlsx":
        if encoding is None:
            encoding = detect_encoding(path)
        else:
            try:
                encoding = codecs.lookup(encoding).name
            except LookupError:
                raise InputError(f"{path}: unknown encoding {encoding!r}") from None
    return TableStream(path, fmt, None if fmt == "xlsx" else encoding)


def read_table(path: str | Path, encoding: str | None = None) -> Table:
    """Read a whole CSV, TSV, JSONL or XLSX file into a :class:`Table` (see :func:`open_table`).

    Examples
    --------
    >>> table = read_table("orders.xlsx")  # doctest: +SKIP
    >>> table.columns  # doctest: +SKIP
    ['工单号', '标题', '内容']
    """
    with open_table(path, encoding) as stream:
        return Table(stream.path, stream.columns, list(stream), stream.encoding)


def choose_text_columns(table: Table | TableStream, requested: list[str] | None) -> list[str]:
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
            require_column(table, col)
        return list(requested)
    for col in DEFAULT_TEXT_COLUMNS:
        if col in table.columns:
            titles = [t for t in DEFAULT_TITLE_COLUMNS if t in table.columns][:1]
            return titles + [col]
    raise InputError(
        f"{table.path}: no text column found (tried {', '.join(DEFAULT_TEXT_COLUMNS)});"
        f" name one with --text-column; columns are: {present}"
    )


def require_column(table: Table | TableStream, column: str) -> None:
    """Raise :class:`InputError` if ``column`` is not in the table, listing those present."""
    if column not in table.columns:
        raise InputError(
            f"{table.path}: no column {column!r}; columns are: {', '.join(table.columns)}"
        )


def record_text(record: Record, columns: list[str]) -> tuple[str | None, str | None]:
    """Return ``(text, None)`` for a row's joined text columns, or ``(None, reason)``.

    The reason names the row's problem: a broken row, a value that is not text (a number or
    date in a spreadsheet, a JSON list), or an empty or whitespace-only text.
    """
    if record.problem:
        return None, record.problem
    parts = []
    for col in columns:
        value = record.values.get(col)
        if value is None:
            continue
        if isinstance(value, ExcelError):
            return None, f"column {col!r} holds the Excel error value {value}"
        if not isinstance(value, str):
            return None, f"column {col!r} holds a {type(value).__name__}, not text: {value!r}"
        parts.append(value)
    text = ""
    for part in parts:
        text = join_title(text, part)
    if not text.strip():
        return None, f"empty text in {', '.join(map(repr, columns))}"
    return text, None
