"""Which raw-store batches the raw-row suite has already validated.

The raw store is append-only (docs/raw_store.md): a batch's Parquet file is written once
and never changes, so a batch that passed the blocking expectations cannot become wrong
later; only new batches can. The check therefore validates only batches without a
marker, and writes one marker per batch that passed (`<batch_id>.json` in the ledger
folder, written under a hidden name and renamed, like the batches themselves). A batch
that fails a blocking expectation gets no marker: the next run validates it again and
blocks again, until the raw store is repaired. A marker keeps the batch file's size; a
file whose size no longer matches (it was replaced by hand) is validated again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Batch:
    batch_id: str
    path: Path
    size: int


def _marker(ledger: Path, batch_id: str) -> Path:
    return ledger / f"{batch_id}.json"


def _validated_size(marker: Path) -> int | None:
    try:
        return int(json.loads(marker.read_text(encoding="utf-8"))["bytes"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no marker, or an unreadable one: validate again


def list_batches(batch_folder: Path) -> list[Batch]:
    """Every batch file of the folder, oldest first (ids sort by time); hidden temporary
    files of a write in progress are not batches yet."""
    if not batch_folder.is_dir():
        return []
    return [
        Batch(path.stem, path, path.stat().st_size)
        for path in sorted(batch_folder.glob("*.parquet"))
        if not path.name.startswith(".")
    ]


def pending_batches(batch_folder: Path, ledger: Path) -> tuple[list[Batch], int]:
    """(batches not validated yet, number of batches validated before)."""
    pending, done = [], 0
    for batch in list_batches(batch_folder):
        if _validated_size(_marker(ledger, batch.batch_id)) == batch.size:
            done += 1
        else:
            pending.append(batch)
    return pending, done


def chunks(batches: list[Batch], max_rows: int) -> Iterator[list[Batch]]:
    """Consecutive batches, as many as fit in `max_rows` (Parquet footers' row counts);
    a batch larger than that is a chunk of its own."""
    import pyarrow.parquet as pq

    chunk: list[Batch] = []
    rows = 0
    for batch in batches:
        count = pq.read_metadata(batch.path).num_rows
        if chunk and rows + count > max_rows:
            yield chunk
            chunk, rows = [], 0
        chunk.append(batch)
        rows += count
    if chunk:
        yield chunk


def record_validated(ledger: Path, batches: Iterable[Batch], rows: Mapping[str, int]) -> None:
    """One marker per batch: its size (to notice a replaced file), its rows and when."""
    ledger.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for batch in batches:
        marker = _marker(ledger, batch.batch_id)
        tmp = marker.with_name(f".{marker.name}.tmp")
        tmp.write_text(
            json.dumps(
                {
                    "batch_id": batch.batch_id,
                    "bytes": batch.size,
                    "rows": int(rows.get(batch.batch_id, 0)),
                    "validated_at": now,
                }
            ),
            encoding="utf-8",
        )
        os.replace(tmp, marker)
