"""Labelling functions from the rubric, for weak supervision of unlabelled messages.

Government message boards carry many consumer matters that belong to 12315, but their
exports label messages by the board's own classes, not by hotline. These functions read a
message the way the rubric does (who is the complaint against, and about what) and vote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .taxonomy import CONSUMER, GOVERNMENT

#: Signs of a complaint against a business over goods or services (12315 in the rubric).
CONSUMER_TERMS = (
    "传销 直销 拉人头 发展下线 虚假宣传 虚假广告 广告法 欺诈 骗局 退费 退款 退货 退钱 "
    "商家 消费者 假货 假冒 伪劣 冒用 商标 侵权 过期 变质 三无 质量问题 质量差 售后 三包 "
    "保修 预付卡 会员卡 办卡 充值 跑路 霸王条款 捆绑销售 强制消费 乱涨价 价格欺诈 明码标价 "
    "缺斤短两 短斤少两 收费陷阱 商城 超市 商场 网购 店家 店铺 门店 旅行社 驾校 培训机构 "
    "培训学校 食品安全 黑作坊 药店 保健品 化妆品 加油站 油品 定金 订金 诚意金 购物 经营者 "
    "无照经营"
).split()

#: Signs of a matter for government, society or public services (12345 in the rubric).
GOVERNMENT_TERMS = (
    "物业 业主 业委会 交房 房产证 不动产 拆迁 征收 征地 工资 欠薪 农民工 社保 医保 养老 退休 学校 "
    "老师 教师 学生 校长 教育局 医院 医生 城管 噪音 扰民 违建 违章建筑 村民 村委 村干部 政府 户口 "
    "公积金 停水 停电 供水 供电 供暖 道路 修路 公交 垃圾 污染 环保 拆除 补偿 土地 编制 派出所 低保 "
    "扶贫 补贴 审批 办证 信访 路灯 红绿灯 施工 排污"
).split()

#: A regulator that did not act is a 12345 administrative matter (rubric tie-breaker).
REGULATOR_INACTION = re.compile(
    r"(工商|市场监管|市场监督|食药监|物价局|12315)[^。！？]{0,30}"
    r"(不作为|不处理|没有处理|未处理|不予受理|推诿|无人处理|没人管|没有回复|石沉大海|敷衍)"
)


def _pattern(terms: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True))))


_CONSUMER = _pattern(CONSUMER_TERMS)
_GOVERNMENT = _pattern(GOVERNMENT_TERMS)


def keyword_margin(text: str) -> int:
    """Distinct consumer terms minus distinct government terms found in ``text``.

    Examples
    --------
    >>> keyword_margin("驾校拒绝退费")
    2
    >>> keyword_margin("小区物业乱收费，业主投诉")
    -2
    """
    return len(set(_CONSUMER.findall(text))) - len(set(_GOVERNMENT.findall(text)))


def weak_hotlines(
    texts: Sequence[str], consumer_proba: Sequence[float], agree: float = 0.5
) -> np.ndarray:
    """Vote a hotline for each unlabelled text, or abstain with ``''``.

    A text is labelled 12315 when the content model and the keywords agree on it
    (``consumer_proba > agree`` and a positive keyword margin, and no regulator inaction),
    and 12345 when both lean the other way (``consumer_proba < 1 - agree`` and a margin of
    at most zero, or a regulator's inaction). Everything else abstains.

    Parameters
    ----------
    texts : sequence of str
    consumer_proba : sequence of float
        Each text's probability of 12315 from a model trained on content (e.g. the default).
    agree : float, default=0.5
        How sure the model must be for its vote to count.

    Returns
    -------
    ndarray of str
        ``'12315'``, ``'12345'`` or ``''`` per text.
    """
    out = np.full(len(texts), "", dtype=object)
    for i, (text, p) in enumerate(zip(texts, consumer_proba, strict=True)):
        margin = keyword_margin(text)
        inaction = REGULATOR_INACTION.search(text) is not None
        if p > agree and margin > 0 and not inaction:
            out[i] = CONSUMER
        elif (p < 1 - agree and margin <= 0) or inaction:
            out[i] = GOVERNMENT
    return out
