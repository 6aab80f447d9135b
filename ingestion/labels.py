"""Matching the template's labels however a unit typed them.

A label matches when its *key* equals the key of the canonical label. The key is the
text after NFC normalisation, case folding, whitespace collapsing and removal of the
accents (đ -> d), so `Ma don vi`, `MÃ ĐƠN VỊ` and `Mã  đơn vị:` all match `Mã đơn vị`.

Workbooks typed with a legacy Vietnamese font store the font's bytes, which Excel shows
as Latin-1 characters: TCVN3/ABC (`M· ®¬n vÞ`, one byte per accented letter) or VNI
Windows (`Maõ ñôn vò`, a base letter followed by accent bytes). A cell that does not
match as Unicode is decoded from each legacy encoding in turn and matched again.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

Encoding = Literal["unicode", "tcvn3", "vni"]

# Canonical template labels, by the field they introduce.
UNIT = "unit"
PERIOD = "period"
REPORT_DATE = "report_date"
MEASURE = "measure"
VALUE = "value"
CUMULATIVE = "cumulative"

CANONICAL_LABELS: dict[str, str] = {
    UNIT: "Mã đơn vị",
    PERIOD: "Kỳ báo cáo",
    REPORT_DATE: "Ngày báo cáo",
    MEASURE: "Mã chỉ số",
    VALUE: "Kết quả trong tháng",
    CUMULATIVE: "Lũy kế",
}
HEADER_BLOCK_FIELDS = (UNIT, PERIOD, REPORT_DATE)
TABLE_FIELDS = (MEASURE, VALUE, CUMULATIVE)

_SPACES = re.compile(r"\s+")
# Units often end a label with a colon or an asterisk ("Mã đơn vị:", "Kỳ báo cáo (*)").
_TRAILING_DECORATION = re.compile(r"[\s:*()]+$")


def normalise(text: str) -> str:
    """NFC, casefold, collapse whitespace, drop a trailing `:`/`*` decoration."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = _SPACES.sub(" ", text).strip()
    return _TRAILING_DECORATION.sub("", text)


class _Uncombined(dict):
    """A str.translate table that drops combining marks: each code point is looked up
    in unicodedata once, then answered from the dict (faster than a per-char loop)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_DROP_COMBINING = _Uncombined()


def unaccent(text: str) -> str:
    """Remove Vietnamese diacritics; đ is a letter of its own, so map it explicitly."""
    if text.isascii():  # nothing to remove: NFD leaves ASCII as it is
        return text
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return decomposed.translate(_DROP_COMBINING)


def label_key(text: str) -> str:
    return unaccent(normalise(text))


_FIELD_BY_KEY = {label_key(label): field for field, label in CANONICAL_LABELS.items()}

# TCVN3 (ABC fonts, TCVN 5712 VN3): one byte per precomposed lower-case letter. The
# upper-case "H" fonts reuse these codes, and case folding makes that irrelevant here.
# Byte i of the first string is letter i of the second: ă â ê ô ơ ư đ, their capitals,
# then each vowel (a ă â e ê i o ô ơ u ư y) with its five tones: huyền, hỏi, ngã, sắc, nặng.
_TCVN3 = dict(
    zip(
        "¨©ª«¬\u00ad®" "¡¢£¤¥¦§" "µ¶·¸¹" "»¼½¾Æ" "ÇÈÉÊË" "ÌÎÏÐÑ" "ÒÓÔÕÖ"
        "×ØÜÝÞ" "ßáâãä" "åæçèé" "êëìíî" "ïñòóô" "õö÷øù" "úûüýþ",
        "ăâêôơưđ" "ĂÂÊÔƠƯĐ" "àảãáạ" "ằẳẵắặ" "ầẩẫấậ" "èẻẽéẹ" "ềểễếệ"
        "ìỉĩíị" "òỏõóọ" "ồổỗốộ" "ờởỡớợ" "ùủũúụ" "ừửữứự" "ỳỷỹýỵ",
        strict=True,
    )
)  # fmt: skip

# VNI Windows: accents are separate bytes after the base letter; map each to combining
# marks and let NFC compose them. A few letters are single bytes of their own.
_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
_CIRCUMFLEX, _BREVE = "\u0302", "\u0306"
_VNI_LOWER = {
    "ø": _GRAVE, "ù": _ACUTE, "û": _HOOK, "õ": _TILDE, "ï": _DOT,
    "â": _CIRCUMFLEX, "à": _CIRCUMFLEX + _GRAVE, "á": _CIRCUMFLEX + _ACUTE,
    "å": _CIRCUMFLEX + _HOOK, "ã": _CIRCUMFLEX + _TILDE, "ä": _CIRCUMFLEX + _DOT,
    "ê": _BREVE, "è": _BREVE + _GRAVE, "é": _BREVE + _ACUTE,
    "ú": _BREVE + _HOOK, "ü": _BREVE + _TILDE, "ë": _BREVE + _DOT,
    "ô": "ơ", "ö": "ư", "ñ": "đ",
    "ì": "ì", "í": "í", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ",
}  # fmt: skip
_VNI = {**_VNI_LOWER, **{k.upper(): v.upper() for k, v in _VNI_LOWER.items()}}

_TCVN3_TABLE = str.maketrans(_TCVN3)
_VNI_TABLE = str.maketrans(_VNI)


def decode_legacy(text: str, encoding: Encoding) -> str:
    """Text typed in a legacy font (seen as Latin-1 characters) as Unicode."""
    if encoding == "tcvn3":
        return text.translate(_TCVN3_TABLE)
    if encoding == "vni":
        return unicodedata.normalize("NFC", text.translate(_VNI_TABLE))
    return text


@lru_cache(maxsize=8192)  # titles and labels repeat in every report of a batch
def match_label(text: str) -> tuple[str, Encoding] | None:
    """The template field this cell text labels, and how it was encoded; else None."""
    field = _FIELD_BY_KEY.get(label_key(text))
    if field is not None:
        return field, "unicode"
    if text.isascii():  # legacy encodings only differ from Unicode outside ASCII
        return None
    for encoding in ("tcvn3", "vni"):
        decoded = decode_legacy(text, encoding)
        if decoded == text:  # nothing of that encoding in it: the same key, no match
            continue
        field = _FIELD_BY_KEY.get(label_key(decoded))
        if field is not None:
            return field, encoding
    return None


@lru_cache(maxsize=1024)  # the same few sheet names in every workbook
def sheet_key(name: str) -> str:
    """Sheet names compare like labels, ignoring spaces too (`Bao cao` is `BaoCao`)."""
    return label_key(name).replace(" ", "")
