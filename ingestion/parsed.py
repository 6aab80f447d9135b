"""What reading one file yields, before it is landed in the raw store.

Rows are NamedTuples: parser processes send them back pickled, and a tuple pickles
several times faster than a dataclass.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

PARSED = "parsed"
REJECTED = "rejected"
DUPLICATE = "duplicate"
SKIPPED = "skipped"

# File-level reason codes decided here (dbt_project/seeds/reason_codes.csv).
NOT_TEMPLATE = "not_template"
FILE_UNREADABLE = "file_unreadable"
FILE_EMPTY = "file_empty"
CSV_BAD_HEADER = "csv_bad_header"
# Why an inbox entry is `skipped` without being opened (ingestion.inbox.iter_inbox_entries).
SYMLINK_LOOP = "symlink_loop"
OUTSIDE_INBOX = "outside_inbox"


class ParsedRow(NamedTuple):
    """One data row of the table (or CSV line); the report_rows columns it decides."""

    sheet_name: str | None
    row_number: int
    location: str
    unit_code: str | None
    period: dt.date | None
    period_raw: str | None
    period_error: str | None
    report_date: dt.date | None
    measure_code: str | None
    raw_value: str | None
    value: int | None
    value_error: str | None
    raw_cumulative: str | None = None
    cumulative: int | None = None

    @property
    def has_error(self) -> bool:
        return self.value_error is not None or self.period_error is not None


@dataclass(slots=True)
class ParsedFile:
    status: str  # PARSED or REJECTED
    error_code: str | None = None
    error_detail: str | None = None
    sheet_name: str | None = None
    encoding: str | None = None
    rows: list[ParsedRow] = field(default_factory=list)

    @classmethod
    def rejected(cls, code: str, detail: str, sheet_name: str | None = None) -> ParsedFile:
        return cls(REJECTED, error_code=code, error_detail=detail, sheet_name=sheet_name)
