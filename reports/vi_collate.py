"""Vietnamese alphabetical order for names (units, groups) in the reports.

Python sorts by code point: "Đ" (U+0110) lands after "Z" and "Â" after "A…Z"'s plain
letters in the wrong places. Dictionaries (and CLDR's `vi` collation) order the letters

    a ă â b c d đ e ê (f) g h i (j) k l m n o ô ơ p q r s t u ư v (w) x y (z)

and treat the five tone marks as a secondary difference, in the order
no mark < huyền (`) < hỏi (?) < ngã (~) < sắc (´) < nặng (.): "Ha" < "Hà" < "Hả" < "Hạ",
but "Hạ" < "Hai" (the letters decide first). Case is the last difference.

PyICU would do this but has no wheel here (it needs the system's ICU headers to build),
so this is a small key function over the alphabet above, tested in
tests/test_reports_units.py.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Letter-forming marks (part of the letter) and tone marks (secondary), as NFD splits them.
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

_LETTERS = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]  # fmt: skip
# Space and punctuation first, digits next, then the letters (gaps keep room for others).
_RANK = {letter: 1000 + index for index, letter in enumerate(_LETTERS)}
_RANK.update({str(digit): 500 + digit for digit in range(10)})
_RANK[" "] = 1


def _primary(base: str) -> int:
    if base in _RANK:
        return _RANK[base]
    # ASCII punctuation before digits and letters; any other script after them.
    return 100 + ord(base[0]) if ord(base[0]) < 0x80 else 5000 + ord(base[0])


def _split(text: str) -> list[tuple[str, int, bool]]:
    out: list[tuple[str, int, bool]] = []
    for char in unicodedata.normalize("NFD", " ".join(text.split())):
        if char in _TONES and out:
            base, _, upper = out[-1]
            out[-1] = (base, _TONES[char], upper)
        elif char in (_BREVE, _CIRCUMFLEX, _HORN) and out:
            base, tone, upper = out[-1]
            out[-1] = (unicodedata.normalize("NFC", base + char), tone, upper)
        else:
            out.append((char.lower(), 0, char.isupper()))
    return out


@lru_cache(maxsize=65536)  # a national report sorts the same 10.000 names many times
def vi_sort_key(text: str | None) -> tuple:
    """A key for sorted(): letters by the Vietnamese alphabet, then tones, then case
    (lower first), then the text itself so that the order is total."""
    text = text or ""
    chars = _split(text)
    primary = tuple(_primary(base) for base, _, _ in chars)
    tones = tuple(tone for _, tone, _ in chars)
    case = tuple(upper for _, _, upper in chars)
    return (primary, tones, case, text)


def vi_sorted(items, key=None) -> list:
    """sorted() in Vietnamese alphabetical order; `key` picks the name from an item."""
    pick = key or (lambda item: item)
    return sorted(items, key=lambda item: vi_sort_key(pick(item)))
