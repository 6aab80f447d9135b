"""A reporting month (kỳ báo cáo), the one way every floor reads and writes one.

A month is parsed once where it enters (the CLI's --as-of, a Dagster partition key, a
cell of units.csv, a report's "Tháng báo cáo") and passed on as a `Month`; the warehouse
stores it as the first day of the month (a DATE), files and folders name it 'YYYY-MM',
and people read 'tháng 4/2024'.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Union

_TEXT = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

MonthLike = Union["Month", dt.date, str]


@dataclass(frozen=True, order=True)
class Month:
    year: int
    number: int  # 1..12

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 12:
            raise ValueError(f"month number must be 1..12, got {self.number}")

    @classmethod
    def parse(cls, value: MonthLike) -> Month:
        """'YYYY-MM', a date (its month) or a Month. Anything else raises ValueError with
        the value in its message (the CLI turns it into one line)."""
        if isinstance(value, Month):
            return value
        if isinstance(value, dt.date):  # datetime is a date too
            return cls(value.year, value.month)
        match = _TEXT.match(str(value).strip())
        if not match:
            raise ValueError(f"a month is written YYYY-MM (e.g. 2024-04), got {value!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def is_valid(cls, text: str) -> bool:
        return bool(_TEXT.match(str(text).strip()))

    @classmethod
    def containing(cls, moment: dt.date) -> Month:
        return cls(moment.year, moment.month)

    @property
    def first_day(self) -> dt.date:
        """How the warehouse stores the month (period, as_of)."""
        return dt.date(self.year, self.number, 1)

    def plus(self, months: int) -> Month:
        year, index = divmod(self.year * 12 + self.number - 1 + months, 12)
        return Month(year, index + 1)

    def next(self) -> Month:
        return self.plus(1)

    def previous(self) -> Month:
        return self.plus(-1)

    @property
    def label(self) -> str:
        """How a report names it: 'tháng 4/2024'."""
        return f"tháng {self.number}/{self.year}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.number:02d}"
