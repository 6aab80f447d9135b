"""Reading a suspicious workbook in a child process under a memory limit.

Only for workbooks ingestion/guard.py cannot bound cheaply (.xls, .xlsb, .ods, cells
without references...): a native reader that aborts (a failed allocation) or panics then
costs that one file, rejected as `file_unreadable`, never the run. The child is a fresh
interpreter (`python -m ingestion.isolated FORMAT`, the bytes on stdin, the pickled
ParsedFile on stdout): safe to start from a thread (Dagster) or from a pool worker.
"""

from __future__ import annotations

import os
import pickle
import resource
import signal
import subprocess
import sys
from pathlib import Path

from ingestion import guard
from ingestion.parsed import FILE_UNREADABLE, ParsedFile

_PROJECT_ROOT = str(Path(__file__).resolve().parents[1])


def read_in_child(file_format: str, data: bytes, why: str) -> ParsedFile:
    """parse_bytes(file_format, data) in a child; any crash or timeout is a rejection."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PROJECT_ROOT, env.get("PYTHONPATH")) if p)
    env["RUST_BACKTRACE"] = "0"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "ingestion.isolated", file_format],
            input=data,
            capture_output=True,
            timeout=guard.reader_timeout_s(),
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return _crashed(why, f"the reader ran longer than {guard.reader_timeout_s()} s")
    if done.returncode == 0:
        try:
            result = pickle.loads(done.stdout)
        except Exception as exc:  # noqa: BLE001 - whatever the child wrote is not a result
            return _crashed(why, f"unreadable answer from the reader ({exc})")
        if isinstance(result, ParsedFile):
            return result
    if done.returncode < 0:
        how = f"the reader was stopped by {signal.Signals(-done.returncode).name}"
    else:
        how = f"the reader exited with status {done.returncode}"
    last = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
    return _crashed(why, how + (f": {last[0][:300]}" if last else ""))


def _crashed(why: str, how: str) -> ParsedFile:
    limit = guard.reader_memory_bytes() // 2**20
    detail = f"{guard.TOO_LARGE_VI}: {how} (read apart, memory limit {limit} MiB: {why})"
    return ParsedFile.rejected(FILE_UNREADABLE, detail)


def _child(file_format: str) -> None:
    limit = guard.reader_memory_bytes()
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    data = sys.stdin.buffer.read()
    from ingestion.file_reader import parse_bytes  # after the limit: calamine loads here

    result = parse_bytes(file_format, data, isolated=True)
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _child(sys.argv[1])
