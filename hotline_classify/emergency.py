"""Spot messages that describe an emergency happening now and belong on 110, 119, 120 or 122.

Since the 2020 State Council opinion merged local hotlines into 12345, only the emergency
lines stayed apart: 110 (police), 119 (fire and rescue), 120 (ambulance) and 122 (traffic
accidents). A message about a fire, a crime in progress, someone injured, unconscious or
trapped, a traffic accident with casualties, a threat of suicide or a scam still draining an
account must not wait in a 12345 queue.

Two parts, both read on the normalised text:

- :class:`EmergencyDetector`, a logistic regression over character n-grams trained on the
  authored emergency set bundled as ``emergencies.csv`` and, at a tenth of the weight
  (:data:`EVERYDAY_WEIGHT`), on the everyday complaints of the bundled corpus, decides
  whether a message is an emergency;
- a lexicon of danger patterns, one list per line (:func:`rule_redirect`), names the line
  when it can: a pattern counts unless its sentence is plainly about the past, a complaint,
  a question or a suggestion and nothing says the danger is still going on. Alone, the
  lexicon finds only two thirds of the held-out emergencies, so it does not decide.

Recall comes first: a person still reads every redirected message, and a missed emergency
costs more than a false alarm. ``benchmarks/emergency.py`` measures both parts on the
held-out half of the authored set.

Examples
--------
>>> detect_emergency("楼下着火了，火很大，快来人")
'119'
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from .fastvec import transform as fast_transform
from .normalize import normalize_text

#: The emergency lines, in the order a tie is broken.
EMERGENCY_LINES: tuple[str, ...] = ("122", "119", "110", "120")

#: Weight of each everyday complaint of the bundled corpus among the detector's training rows
#: (an authored row weighs 1). The everyday complaints are easy non-emergencies; at full
#: weight they outnumber the authored ones 8 to 1 and the model learns less from the hard
#: cases (past events, hazard reports, complaints about the emergency services). Chosen by
#: 5-fold cross-validation on the ``dev`` half of the authored set (everyday complaints held
#: out in folds too), among 1, 0.3, 0.1 and 0.05: the ROC AUC of emergencies against alarming
#: non-emergencies rises from 0.989 through 0.991 and 0.993 to 0.994, while the held-out
#: everyday complaints over the chosen threshold go from 0-2 of 3,488 (1 to 0.1) to 3-4 (0.05).
EVERYDAY_WEIGHT = 0.1

# Danger patterns per line. Each is a regular expression on the normalised text.
_DANGER: dict[str, list[str]] = {
    "119": [
        r"(着火|起火|失火|火灾|大火|火势|火苗|冒火|烧起来|烧着了|冒烟|浓烟|黑烟|烟很大|火光|爆炸|炸了)",
        r"(燃气|煤气|天然气|液化气|瓦斯|气罐).{0,10}(味|泄|漏|喷|关不上|爆)",
        r"(被困|困在|困住|出不来|卡住|卡在|拔不出来|被埋|压在|埋在|没出来|掉进|掉到|落水|溺水|被水冲)",
        r"(坍塌|倒塌|塌了|塌陷|水还在涨|水漫|爬到车顶|危化品|化学品|泄漏|泄露)",
    ],
    "122": [
        r"(车祸|撞车|追尾|相撞|翻车|侧翻|撞了|撞倒|撞伤|撞飞|撞到|被车|碾压|肇事|交通事故|刮倒|刮了|"
        r"撞护栏|横在路上|停在.{0,4}车道|二次事故|逃逸|酒驾|醉驾)",
        r"(轿车|货车|汽车|车子|小车|大巴|客车|车).{0,12}(掉进|砸中|被困|困在|翻|冲进|落水)",
    ],
    "120": [
        r"(昏迷|晕倒|晕过去|晕了|昏倒|不省人事|没有意识|失去意识|意识模糊|叫不醒|叫不应|没有反应|没反应|"
        r"只会哼|没有呼吸|没呼吸|没气了|呼吸很重|呼吸微弱|微弱呼吸|身体冰凉|手是凉的|躺着不动|倒地|倒在)",
        r"(心脏骤停|心梗|心脏病|心口疼|胸口疼|胸痛|胸口.{0,6}(压|疼|痛)|中风|脑溢血|抽搐|口吐白沫|休克|"
        r"疼痛|剧痛|窒息|噎住|呛到|发不出声音|呼吸困难|喘不上气|憋得|重影|往一边倒|手脚.{0,4}(软|麻)|软绵绵)",
        r"(大出血|血流不止|血喷|血流了|血一直|流了很多血|满身是血|流血|出血|受伤|重伤|骨折|摔倒|摔伤|"
        r"摔下来|摔了|起不来|烫伤|烧伤|触电|扎穿|划开|割腕|割手腕|割伤|伤口)",
        r"(中毒|误服|误食|吞下|吞了|吃下|喝了.{0,6}(药|农药)|吃了.{0,8}(药|蘑菇)|安眠药|农药|敌敌畏|百草枯|"
        r"上吐下泻|中暑|浑身.{0,4}(发抖|抽)|发高烧|高烧|难产|羊水破|要生了|快生了|过敏)",
    ],
    "110": [
        r"(抢劫|抢钱|打劫|持刀|拿刀|掏出.{0,4}刀|拿着.{0,6}(刀|棍|铁锹|斧|枪|棒)|砍人|捅|行凶|杀人|绑架|"
        r"劫持|人质|闯进|撬|入室|偷东西|小偷|扒手|偷偷拉|还在干|抢包|抢了|不让.{0,3}下车)",
        r"(打人|殴打|打架|斗殴|群殴|打起来|家暴|被打|打我|打妈妈|打死|朝.{0,6}打|威胁|恐吓|跟踪|尾随|"
        r"一直跟着|跟着我|非礼|猥亵|强奸|被关|关在|收走了证件|不让走|别想走|打孩子|惨叫|别打了|撞击声|"
        r"哭喊)",
        r"(跳楼|跳河|跳桥|要跳|轻生|自杀|自残|不想活|寻短见|想死|栏杆外|坐在.{0,4}边缘|不肯下来|"
        r"最后一条消息)",
        r"(转账|转钱|转过去|转走|转出|再转|还要转|催我转|扣款|扣钱|划走|盗刷|被刷|充值|解冻|"
        r"安全账户|指定账户|验证码|刷单|冻结)",
        r"(走丢|走失|不见了|找不到|被.{0,6}抱走|被拐|拐走)",
    ],
}

# Words that say the danger is happening now (strong), or hint at it (weak).
_STRONG_NOW = re.compile(
    r"(正在|此刻|救命|救救|快来|快救|赶紧|赶快|刚刚|刚才|还在|请速|速来|求扩散|来不及|越来越)"
)
_WEAK_NOW = re.compile(
    r"(现在|目前|马上|立刻|立即|快|分钟|小时了|突然|怎么办|帮帮|求助|请求|紧急|就在|刚|不停|还没|没醒)"
)
# Words that put the danger in the past, or make the message a complaint, a question about
# rules, a suggestion, a report of a hazard, news, a warning or a drill rather than a call
# for help.
_NOT_NOW = re.compile(
    r"(去年|前年|上个月|上月|上周|上星期|上次|上学期|几天前|多天前|天前|周前|月前|年前|今年.{0,2}月|"
    r"以前|之前|曾经|当时|那次|那天|昨天|前天|事后|后来|过去.{0,3}(天|月|年)|至今|到现在|"
    r"已处理|已经处理|已解决|已经解决|已出院|出院|痊愈|康复|"
    r"投诉|举报|建议|希望|呼吁|咨询|提醒|上当|提前学|想学|"
    r"隐患|消防栓|灭火器|消防通道|占用|演练|演习|新闻|报道|听说|据说|视频|电视|"
    r"要是|如果|万一|真要|一旦|迟早|"
    r"退款|退货|退换|赔偿|赔付|理赔|报销|索赔|质量|商家|客服|售后|维修|物业费|噪音|扰民|窗口|排队)"
)
# A negation right before a danger word ("没有着火", "不是车祸") cancels it.
_NEGATION = re.compile(r"(没有|没|不是|并非|并没有|未|无|不会|防止|预防|避免|以防)$")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*")

_COMPILED = {line: [re.compile(p) for p in pats] for line, pats in _DANGER.items()}


def _danger_lines(sentence: str) -> list[str]:
    found = []
    for line in EMERGENCY_LINES:
        for pattern in _COMPILED[line]:
            for m in pattern.finditer(sentence):
                if not _NEGATION.search(sentence[max(0, m.start() - 4) : m.start()]):
                    found.append(line)
                    break
            if found and found[-1] == line:
                break
    return found


def rule_redirect(text: str) -> str | None:
    """Return the emergency line the lexicon alone gives a normalised text, or ``None``.

    ``None`` when no danger pattern is found, or every one found sits in a sentence about
    the past, a complaint, a question or a suggestion with no word saying it is still going
    on.

    Examples
    --------
    >>> rule_redirect("我爸突然晕倒了，叫不醒，怎么办啊")
    '120'
    >>> rule_redirect("上个月在医院摔倒，护士态度很差，要求投诉") is None
    True
    """
    whole_strong = bool(_STRONG_NOW.search(text))
    whole_not_now = bool(_NOT_NOW.search(text))
    votes: list[str] = []
    for sentence in _SENTENCE.findall(text):
        lines = _danger_lines(sentence)
        if not lines:
            continue
        not_now = bool(_NOT_NOW.search(sentence))
        if (
            _STRONG_NOW.search(sentence)
            or (_WEAK_NOW.search(sentence) and not not_now)
            or (not not_now and (whole_strong or not whole_not_now))
        ):
            votes.extend(lines)
    if not votes:
        return None
    # The line named by most patterns; a tie goes to the line first in EMERGENCY_LINES.
    return max(EMERGENCY_LINES, key=lambda line: (votes.count(line), -EMERGENCY_LINES.index(line)))


def _normalized(X: Iterable[str]) -> list[str]:
    texts = list(X)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"text at index {i} is {type(t).__name__}, not str")
    return [normalize_text(t) for t in texts]


class EmergencyDetector(BaseEstimator):
    """Redirect messages that describe an emergency happening now.

    A multinomial logistic regression with the classes ``''`` (no emergency), ``'110'``,
    ``'119'``, ``'120'`` and ``'122'`` over character n-grams of the normalised text. A text
    whose four lines together get at least ``threshold`` is redirected: to the line the
    lexicon (:func:`rule_redirect`) names, if it names one, else to the model's likeliest.

    Parameters
    ----------
    C : float, default=16.0
        Inverse regularisation strength.
    ngram_range : tuple of int, default=(1, 2)
        Character n-gram sizes.
    threshold : float, default=0.35
        Probability of an emergency from which a text is redirected. Recall first: chosen
        by ``benchmarks/emergency.py`` as the highest value on a 0.01 grid from 0.05 to 0.95
        whose 5-fold cross-validated recall on the ``dev`` half of the authored set (trained
        with :func:`training_weights`) is at least 0.97, two points above the 0.95 target.

    Attributes
    ----------
    vectorizer_ : TfidfVectorizer
    model_ : LogisticRegression
    classes_ : ndarray of str
        ``''`` and the emergency lines seen in training.

    Examples
    --------
    >>> det = default_detector()
    >>> det.predict(["楼下着火了，火很大", "去年小区着过一次火，建议加强消防检查"])
    ['119', None]
    """

    def __init__(
        self,
        C: float = 16.0,
        ngram_range: tuple[int, int] = (1, 2),
        threshold: float = 0.35,
    ):
        self.C = C
        self.ngram_range = ngram_range
        self.threshold = threshold

    def fit(self, X: Iterable[str], y: Iterable[str | None], sample_weight=None):
        """Learn from texts and their redirect (a line, or ``''``/``None`` for none).

        Parameters
        ----------
        X : iterable of str
        y : iterable of str or None
        sample_weight : array-like of float, optional
            Weight of each text (:func:`training_weights` for :func:`training_rows`).

        Returns
        -------
        self : EmergencyDetector
        """
        texts = _normalized(X)
        labels = np.array(["" if v is None else str(v).strip() for v in y], dtype=object)
        if len(labels) != len(texts):
            raise ValueError(f"got {len(labels)} redirect labels for {len(texts)} texts")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=float)
            if sample_weight.shape != (len(texts),):
                raise ValueError(f"got {sample_weight.size} sample weights for {len(texts)} texts")
        unknown = sorted(set(labels) - {"", *EMERGENCY_LINES})
        if unknown:
            raise ValueError(f"redirect labels must be 110, 119, 120, 122 or empty; got {unknown}")
        self.vectorizer_ = TfidfVectorizer(
            analyzer="char", ngram_range=self.ngram_range, sublinear_tf=True, lowercase=False
        )
        self.model_ = LogisticRegression(
            C=self.C, class_weight="balanced", solver="newton-cg", max_iter=1000
        )
        self.model_.fit(self.vectorizer_.fit_transform(texts), labels, sample_weight=sample_weight)
        self.classes_ = self.model_.classes_
        return self

    def emergency_proba(self, X: Iterable[str]) -> np.ndarray:
        """Return each text's probability of being an emergency (the four lines together)."""
        return self._scores(_normalized(X))[0]

    def _scores(self, texts: list[str]):
        check_is_fitted(self, "model_")
        if not texts:
            return np.zeros(0), np.zeros((0, len(self.classes_)))
        proba = self.model_.predict_proba(fast_transform(self.vectorizer_, texts))
        return proba[:, self.classes_ != ""].sum(axis=1), proba

    def predict(self, X: Iterable[str]) -> list[str | None]:
        """Return each text's emergency line, or ``None``, in input order."""
        return self.predict_normalized(_normalized(X))

    def predict_normalized(self, texts: list[str]) -> list[str | None]:
        """:meth:`predict` for texts already through :func:`~.normalize.normalize_text`."""
        p_emergency, proba = self._scores(texts)
        is_line = self.classes_ != ""
        lines = self.classes_[is_line]
        out: list[str | None] = [None] * len(texts)
        # The lexicon only names the line, so it reads only the redirected texts.
        for i in np.flatnonzero(~(p_emergency < self.threshold)):
            likeliest = lines[np.argmax(proba[i, is_line])]
            out[i] = rule_redirect(texts[i]) or str(likeliest)
        return out


_default_lock = threading.Lock()
_default_detector: EmergencyDetector | None = None


def training_rows(split: str | None = None) -> tuple[list[str], list[str]]:
    """Return the texts and redirects the bundled detector learns from.

    The authored emergency set (``emergencies.csv``; only its ``split`` rows if given) plus
    every complaint of the bundled corpus as a non-emergency, so that the model also sees
    the everyday messages that make up nearly all real traffic. :func:`training_weights`
    gives their weights, in the same order.

    Examples
    --------
    >>> texts, redirects = training_rows("dev")
    >>> sorted(set(redirects))
    ['', '110', '119', '120', '122']
    """
    from .datasets import load_corpus, load_emergencies

    rows = load_emergencies()
    keep = [i for i, s in enumerate(rows["split"]) if split is None or s == split]
    corpus = load_corpus().texts
    return (
        [rows["text"][i] for i in keep] + corpus,
        [rows["redirect"][i] for i in keep] + [""] * len(corpus),
    )


def training_weights(split: str | None = None) -> np.ndarray:
    """Return the weight of each row of :func:`training_rows` (same ``split``), in order:
    1 for an authored row, :data:`EVERYDAY_WEIGHT` for an everyday complaint.

    Examples
    --------
    >>> texts, _ = training_rows("dev")
    >>> weights = training_weights("dev")
    >>> len(weights) == len(texts), sorted(set(weights.tolist()))
    (True, [0.1, 1.0])
    """
    from .datasets import load_corpus, load_emergencies

    n_authored = sum(split is None or s == split for s in load_emergencies()["split"])
    return np.array([1.0] * n_authored + [EVERYDAY_WEIGHT] * len(load_corpus().texts))


def default_detector() -> EmergencyDetector:
    """Return the detector trained on :func:`training_rows` with :func:`training_weights`,
    cached on disk like the default model (see :func:`.persist.cached_build`)."""
    global _default_detector
    with _default_lock:
        if _default_detector is None:
            from .persist import cached_build

            params = repr(
                (sorted(EmergencyDetector().get_params().items()), EVERYDAY_WEIGHT)
            ).encode()
            _default_detector = cached_build(
                f"emergency-{hashlib.sha256(params).hexdigest()[:8]}",
                ("emergencies.csv", "complaints.csv"),
                lambda: EmergencyDetector().fit(*training_rows(), training_weights()),
            )
        return _default_detector


def detect_emergency(text: str) -> str | None:
    """Return the emergency line a message belongs on, or ``None``.

    Parameters
    ----------
    text : str
        One message, raw or normalised.

    Returns
    -------
    str or None
        ``'110'``, ``'119'``, ``'120'`` or ``'122'``, or ``None``.

    Raises
    ------
    TypeError
        If ``text`` is not a ``str``.

    Examples
    --------
    >>> detect_emergency("路口两辆车相撞，有人倒在地上流血")
    '122'
    >>> detect_emergency("空调用了一次冒烟了，要求商家退货") is None
    True
    """
    if not isinstance(text, str):
        raise TypeError(f"expected a str, got {type(text).__name__}")
    return default_detector().predict([text])[0]


def detect_emergencies(texts: Iterable[str]) -> list[str | None]:
    """Return :func:`detect_emergency` of each text, in order (one batch through the model)."""
    return default_detector().predict(texts)


def detect_normalized_emergencies(texts: list[str]) -> list[str | None]:
    """:func:`detect_emergencies` for texts already normalised (the router's path)."""
    return default_detector().predict_normalized(texts)
