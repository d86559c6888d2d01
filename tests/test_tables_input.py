"""Reading awkward input files: every row comes out, in order, or the run stops naming the row."""

import json
import re
import zipfile

import pytest
from openpyxl import Workbook

from hotline_classify import tables
from hotline_classify.io import InputError, open_table, read_table, record_text, route_file
from hotline_classify.routing import Route


class StubModel:
    """``route_many`` without a model: every text goes to 12345."""

    def route_many(self, texts):
        return [Route("12345", None, 0.9, (), False) for _ in texts]


def rewrite_zip(src, dst, member, edit):
    """Copy the XLSX ``src`` to ``dst`` with ``edit(bytes) -> bytes`` applied to ``member``."""
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w") as zo:
        for item in zi.infolist():
            data = zi.read(item.filename)
            if item.filename == member:
                data = edit(data)
            zo.writestr(item, data)
    return dst


def with_shared_strings(src, dst):
    """Copy the XLSX ``src`` to ``dst`` with its inline strings moved to sharedStrings.xml,
    where Excel keeps them (openpyxl writes inline strings)."""
    strings = []

    def share(match):
        strings.append(match.group(2))
        return b'<c r="%s" t="s"><v>%d</v></c>' % (match.group(1), len(strings) - 1)

    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w") as zo:
        for item in zi.infolist():
            data = zi.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                inline = rb'(?s)<c r="(\w+)" t="inlineStr"><is><t>(.*?)</t></is></c>'
                data = re.sub(inline, share, data)
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId99" Target="sharedStrings.xml" Type="http://schemas.'
                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
                    b"</Relationships>",
                )
            elif item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                    b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            zo.writestr(item, data)
        zo.writestr(
            "xl/sharedStrings.xml",
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + b"".join(b"<si><t>%s</t></si>" % t for t in strings)
            + b"</sst>",
        )
    return dst


# --------------------------------------------------------------------------- 1. <dimension>
@pytest.mark.parametrize("dimension", [b'<dimension ref="A1"/>', b""], ids=["A1", "missing"])
def test_xlsx_with_a_wrong_or_missing_dimension_reads_every_row(tmp_path, dimension):
    wb = Workbook()
    ws = wb.active
    ws.append(["工单号", "内容", "备注"])
    ws.append(["A1", "小区停水三天", "急"])
    ws.append(["A2", "网购手机是假货"])  # 备注 empty: the row's XML has two cells
    ws["A5"] = "A4"  # row 4 is a gap
    ws["B5"] = "物业乱收费"
    src = tmp_path / "src.xlsx"
    wb.save(src)
    path = rewrite_zip(
        src,
        tmp_path / "poi.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda data: re.sub(rb"<dimension[^>]*/>", dimension, data),
    )
    with open_table(path) as stream:
        assert stream.columns == ["工单号", "内容", "备注"]
        assert stream.total is None  # the file declares no rows: no made-up total
        records = list(stream)
        assert stream.done == 4
    assert [(r.row, r.values, r.problem) for r in records] == [
        (2, {"工单号": "A1", "内容": "小区停水三天", "备注": "急"}, None),
        (3, {"工单号": "A2", "内容": "网购手机是假货", "备注": None}, None),
        (4, {"工单号": None, "内容": None, "备注": None}, None),
        (5, {"工单号": "A4", "内容": "物业乱收费", "备注": None}, None),
    ]
    # with its dimension intact the same sheet reads the same, with the declared total
    with open_table(src) as stream:
        assert stream.total == 4
        assert [(r.row, r.values, r.problem) for r in stream] == [
            (r.row, r.values, r.problem) for r in records
        ]


# ------------------------------------------------------------------------------ 2. quoting
def test_csv_unclosed_quote_stops_naming_the_row_and_writes_nothing(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        'id,text\n1,小区停水三天\n2,"网购手机是假货\n3,物业乱收费\n4,超市牛奶过期\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as e:
        read_table(path)
    message = str(e.value)
    assert str(path) in message and "row 3 (byte " in message and "quot" in message
    out = tmp_path / "out.csv"
    with pytest.raises(InputError, match="row 3"):
        route_file(path, out, StubModel())
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.csv"]


@pytest.mark.parametrize(
    "content, row",
    [
        ('id\ttext\n1\t小区停水三天\n2\t"双十一"活动商家不发货\n3\t物业乱收费\n', 3),
        ('id\ttext\n1\t"双十一活动商家不发货\n2\t小区停水三天\n3\t物业乱收费\n', 2),
    ],
    ids=["stray", "unclosed"],
)
def test_tsv_malformed_quote_stops_naming_the_row(tmp_path, content, row):
    path = tmp_path / "in.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=rf"row {row} \(byte \d+\): broken quoting"):
        read_table(path)


@pytest.mark.parametrize("suffix, sep", [(".csv", ","), (".tsv", "\t")])
def test_well_formed_quoted_fields_still_read(tmp_path, suffix, sep):
    """Excel quotes a field holding the delimiter, a quote or a line break, also in TSV."""
    path = tmp_path / f"in{suffix}"
    lines = [
        f"id{sep}text",
        f'1{sep}"停水, 三天{sep}无人管"',
        f'2{sep}"商家说""正品""\r\n其实是假货"',
        f'3{sep}价格"虚高"',  # a quote inside an unquoted field is kept as it is
        f'4{sep}""',
    ]
    path.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    records = read_table(path).records
    assert [(r.row, r.values["id"], r.values["text"], r.problem) for r in records] == [
        (2, "1", f"停水, 三天{sep}无人管", None),
        (3, "2", '商家说"正品"\r\n其实是假货', None),
        (4, "3", '价格"虚高"', None),
        (5, "4", "", None),
    ]


# ------------------------------------------------------------------ 5. JSONL lone surrogate
def test_jsonl_lone_surrogate_keeps_the_row_with_a_problem(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"id": 1, "text": "小区停水三天"}\n'
        '{"id": 2, "text": "网购手机是假货\\ud83d"}\n'
        '{"id": 3, "text": "表情\\ud83d\\ude00完整"}\n',  # a whole pair is a character
        encoding="utf-8",
    )
    records = read_table(path).records
    assert records[1].values == {"id": 2, "text": "网购手机是假货\ufffd"}
    assert "\\ud83d" in records[1].problem and "U+FFFD" in records[1].problem
    assert record_text(records[1], ["text"]) == (None, records[1].problem)
    assert (records[2].values["text"], records[2].problem) == ("表情😀完整", None)
    for name in ("out.csv", "out.jsonl"):
        summary = route_file(path, tmp_path / name, StubModel())
        assert (summary.rows, summary.routed, summary.errors) == (3, 2, 1)
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert [(r["id"], r["error"] is None) for r in out] == [(1, True), (2, False), (3, True)]
    assert out[1]["text"] == "网购手机是假货\ufffd" and "\\ud83d" in out[1]["error"]


# --------------------------------------------------------------------- 6. XLSX error cells
def test_xlsx_error_cells_are_kept_and_refused_only_as_text(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "内容", "部门"])
    ws.append([1, "#N/A", "城管"])  # openpyxl stores these as error cells, like Excel
    ws.append([2, "小区停水三天", "#REF!"])
    ws.append([3, "#N/A", None])
    ws["B4"].data_type = "s"  # the same characters typed as text are text
    ws.append([4, "网购手机是假货", "市场监管"])
    path = tmp_path / "in.xlsx"
    wb.save(path)
    records = read_table(path).records
    assert [r.values["id"] for r in records] == [1, 2, 3, 4]
    assert all(r.problem is None for r in records)
    assert [r.values["部门"] for r in records] == ["城管", "#REF!", None, "市场监管"]
    texts = [record_text(r, ["内容"]) for r in records]
    assert texts[0] == (None, "column '内容' holds the Excel error value #N/A")
    assert texts[1] == ("小区停水三天", None)  # an error in another column does not matter
    assert texts[2] == ("#N/A", None)  # typed as text
    assert texts[3] == ("网购手机是假货", None)


# ------------------------------------------------------------------------ 7. XLSX _x000D_
@pytest.mark.parametrize("shared", [True, False], ids=["shared-strings", "inline-strings"])
def test_xlsx_x000d_escapes_are_decoded(tmp_path, shared):
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "内容"])
    ws.append([1, "停水三天PLACEHOLDER无人处理"])
    ws.append([2, "小区_x0009_停水"])  # any control character, a tab here
    src = tmp_path / "src.xlsx"
    wb.save(src)
    path = rewrite_zip(  # what Excel writes for a line break typed as CR LF in a cell
        src,
        tmp_path / "escaped.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda data: data.replace(b"PLACEHOLDER", b"_x000D_\n"),
    )
    if shared:
        path = with_shared_strings(path, tmp_path / "excel.xlsx")
        with zipfile.ZipFile(path) as z:
            assert b"_x000D_" in z.read("xl/sharedStrings.xml")
    records = read_table(path).records
    assert [(r.values["内容"], r.problem) for r in records] == [
        ("停水三天\r\n无人处理", None),
        ("小区\t停水", None),
    ]


# ---------------------------------------------------------------- 8. JSONL trailing objects
def test_jsonl_trailing_objects_with_empty_values_are_rows(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"id": "A1", "text": "小区停水三天"}\n\n{"id": "A2", "text": ""}\n'
        '{"id": null, "text": null}\n{}\n \n\n',
        encoding="utf-8",
    )
    records = read_table(path).records
    assert [(r.row, r.values) for r in records] == [
        (1, {"id": "A1", "text": "小区停水三天"}),
        (2, {}),  # a blank line before a row keeps its place
        (3, {"id": "A2", "text": ""}),
        (4, {"id": None, "text": None}),
        (5, {}),
    ]  # only the whitespace-only lines at the end are not rows
    summary = route_file(path, tmp_path / "out.jsonl", StubModel())
    assert (summary.rows, summary.routed) == (5, 1)


# ------------------------------------------------------------------ 9. CR-only line endings
def test_cr_only_line_endings_are_read(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes('id,text\r1,小区停水三天\r2,"网购\r手机"\r3,物业乱收费\r'.encode())
    records = read_table(path).records
    assert [(r.row, r.values, r.problem) for r in records] == [
        (2, {"id": "1", "text": "小区停水三天"}, None),
        (3, {"id": "2", "text": "网购\r手机"}, None),
        (4, {"id": "3", "text": "物业乱收费"}, None),
    ]


def test_cr_only_decode_error_names_line_and_byte(tmp_path):
    head = "id,text\r1,停水\r".encode()
    path = tmp_path / "mac.csv"
    path.write_bytes(head + b"2,\xff\r3,x\r")
    with pytest.raises(InputError, match=rf"line 3, byte {len(head) + 2}: cannot decode"):
        read_table(path, encoding="utf-8")


@pytest.mark.parametrize("chunk", [1, 2, 3, 7])
def test_line_endings_split_across_read_chunks(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(tables, "_CHUNK_BYTES", chunk)
    path = tmp_path / "mixed.csv"
    path.write_bytes('id,text\r\n1,停水\r2,"a\r\nb"\n3,c\r\n'.encode())
    with open_table(path) as stream:
        records = list(stream)
        assert stream.done == stream.total
    assert [(r.row, r.values["text"]) for r in records] == [(2, "停水"), (3, "a\r\nb"), (4, "c")]


# ------------------------------------------------------------------- 10. and 11. the BOM
@pytest.mark.parametrize("encoding", ["utf-8", "UTF8", "utf-8-sig", None])
def test_bom_is_not_part_of_the_first_column_name(tmp_path, encoding):
    path = tmp_path / "excel.csv"
    path.write_bytes("工单号,内容\nA1,小区停水三天\n".encode("utf-8-sig"))
    table = read_table(path, encoding=encoding)
    assert table.columns == ["工单号", "内容"]
    assert table.rows == [{"工单号": "A1", "内容": "小区停水三天"}]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", None])
@pytest.mark.parametrize(
    "body, message",
    [(b"id,text\xff\n1,abc\n", "cannot decode"), (b"id,te\x00xt\n1,abc\n", "NUL byte")],
    ids=["bad-byte", "nul"],
)
def test_byte_offset_on_line_1_of_a_bom_file_counts_the_bom(tmp_path, encoding, body, message):
    data = b"\xef\xbb\xbf" + body
    path = tmp_path / "bom.csv"
    path.write_bytes(data)
    at = data.index(b"\xff") if b"\xff" in data else data.index(b"\x00")
    with pytest.raises(InputError, match=rf"line 1, byte {at}: {message}"):
        read_table(path, encoding=encoding)
