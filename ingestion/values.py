"""Reading numbers, periods and dates as units write them (cells or text).

Cell values arrive as python-calamine gives them: float (whole numbers too, from .xlsx),
int (.xls), str, bool, date/datetime, time/timedelta; an empty cell is `''`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ingestion.labels import unaccent

INT64_MAX = 2**63 - 1

VALUE_NEGATIVE = "value_negative"
VALUE_NOT_NUMBER = "value_not_number"
VALUE_NOT_WHOLE = "value_not_whole"
PERIOD_MISSING = "period_missing"
PERIOD_INVALID = "period_invalid"

# Excel serial day numbers accepted as dates: 1990-01-01 .. 2100-12-31. Outside that a
# number in a period cell is far more likely a typo than a date.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_MIN = (dt.date(1990, 1, 1) - _EXCEL_EPOCH).days
_SERIAL_MAX = (dt.date(2100, 12, 31) - _EXCEL_EPOCH).days
_YEAR_MIN, _YEAR_MAX = 1990, 2100

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_MONTH_YEAR = re.compile(r"(?:thang\s*)?(\d{1,2})\s*(?:[/.-]|\s+nam\s+|\s)\s*(\d{4})")
_YEAR_MONTH = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
_YEAR_MONTH_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# The formal Vietnamese form, unaccented: "ngày 03 tháng 05 năm 2024".
_LONG_DATE = re.compile(r"(?:ngay\s*)?(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")


def is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def cell_text(cell: object) -> str | None:
    """A cell as text, the way a person would read it; None when empty.

    Whole floats lose their `.0` (calamine reads every .xlsx number as a float), dates
    are ISO. Text is returned as written.
    """
    if isinstance(cell, str):  # the two kinds of nearly every cell first
        return cell if cell.strip() else None
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() and abs(cell) < 1e16 else str(cell)
    if cell is None:
        return None
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, dt.datetime) and cell.time() == dt.time():
        return cell.date().isoformat()
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell)


def _parse_number_text(text: str) -> Decimal | None:
    """`45.600`, `45600`, `1.458,0`, `1,458`, `12,5`, `45 600` -> Decimal; else None."""
    s = _SPACES.sub(" ", text).strip()
    sign = 1
    if s[:1] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:].strip()
    if not s.isascii():  # str.isdigit and \d accept other scripts' digits ("١٢", "１２")
        return None
    if " " in s:  # a space can only group thousands: "45 600"
        if not re.fullmatch(r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?", s):
            return None
        s = s.replace(" ", "")
    if not s or not re.fullmatch(r"[\d.,]+", s) or not s[0].isdigit() or not s[-1].isdigit():
        return None
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        # Both present: the last one is the decimal mark, the other groups thousands.
        decimal_mark = "," if s.rfind(",") > s.rfind(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        integer_part, _, fraction = s.rpartition(decimal_mark)
        if s.count(decimal_mark) != 1 or not _is_grouped(integer_part, group_mark):
            return None
        digits = integer_part.replace(group_mark, "") + "." + fraction
    elif dots or commas:
        mark = "." if dots else ","
        integer_part, _, tail = s.partition(mark)
        # Vietnamese writes 45.600 for thousands; the contract reads a single comma
        # followed by exactly three digits the same way (1,458). A leading 0 ("0,500")
        # cannot start a thousands group, so it is a decimal; so is "1234.567".
        if integer_part != "0" and _is_grouped(s, mark):
            digits = s.replace(mark, "")
        elif s.count(mark) == 1:
            digits = integer_part + "." + tail
        else:
            return None
    else:
        digits = s
    try:
        return sign * Decimal(digits)
    except InvalidOperation:
        return None


def _is_grouped(text: str, mark: str) -> bool:
    head, *groups = text.split(mark)
    return (
        1 <= len(head) <= 3 and head.isdigit() and all(len(g) == 3 and g.isdigit() for g in groups)
    )


def parse_count(cell: object) -> tuple[str | None, int | None, str | None]:
    """(raw_value, value, value_error) for a value cell; every measure is a count.

    An empty cell is "not reported": (None, None, None). Checks run in the order
    number -> negative -> whole, so `-1,5` is reported as negative.
    """
    raw = cell_text(cell)
    if raw is None:
        return None, None, None
    number: Decimal | int | None
    if isinstance(cell, bool):
        number = None
    elif isinstance(cell, int):
        number = cell
    elif isinstance(cell, float):
        # A whole float (what calamine gives for every .xlsx number) is exactly its int,
        # which needs no Decimal.
        if not math.isfinite(cell):
            number = None
        else:
            number = int(cell) if cell.is_integer() else Decimal(cell)
    elif isinstance(cell, str):
        number = _parse_number_text(cell)
    else:  # dates, times, durations are not counts
        number = None
    if number is None:
        return raw, None, VALUE_NOT_NUMBER
    if number < 0:
        return raw, None, VALUE_NEGATIVE
    if isinstance(number, Decimal) and number != number.to_integral_value():
        return raw, None, VALUE_NOT_WHOLE
    if number > INT64_MAX:  # no count is that large: it cannot be stored either
        return raw, None, VALUE_NOT_NUMBER
    return raw, int(number), None


def _from_serial(cell: object) -> dt.date | None:
    if isinstance(cell, bool) or not isinstance(cell, int | float):
        return None
    if not (math.isfinite(cell) and _SERIAL_MIN <= cell < _SERIAL_MAX + 1):
        return None
    return _EXCEL_EPOCH + dt.timedelta(days=int(cell))


def _month(year: int, month: int) -> dt.date | None:
    if _YEAR_MIN <= year <= _YEAR_MAX and 1 <= month <= 12:
        return dt.date(year, month, 1)
    return None


def _date(year: int, month: int, day: int) -> dt.date | None:
    if not _YEAR_MIN <= year <= _YEAR_MAX:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date(cell: object) -> dt.date | None:
    """A report date: date cell, Excel serial, `DD/MM/YYYY`, `YYYY-MM-DD` or
    `ngày DD tháng MM năm YYYY`; else None."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, str):
        text = _SPACES.sub(" ", unaccent(cell.strip().casefold()))
        if m := _DAY_MONTH_YEAR.fullmatch(text) or _LONG_DATE.fullmatch(text):
            return _date(int(m[3]), int(m[2]), int(m[1]))
        if m := _YEAR_MONTH_DAY.fullmatch(text):
            return _date(int(m[1]), int(m[2]), int(m[3]))
        return None
    return _from_serial(cell)


def parse_period(cell: object) -> tuple[str | None, dt.date | None, str | None]:
    """(period_raw, period as first of month, period_error) for a `Kỳ báo cáo` cell.

    Accepts `MM/YYYY`, `M/YYYY`, `YYYY-MM`, `Tháng 4/2024`, `tháng 4 năm 2024`, a full
    date (cell, serial number or text) of any day in the month.
    """
    if type(cell) is str:  # the same few texts in every report of a month
        return _period_of_text(cell)
    return _parse_period(cell)


def _parse_period(cell: object) -> tuple[str | None, dt.date | None, str | None]:
    raw = cell_text(cell)
    if raw is None:
        return None, None, PERIOD_MISSING
    period: dt.date | None = None
    if isinstance(cell, str):
        text = _SPACES.sub(" ", unaccent(cell.strip().casefold()))
        if m := _MONTH_YEAR.fullmatch(text):
            period = _month(int(m[2]), int(m[1]))
        elif m := _YEAR_MONTH.fullmatch(text):
            period = _month(int(m[1]), int(m[2]))
        elif day := parse_date(text):
            period = day.replace(day=1)
    else:
        day = parse_date(cell)
        period = day.replace(day=1) if day else None
    return raw, period, None if period else PERIOD_INVALID


_period_of_text = lru_cache(maxsize=4096)(_parse_period)  # str only: a pure function of it


def parse_code(cell: object) -> str | None:
    """A unit or measure code cell, trimmed; None when empty. Case is the caller's."""
    if type(cell) is str:
        return cell.strip() or None
    text = cell_text(cell)
    return text.strip() if text is not None else None
