"""Parsing a run of inbox files into plain columns: what the parser processes run.

A worker parses a chunk of files and sends back one small header per file and the
chunk's rows as one list per ParsedRow field: a few long lists pickle several times
faster than thousands of row tuples, and the caller extends its batch columns with
them instead of walking rows one by one. The serial path uses the same function on
every file at once, so both paths land the same columns.

Imports neither pandas nor pyarrow, so a worker starts fast; the forkserver preloads
this module (ingestion/inbox.py) so that each worker starts with it imported.
"""

from __future__ import annotations

from typing import NamedTuple

from ingestion import guard
from ingestion.file_reader import parse_path
from ingestion.parsed import ParsedFile, ParsedRow

ROW_FIELDS = ParsedRow._fields


class FileHeader(NamedTuple):
    """One parsed file, without its rows."""

    status: str
    error_code: str | None
    error_detail: str | None
    sheet_name: str | None
    encoding: str | None
    rows_read: int = 0
    rows_with_errors: int = 0


class Chunk(NamedTuple):
    headers: list[FileHeader | None]  # None: changed or vanished since it was hashed
    columns: list[list]  # one list per ROW_FIELDS: the rows of the chunk's files, in order


def header_of(parsed: ParsedFile) -> FileHeader:
    return FileHeader(
        parsed.status,
        parsed.error_code,
        parsed.error_detail,
        parsed.sheet_name,
        parsed.encoding,
        len(parsed.rows),
        sum(row.has_error for row in parsed.rows),
    )


def gather(chunk: Chunk, parsed: ParsedFile | None) -> None:
    """Add one file to a chunk: its header, its rows appended to the columns."""
    if parsed is None:
        chunk.headers.append(None)
        return
    chunk.headers.append(header_of(parsed))
    if parsed.rows:
        for column, values in zip(chunk.columns, zip(*parsed.rows, strict=True), strict=True):
            column.extend(values)


def empty_chunk() -> Chunk:
    return Chunk([], [[] for _ in ROW_FIELDS])


def parse_chunk(jobs: list[tuple[str, str, str]]) -> Chunk:
    """parse_path over [(path, format, sha256)], the rows gathered as columns. The
    limits (ingestion/guard.py) are read once, here, for the whole chunk."""
    caps = guard.limits()
    chunk = empty_chunk()
    for job in jobs:
        gather(chunk, parse_path(*job, caps))
    return chunk
