import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hotline_classify.cli import main
from hotline_classify.datasets import shared_data_dir


@pytest.fixture(scope="module")
def labelled_csv(tmp_path_factory, small_corpus):
    texts, hotlines, categories = small_corpus
    path = tmp_path_factory.mktemp("cli") / "orders.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["工单号", "标题", "诉求", "热线", "类别", "渠道"])
        for i, (t, h, c) in enumerate(zip(texts, hotlines, categories)):
            w.writerow([f"W{i}", "", t, h, c, "web" if i % 2 else "phone"])
    return path


@pytest.fixture(scope="module")
def trained_model(labelled_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli-model") / "model.joblib"
    code = main(
        [
            "train",
            "--data",
            str(labelled_csv),
            "--text-column",
            "诉求",
            "--label-column",
            "热线",
            "--category-column",
            "类别",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    return out


def test_route_prints_one_line_per_text(trained_model, capsys):
    assert (
        main(
            [
                "route",
                "--model",
                str(trained_model),
                "网购的衣服质量差，商家拒绝退款",
                "小区停水三天，自来水公司一直不来修",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].split("\t")[0] == "12315" and lines[1].split("\t")[0] == "12345"


def test_route_json_is_one_object_per_line(trained_model, capsys):
    main(
        [
            "route",
            "--model",
            str(trained_model),
            "--json",
            "网购的衣服质量差，商家拒绝退款",
            "小区停水三天，自来水公司一直不来修",
        ]
    )
    objs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["hotline"] for o in objs] == ["12315", "12345"]
    assert {"category", "confidence", "evidence", "needs_review"} <= set(objs[0])


def test_evaluate_reports_per_class_and_per_slice(trained_model, labelled_csv, capsys):
    code = main(
        [
            "evaluate",
            "--data",
            str(labelled_csv),
            "--model",
            str(trained_model),
            "--text-column",
            "诉求",
            "--label-column",
            "热线",
            "--category-column",
            "类别",
            "--slice-column",
            "渠道",
            "--json",
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    overall = report["overall"]
    assert overall["n"] == 420
    assert overall["hotline"]["accuracy"] > 0.9  # scored on its own training rows
    assert set(overall["hotline"]["per_class"]) == {"12315", "12345"}
    assert len(overall["category"]["confusion"]["matrix"]) == 7
    assert set(report["slices"]) == {"web", "phone"}
    assert report["slices"]["web"]["n"] + report["slices"]["phone"]["n"] == 420


def test_missing_column_exits_2_listing_columns(labelled_csv, tmp_path, capsys):
    out = tmp_path / "m.joblib"
    code = main(
        [
            "train",
            "--data",
            str(labelled_csv),
            "--text-column",
            "内容",
            "--label-column",
            "热线",
            "-o",
            str(out),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "'内容'" in err and "工单号, 标题, 诉求, 热线, 类别, 渠道" in err
    assert not out.exists()


def test_bad_labels_exit_2(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("text,hotline\n退款,12345\n停水,999\n", encoding="utf-8")
    assert main(["train", "--data", str(path), "-o", str(tmp_path / "m")]) == 2
    assert "999" in capsys.readouterr().err


def test_evaluate_gold_dev_with_the_default_model(capsys):
    gold = shared_data_dir() / "gold_dev.csv"
    assert main(["evaluate", "--data", str(gold), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overall"]["n"] == 545
    assert set(report["slices"]) == {"gov_platform", "consumer_platform"}
    assert report["overall"]["hotline"]["macro_f1"] > 0.8


def test_console_script_runs():
    exe = Path(sys.executable).parent / "hotline-classify"
    assert exe.is_file(), "the console script is not installed beside the interpreter"
    out = subprocess.run([exe, "route", "--help"], capture_output=True, text=True, check=True)
    assert "example" in out.stdout


def test_train_refuses_to_overwrite_its_training_data(labelled_csv, tmp_path, capsys):
    data = tmp_path / "orders.csv"
    data.write_bytes(labelled_csv.read_bytes())
    code = main(["train", "--data", str(data), "--text-column", "诉求", "--label-column", "热线",
                 "-o", str(data)])  # fmt: skip
    assert code == 2
    assert "would overwrite the training data" in capsys.readouterr().err
    assert data.read_bytes() == labelled_csv.read_bytes()


def test_route_bad_texts_and_bad_jobs_exit_2_with_a_message(capsys):
    assert main(["route", "停水三天", "  "]) == 2
    assert "text at index 1 is empty after cleaning" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        main(["route", "--jobs", "0", "停水"])
    assert stopped.value.code == 2
    assert "--jobs" in capsys.readouterr().err


def test_sigterm_stops_a_file_route_leaving_no_partial_file(tmp_path):
    import os
    import signal
    import time

    src = tmp_path / "in.csv"
    src.write_text("text\n" + "小区停水三天，物业不管，请处理。\n" * 200_000, encoding="utf-8")
    out = tmp_path / "out.csv"
    cmd = [sys.executable, "-m", "hotline_classify.cli", "route", "--input", str(src),
           "--output", str(out), "--quiet"]  # fmt: skip
    child = subprocess.Popen(cmd, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".part") for p in tmp_path.iterdir()):
        assert child.poll() is None, child.stderr.read().decode()
        assert time.monotonic() < deadline, "no output was started"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGTERM)
    assert child.wait(timeout=60) == 128 + signal.SIGTERM
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
