"""Landing the inbox in the raw store: the entry point the Dagster asset calls.

A file observation is logged once per (file_name, sha256). A file whose
(file_name, size, mtime) is already in the log is not read again, which keeps a re-run
over an unchanged inbox to a directory scan plus one small Parquet read.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import stat as stat_module
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa

from ingestion import guard
from ingestion import raw_store as store
from ingestion.file_reader import ACCEPTED_FORMATS, parse_read, read_and_hash, sha256_of
from ingestion.parallel import ROW_FIELDS, Chunk, FileHeader, empty_chunk, gather, parse_chunk
from ingestion.parsed import (
    DUPLICATE,
    OUTSIDE_INBOX,
    PARSED,
    REJECTED,
    SKIPPED,
    SYMLINK_LOOP,
)

# A template parses in ~0.5 ms here, while a pool takes 0.2-0.4 s to start: below this
# many files the pool is slower (docs/benchmarks.md, "Ingestion on both cores").
PARALLEL_THRESHOLD = 1000
CHUNKS_PER_WORKER = 8  # small enough for this process to take its share of them
PARSE_HERE_TOO = True  # this process parses the chunks no worker has started (tests: off)
_END = object()  # no header left in the current chunk

_SKIP_DETAILS = {
    SYMLINK_LOOP: "a symbolic link that leads back to itself: not followed",
    OUTSIDE_INBOX: "a symbolic link to a place outside the inbox: not followed",
}


@dataclass(frozen=True, slots=True)
class FileResult:
    """One file observation logged by this run."""

    file_name: str
    sha256: str
    file_format: str
    parse_status: str
    error_code: str | None = None
    error_detail: str | None = None
    duplicate_of: str | None = None
    rows_read: int = 0
    rows_with_errors: int = 0


@dataclass(frozen=True)
class IngestSummary:
    files_seen: int  # every file found in the inbox
    files_new: int  # file observations logged by this run
    files_parsed: int
    files_rejected: int
    files_duplicate: int
    files_skipped: int
    rows_read: int
    rows_with_errors: int  # rows with a value_error or period_error (ingestion level)
    batch_id: str | None  # None when nothing new was found
    files: list[FileResult] = field(default_factory=list)
    # Found but not readable from disk (vanished, no permission, changed while read):
    # not logged, so they are tried again next run.
    files_not_read: list[str] = field(default_factory=list)


class InboxEntry(NamedTuple):
    """One entry of the inbox, as iter_inbox_entries yields it."""

    name: str  # relative to the inbox, '/'-separated; bytes that are not UTF-8 as \\xNN
    path: str  # what to open: the file, or the real file behind a symlink inside the inbox
    skip_reason: str | None  # None: a readable regular file; else a reason code, not to open
    size: int  # of the file; of the link itself when skipped
    mtime_ns: int


def _relative_name(path: str, inbox: str) -> str:
    """The log's file_name: lossless for UTF-8 names; other bytes kept as `\\xNN` escapes
    (the file is still read, from `path`)."""
    # The walk joins every path onto the inbox's, so cutting that prefix off gives
    # relpath's answer; relpath itself was 0,15 s of a 10.000-file scan.
    prefix = inbox if inbox.endswith(os.sep) else inbox + os.sep
    relative = path[len(prefix):] if path.startswith(prefix) else os.path.relpath(path, inbox)
    return os.fsencode(relative).decode("utf-8", "backslashreplace").replace(os.sep, "/")


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def iter_inbox_entries(inbox: Path | str, skip: Path | str | None = None) -> Iterator[InboxEntry]:
    """Every file under the inbox, any depth, safely: never raises on what it finds.

    - regular files are yielded with `skip_reason` None;
    - a symlink to a regular file inside the inbox is yielded as a file (`path` is the
      resolved real file, so what is opened cannot be swapped for a path outside);
    - a symlink whose target is outside the inbox (file or folder) is yielded with
      `skip_reason` OUTSIDE_INBOX, a symlink loop with SYMLINK_LOOP: neither is opened;
    - symlinked folders inside the inbox are not entered (the real folder is walked),
      dangling symlinks, FIFOs, sockets and devices are left out, and so is `skip` (the
      raw store, when it lies inside the inbox) and anything that vanishes meanwhile.
    Names that are not UTF-8 are listed under a `\\xNN`-escaped name (InboxEntry.name).
    """
    top = os.fspath(inbox)
    root = os.path.realpath(top)
    skip_real = os.path.realpath(skip) if skip is not None else None
    folders = [top]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            continue  # a folder removed or unreadable while scanning
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if os.path.realpath(entry.path) != skip_real:
                        folders.append(entry.path)
                elif entry.is_symlink():
                    found = _symlink_entry(entry.path, top, root)
                    if found is not None:
                        yield found
                elif entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                    name = _relative_name(entry.path, top)
                    yield InboxEntry(name, entry.path, None, stat.st_size, stat.st_mtime_ns)
            except OSError:
                continue  # vanished or unreadable while scanning: seen again next run


def _symlink_entry(path: str, top: str, root: str) -> InboxEntry | None:
    link = os.lstat(path)
    name = _relative_name(path, top)

    def skipped(reason: str) -> InboxEntry:
        return InboxEntry(name, path, reason, link.st_size, link.st_mtime_ns)

    try:
        real = os.path.realpath(path, strict=True)
    except OSError as exc:
        return skipped(SYMLINK_LOOP) if exc.errno == errno.ELOOP else None  # else: dangling
    if not _inside(real, root):
        return skipped(OUTSIDE_INBOX)
    target = os.stat(real)
    if not stat_module.S_ISREG(target.st_mode):
        return None  # a folder inside the inbox (walked where it is), a FIFO, a device
    return InboxEntry(name, real, None, target.st_size, target.st_mtime_ns)


def link_digest(path: str) -> str:
    """The sha256 logged for a skipped symlink: of the link's own text (its target path),
    since its target is never read."""
    return hashlib.sha256(os.fsencode(os.readlink(path))).hexdigest()


@dataclass(frozen=True, slots=True)
class _Found:
    file_name: str  # relative to the inbox, '/'-separated
    path: str
    size: int
    mtime_us: int
    file_format: str  # the extension, lower-cased, without the dot
    skip_reason: str | None = None


def _scan(inbox: Path, skip: Path) -> list[_Found]:
    """Every entry under the inbox, any depth (the raw store excluded)."""
    return [
        _Found(
            entry.name,
            entry.path,
            entry.size,
            entry.mtime_ns // 1000,
            os.path.splitext(entry.name)[1].lower().lstrip("."),
            entry.skip_reason,
        )
        for entry in iter_inbox_entries(inbox, skip)
    ]


def _free_cores() -> int:
    """Cores no one is using (the last minute's load average). Parser processes share
    this process's session, and Linux shares the CPU between sessions (autogroup): on a
    machine without a free core they get no more CPU than this process alone, and their
    start costs more than they win (docs/benchmarks.md, "Ingestion on both cores")."""
    return max(0, int((os.cpu_count() or 1) - os.getloadavg()[0]))


class _Parsers:
    """Parser processes, started from a helper thread: starting them (a forkserver, a
    fresh interpreter importing the parser, a fork per worker) blocks its caller, and on
    a busy machine for seconds; meanwhile this process hashes, then parses itself.
    forkserver, not fork: the caller (Dagster) runs threads, which fork can deadlock."""

    def __init__(self, workers: int) -> None:
        context = get_context("forkserver")
        # Imported once, in the server: the workers fork from it with both loaded (each
        # would otherwise import the caller's main module again, pyarrow and all).
        context.set_forkserver_preload(["__main__", "ingestion.parallel"])
        self.workers = workers
        self.pool = ProcessPoolExecutor(workers, mp_context=context)
        self._starter = threading.Thread(target=self.pool.submit, args=(int,), daemon=True)
        self._starter.start()

    def starting(self) -> bool:
        return self._starter.is_alive()

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


def _parse_all(jobs: list[tuple[str, str, str]], parsers: _Parsers | None) -> Iterator[Chunk]:
    """parse_chunk over [(path, format, sha256)], chunks in order. With parsers and many
    files, the workers take chunks from the front while this process takes them from the
    back (those no worker has started): its own share hides the workers' start."""
    if parsers is None or len(jobs) < PARALLEL_THRESHOLD:
        yield parse_chunk(jobs)
        return
    size = -(-len(jobs) // (parsers.workers * CHUNKS_PER_WORKER))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    here: dict[int, Chunk] = {}
    left = len(chunks)
    while PARSE_HERE_TOO and left > 1 and parsers.starting():  # no worker up yet: parse here
        left -= 1
        here[left] = parse_chunk(chunks[left])
    futures = [parsers.pool.submit(parse_chunk, chunk) for chunk in chunks[:left]]
    for i in reversed(range(len(futures) if PARSE_HERE_TOO else 0)):
        if not futures[i].cancel():
            break  # the workers have reached this chunk, so every one before it too
        here[i] = parse_chunk(chunks[i])
    for i in range(len(chunks)):
        yield here[i] if i in here else futures[i].result()


class _Batch:
    """The rows of one batch, as columns, and the per-file results."""

    def __init__(self) -> None:
        self.files: dict[str, list] = {n: [] for n in store.INBOX_FILES_SCHEMA.names}
        self.rows: dict[str, list] = {n: [] for n in store.REPORT_ROWS_SCHEMA.names}
        self.results: list[FileResult] = []

    def add_parsed_rows(self, chunk: Chunk) -> None:
        """A chunk's rows; `add` then gives each of its files' rows their file columns
        (files and rows both in job order, so the columns line up)."""
        for name, values in zip(ROW_FIELDS, chunk.columns, strict=True):
            self.rows[name].extend(values)

    def add(
        self, found: _Found, sha: str, parsed: FileHeader, duplicate_of: str | None = None
    ) -> None:
        record = {
            "file_name": found.file_name,
            "sha256": sha,
            "size_bytes": found.size,
            "file_mtime": found.mtime_us,
            "file_format": found.file_format,
            "parse_status": parsed.status,
            "error_code": parsed.error_code,
            "error_detail": parsed.error_detail,
            "duplicate_of": duplicate_of,
            "sheet_name": parsed.sheet_name,
            "encoding": parsed.encoding,
        }
        for name, value in record.items():
            self.files[name].append(value)
        n = parsed.rows_read
        if n:
            self.rows["sha256"].extend([sha] * n)
            self.rows["file_name"].extend([found.file_name] * n)
            self.rows["file_mtime"].extend([found.mtime_us] * n)
        self.results.append(
            FileResult(
                file_name=found.file_name,
                sha256=sha,
                file_format=found.file_format,
                parse_status=parsed.status,
                error_code=parsed.error_code,
                error_detail=parsed.error_detail,
                duplicate_of=duplicate_of,
                rows_read=n,
                rows_with_errors=parsed.rows_with_errors,
            )
        )

    def tables(self, batch_id: str, ingested_at: dt.datetime) -> tuple[pa.Table, pa.Table]:
        n_files, n_rows = len(self.results), len(self.rows["sha256"])
        self.files["batch_id"] = [batch_id] * n_files
        self.files["ingested_at"] = [ingested_at] * n_files
        self.rows["batch_id"] = [batch_id] * n_rows
        return (
            pa.Table.from_pydict(self.files, schema=store.INBOX_FILES_SCHEMA),
            pa.Table.from_pydict(self.rows, schema=store.REPORT_ROWS_SCHEMA),
        )


def _index_log(raw_store: Path) -> tuple[set, set, dict[str, str]]:
    """From the inbox_files log: the (name, size, mtime_us) and (name, sha256) already
    logged, and for each sha256 read before, the file_name of the copy that was read."""
    log_table = store.read_inbox_log(raw_store)
    # Column by column, the times as integers: a Python datetime per logged file cost
    # more than half of this at 717.000 files (docs/benchmarks.md, session 6).
    names, shas, sizes, statuses = (
        log_table.column(c).to_pylist()
        for c in ("file_name", "sha256", "size_bytes", "parse_status")
    )
    mtimes_us = log_table.column("file_mtime").cast(pa.int64()).to_pylist()
    known_stats = set(zip(names, sizes, mtimes_us, strict=True))
    known_pairs = set(zip(names, shas, strict=True))
    read_copy: dict[str, str] = {}
    for name, sha, status in zip(names, shas, statuses, strict=True):
        if status in (PARSED, REJECTED):
            read_copy.setdefault(sha, name)
    return known_stats, known_pairs, read_copy


def _read_new(
    new: list[_Found],
    known_pairs: set,
    read_copy: dict[str, str],
    parsers: _Parsers | None,
) -> tuple[_Batch, list[str]]:
    """Hash the new files, decide each one's fate, parse those to read; the batch, and
    the files not read (vanished or changed meanwhile: read next run)."""
    # Phase 1, in (mtime, path) order: hash, and decide each file's fate; status None
    # means "parse it" (parsed or rejected is then the parser's answer). Without parser
    # processes, a file to read is parsed here and now from the bytes just hashed: one
    # read and one hash per file instead of two (docs/benchmarks.md, session 4).
    plan: list[tuple[_Found, str, str | None, str | None]] = []  # file, sha, status, dup_of
    not_read: list[str] = []
    here = empty_chunk() if parsers is None else None
    caps = guard.limits()  # once per run
    for f in new:
        data = None
        try:
            if f.skip_reason:
                sha = link_digest(f.path)
            elif here is not None and f.file_format in ACCEPTED_FORMATS:
                sha, data = read_and_hash(f.path, caps)
            else:
                sha = sha256_of(f.path)
        except OSError:
            not_read.append(f.file_name)
            continue
        if (f.file_name, sha) in known_pairs:
            continue  # same bytes at the same path (touched or copied back)
        known_pairs.add((f.file_name, sha))
        if f.skip_reason:
            plan.append((f, sha, SKIPPED, None))
        elif f.file_format not in ACCEPTED_FORMATS:
            plan.append((f, sha, SKIPPED, None))
        elif sha in read_copy:
            plan.append((f, sha, DUPLICATE, read_copy[sha]))
        else:
            read_copy[sha] = f.file_name
            plan.append((f, sha, None, None))
            if here is not None:
                gather(here, parse_read(f.file_format, data, caps))

    # Phase 2: parse the files to read (the slow part), then log in plan order.
    if here is not None:
        chunks: Iterator[Chunk] = iter([here])
    else:
        jobs = [(f.path, f.file_format, sha) for f, sha, status, _ in plan if status is None]
        chunks = _parse_all(jobs, parsers)
    headers: Iterator[FileHeader | None] = iter(())
    batch = _Batch()
    for f, sha, status, duplicate_of in plan:
        if status is not None:
            reason = f.skip_reason
            detail = _SKIP_DETAILS[reason] if reason else None
            batch.add(f, sha, FileHeader(status, reason, detail, None, None), duplicate_of)
            continue
        header = next(headers, _END)
        while header is _END:  # this chunk's files are done: take the next chunk
            chunk = next(chunks)
            batch.add_parsed_rows(chunk)
            headers = iter(chunk.headers)
            header = next(headers, _END)
        if header is None:
            not_read.append(f.file_name)  # changed while this run read it
        else:
            batch.add(f, sha, header)
    if here is None:
        chunks.close()
    return batch, not_read


def ingest_inbox(inbox: Path, raw_store: Path, *, workers: int | None = None) -> IngestSummary:
    """Log every new file observation of the inbox and land its rows in the raw store.

    `workers` caps the parser processes (default: the CPU count), and so do the cores
    free now (`_free_cores`); fewer than PARALLEL_THRESHOLD new files are parsed in this
    process.
    """
    inbox, raw_store = Path(inbox), Path(raw_store)
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox folder not found: {inbox}")
    started = dt.datetime.now(dt.UTC)
    store.ensure_raw_store(raw_store)

    known_stats, known_pairs, read_copy = _index_log(raw_store)
    found = _scan(inbox, skip=raw_store)
    new = [f for f in found if (f.file_name, f.size, f.mtime_us) not in known_stats]
    new.sort(key=lambda f: (f.mtime_us, f.file_name))  # "the copy seen later" is a duplicate

    workers = min(workers or os.cpu_count() or 1, _free_cores() + 1)
    to_read = sum(f.skip_reason is None and f.file_format in ACCEPTED_FORMATS for f in new)
    parsers = _Parsers(workers) if workers > 1 and to_read >= PARALLEL_THRESHOLD else None
    try:
        batch, not_read = _read_new(new, known_pairs, read_copy, parsers)
    finally:
        if parsers is not None:
            parsers.close()

    batch_id = None
    if batch.results:
        batch_id = store.new_batch_id(started)
        store.write_batch(raw_store, batch_id, *batch.tables(batch_id, started))

    results = batch.results
    by_status = {
        s: sum(r.parse_status == s for r in results) for s in (PARSED, REJECTED, DUPLICATE, SKIPPED)
    }
    return IngestSummary(
        files_seen=len(found),
        files_new=len(results),
        files_parsed=by_status[PARSED],
        files_rejected=by_status[REJECTED],
        files_duplicate=by_status[DUPLICATE],
        files_skipped=by_status[SKIPPED],
        rows_read=sum(r.rows_read for r in results),
        rows_with_errors=sum(r.rows_with_errors for r in results),
        batch_id=batch_id,
        files=results,
        files_not_read=not_read,
    )
