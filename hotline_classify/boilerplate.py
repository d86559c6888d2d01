"""Channel boilerplate: words that say where a message was posted, not what it is about.

Salutations to officials, call-centre openings and sign-offs, and the masked place codes of
government exports (``A市``, ``B2区``, ``[区名]``) appear on a government channel whatever the
matter is. Left in, they teach a model the channel instead of the content, and consumer
matters sent to a government channel get routed to 12345. They are removed before features.
"""

from __future__ import annotations

import re
from string import ascii_uppercase

_OFFICIALS = "领导 市长 书记 局长 厅长 县长 区长 主任 负责人 同志 工作人员".split()
_OFFICIAL = "(?:" + "|".join(_OFFICIALS) + ")"
_GREETING = r"(?:们)?(?:同志)?(?:们)?(?:您|你)?(?:们)?好?[!,:。 ]*"  # after an official
_CALL = r"来电(?:人)?(?:反映|称|咨询|表示|投诉|举报|询问)?[:, ]*"
_PLEA = rf"(?:各位|相关|有关)?(?:{_OFFICIAL}|部门)(?:们)?(?:高度)?(?:重视|关注|过问)[!。 ]*"
_THANKS = r"(?:您|你|各位)?(?:们)?[!。 ]*"  # after 此致, 谢谢 ...

# Each alternative starts with a fixed character, so that the regex engine skips ahead to
# the characters that can start boilerplate instead of trying every alternative at every
# position (an optional start such as (?:尊敬的)?(?:各位|相关|有关)? would prevent that;
# about five times faster on real text). An optional start is therefore written out as
# one alternative per first word. Alternatives that can start with the same character
# keep their order, which decides between them.
_ALTERNATIVES = [
    # 尊敬的各位领导：您好！ / 市长您好 / 各位领导同志们
    rf"尊敬的(?:各位|相关|有关)?(?:部门)?{_OFFICIAL}{_GREETING}",
    *(rf"{word}(?:部门)?{_OFFICIAL}{_GREETING}" for word in ("各位", "相关", "有关")),
    rf"部门{_OFFICIAL}{_GREETING}",
    *(rf"{official}{_GREETING}" for official in _OFFICIALS),
    r"您(?:们)?好[!,:。 ]*",
    r"你(?:们)?好[!,:。 ]*",
    # 市民来电反映： / 来电人称 (市民反映 only at the start: _LEADING)
    *(rf"{caller}{_CALL}" for caller in ("市民", "群众", "居民", "")),
    # 望领导重视 / 恳请有关部门调查处理 / 此致敬礼 / 谢谢
    *(rf"{word}{_PLEA}" for word in ("望", "恳请", "请", "希望", "盼")),
    *(rf"{word}{_THANKS}" for word in ("此致", "敬礼", "谢谢", "感谢", "非常感谢")),
    # Masked places of government exports: A市, B2区, a capital not after another letter.
    *(rf"{capital}(?<![A-Za-z].)[0-9]{{0,2}}(?:省|市|区|县|镇)" for capital in ascii_uppercase),
    r"西地省",
    r"\[(?:区名|门牌号|政府发文|地址|街道名)\]",
]
_BOILERPLATE = re.compile("|".join(_ALTERNATIVES))
# 市民反映： / 群众投诉, at the start of a text. No alternative above can match where this
# does, so matching it first and the rest after it gives what one regex with ^ would.
_LEADING = re.compile(r"(?:市民|群众|居民)(?:反映|称|咨询|投诉|举报)[:, ]*")


def strip_boilerplate(text: str) -> str:
    """Remove channel boilerplate from a normalised text.

    Examples
    --------
    >>> strip_boilerplate("尊敬的领导:您好!A市某商场拒绝退款,望领导重视。谢谢!")
    '某商场拒绝退款,'
    """
    leading = _LEADING.match(text)
    if leading:
        text = " " + text[leading.end() :]
    return " ".join(_BOILERPLATE.sub(" ", text).split())  # split() splits where \s+ would
