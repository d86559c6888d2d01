"""Channel boilerplate: words that say where a message was posted, not what it is about.

Salutations to officials, call-centre openings and sign-offs, and the masked place codes of
government exports (``A市``, ``B2区``, ``[区名]``) appear on a government channel whatever the
matter is. Left in, they teach a model the channel instead of the content, and consumer
matters sent to a government channel get routed to 12345. They are removed before features.
"""

from __future__ import annotations

import re

_OFFICIAL = r"(?:领导|市长|书记|局长|厅长|县长|区长|主任|负责人|同志|工作人员)"
_PATTERNS = [
    # 尊敬的各位领导：您好！ / 市长您好 / 各位领导同志们
    rf"(?:尊敬的)?(?:各位|相关|有关)?(?:部门)?{_OFFICIAL}"
    r"(?:们)?(?:同志)?(?:们)?(?:您|你)?(?:们)?好?[!,:。 ]*",
    r"(?:您|你)(?:们)?好[!,:。 ]*",
    # 市民来电反映： / 来电人称 / 市民反映
    r"(?:市民|群众|居民)?来电(?:人)?(?:反映|称|咨询|表示|投诉|举报|询问)?[:, ]*",
    r"^(?:市民|群众|居民)(?:反映|称|咨询|投诉|举报)[:, ]*",
    # 望领导重视 / 恳请有关部门调查处理 / 此致敬礼 / 谢谢
    rf"(?:望|恳请|请|希望|盼)(?:各位|相关|有关)?(?:{_OFFICIAL}|部门)"
    r"(?:们)?(?:高度)?(?:重视|关注|过问)[!。 ]*",
    r"(?:此致|敬礼|谢谢|感谢|非常感谢)(?:您|你|各位)?(?:们)?[!。 ]*",
    # Masked places of government exports.
    r"(?<![A-Za-z])[A-Z][0-9]{0,2}(?:省|市|区|县|镇)",
    r"西地省",
    r"\[(?:区名|门牌号|政府发文|地址|街道名)\]",
]
_BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))
_SPACE = re.compile(r"\s+")


def strip_boilerplate(text: str) -> str:
    """Remove channel boilerplate from a normalised text.

    Examples
    --------
    >>> strip_boilerplate("尊敬的领导:您好!A市某商场拒绝退款,望领导重视。谢谢!")
    '某商场拒绝退款,'
    """
    return _SPACE.sub(" ", _BOILERPLATE.sub(" ", text)).strip()
