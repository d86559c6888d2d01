"""Routing a Spark DataFrame with a local[2] session (needs the ``spark`` extra)."""

import json
import os
import sys

import pandas as pd  # noqa: E402  (the spark extra; the README's test command installs it)
import pytest

from hotline_classify.spark import ROUTE_COLUMNS, route_dataframe, route_pandas  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("hotline_classify tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def tickets(corpus):
    rows = [(f"t{i}", "", text) for i, text in enumerate(corpus.texts[:120])]
    rows[5] = ("t5", "", "  \u3000 ")
    rows[9] = ("t9", "", None)
    rows[11] = ("t11", "物业乱收费", None)  # a title alone is a text
    return pd.DataFrame(rows, columns=["id", "title", "text"])


def test_routes_every_row_like_route_many(spark, small_model, tickets):
    df = spark.createDataFrame(tickets).repartition(3)
    routed = route_dataframe(df, small_model, title_column="title")
    assert routed.columns == ["id", "title", "text", *ROUTE_COLUMNS]
    out = routed.toPandas().set_index("id").loc[tickets["id"]]
    assert len(out) == len(tickets)
    texts = [t if t else "" for t in tickets["text"]]
    texts[11] = "物业乱收费"
    good = [i for i in range(len(texts)) if i not in (5, 9)]
    expected = small_model.route_many([texts[i] for i in good])
    got = out.iloc[good]
    assert list(got["hotline"]) == [r.hotline for r in expected]
    assert list(got["category"]) == [r.category for r in expected]
    assert list(got["needs_review"]) == [r.needs_review for r in expected]
    assert list(got["redirect"]) == [r.redirect for r in expected]
    assert got["confidence"].tolist() == pytest.approx([r.confidence for r in expected])
    first = json.loads(got["evidence"].iloc[0])
    assert [tuple(e) for e in first] == list(expected[0].evidence)
    assert got["error"].isna().all()


def test_rows_without_text_are_kept_with_the_reason(spark, small_model, tickets):
    df = spark.createDataFrame(tickets)
    out = route_dataframe(df, small_model).toPandas().set_index("id")
    assert out.loc["t5", "error"] == "empty text"
    assert out.loc["t9", "error"] == "no text in text"
    assert out.loc[["t5", "t9"], "hotline"].isna().all()
    assert out.loc[["t5", "t9"], "confidence"].isna().all()
    assert len(out) == len(tickets)


def test_missing_or_taken_columns_are_refused(spark, small_model, tickets):
    df = spark.createDataFrame(tickets)
    with pytest.raises(ValueError, match="no column 'body'"):
        route_dataframe(df, small_model, text_column="body")
    with pytest.raises(ValueError, match="already has route columns: hotline"):
        route_dataframe(df.withColumnRenamed("title", "hotline"), small_model)


def test_a_batch_with_an_unroutable_text_still_routes_the_others(small_model):
    # Punctuation alone is not empty before cleaning but is nothing a model can read.
    frame = pd.DataFrame({"text": ["商家拒绝退款", "\u200b\u200b", "小区停水三天"]})
    out = route_pandas(small_model, frame)
    assert out["error"].isna().tolist() == [True, False, True]
    assert out["error"][1] == "text is empty after cleaning"
    assert out["hotline"].tolist() == ["12315", None, "12345"]


def test_an_emergency_keeps_its_redirect(default_model):
    frame = pd.DataFrame({"text": ["楼下饭店着火了，浓烟很大，有人被困在三楼", "小区停水三天"]})
    out = route_pandas(default_model, frame)
    assert list(out["redirect"]) == [r.redirect for r in default_model.route_many(frame["text"])]
    assert out["redirect"].iloc[0] == "119" and out["redirect"].iloc[1] is None
