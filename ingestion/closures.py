"""Appending to closures.csv (CONTRACT §9): `dean5299 close` writes the data team's
decision where they keep the rest of their reference data; the snapshot that dbt reads
is made from it at the next run."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from ingestion.reference_files import (
    REFERENCE_FILES,
    TIMEZONE,
    closed_periods,
    format_closed_at,
    read_reference_file,
)

CLOSURES = "closures"


def append_closure(
    reference: Path, period: str, closed_by: str, note: str = "", *, reopen: bool = False,
    now: datetime | None = None,
) -> dict[str, str]:
    """Appends one row (an empty closed_at when reopening) and returns it. The file is
    validated first (an invalid one raises ReferenceFileError, nothing written); a new
    file gets its header; a UTF-16 file is rewritten as UTF-8."""
    table = read_reference_file(reference, CLOSURES)
    moment = None if reopen else (now or datetime.now(TIMEZONE))
    row = {
        "period": period,
        "closed_at": format_closed_at(moment),
        "closed_by": closed_by,
        "note": note,
    }
    spec = REFERENCE_FILES[CLOSURES]
    path = Path(reference) / spec.file_name
    if table.present and table.encoding.startswith("utf-8"):
        # Append in the file's own column order and delimiter, so a file kept in Excel
        # stays as the data team laid it out.
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
        header = next(csv.reader(io.StringIO(text.lstrip("\r\n")), delimiter=table.delimiter))
        names = [cell.strip().lower() for cell in header]
        buffer = io.StringIO()
        if data and not data.endswith(b"\n"):
            buffer.write("\n")
        csv.writer(buffer, delimiter=table.delimiter, lineterminator="\n").writerow(
            [row.get(name, "") for name in names]
        )
        with path.open("a", encoding="utf-8", newline="") as handle:
            handle.write(buffer.getvalue())
    else:
        columns = spec.required_columns + spec.optional_columns
        rows = [*table.rows, row]
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([r.get(c, "") for c in columns] for r in rows)
    return row


def is_closed(reference: Path, period: str) -> bool:
    return period in closed_periods(read_reference_file(reference, CLOSURES))
