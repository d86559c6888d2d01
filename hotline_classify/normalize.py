"""Text cleaning: Unicode normalisation, whitespace, and masking of personal data.

Everything else in the package sees text only after :func:`normalize_text`, so a phone
number, an ID-card number or an e-mail address never reaches a tokenizer, a model's
vocabulary, a saved model file or a route's evidence.
"""

from __future__ import annotations

import re
import unicodedata

#: Placeholder tokens that replace personal data. They are ASCII words so that the
#: segmenter keeps each one whole.
PLACEHOLDERS: dict[str, str] = {
    "url": "MASKURL",
    "email": "MASKEMAIL",
    "id_card": "MASKID",
    "bank_card": "MASKCARD",
    "phone": "MASKPHONE",
    "plate": "MASKPLATE",
    "address": "MASKADDR",
    "masked": "MASKNUM",
}

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

# Order matters: longer and more specific patterns first, so that an ID-card number is
# not taken for a phone number, nor an e-mail address for a URL; a run of 7 or more digits
# that no mask took (an order, account or QQ number) comes last. "Not after a digit" is
# written as the first character followed by (?<![0-9].) rather than a leading (?<![0-9]):
# the same matches, but the regex engine can then skip ahead to candidate characters
# instead of trying every position. A pattern that starts with a run of digits or letters
# starts only where the run does (else the engine rescans the run from each of its
# characters: quadratic time on a long run); where the run may start with another
# character ("*", ".", "_" ...) the guard is (?<![A-Za-z0-9]{2}), "not a letter or digit
# after a letter or digit", which keeps every match as it was.
#
# Each mask comes with a clue: something every match of the mask contains ("@", "[",
# three digits in a row ...). A mask runs only if its clue is in the text, so on most texts
# most masks are skipped. :func:`_clues` looks for all clues once, before masking: masking
# only inserts a placeholder (capital letters, with a space on each side), and no clue
# contains a space or a capital letter of a placeholder, so masking never creates a clue.
# Each regex clue starts with a fixed character or a character class, so that the regex
# engine can skip ahead to it ([0-9][0-9]{2}, not [0-9]{3}); (?<=[0-9]X) after an X means
# "X after a digit".
_DIGIT = re.compile(r"[0-9]")
_3_DIGITS = re.compile(r"[0-9][0-9]{2}")
_7_DIGITS = re.compile(r"[0-9][0-9]{6}")
_MOBILE = re.compile(r"1[3-9][0-9]")
_UNIT = re.compile(r"单元(?<=[0-9]单元)")
_FLAT = re.compile(r"-[0-9]{3}")
_SEP_4_DIGITS = re.compile(r"[-.][0-9]{4}")
_HOUSE_NUMBER = re.compile(r"号(?<=[0-9]号)")
_DOOR = re.compile(r"门(?<=[0-9]门)[0-9]{3}")


def _clues(text: str) -> dict[str, bool]:
    """Whether each clue of :data:`_MASKS` is in ``text``."""
    # Testing for one character first is faster than testing for a longer string.
    digit = _DIGIT.search(text)
    digits = _3_DIGITS.search(text, digit.start()) if digit else None
    number = digits is not None  # three digits in a row are in every mask of a number
    return {
        "[": "[" in text or "【" in text,
        "****": "*" in text and "****" in text,
        "@": "@" in text,
        # https?:// or www. in any case
        "://": ("/" in text and "://" in text) or ("." in text and ("w." in text or "W." in text)),
        "3 digits": number,
        "7 digits": number and _7_DIGITS.search(text, digits.start()) is not None,
        "1[3-9]x": number and _MOBILE.search(text) is not None,
        "X": number and ("X" in text or "x" in text or "*" in text),
        "-xxxx": number and ("-" in text or "." in text) and _SEP_4_DIGITS.search(text) is not None,
        "400/800": number and ("400" in text or "800" in text),
        "0-9": digit is not None,
        "栋": digit is not None and ("栋" in text or "幢" in text or "楼" in text or "座" in text),
        "x单元": digit is not None and _UNIT.search(text) is not None,
        "-xxx": number and _FLAT.search(text) is not None,
        "x号": digit is not None and _HOUSE_NUMBER.search(text) is not None,
        "x门xxx": number and _DOOR.search(text) is not None,
    }


#: (pattern, kind, clue), applied in this order; a mask runs only if its clue is in the
#: text (None: always).
_MASKS: list[tuple[re.Pattern[str], str, str | None]] = [
    # Masks that exports already carry.
    (re.compile(r"[\[【](?:手机号|手机|电话|联系电话|电话号码)[\]】]"), "phone", "["),
    (re.compile(r"[\[【](?:身份证号|身份证|身份证号码)[\]】]"), "id_card", "["),
    (re.compile(r"[\[【](?:银行卡号|银行卡|卡号)[\]】]"), "bank_card", "["),
    (re.compile(r"[\[【](?:门牌号|地址|详细地址)[\]】]"), "address", "["),
    (re.compile(r"[\[【](?:邮箱|电子邮箱)[\]】]"), "email", "["),
    (re.compile(r"0(?<![0-9].)000-0000000(?![0-9])"), "phone", "7 digits"),
    (
        re.compile(
            r"[A-Za-z0-9*](?<![A-Za-z0-9]{2})(?:(?<=\*)\*{3,}|(?<!\*)[A-Za-z0-9]*\*{4,})"
            r"[A-Za-z0-9]*"
        ),
        "masked",
        "****",
    ),
    # Raw personal data.
    (
        re.compile(
            r"[A-Za-z0-9._%+\-](?<![A-Za-z0-9]{2})[A-Za-z0-9._%+\-]*"
            r"@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
        ),
        "email",
        "@",
    ),
    (
        re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.I),
        "url",
        "://",
    ),
    (
        re.compile(
            r"[1-9](?<![0-9].)[0-9]{5}(?:19|20)[0-9]{2}[01][0-9][0-3][0-9]{4}[0-9Xx](?![0-9])"
        ),
        "id_card",
        "7 digits",
    ),
    (
        re.compile(r"[1-9](?<![0-9].)[0-9]{5}[0-9]{2}[01][0-9][0-3][0-9]{4}(?![0-9])"),
        "id_card",
        "7 digits",
    ),
    # An ID-card number partly masked by the export: 1101011990XXXX1234.
    (
        re.compile(r"[1-9](?<![0-9].)[0-9]{5}(?=[0-9]{0,11}[Xx*])[0-9Xx*]{12}(?![0-9A-Za-z])"),
        "id_card",
        "X",
    ),
    (
        re.compile(
            r"(?:(?:\+(?<![0-9].)8|8(?<![0-9].))6[- ]?1|1(?<![0-9].))"
            r"[3-9][0-9](?:[-. ]?(?:[0-9*]{4}|[Xx]{4})){2}(?![0-9])"
        ),
        "phone",
        "1[3-9]x",
    ),
    (
        re.compile(r"[0-9](?<![0-9].)[0-9]{3}[ -](?:[0-9]{4}[ -]){2,3}[0-9]{1,4}(?![0-9])"),
        "bank_card",
        "3 digits",
    ),
    (re.compile(r"[3-9](?<![0-9].)[0-9]{15,18}(?![0-9])"), "bank_card", "7 digits"),
    # A landline number with its area code: 0731-84123456, 010-8123-4567, 010.8123.4567.
    (
        re.compile(r"0(?<![0-9].)[1-9][0-9]{1,2}[-. ]?[2-9][0-9]{2,3}[-.]?[0-9]{4}(?![0-9])"),
        "phone",
        "3 digits",
    ),
    (re.compile(r"[48](?<![0-9].)00[- ]?[0-9]{3}[- ]?[0-9]{4}(?![0-9])"), "phone", "400/800"),
    # A local number without its area code, 8123-4567 or 8123.4567; not a range of years
    # (2019-2021) or of round amounts (3000-5000元).
    (
        re.compile(
            r"[2-9](?<![0-9].)[0-9]{3}[-.][0-9]{4}(?![0-9])"
            r"(?<!20[0-9]{2}[-.](?:19|20)[0-9]{2})(?<![0-9]{3}0[-.][0-9]{3}0)"
        ),
        "phone",
        "-xxxx",
    ),
    # A plate has a digit after the province and the letter: not 新MacBook.
    (
        re.compile(
            rf"[{_PROVINCES}][A-Za-z][ ·]?(?=[A-Za-z]{{0,5}}[0-9])[A-Za-z0-9]{{5,6}}(?![A-Za-z0-9])"
        ),
        "plate",
        "0-9",
    ),
    (
        re.compile(r"[0-9](?<![0-9].)[0-9]*(?:栋|幢|号楼|座)[0-9]+(?:单元|门)?[0-9]*(?:室|号|户)?"),
        "address",
        "栋",
    ),
    (re.compile(r"[0-9](?<![0-9].)[0-9]*单元[0-9]+(?:室|号|户)"), "address", "x单元"),
    (
        re.compile(r"[0-9](?<![0-9].)[0-9]{0,2}-[0-9]{1,2}-[0-9]{3,4}(?:室|号)"),
        "address",
        "-xxx",
    ),
    # A street number, down to the flat: 解放西路158号, 中山路28弄6号602室, 2门302.
    (
        re.compile(r"(?<=[路街道巷弄里])[0-9]+(?:弄[0-9]+)?号(?:院)?(?:[0-9]+(?:室|户|号)?)?"),
        "address",
        "x号",
    ),
    (re.compile(r"(?<![0-9])[0-9]+门[0-9]{3,4}(?:室|号)?"), "address", "x门xxx"),
    # Any other run of 7 or more digits: an identifier, never a quantity worth a weight
    # (nor a way for 12345 inside an order number to vote for the 12345 line).
    (re.compile(r"[0-9](?<![0-9].)[0-9]{6,}"), "masked", "7 digits"),
]
_REPLACEMENTS = {kind: f" {placeholder} " for kind, placeholder in PLACEHOLDERS.items()}

# Control and zero-width characters, and lone surrogates. Replacing a surrogate after NFKC
# rather than before gives the same text: NFKC leaves a surrogate as it is, and neither it
# nor the space that replaces it decomposes, composes or reorders with its neighbours.
# None of these characters is printable, so a printable text (str.isprintable, faster
# than a search) has none.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff\ud800-\udfff]"
)

# The characters that keep most Chinese complaints from being NFKC already: full-width
# punctuation and the ellipsis, with their NFKC forms.
_COMMON_NFKC = [(char, unicodedata.normalize("NFKC", char)) for char in "，！？：（）；…"]


def _nfkc(text: str) -> str:
    """Return ``unicodedata.normalize("NFKC", text)``, about ten times faster on Chinese text.

    Each character of :data:`_COMMON_NFKC` is a starter that NFKC (and NFKD) maps to plain
    ASCII, so replacing it keeps the NFKD of the text, hence its NFKC. If the replaced text
    is then NFKC already (a quick check), it is the NFKC of ``text``.
    """
    quick = text
    for char, nfkc in _COMMON_NFKC:
        quick = quick.replace(char, nfkc)
    if unicodedata.is_normalized("NFKC", quick):
        return quick
    return unicodedata.normalize("NFKC", text)


def mask_personal_data(text: str) -> str:
    """Replace phone, ID-card and bank-card numbers, e-mail addresses, URLs, licence
    plates, house-level addresses and any other run of 7 or more digits with placeholder
    tokens.

    Examples
    --------
    >>> mask_personal_data("电话13812345678，邮箱a.b@qq.com")
    '电话 MASKPHONE ，邮箱 MASKEMAIL '
    """
    clues = _clues(text)
    for pattern, kind, clue in _MASKS:
        if clue is None or clues[clue]:
            text = pattern.sub(_REPLACEMENTS[kind], text)
    return text


def normalize_text(text: str) -> str:
    """Return the text in the form every later step expects.

    NFKC (full-width letters, digits and punctuation become half-width), control and
    zero-width characters and lone surrogates removed, personal data masked, and runs of
    whitespace folded into one space.

    Parameters
    ----------
    text : str
        One complaint.

    Returns
    -------
    str
        The cleaned text; may be empty.

    Raises
    ------
    TypeError
        If ``text`` is not a ``str``.

    Examples
    --------
    >>> normalize_text("ＡＰＰ退款　请拨打13812345678")
    'APP退款 请拨打 MASKPHONE'
    """
    if not isinstance(text, str):
        raise TypeError(f"expected a str, got {type(text).__name__}")
    text = _nfkc(text)
    if not text.isprintable():
        text = _CONTROL.sub(" ", text)
    text = mask_personal_data(text)
    return " ".join(text.split())  # str.split() splits at runs of what \s matches
