"""Turning one inbox file into a ParsedFile, never raising on bad content.

This is what the parser processes run, so it imports neither pandas nor pyarrow (a
worker starts faster).
"""

from __future__ import annotations

import hashlib

from ingestion.csv_reader import read_csv
from ingestion.parsed import FILE_EMPTY, FILE_UNREADABLE, ParsedFile
from ingestion.workbook_reader import read_workbook

WORKBOOK_FORMATS = frozenset({"xlsx", "xls", "xlsb", "ods"})
ACCEPTED_FORMATS = WORKBOOK_FORMATS | {"csv"}


def sha256_of(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def parse_bytes(file_format: str, data: bytes) -> ParsedFile:
    """Parse a file of an accepted format; any failure becomes a rejected ParsedFile."""
    if not data:
        return ParsedFile.rejected(FILE_EMPTY, "0 bytes")
    try:
        if file_format == "csv":
            return read_csv(data)
        return read_workbook(data)
    except UnicodeDecodeError as exc:
        return ParsedFile.rejected(FILE_UNREADABLE, f"not UTF-8 text: {exc}")
    except Exception as exc:  # a broken file may fail anywhere inside a parser
        return ParsedFile.rejected(FILE_UNREADABLE, f"{type(exc).__name__}: {exc}")


def parse_path(path: str, file_format: str, sha256: str) -> ParsedFile | None:
    """Parse the file if it still has the bytes that were hashed; None if it changed
    (or vanished) since, so that the caller logs nothing and reads it next run."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    return parse_bytes(file_format, data)
