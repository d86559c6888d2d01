"""Reading tables: formats, encodings, broken rows and files."""

import csv
import json

import pytest
from openpyxl import Workbook

from hotline_classify import tables
from hotline_classify.io import (
    InputError,
    choose_text_columns,
    detect_encoding,
    open_table,
    read_table,
    record_text,
)

ROWS = [["W1", "停水", "小区停水三天"], ["W2", "", "网购手机是假货，商家拒绝退款"]]
HEADER = ["工单号", "标题", "内容"]


def write_csv(path, rows, encoding="utf-8", delimiter=",", header=HEADER):
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_xlsx(path, rows, header=HEADER):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize(
    "encoding, detected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030")],
)
def test_encodings_are_detected(tmp_path, encoding, detected):
    path = write_csv(tmp_path / "orders.csv", ROWS, encoding)
    table = read_table(path)
    assert table.encoding == detected
    assert table.columns == HEADER
    assert [list(r.values()) for r in table.rows] == ROWS


def test_every_format_reads_the_same_rows(tmp_path):
    paths = [
        write_csv(tmp_path / "a.csv", ROWS),
        write_csv(tmp_path / "a.tsv", ROWS, delimiter="\t"),
        write_xlsx(tmp_path / "a.xlsx", ROWS),
    ]
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(
        "".join(json.dumps(dict(zip(HEADER, r)), ensure_ascii=False) + "\n" for r in ROWS),
        encoding="utf-8",
    )
    for path in [*paths, jsonl]:
        table = read_table(path)
        assert table.columns == HEADER, path
        values = [[v or "" for v in r.values()] for r in table.rows]
        assert values == ROWS, path


def test_row_numbers_follow_the_spreadsheet_despite_line_breaks_in_fields(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["W1", "", "第一行\n第二行"], ["W2", "", "停水"]])
    assert [r.row for r in read_table(path).records] == [2, 3]


def test_encoding_can_be_named(tmp_path):
    path = write_csv(
        tmp_path / "big5.csv", [["1", "", "社區停水三天"]], "big5", header=["id", "t", "x"]
    )
    assert read_table(path, encoding="big5").rows[0]["x"] == "社區停水三天"
    with pytest.raises(InputError, match="unknown encoding 'nonsense'"):
        read_table(path, encoding="nonsense")


def test_broken_utf8_is_refused_naming_the_byte(tmp_path):
    good = "工单号,内容\n1,小区停水三天，物业不管\n".encode()
    path = tmp_path / "broken.csv"
    path.write_bytes(good + b"2,\xff\xfe\n")
    with pytest.raises(InputError) as e:
        detect_encoding(path)
    assert str(path) in str(e.value) and f"byte {len(good) + 2}" in str(e.value)


def test_a_bad_byte_after_the_sniffed_start_names_line_and_byte(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "SNIFF_BYTES", 64)
    lines = ["id,text\n"] + [f"{i},小区停水三天\n" for i in range(10)]
    head = "".join(lines).encode()
    path = tmp_path / "late.csv"
    path.write_bytes(head + b"10,\xff\n")
    with pytest.raises(InputError) as e:
        list(open_table(path))
    msg = str(e.value)
    assert str(path) in msg and "line 12" in msg and f"byte {len(head) + 3}" in msg


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "byte 8: NUL byte"),
        ("text\n停水\n".encode("utf-16"), "byte 0: UTF-16"),
    ],
)
def test_binary_and_utf16_files_are_refused(tmp_path, content, problem):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=problem):
        read_table(path)


def test_unknown_and_fake_formats_are_refused(tmp_path):
    with pytest.raises(InputError, match="save it as .xlsx"):
        read_table(tmp_path / "old.xls")
    fake = tmp_path / "fake.xlsx"
    fake.write_text("id,text\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a readable XLSX"):
        read_table(fake)
    with pytest.raises(FileNotFoundError):
        read_table(tmp_path / "missing.csv")


def test_header_problems(tmp_path):
    dup = tmp_path / "dup.csv"
    dup.write_text("id,text,text\n1,a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 1: column 'text' appears twice \(columns 2 and 3\)"):
        read_table(dup)
    blank = tmp_path / "blank.csv"
    blank.write_text("id,,text\n1,x,y\n", encoding="utf-8")
    assert read_table(blank).columns == ["id", "column_2", "text"]
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="no header"):
        read_table(empty)


def test_broken_rows_keep_their_place_and_their_values(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,text\n1,停水\n2\n3,退款,extra\n\n5,噪音\n\n\n", encoding="utf-8")
    records = read_table(path).records
    assert [r.row for r in records] == [2, 3, 4, 5, 6]  # trailing blank lines dropped
    assert records[1].problem == "row has 1 fields, the header has 2"
    assert records[1].values == {"id": "2", "text": None}
    assert "values beyond the header: ['extra']" in records[2].problem
    assert records[3].values == {"id": "", "text": ""} and records[3].problem is None


def test_bad_jsonl_lines_keep_their_place_and_their_text(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1, "text": "停水"}\n{"id": 2, "text": \n[1, 2]\n', encoding="utf-8")
    records = read_table(path).records
    assert [r.row for r in records] == [1, 2, 3]
    assert records[1].problem.startswith("not valid JSON") and '"id": 2' in records[1].problem
    assert records[2].problem == "not a JSON object: [1, 2]"


def test_record_text_joins_columns_and_names_what_is_wrong(tmp_path):
    path = write_xlsx(
        tmp_path / "a.xlsx", [["W1", "停水", "三天了"], ["W2", None, 12345], ["W3", " ", None]]
    )
    table = read_table(path)
    cols = choose_text_columns(table, None)
    assert cols == ["标题", "内容"]
    texts = [record_text(r, cols) for r in table.records]
    assert texts[0] == ("停水。三天了", None)
    assert texts[1] == (None, "column '内容' holds a int, not text: 12345")
    assert texts[2] == (None, "empty text in '标题', '内容'")


def test_missing_text_column_lists_the_columns(tmp_path):
    table = read_table(write_csv(tmp_path / "a.csv", ROWS, header=["a", "b", "c"]))
    with pytest.raises(InputError, match="columns are: a, b, c"):
        choose_text_columns(table, None)
    with pytest.raises(InputError, match="no column '内容'; columns are: a, b, c"):
        choose_text_columns(table, ["内容"])
