"""Routing whole files: every row back, in order, with its route or the reason it has none."""

import csv
import dataclasses
import json
import re
import subprocess
import sys

import pytest
from openpyxl import Workbook

from hotline_classify import routefile
from hotline_classify.cli import main
from hotline_classify.io import InputError, route_file
from hotline_classify.model import MAX_TEXT_CHARS
from hotline_classify.routing import Route

ROUTE_COLUMNS = [f.name for f in dataclasses.fields(Route)] + ["error", "note"]
EVIDENCE = re.compile(r"^\S+:[+-]\d+\.\d\d( \S+:[+-]\d+\.\d\d)*$")


class CountingModel:
    """A fast stand-in with the ``route_many`` interface, recording each call."""

    def __init__(self, fail_on_call=None, failure=RuntimeError):
        self.calls = []
        self.fail_on_call = fail_on_call
        self.failure = failure

    def route_many(self, texts):
        self.calls.append(list(texts))
        if len(self.calls) == self.fail_on_call:
            raise self.failure("model broke")
        return [Route("12345", "social", 0.75, (("停水", 0.5),), True) for _ in texts]


def read_csv_out(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


def no_leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")] == []


def test_gb18030_csv_round_trip(tmp_path, small_model):
    src = tmp_path / "export.csv"
    rows = [
        ["A7", "退款", "网购手机是假货，商家拒绝退款"],
        ["A3", "", "   "],
        ["A9", "停水", "小区停水三天"],
        ["A1", "", ""],
        ["A5", "", "\x07\x08"],
        ["A2", "", "退" * (MAX_TEXT_CHARS + 10)],
    ]
    with open(src, "w", encoding="gb18030", newline="") as f:
        w = csv.writer(f)
        w.writerow(["工单号", "标题", "诉求内容", "hotline"])
        w.writerows(r + ["人工"] for r in rows)
        f.write("A8,断电,\n")  # a broken row: one field short
    summary = route_file(src, tmp_path / "out.csv", small_model, id_column="工单号")

    header, out = read_csv_out(tmp_path / "out.csv")
    added = [f"routed_{c}" if c == "hotline" else c for c in ROUTE_COLUMNS]
    assert header == ["工单号", "标题", "诉求内容", "hotline"] + added
    assert [r["工单号"] for r in out] == ["A7", "A3", "A9", "A1", "A5", "A2", "A8"]
    assert [r["hotline"] for r in out[:6]] == ["人工"] * 6  # the input's own column is kept
    assert [r["routed_hotline"] for r in out][:5] == ["12315", "", "12345", "", ""]
    assert out[5]["routed_hotline"] in ("12345", "12315") and out[6]["routed_hotline"] == ""
    assert out[0]["category"] in ("consumer_dispute", "counterfeit_quality", "fraud")
    assert EVIDENCE.match(out[0]["evidence"]) and 0.5 <= float(out[0]["confidence"]) <= 1
    assert out[0]["error"] == "" and out[0]["needs_review"] in ("true", "false")
    assert out[1]["error"] == out[3]["error"] == "empty text in '标题', '诉求内容'"
    assert out[4]["error"] == "no text left after cleaning"
    assert out[5]["note"] == f"text cut to {MAX_TEXT_CHARS} of {MAX_TEXT_CHARS + 10} characters"
    assert out[6]["error"] == "row has 3 fields, the header has 4"
    assert all(r["needs_review"] == "true" for r in out if r["error"])
    assert (summary.rows, summary.routed, summary.errors, summary.cut) == (7, 3, 4, 1)
    assert summary.first_errors[0] == "row 3 (id A3): empty text in '标题', '诉求内容'"
    assert no_leftovers(tmp_path)


def test_xlsx_export_round_trip_to_jsonl(tmp_path, small_model):
    src = tmp_path / "export.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "title", "content", "received"])
    ws.append([101, "牛奶过期", "超市买的牛奶过期了，商家拒绝退款", "2024-05-01"])
    ws.append([102, None, 12345, None])
    ws.append([103, "楼下广场舞噪音扰民", None, None])
    ws.append([None, None, None, None])
    ws.append([104, None, "小区停水三天", None])
    ws.append([None, None, None, None])  # trailing blank rows are not rows
    wb.save(src)
    summary = route_file(src, tmp_path / "out.jsonl", small_model)

    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert [r["id"] for r in out] == [101, 102, 103, None, 104]
    assert list(out[0]) == ["id", "title", "content", "received"] + ROUTE_COLUMNS
    assert [r["hotline"] for r in out] == ["12315", None, "12345", None, "12345"]
    assert out[1]["error"] == "column 'content' holds a int, not text: 12345"
    assert out[3]["error"] == "empty text in 'title', 'content'"
    assert out[2]["error"] is None and out[0]["received"] == "2024-05-01"
    assert isinstance(out[0]["confidence"], float) and isinstance(out[0]["needs_review"], bool)
    assert summary.rows == 5 and summary.errors == 2


def test_route_many_is_called_once_per_chunk(tmp_path):
    src = tmp_path / "a.csv"
    src.write_text("text\n" + "".join(f"停水{i}\n" for i in range(10)), encoding="utf-8")
    model = CountingModel()
    route_file(src, tmp_path / "out.csv", model, chunk_size=4)
    assert model.calls == [[f"停水{i}" for i in range(j, min(j + 4, 10))] for j in (0, 4, 8)]


def test_with_n_jobs_chunks_are_larger_and_routed_across_processes(tmp_path):
    class ParallelCountingModel(CountingModel):
        def route_many(self, texts, n_jobs=None):
            self.jobs = getattr(self, "jobs", []) + [n_jobs]
            return super().route_many(texts)

    src = tmp_path / "a.csv"
    src.write_text("text\n" + "".join(f"停水{i}\n" for i in range(25_000)), encoding="utf-8")
    model = ParallelCountingModel()
    route_file(src, tmp_path / "out.csv", model, n_jobs=-1)
    assert [len(c) for c in model.calls] == [20_000, 5_000] and model.jobs == [-1, -1]
    model = ParallelCountingModel()
    route_file(src, tmp_path / "out.csv", model)
    assert len(model.calls) == 13 and set(model.jobs) == {None}


def test_cli_jobs_gives_the_same_file_as_one_process(tmp_path, model_file, monkeypatch, corpus):
    from hotline_classify import parallel

    monkeypatch.setattr(parallel, "MIN_PARALLEL_TEXTS", 10)
    monkeypatch.setattr(parallel, "WARM_UP_TEXTS", 10)
    src = tmp_path / "a.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows([i, text] for i, text in enumerate(corpus.texts[:300]))
    outputs = []
    for jobs in ([], ["--jobs", "2"]):
        out = tmp_path / f"out{len(jobs)}.csv"
        args = ["route", "--input", str(src), "--output", str(out), "--model", model_file]
        assert main(args + ["--quiet"] + jobs) == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") == 301


def test_added_columns_follow_the_route_dataclass(tmp_path, monkeypatch):
    @dataclasses.dataclass(frozen=True)
    class RouteWithRedirect(Route):
        redirect: str | None = None

    class Model:
        def route_many(self, texts):
            return [RouteWithRedirect("12345", "social", 0.9, (), False, "110") for _ in texts]

    monkeypatch.setattr(routefile, "Route", RouteWithRedirect)
    src = tmp_path / "a.csv"
    src.write_text("text\n有人持刀抢劫\n", encoding="utf-8")
    route_file(src, tmp_path / "out.csv", Model())
    header, out = read_csv_out(tmp_path / "out.csv")
    assert header == ["text", "hotline", "category", "confidence", "evidence", "needs_review"] + [
        "redirect",
        "error",
        "note",
    ]
    assert out[0]["redirect"] == "110"


def test_values_beyond_the_first_jsonl_keys_are_kept(tmp_path):
    src = tmp_path / "a.jsonl"
    src.write_text('{"text": "停水"}\n{"text": "断电", "phone": "138"}\n', encoding="utf-8")
    route_file(src, tmp_path / "out.csv", CountingModel())
    _, out = read_csv_out(tmp_path / "out.csv")
    assert out[1]["note"] == "values not in the header: {'phone': '138'}"


@pytest.mark.parametrize("failure", [RuntimeError, KeyboardInterrupt])
def test_a_failed_or_interrupted_run_leaves_no_output_and_keeps_an_old_one(tmp_path, failure):
    src = tmp_path / "a.csv"
    src.write_text("text\n" + "停水\n" * 10, encoding="utf-8")
    out = tmp_path / "out.csv"
    out.write_text("previous run", encoding="utf-8")
    with pytest.raises(failure, match="model broke"):
        route_file(src, out, CountingModel(fail_on_call=2, failure=failure), chunk_size=3)
    assert out.read_text(encoding="utf-8") == "previous run"
    assert no_leftovers(tmp_path)


def test_bad_output_names_are_refused_before_reading(tmp_path):
    src = tmp_path / "a.csv"
    src.write_text("text\n停水\n", encoding="utf-8")
    with pytest.raises(InputError, match="cannot write '.xlsx'"):
        route_file(src, tmp_path / "out.xlsx", CountingModel())
    with pytest.raises(InputError, match="does not exist"):
        route_file(src, tmp_path / "nowhere" / "out.csv", CountingModel())
    with pytest.raises(InputError, match="would overwrite the input"):
        route_file(src, src, CountingModel())


# ------------------------------------------------------------------------- command line
@pytest.fixture
def model_file(tmp_path_factory, small_model):
    path = tmp_path_factory.getbasetemp() / "route-file-model.joblib"
    if not path.exists():
        small_model.save(path)
    return str(path)


def test_cli_routes_a_file_with_progress_and_summary(tmp_path, model_file, capsys):
    src = tmp_path / "a.tsv"
    src.write_text("编号\t标题\t内容\n1\t\t小区停水三天\n2\t\t \n", encoding="gb18030")
    out = tmp_path / "out.csv"
    args = ["route", "--input", str(src), "--output", str(out), "--model", model_file]
    code = main(args + ["--text-column", "标题", "--text-column", "内容", "--id-column", "编号"])
    assert code == 0
    err = capsys.readouterr().err
    assert "100%" in err and "2 rows written" in err and "row 3 (id 2): empty text" in err
    _, rows = read_csv_out(out)
    assert [r["hotline"] for r in rows] == ["12345", ""]
    assert main(args + ["--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_cli_missing_column_exits_2_listing_columns_and_writes_nothing(tmp_path, capsys):
    src = tmp_path / "a.csv"
    src.write_text("编号,描述\n1,停水\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    code = main(["route", "--input", str(src), "--output", str(out), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert str(src) in err and "no text column found" in err and "columns are: 编号, 描述" in err
    assert list(tmp_path.iterdir()) == [src]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"id,text\n1,\xd0\xa1\xc7\xf8\n2,\x00\x00\n", "byte 17: NUL byte"),
        ("id,text\n1,小区停水三天，物业不管\n".encode() + b"2,\xff\n", "byte 46: not UTF-8"),
    ],
)
def test_cli_undecodable_input_exits_2_naming_file_and_byte(tmp_path, capsys, content, message):
    src = tmp_path / "bad.csv"
    src.write_bytes(content)
    assert main(["route", "--input", str(src), "--output", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert str(src) in err and message in err
    assert list(tmp_path.iterdir()) == [src]


def test_cli_bad_usage_exits_2(tmp_path, capsys):
    assert main(["route"]) == 2
    assert main(["route", "停水", "--input", "a.csv", "--output", "b.csv"]) == 2
    assert main(["route", "--input", "a.csv"]) == 2
    assert "go together" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["route", "--no-such-option"])
    assert e.value.code == 2


def test_cli_a_file_that_is_no_model_exits_2(tmp_path, capsys):
    fake = tmp_path / "model.joblib"
    fake.write_text("not a model", encoding="utf-8")
    assert main(["route", "--model", str(fake), "停水"]) == 2
    assert f"{fake} is not in the safe model format" in capsys.readouterr().err


@pytest.mark.parametrize(
    "failure, message",
    [(RuntimeError("disk on fire"), "disk on fire"), (KeyboardInterrupt(), "interrupted")],
)
def test_cli_unexpected_error_or_interrupt_exits_1(monkeypatch, capsys, failure, message):
    def broken(*args, **kwargs):
        raise failure

    monkeypatch.setattr("hotline_classify.cli.route_file", broken)
    assert main(["route", "--input", "a.csv", "--output", "b.csv"]) == 1
    err = capsys.readouterr().err
    assert message in err


@pytest.mark.parametrize("command", ["route", "train", "evaluate"])
def test_every_subcommand_has_help_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out and f"hotline-classify {command} " in out


# ------------------------------------------------------------------------------ memory
MEMORY_CHILD = """
import resource, sys
from hotline_classify.io import route_file
from hotline_classify.routing import Route

class Fast:
    def route_many(self, texts):
        return [Route("12345", "social", 0.9, (("停水", 0.1),), False) for _ in texts]

summary = route_file(sys.argv[1], sys.argv[2], Fast())
print(summary.rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_rss_kib(src, out):
    run = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, str(src), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    rows, peak = map(int, run.stdout.split())
    return rows, peak


def test_memory_stays_flat_however_long_the_file(tmp_path):
    """Peak memory routing 100,000 rows (38 MB) is within 20 MiB of routing 2,000.

    Merely reading those rows into memory (``read_table``) takes about 70 MiB more; the
    1,000,000-row measurement is ``benchmarks/route_file_memory.py``.
    """
    text = "第{0}号工单：小区物业乱收停车费，商家拒绝退款。" * 5
    peaks = {}
    for n in (2_000, 100_000):
        src = tmp_path / f"{n}.csv"
        with open(src, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "text"])
            w.writerows([f"W{i}", text.format(i)] for i in range(n))
        rows, peaks[n] = _peak_rss_kib(src, tmp_path / f"{n}.out.csv")
        assert rows == n
    assert peaks[100_000] - peaks[2_000] < 20 * 1024, peaks


def test_the_cut_note_counts_the_text_the_model_reads(tmp_path):
    # Boilerplate is stripped before the length cut, so a text over the limit only
    # because of a salutation is not cut, and its note says nothing about it.
    body = "小区停水" * (MAX_TEXT_CHARS // 4)
    src = tmp_path / "a.csv"
    src.write_text(f"id,text\n1,尊敬的领导:您好!{body}\n2,{body}再停水\n", encoding="utf-8")
    summary = route_file(src, tmp_path / "out.csv", CountingModel())
    _, out = read_csv_out(tmp_path / "out.csv")
    assert out[0]["note"] == ""
    assert out[1]["note"] == f"text cut to {MAX_TEXT_CHARS} of {MAX_TEXT_CHARS + 3} characters"
    assert summary.cut == 1
