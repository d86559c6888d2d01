"""Files in and out: read tables of complaints, route whole files.

Reading (:mod:`.tables`) takes CSV, TSV, JSONL and XLSX, in UTF-8, UTF-8 with BOM or
GB18030/GBK (detected), row by row. Routing a file (:mod:`.routefile`) writes every input
row back, in order, with its route, to CSV (UTF-8 with BOM) or JSONL.

Examples
--------
>>> from hotline_classify.io import read_table, route_file
>>> table = read_table("orders.csv")  # doctest: +SKIP
>>> table.columns, len(table.records)  # doctest: +SKIP
(['工单号', '标题', '内容'], 1200)
>>> route_file("orders.xlsx", "routed.csv", text_columns=["标题", "内容"])  # doctest: +SKIP
RouteFileSummary(output=PosixPath('routed.csv'), rows=1200, routed=1197, errors=3, ...)
"""

from .routefile import RouteFileSummary, format_evidence, output_columns, route_file
from .tables import (
    DEFAULT_TEXT_COLUMNS,
    DEFAULT_TITLE_COLUMNS,
    InputError,
    Record,
    Table,
    TableStream,
    choose_text_columns,
    detect_encoding,
    open_table,
    read_table,
    record_text,
    require_column,
)

__all__ = [
    "DEFAULT_TEXT_COLUMNS",
    "DEFAULT_TITLE_COLUMNS",
    "InputError",
    "Record",
    "RouteFileSummary",
    "Table",
    "TableStream",
    "choose_text_columns",
    "detect_encoding",
    "format_evidence",
    "open_table",
    "output_columns",
    "read_table",
    "record_text",
    "require_column",
    "route_file",
]
