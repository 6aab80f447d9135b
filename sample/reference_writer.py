"""Writes a reference CSV (CONTRACT §3, §10) for a generated province: the shipped and
reform samples, the national benchmark and the tests' own provinces.

The header is the reader's (ingestion/reference_files.py, REFERENCE_FILES): its columns
in its order, as many as the rows give (units.csv rows of 6 values leave out the
optional contact columns; targets.csv rows of 7 include `baseline`). The reader is the
other half of this pair: one list of columns serves both. UTF-8 without BOM, `,`, `\\n`
(the samples' bytes). Production code does not import sample/.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from ingestion.reference_files import REFERENCE_FILES


def reference_header(name: str, width: int | None = None) -> list[str]:
    """The first `width` columns of reference file `name` ("units", "targets", ...);
    all of its required ones when `width` is None."""
    spec = REFERENCE_FILES[name]
    columns = spec.required_columns + spec.optional_columns
    width = len(spec.required_columns) if width is None else width
    if not len(spec.required_columns) <= width <= len(columns):
        raise ValueError(f"{name}.csv: {width} columns, expected {len(spec.required_columns)}"
                         f"..{len(columns)}")  # fmt: skip
    return list(columns[:width])


def write_reference_csv(folder: Path, name: str, rows: Iterable[Sequence]) -> Path:
    """Write `folder/<name>.csv` with the reader's header; every row the same width."""
    rows = [list(row) for row in rows]
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        raise ValueError(f"{name}.csv: rows of different widths {sorted(widths)}")
    path = Path(folder) / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(reference_header(name, widths.pop() if widths else None))
        writer.writerows(rows)
    return path


def write_reference_files(folder: Path, **files: Iterable[Sequence]) -> None:
    """`write_reference_csv` for each keyword: `units=[...], targets=[...], ...`."""
    for name, rows in files.items():
        write_reference_csv(folder, name, rows)
