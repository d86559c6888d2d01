"""``train`` and ``evaluate`` read files through the table reader and refuse bad labels."""

import csv
import json
import math

import pytest
from openpyxl import Workbook

from hotline_classify.cli import main
from hotline_classify.labelled import MIN_CLASS_ROWS, read_labelled, validation_split


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def balanced_rows(n=MIN_CLASS_ROWS):
    return [[f"W{i}", f"小区停水第{i}天", "12345"] for i in range(n)] + [
        [f"W{n + i}", f"商家拒绝退款{i}次", "12315"] for i in range(n)
    ]


def train(path, tmp_path, *extra):
    out = tmp_path / "m.joblib"
    code = main(["train", "--data", str(path), "-o", str(out), *extra])
    return code, out


@pytest.mark.parametrize(
    "rows, extra, message",
    [
        (
            balanced_rows(),
            ["--label-column", "热线"],
            "no column '热线'; columns are: id, text, hotline",
        ),
        (
            [r for r in balanced_rows() if r[2] == "12345"],
            [],
            "training needs both hotlines; every row is 12345",
        ),
        (
            balanced_rows()[:-1],
            [],
            f"too few rows to learn hotline '12315' ({MIN_CLASS_ROWS - 1}); each needs at least",
        ),
        (
            balanced_rows() + [["W99", "停电", "110"]],
            [],
            "row 12, column 'hotline': hotline label '110' is not 12345 or 12315 (accepted: ",
        ),
        (
            balanced_rows() + [["W0", "停电", "12345"]],
            ["--id-column", "id"],
            "row 12, column 'id': duplicate id 'W0' (first in row 2)",
        ),
        (balanced_rows() + [["W99", " ", "12345"]], [], "row 12: empty text in 'text'"),
        (
            balanced_rows() + [["", "停电", "12345"]],
            ["--id-column", "id"],
            "row 12, column 'id': empty id",
        ),
    ],
)
def test_train_refuses_bad_data_naming_the_problem(tmp_path, capsys, rows, extra, message):
    path = write_csv(tmp_path / "orders.csv", ["id", "text", "hotline"], rows)
    code, out = train(path, tmp_path, *extra)
    assert code == 2
    err = capsys.readouterr().err
    assert str(path) in err and message in err
    assert not out.exists()


def test_train_refuses_an_output_folder_that_does_not_exist(tmp_path, capsys):
    path = write_csv(tmp_path / "orders.csv", ["id", "text", "hotline"], balanced_rows())
    out = tmp_path / "nowhere" / "m.joblib"
    assert main(["train", "--data", str(path), "-o", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_train_refuses_a_category_too_small(tmp_path, capsys):
    rows = [r + ["social" if r[2] == "12345" else "fraud"] for r in balanced_rows()]
    rows[-1][3] = "consumer_dispute"
    path = write_csv(tmp_path / "orders.csv", ["id", "text", "hotline", "category"], rows)
    code, _ = train(path, tmp_path, "--category-column", "category")
    assert code == 2
    err = capsys.readouterr().err
    assert "too few rows to learn category 'consumer_dispute' (1), 'fraud' (4)" in err


def test_validation_split_is_stratified_and_seeded(small_corpus, tmp_path):
    texts, hotlines, categories = small_corpus
    rows = [[t, h, c] for t, h, c in zip(texts, hotlines, categories)]
    path = write_csv(tmp_path / "orders.csv", ["text", "hotline", "category"], rows)
    data = read_labelled(path, category_column="category")
    train_idx, held_idx = validation_split(data, 0.2, seed=3)
    assert sorted([*train_idx, *held_idx]) == list(range(len(data)))
    held = data.subset(held_idx)
    per_category = len(texts) // len(set(categories))  # the fixture is balanced
    assert {c: held.categories.count(c) for c in set(categories)} == dict.fromkeys(
        set(categories), round(per_category * 0.2)
    )
    assert list(validation_split(data, 0.2, seed=3)[1]) == list(held_idx)


def test_train_from_xlsx_with_aliases_warns_and_reports(small_corpus, tmp_path, capsys):
    texts, hotlines, categories = small_corpus
    aliases = {"12345": ["政务服务便民热线", 12345], "12315": ["市场监管", 12315.0]}
    wb = Workbook()
    ws = wb.active
    ws.append(["编号", "标题", "内容", "热线", "类别"])
    for i, (t, h, c) in enumerate(zip(texts, hotlines, categories)):
        ws.append([i, None, t, aliases[h][i % 2], c])
    ws.append([999, None, texts[0], "12345" if hotlines[0] == "12315" else "12315", ""])
    wb.save(tmp_path / "orders.xlsx")
    args = ["--label-column", "热线", "--category-column", "类别", "--id-column", "编号"]
    code, out = train(tmp_path / "orders.xlsx", tmp_path, *args)
    assert code == 0 and out.exists()
    captured = capsys.readouterr()
    n = len(texts) + 1
    held = math.ceil(n * 0.2)  # as train_test_split rounds the test size
    conflict = f"rows 2, {n + 1}: the same text has different"
    assert "warning:" in captured.err and conflict in captured.err
    assert f"validation: trained on {n - held} rows, scored on {held} held out" in captured.out
    assert f"hotline: n={held} accuracy=" in captured.out and "category: n=" in captured.out
    assert f"trained on all {n} rows" in captured.err

    gbk = tmp_path / "test.tsv"
    with open(gbk, "w", encoding="gb18030", newline="") as f:
        w = csv.writer(f, delimiter="\t")
        w.writerow(["标题", "诉求内容", "hotline"])
        w.writerows(
            [["", "小区停水三天", "12345"], ["退款", "网购手机是假货，商家拒绝退款", "12315"]]
        )
    assert main(["evaluate", "--data", str(gbk), "--model", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overall"]["n"] == 2 and report["overall"]["hotline"]["accuracy"] == 1.0


def test_a_category_of_the_other_hotline_is_warned_about():
    from hotline_classify.labelled import LabelledTable, label_conflicts

    data = LabelledTable(
        "f.csv",
        [2, 3, 4, 5],
        ["商家拒绝退款", "小区停水", "物业乱收费", "假冒名牌鞋"],
        ["12315", "12345", "12345", "12315"],
        ["consumer_dispute", "fraud", "my_own_type", "social"],
        None,
        None,
    )
    assert label_conflicts(data) == [
        "f.csv: 2 rows have a category of the other hotline: "
        "rows 3 (12345, 'fraud'), 5 (12315, 'social')"
    ]
