"""Publications (CONTRACT §9): every report rendered for the root is recorded, append-only,
beside the raw store, so the record outlives any warehouse rebuild.

<raw_store>/publications/<publication_id>.parquet        one row (fct_publications)
<raw_store>/published_figures/<publication_id>.parquet   the progress rows it printed

dbt reads both folders as sources into the marts of the same names. The report reads
the previous publication of its month from here (not from the warehouse, which may not
yet hold a publication made after the last build) to list what changed since.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

PUBLICATIONS = "publications"
PUBLISHED_FIGURES = "published_figures"
EMPTY_FILE = "pub-00000000T000000-00000000.parquet"

FIGURE_KEY = ["unit_code", "as_of", "indicator_code", "window_start", "window_end"]
FIGURE_VALUES = ["numerator", "denominator", "actual_value", "target_value", "achievement_pct"]
FIGURE_COLUMNS = FIGURE_KEY + FIGURE_VALUES

PUBLICATIONS_SCHEMA = pa.schema(
    [
        pa.field("publication_id", pa.string(), nullable=False),
        pa.field("as_of", pa.date32(), nullable=False),
        pa.field("published_at", pa.timestamp("s", tz="UTC"), nullable=False),
        pa.field("report_path", pa.string()),
        pa.field("figures_sha256", pa.string(), nullable=False),
        pa.field("previous_publication_id", pa.string()),
    ]
)

FIGURES_SCHEMA = pa.schema(
    [pa.field("publication_id", pa.string(), nullable=False)]
    + [
        pa.field(name, pa.date32() if name in ("as_of", "window_start", "window_end")
                 else pa.string())
        for name in FIGURE_KEY
    ]
    + [pa.field(name, pa.float64()) for name in FIGURE_VALUES]
)

# The progress rows a report of `as_of` prints: every scope's, in key order.
FIGURES_QUERY = f"""
    select {", ".join(FIGURE_COLUMNS)}
    from marts.fct_indicator_progress
    where as_of = ?
    order by {", ".join(FIGURE_KEY)}
"""


@dataclass(frozen=True)
class Publication:
    publication_id: str
    as_of: dt.date
    published_at: dt.datetime
    report_path: str | None
    figures_sha256: str
    previous_publication_id: str | None
    figures: list[dict]


@dataclass(frozen=True)
class FigureChange:
    indicator_code: str
    window_start: dt.date
    window_end: dt.date
    column: str
    old: float | None
    new: float | None


def _write(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")  # hidden from dbt's glob until complete
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def ensure_publication_store(raw_store: Path) -> None:
    """Both folders, each with a schema-only file so that dbt's globs always match."""
    tables = ((PUBLICATIONS, PUBLICATIONS_SCHEMA), (PUBLISHED_FIGURES, FIGURES_SCHEMA))
    for folder, schema in tables:
        path = Path(raw_store) / folder / EMPTY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            _write(schema.empty_table(), path)


def read_figures(warehouse: Path, as_of: dt.date) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(FIGURES_QUERY, [as_of])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def root_code(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        query = "select unit_code from marts.dim_unit where level = 'province'"
        return con.execute(query).fetchone()[0]


def _canonical(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        # 9 decimals: the same figures give the same text whatever the summation order.
        number = round(float(value), 9)
        return repr(number + 0.0)  # + 0.0 turns -0.0 into 0.0
    return str(value)


def figures_sha256(figures: list[dict]) -> str:
    """SHA-256 of the rows without publication_id, ordered by their key (CONTRACT §9):
    one line per row, its columns tab-separated in FIGURE_COLUMNS order."""
    rows = sorted(figures, key=lambda row: tuple(_canonical(row[k]) for k in FIGURE_KEY))
    text = "\n".join("\t".join(_canonical(row[c]) for c in FIGURE_COLUMNS) for row in rows)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def publications_of(raw_store: Path, as_of: dt.date) -> list[Publication]:
    """The publications of one month, oldest first, each with its figures."""
    folder = Path(raw_store) / PUBLICATIONS
    if not folder.is_dir():
        return []
    records = pq.read_table(folder, schema=PUBLICATIONS_SCHEMA).to_pylist()
    mine = sorted(
        (r for r in records if r["as_of"] == as_of),
        key=lambda r: (r["published_at"], r["publication_id"]),
    )
    result = []
    for record in mine:
        path = Path(raw_store) / PUBLISHED_FIGURES / f"{record['publication_id']}.parquet"
        figures = pq.read_table(path, schema=FIGURES_SCHEMA).drop(["publication_id"]).to_pylist()
        result.append(Publication(**record, figures=figures))
    return result


def record_publication(
    raw_store: Path,
    as_of: dt.date,
    report_path: Path | None,
    figures: list[dict],
    now: dt.datetime | None = None,
) -> Publication:
    """Appends the publication and its figures; the figures land first, so a crash in
    between leaves figures that no publication names (ignored), never the reverse."""
    ensure_publication_store(raw_store)
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    earlier = publications_of(raw_store, as_of)
    publication_id = f"pub-{as_of:%Y-%m}-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
    record = {
        "publication_id": publication_id,
        "as_of": as_of,
        "published_at": now,
        "report_path": str(report_path) if report_path else None,
        "figures_sha256": figures_sha256(figures),
        "previous_publication_id": earlier[-1].publication_id if earlier else None,
    }
    rows = [{"publication_id": publication_id, **{c: f[c] for c in FIGURE_COLUMNS}}
            for f in figures]
    _write(
        pa.Table.from_pylist(rows, schema=FIGURES_SCHEMA),
        Path(raw_store) / PUBLISHED_FIGURES / f"{publication_id}.parquet",
    )
    _write(
        pa.Table.from_pylist([record], schema=PUBLICATIONS_SCHEMA),
        Path(raw_store) / PUBLICATIONS / f"{publication_id}.parquet",
    )
    return Publication(**record, figures=figures)


def root_changes(previous: list[dict], current: list[dict], root_code: str) -> list[FigureChange]:
    """Each root figure that differs between a publication and the figures now."""

    def by_key(rows):
        return {
            (r["indicator_code"], r["window_start"], r["window_end"]): r
            for r in rows
            if r["unit_code"] == root_code
        }

    old, new = by_key(previous), by_key(current)
    changes = []
    for key in sorted(old.keys() | new.keys()):
        found = {}
        for column in FIGURE_VALUES:
            before = old.get(key, {}).get(column)
            after = new.get(key, {}).get(column)
            if _canonical(before) != _canonical(after):
                found[column] = FigureChange(*key, column, before, after)
        # A count's actual value is its numerator: say the change once.
        both = found.get("numerator"), found.get("actual_value")
        if all(both) and (both[0].old, both[0].new) == (both[1].old, both[1].new):
            del found["numerator"]
        changes += found.values()
    return changes
