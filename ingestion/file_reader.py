"""Turning one inbox file into a ParsedFile, never raising on bad content.

This is what the parser processes run, so it imports neither pandas nor pyarrow (a
worker starts faster).
"""

from __future__ import annotations

import hashlib
import os

from ingestion import guard
from ingestion.csv_reader import read_csv
from ingestion.parsed import FILE_EMPTY, FILE_UNREADABLE, ParsedFile
from ingestion.workbook_reader import read_workbook

WORKBOOK_FORMATS = frozenset({"xlsx", "xls", "xlsb", "ods"})
ACCEPTED_FORMATS = WORKBOOK_FORMATS | {"csv"}


def sha256_of(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def parse_bytes(
    file_format: str, data: bytes, *, isolated: bool = False, caps: guard.Limits | None = None
) -> ParsedFile:
    """Parse a file of an accepted format; any failure becomes a rejected ParsedFile.

    A workbook is first inspected (ingestion/guard.py): beyond the limits it is rejected
    unread; one the inspection cannot bound is read in a memory-limited child process
    (ingestion/isolated.py). `isolated`: this already is that child. `caps`: the run's
    limits (ingestion/guard.py; None: read them now).
    """
    if not data:
        return ParsedFile.rejected(FILE_EMPTY, "0 bytes")
    try:
        if file_format == "csv":
            return read_csv(data)
        if isolated:
            return read_workbook(data, caps=caps)
        inspection = guard.inspect_workbook(data, caps)
        if inspection.isolate:
            return _read_apart(file_format, data, inspection.isolate)
        try:
            return read_workbook(data, inspection.extents, caps)
        except guard.NotInspected as exc:
            return _read_apart(file_format, data, f"sheet {exc} was not inspected")
    except guard.TooLarge as exc:
        return ParsedFile.rejected(FILE_UNREADABLE, f"{guard.TOO_LARGE_VI}: {exc}")
    except UnicodeDecodeError as exc:
        return ParsedFile.rejected(FILE_UNREADABLE, f"not UTF-8 text: {exc}")
    except Exception as exc:  # a broken file may fail anywhere inside a parser
        return ParsedFile.rejected(FILE_UNREADABLE, f"{type(exc).__name__}: {exc}")
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # a native reader's panic (pyo3 PanicException) and the like
        return ParsedFile.rejected(
            FILE_UNREADABLE, f"{guard.TOO_LARGE_VI}: {type(exc).__name__}: {exc}"
        )


def _read_apart(file_format: str, data: bytes, why: str) -> ParsedFile:
    from ingestion.isolated import read_in_child  # subprocess and resource: only when needed

    return read_in_child(file_format, data, why)


def read_and_hash(path: str, caps: guard.Limits) -> tuple[str, bytes | None]:
    """(sha256, bytes) of a file, read once; bytes None when it is larger than the cap
    (then hashed as it streams, never held in memory). Raises OSError."""
    # os.open/os.read: what open().read() does, without building a buffered file object
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        if size > caps.max_file_bytes:
            with open(fd, "rb", closefd=False) as f:
                return hashlib.file_digest(f, "sha256").hexdigest(), None
        parts = [os.read(fd, size + 1)]  # + 1: a file that grew is read to its end too
        while parts[-1]:
            parts.append(os.read(fd, max(size, 2**16)))
    finally:
        os.close(fd)
    data = parts[0] if len(parts) <= 2 else b"".join(parts)
    return hashlib.sha256(data).hexdigest(), data


def parse_read(file_format: str, data: bytes | None, caps: guard.Limits) -> ParsedFile:
    """parse_bytes of what read_and_hash gave: None (beyond the size cap) is rejected."""
    if data is None:  # not read into memory at all
        detail = f"larger than {caps.max_file_bytes // 2**20} MiB"
        return ParsedFile.rejected(FILE_UNREADABLE, f"{guard.TOO_LARGE_VI}: {detail}")
    return parse_bytes(file_format, data, caps=caps)


def parse_path(
    path: str, file_format: str, sha256: str, caps: guard.Limits | None = None
) -> ParsedFile | None:
    """Parse the file if it still has the bytes that were hashed; None if it changed
    (or vanished) since, so that the caller logs nothing and reads it next run."""
    caps = caps or guard.limits()
    try:
        now, data = read_and_hash(path, caps)
    except OSError:
        return None
    return parse_read(file_format, data, caps) if now == sha256 else None
