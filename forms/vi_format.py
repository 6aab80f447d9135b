"""Numbers written the Vietnamese way (45.600; 8,46), through Babel's `vi` locale."""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal

from forms.month import Month, MonthLike

LOCALE = "vi"


def round_half_up(value: float, digits: int = 0) -> Decimal:
    """Reports round half up (CONTRACT §2); floats go through repr to avoid 8.4999999
    (float() first: numpy scalars repr as `np.float64(...)`)."""
    quantum = Decimal(1).scaleb(-digits)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)


def number(value: float | int, digits: int = 0) -> str:
    """45600 -> '45.600'; number(8.4649, 2) -> '8,46'."""
    rounded = round_half_up(value, digits)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(rounded, format=pattern, locale=LOCALE)


def figure(value: object) -> str:
    """Any value of a table shown as text (the UI's metadata): whole numbers as 45.600,
    other numbers with two decimals (8,46), None as nothing, the rest as it is."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    whole = float(value).is_integer()
    return number(value, 0 if whole else 2)


def percent(value: float, digits: int = 0) -> str:
    """A percentage already in percent units: 8.46 -> '8%' (whole percents by default)."""
    return number(value, digits) + "%"


def percent_floor(value: float) -> str:
    """'hơn 21%' style: the whole percent below the value."""
    floored = Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_FLOOR)
    return format_decimal(floored, format="#,##0", locale=LOCALE) + "%"


def month_label(period: MonthLike) -> str:
    """'2024-04' (or a date, a Month) -> 'tháng 4/2024'."""
    return Month.parse(period).label
