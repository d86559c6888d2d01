"""The two hotlines and the seven matter types they handle (see the labelling rubric)."""

from __future__ import annotations

import sys

import numpy as np

GOVERNMENT = "12345"
CONSUMER = "12315"
HOTLINES: tuple[str, ...] = (GOVERNMENT, CONSUMER)

HOTLINE_NAMES: dict[str, str] = {
    GOVERNMENT: "政务服务便民热线",
    CONSUMER: "市场监管投诉举报热线",
}

#: Each category and the hotline that handles it.
CATEGORY_HOTLINE: dict[str, str] = {
    "administrative": GOVERNMENT,
    "social": GOVERNMENT,
    "public_service": GOVERNMENT,
    "suggestion": GOVERNMENT,
    "consumer_dispute": CONSUMER,
    "counterfeit_quality": CONSUMER,
    "fraud": CONSUMER,
}
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_HOTLINE)

CATEGORY_NAMES: dict[str, str] = {
    "administrative": "行政管理",
    "social": "社会管理",
    "public_service": "公共服务",
    "suggestion": "意见建议/咨询",
    "consumer_dispute": "消费纠纷",
    "counterfeit_quality": "假冒伪劣/质量安全",
    "fraud": "欺诈/虚假宣传/价格",
}

#: Other spellings accepted for a hotline label, mapped to the canonical one.
HOTLINE_ALIASES: dict[str, str] = {
    "12345": GOVERNMENT,
    "12315": CONSUMER,
    "12345热线": GOVERNMENT,
    "12315热线": CONSUMER,
    "政务服务便民热线": GOVERNMENT,
    "市场监管": CONSUMER,
}


def canonical_hotline(label: object) -> str:
    """Return ``'12345'`` or ``'12315'`` for a hotline label or one of its aliases.

    Integers, floats such as ``12345.0`` read from spreadsheets, and the Chinese names in
    :data:`HOTLINE_ALIASES` are accepted.

    Raises
    ------
    ValueError
        If the label names neither hotline.

    Examples
    --------
    >>> canonical_hotline(12315)
    '12315'
    """
    if isinstance(label, bool):
        raise ValueError(f"hotline label {label!r} is not 12345 or 12315")
    if isinstance(label, (int, float)) and float(label).is_integer():
        label = str(int(label))
    key = str(label).strip()
    if key in HOTLINE_ALIASES:
        return HOTLINE_ALIASES[key]
    raise ValueError(f"hotline label {label!r} is not 12345 or 12315")


def is_missing(value: object) -> bool:
    """Whether ``value`` is a missing value: ``None``, NaN, or pandas' ``NA``/``NaT`` (what
    pandas reads from an empty cell).

    Examples
    --------
    >>> [is_missing(v) for v in (None, float("nan"), "", "12345")]
    [True, True, False, False]
    """
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    pandas = sys.modules.get("pandas")  # only a pandas value can be one of its own
    return pandas is not None and (value is pandas.NA or value is pandas.NaT)
