"""One warehouse writer at a time, enforced by the build itself (issue #14).

The lock is a file beside the warehouse, `<warehouse>.lock`, held with `fcntl.flock`
on a descriptor this module keeps open. The kernel drops the lock when the process
dies, however it dies (SIGKILL included), so a dead run's lock is taken over at once
and there is no stale-lock logic. The file holds the holder's pid, run id and start
time, for the message the next writer prints.

Who takes it: every asset step that writes (ingestion, the dbt build, publication)
calls `acquire` at its start, and `dean5299 run` holds it around the whole job. The
lock belongs to the process: the same process may acquire it again, for the same run
or for a new one (a process executes one run at a time; Dagster runs launched from the
UI execute all their steps in one run-worker process, `in_process_executor`).

A fresh hold (the lock newly taken, or taken again for a new run) first removes the
leftovers of failed runs (`publishing.remove_leftovers`), under the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

LOCK_SUFFIX = ".lock"
_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class LockInfo:
    """Who holds (or last held) a warehouse's lock."""

    lock_path: Path
    pid: int | None
    run_id: str
    started_at: str
    host: str = ""


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse's lock; str() is the one-line message."""

    def __init__(self, info: LockInfo) -> None:
        self.info = info
        super().__init__(busy_message(info))


def busy_message(info: LockInfo) -> str:
    pid = info.pid if info.pid is not None else "?"
    when = info.started_at or "?"
    run = info.run_id or "?"
    return (
        f"một lần chạy khác đang chạy (pid {pid}, bắt đầu lúc {when}) / another run is in "
        f"progress (run {run}, lock {info.lock_path})"
    )


def waiting_message(info: LockInfo) -> str:
    pid = info.pid if info.pid is not None else "?"
    return (
        f"đang chờ lần chạy khác xong (pid {pid}, bắt đầu lúc {info.started_at or '?'}) / "
        "waiting for another run to finish"
    )


def lock_path(warehouse: Path) -> Path:
    warehouse = Path(os.path.abspath(warehouse))
    return warehouse.with_name(warehouse.name + LOCK_SUFFIX)


@dataclass
class _Hold:
    fd: int
    info: LockInfo
    pid: int
    outer: int = 0  # `holding()` blocks around the hold: steps' release() waits for them


_HELD: dict[Path, _Hold] = {}
_REGISTRY = threading.RLock()


def _forget_in_child() -> None:
    # A forked child must not keep its parent's lock alive (nor think it holds it).
    for hold in _HELD.values():
        with contextlib.suppress(OSError):
            os.close(hold.fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_forget_in_child)


def _now() -> str:
    return datetime.now(_ZONE).isoformat(sep=" ", timespec="seconds")


def _write_info(fd: int, info: LockInfo) -> None:
    data = json.dumps(
        {
            "pid": info.pid,
            "run_id": info.run_id,
            "started_at": info.started_at,
            "host": info.host,
        },
        ensure_ascii=False,
    ).encode("utf-8")
    try:
        # Overwrite in place, then cut: rewriting a page needs no new space on a full disk.
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))
    except OSError:
        pass  # a full disk: the lock holds all the same, only the message loses details


def read_info(warehouse: Path, attempts: int = 5) -> LockInfo:
    """What the lock file says about its holder (details may be '?' for a holder that
    has just taken the lock and not written them yet)."""
    path = lock_path(warehouse)
    for attempt in range(attempts):
        try:
            fields = json.loads(path.read_text(encoding="utf-8"))
            return LockInfo(
                lock_path=path,
                pid=fields.get("pid"),
                run_id=str(fields.get("run_id") or ""),
                started_at=str(fields.get("started_at") or ""),
                host=str(fields.get("host") or ""),
            )
        except (OSError, ValueError, AttributeError):
            if attempt + 1 < attempts:
                time.sleep(0.05)
    return LockInfo(lock_path=path, pid=None, run_id="", started_at="")


def holder(warehouse: Path) -> LockInfo | None:
    """The current holder of the lock, or None when nobody holds it (without taking it)."""
    path = lock_path(warehouse)
    with _REGISTRY:
        hold = _HELD.get(path)
        if hold is not None and hold.pid == os.getpid():
            return hold.info
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return read_info(warehouse)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _clean(warehouse: Path, output: Path | None, keep_build: bool) -> None:
    from orchestration.publishing import remove_leftovers  # duckdb/pyarrow: import late

    remove_leftovers(warehouse, output, keep_build=keep_build)


def acquire(
    warehouse: Path,
    run_id: str,
    *,
    wait: bool = False,
    timeout: float | None = None,
    output: Path | None = None,
    keep_build: bool = False,
    on_wait: Callable[[LockInfo], None] | None = None,
) -> LockInfo:
    """Take the warehouse's lock for `run_id`, or raise `WarehouseBusy` at once.

    With `wait`, poll until the holder releases it (or dies), up to `timeout` seconds
    (None: no limit); `on_wait(holder)` is called once before waiting. Re-entrant in one
    process. A fresh hold removes the leftovers of failed runs beside the warehouse (and
    under `output` when given); `keep_build` keeps `<warehouse>.building` (a run that
    publishes an existing build without rebuilding it).
    """
    path = lock_path(warehouse)
    with _REGISTRY:
        hold = _HELD.get(path)
        if hold is not None and hold.pid == os.getpid():
            if run_id != hold.info.run_id:
                hold.info = replace(hold.info, run_id=run_id)
                _write_info(hold.fd, hold.info)
                if hold.outer == 0:  # a new run in this process (an outer hold cleaned)
                    _clean(warehouse, output, keep_build)
            return hold.info

        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = None if timeout is None else time.monotonic() + timeout
        announced = False
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    busy = read_info(warehouse)
                    if not wait or (deadline is not None and time.monotonic() >= deadline):
                        raise WarehouseBusy(busy) from None
                    if not announced and on_wait is not None:
                        on_wait(busy)
                    announced = True
                    time.sleep(_POLL_SECONDS)
        except BaseException:
            os.close(fd)
            raise
        info = LockInfo(
            lock_path=path,
            pid=os.getpid(),
            run_id=run_id,
            started_at=_now(),
            host=socket.gethostname(),
        )
        _HELD[path] = _Hold(fd=fd, info=info, pid=os.getpid())
        _write_info(fd, info)
        try:
            _clean(warehouse, output, keep_build)
        except BaseException:
            _release(path, force=True)
            raise
        _write_info(fd, info)  # again, in case the disk was full before the cleanup
        return info


def _release(path: Path, force: bool) -> bool:
    with _REGISTRY:
        hold = _HELD.get(path)
        if hold is None or hold.pid != os.getpid():
            return False
        if hold.outer > 0 and not force:
            return False  # the outer holder (e.g. `dean5299 run`) releases it
        del _HELD[path]
        try:
            fcntl.flock(hold.fd, fcntl.LOCK_UN)
        finally:
            os.close(hold.fd)
        return True


def release(warehouse: Path) -> bool:
    """Release this process's hold; False when it held none, or when an outer `holding()`
    block keeps it (that block releases it when it ends)."""
    return _release(lock_path(warehouse), force=False)


def is_held_here(warehouse: Path) -> bool:
    with _REGISTRY:
        hold = _HELD.get(lock_path(warehouse))
        return hold is not None and hold.pid == os.getpid()


@contextlib.contextmanager
def holding(warehouse: Path, run_id: str, **acquire_options) -> Iterator[LockInfo]:
    """Hold the lock around a whole run: steps inside may acquire (re-entrant) and
    release; the lock is released only when the block ends. `acquire_options` are
    `acquire`'s keywords (wait, timeout, output, on_wait, keep_build)."""
    info = acquire(warehouse, run_id, **acquire_options)
    path = lock_path(warehouse)
    with _REGISTRY:
        _HELD[path].outer += 1
    try:
        yield info
    finally:
        with _REGISTRY:
            hold = _HELD.get(path)
            if hold is not None:
                hold.outer -= 1
                if hold.outer <= 0:
                    _release(path, force=True)


def acquire_for_step(paths, run_id: str, *, keep_build: bool = False) -> LockInfo:
    """`acquire` for an asset step (`paths`: the run's PipelinePaths): busy is a
    `dagster.Failure` whose description is the one-line message."""
    try:
        return acquire(paths.warehouse, run_id, output=paths.output, keep_build=keep_build)
    except WarehouseBusy as busy:
        import dagster as dg

        raise dg.Failure(
            description=str(busy),
            metadata={"lock": str(busy.info.lock_path), "holder_pid": str(busy.info.pid)},
        ) from None
