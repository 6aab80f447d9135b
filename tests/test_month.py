"""forms.month.Month: the one way a reporting month is parsed and written."""

import datetime as dt

import pytest

from forms.month import Month
from forms.vi_format import month_label
from outbox.warehouse import month_start


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-04", Month(2024, 4)),
        (" 2025-12 ", Month(2025, 12)),
        (dt.date(2024, 4, 17), Month(2024, 4)),
        (dt.datetime(2023, 1, 31, 23, 59), Month(2023, 1)),
        (Month(2022, 1), Month(2022, 1)),
    ],
)
def test_parse_accepts_text_dates_and_months(value, expected) -> None:
    assert Month.parse(value) == expected


@pytest.mark.parametrize("value", ["2024-13", "2024-4", "04/2024", "2024-04-01", "", "tháng 4"])
def test_parse_refuses_anything_else_naming_the_value(value) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse(value)
    assert not Month.is_valid(value)


def test_arithmetic_across_years_and_the_three_spellings() -> None:
    december = Month.parse("2024-12")
    assert december.next() == Month(2025, 1)
    assert Month(2025, 1).previous() == december
    assert december.plus(-24) == Month(2022, 12)
    assert december.first_day == dt.date(2024, 12, 1)
    assert str(december) == "2024-12"
    assert december.label == "tháng 12/2024" == month_label("2024-12") == month_label(december)
    assert month_start("2024-12") == month_start(dt.date(2024, 12, 9)) == december.first_day
    assert sorted([Month(2025, 1), Month(2024, 12)]) == [december, Month(2025, 1)]
