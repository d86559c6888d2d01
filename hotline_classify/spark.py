"""Routing a Spark DataFrame (a Hive table of tickets, an archive of years) on a cluster.

The model is broadcast to the executors once; each executor's Python worker unpickles it
once and routes its partitions batch by batch with ``mapInPandas``. Every input row comes
back with its columns unchanged plus :data:`ROUTE_COLUMNS`; a row that cannot be routed
(no text, or nothing left after cleaning) gets its reason in ``error`` and nulls in the
other route columns instead of failing the job.

Needs the ``spark`` extra: ``pip install "hotline-classify[spark]"``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from .datasets import join_title

#: The columns a route adds, in order, with their Spark SQL types.
ROUTE_COLUMNS: dict[str, str] = {
    "hotline": "string",
    "category": "string",
    "confidence": "double",
    "needs_review": "boolean",
    "redirect": "string",
    "evidence": "string",
    "error": "string",
}


def _text_of(text, title) -> str | None:
    """Join a row's title and text; ``None`` when it has neither (null, NaN, not a str)."""
    text = text if isinstance(text, str) else None
    title = title if isinstance(title, str) else ""
    if text is None and not title:
        return None
    return join_title(title, text or "")


def route_pandas(model, frame, text_column: str = "text", title_column: str | None = None):
    """Return ``frame`` with the route columns added (one pandas batch; used on executors).

    Parameters
    ----------
    model : HotlineClassifier or OnlineHotlineClassifier
        A fitted model.
    frame : pandas.DataFrame
    text_column : str, default='text'
    title_column : str or None
        A title joined before the text, as elsewhere in the package.

    Returns
    -------
    pandas.DataFrame
        A copy with :data:`ROUTE_COLUMNS`; ``evidence`` is JSON ``[[term, weight], ...]``.

    Examples
    --------
    >>> import pandas as pd
    >>> from hotline_classify import HotlineClassifier
    >>> frame = pd.DataFrame({"text": ["小区停水三天", ""]})
    >>> out = route_pandas(HotlineClassifier.default(), frame)
    >>> list(out["hotline"]), list(out["error"])
    (['12345', None], [None, 'empty text'])
    """
    titles = frame[title_column] if title_column else [None] * len(frame)
    texts = [_text_of(t, h) for t, h in zip(frame[text_column], titles)]
    n = len(texts)
    columns: dict[str, list] = {name: [None] * n for name in ROUTE_COLUMNS}
    ok = []
    for i, text in enumerate(texts):
        if text is None:
            columns["error"][i] = f"no text in {text_column}"
        elif not text.strip():
            columns["error"][i] = "empty text"
        else:
            ok.append(i)
    for i, route in _route_or_explain(model, [texts[i] for i in ok], ok, columns["error"]):
        columns["hotline"][i] = route.hotline
        columns["category"][i] = route.category
        columns["confidence"][i] = route.confidence
        columns["needs_review"][i] = route.needs_review
        columns["redirect"][i] = route.redirect
        columns["evidence"][i] = json.dumps(route.to_dict()["evidence"], ensure_ascii=False)
    out = frame.copy()
    for name, values in columns.items():
        out[name] = values
    return out


def _route_or_explain(model, texts: list[str], rows: list[int], errors: list):
    """Yield ``(row, route)``; if the batch fails, route row by row and note each failure."""
    try:
        yield from zip(rows, model.route_many(texts))
        return
    except (TypeError, ValueError):
        pass
    for i, text in zip(rows, texts):
        try:
            yield i, model.route(text)
        except (TypeError, ValueError) as e:
            errors[i] = str(e).replace("text at index 0", "text")


def route_dataframe(df, model=None, text_column: str = "text", title_column: str | None = None):
    """Route every row of a Spark DataFrame; returns a DataFrame with the route columns.

    Parameters
    ----------
    df : pyspark.sql.DataFrame
        Must have ``text_column`` (and ``title_column`` if given), both strings.
    model : HotlineClassifier or OnlineHotlineClassifier or None
        ``None`` uses the default model. It is broadcast once to the executors.
    text_column : str, default='text'
    title_column : str or None

    Returns
    -------
    pyspark.sql.DataFrame
        ``df``'s columns followed by :data:`ROUTE_COLUMNS`, one row per input row. Lazy, like
        any Spark transformation.

    Raises
    ------
    ValueError
        If a named column is missing or a route column name is taken.

    Examples
    --------
    >>> routed = route_dataframe(spark.table("tickets"), title_column="title")  # doctest: +SKIP
    >>> routed.write.saveAsTable("tickets_routed")  # doctest: +SKIP
    """
    from pyspark.sql.types import StructType

    for column in filter(None, (text_column, title_column)):
        if column not in df.columns:
            raise ValueError(f"no column {column!r}; columns are: {', '.join(df.columns)}")
    taken = [c for c in ROUTE_COLUMNS if c in df.columns]
    if taken:
        raise ValueError(f"the DataFrame already has route columns: {', '.join(taken)}")
    if model is None:
        from .model import HotlineClassifier

        model = HotlineClassifier.default()
    shared = df.sparkSession.sparkContext.broadcast(model)
    schema = StructType.fromJson(df.schema.jsonValue())
    for name, kind in ROUTE_COLUMNS.items():
        schema = schema.add(name, kind, nullable=True)

    def route_batches(batches: Iterator) -> Iterator:
        routed_by = shared.value
        for frame in batches:
            yield route_pandas(routed_by, frame, text_column, title_column)

    return df.mapInPandas(route_batches, schema)
