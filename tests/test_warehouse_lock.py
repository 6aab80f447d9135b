"""The warehouse lock with real processes: a holder in a child process, refusal at once,
waiting, a holder killed with SIGKILL, re-entrance, leftovers removed under the lock,
and a Dagster step refused while another process holds it (issue #14)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration import warehouse_lock
from orchestration.publishing import REPORT_TMP_GRACE_SECONDS
from orchestration.warehouse_lock import WarehouseBusy

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# A holder in its own process: takes the lock, says so, then obeys stdin:
# "release" releases it and stays alive; EOF (or anything else) exits holding it.
HOLDER = r"""
import sys
from pathlib import Path
from orchestration import warehouse_lock
warehouse = Path(sys.argv[1])
info = warehouse_lock.acquire(warehouse, "child-run")
print("held", info.pid, flush=True)
if sys.stdin.readline().strip() == "release":
    warehouse_lock.release(warehouse)
    print("released", flush=True)
    sys.stdin.readline()
"""


class Holder:
    def __init__(self, warehouse: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(warehouse)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=PROJECT_ROOT,
        )
        line = self.process.stdout.readline()
        assert line.startswith("held"), line + self.process.stderr.read()
        self.pid = self.process.pid

    def tell(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


@pytest.fixture
def holder_of(tmp_path):
    holders = []

    def start(warehouse: Path) -> Holder:
        holders.append(Holder(warehouse))
        return holders[-1]

    yield start
    for holder in holders:
        holder.close()


@pytest.fixture(autouse=True)
def nothing_held_after(tmp_path):
    yield
    for path in list(warehouse_lock._HELD):
        warehouse_lock._release(path, force=True)


def test_a_second_writer_is_refused_at_once_with_the_holders_pid(tmp_path, holder_of):
    warehouse = tmp_path / "wh" / "dean5299.duckdb"
    holder = holder_of(warehouse)
    started = time.monotonic()
    with pytest.raises(WarehouseBusy) as refused:
        warehouse_lock.acquire(warehouse, "second-run")
    assert time.monotonic() - started < 2
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"một lần chạy khác đang chạy (pid {holder.pid}, bắt đầu lúc 20")
    assert "/ another run is in progress" in message
    assert "child-run" in message and str(warehouse_lock.lock_path(warehouse)) in message
    assert refused.value.info.pid == holder.pid
    # holder() reads the same without taking the lock
    assert warehouse_lock.holder(warehouse).pid == holder.pid
    assert not warehouse_lock.is_held_here(warehouse)


def test_wait_takes_the_lock_once_the_holder_releases_it(tmp_path, holder_of):
    warehouse = tmp_path / "dean5299.duckdb"
    holder = holder_of(warehouse)
    waited_for = []
    holder_releases_at = time.monotonic() + 1.0

    def release_later(info):
        waited_for.append(info.pid)
        time.sleep(max(0.0, holder_releases_at - time.monotonic()))
        holder.tell("release")

    info = warehouse_lock.acquire(warehouse, "waiting-run", wait=True, timeout=30,
                                  on_wait=release_later)
    assert time.monotonic() >= holder_releases_at
    assert waited_for == [holder.pid]  # told once, naming the holder
    assert holder.process.stdout.readline().strip() == "released"
    assert holder.process.poll() is None  # released, not dead
    assert info.pid == os.getpid() and info.run_id == "waiting-run"
    assert warehouse_lock.holder(warehouse).run_id == "waiting-run"


def test_wait_gives_up_after_its_timeout(tmp_path, holder_of):
    warehouse = tmp_path / "dean5299.duckdb"
    holder = holder_of(warehouse)
    started = time.monotonic()
    with pytest.raises(WarehouseBusy) as refused:
        warehouse_lock.acquire(warehouse, "patient-run", wait=True, timeout=0.6)
    assert 0.6 <= time.monotonic() - started < 5
    assert refused.value.info.pid == holder.pid


def test_the_lock_of_a_killed_holder_is_taken_over_at_once(tmp_path, holder_of):
    warehouse = tmp_path / "dean5299.duckdb"
    holder = holder_of(warehouse)
    os.kill(holder.pid, signal.SIGKILL)
    holder.process.wait(timeout=30)
    lock_file = warehouse_lock.lock_path(warehouse)
    assert str(holder.pid) in lock_file.read_text()  # the dead holder's details remain
    started = time.monotonic()
    info = warehouse_lock.acquire(warehouse, "after-crash")
    assert time.monotonic() - started < 1
    assert info.pid == os.getpid()
    assert str(os.getpid()) in lock_file.read_text()


def test_reentrant_in_one_process_and_released_for_others(tmp_path, holder_of):
    warehouse = tmp_path / "dean5299.duckdb"
    first = warehouse_lock.acquire(warehouse, "run-1")
    assert warehouse_lock.acquire(warehouse, "run-1") == first
    second = warehouse_lock.acquire(warehouse, "run-2")  # a new run in the same process
    assert second.run_id == "run-2" and second.pid == first.pid
    assert warehouse_lock.holder(warehouse).run_id == "run-2"
    assert warehouse_lock.release(warehouse) is True
    assert warehouse_lock.release(warehouse) is False
    assert warehouse_lock.holder(warehouse) is None
    holder_of(warehouse)  # another process gets it at once


def test_an_outer_hold_outlives_the_steps_release(tmp_path, holder_of):
    warehouse = tmp_path / "dean5299.duckdb"
    with warehouse_lock.holding(warehouse, "cli-run") as info:
        assert info.run_id == "cli-run"
        warehouse_lock.acquire(warehouse, "dagster-run-id")  # a step inside the run
        assert warehouse_lock.release(warehouse) is False  # publication's release
        assert warehouse_lock.is_held_here(warehouse)
        assert warehouse_lock.holder(warehouse).run_id == "dagster-run-id"
    assert not warehouse_lock.is_held_here(warehouse)
    holder_of(warehouse)


def test_a_forked_child_does_not_keep_the_lock(tmp_path, holder_of):
    warehouse = tmp_path / "dean5299.duckdb"
    warehouse_lock.acquire(warehouse, "parent-run")
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child process
        os.close(write)
        os.read(read, 1)  # outlive the parent's release
        os._exit(0 if not warehouse_lock.is_held_here(warehouse) else 1)
    os.close(read)
    try:
        warehouse_lock.release(warehouse)
        holder_of(warehouse)  # the child still runs, yet the lock is free
    finally:
        os.write(write, b"x")
        os.close(write)
        _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_fresh_hold_removes_failed_runs_leftovers_only(tmp_path):
    folder, output = tmp_path / "wh", tmp_path / "out"
    warehouse = folder / "dean5299.duckdb"
    folder.mkdir()
    warehouse.write_bytes(b"published")
    (folder / "dean5299.duckdb.wal").write_bytes(b"not ours to judge")
    leftovers = [
        folder / "dean5299.duckdb.building",
        folder / "dean5299.duckdb.building.wal",
        folder / "dean5299.duckdb.publishing",
        folder / "dean5299.duckdb.publishing.wal",
        output / "parquet" / ".dim_unit.parquet.tmp",
        output / "2024-03" / ".bao_cao_2024-03.html.tmp",
    ]
    young = output / "2024-04" / ".bao_cao_2024-04.xlsx.tmp"  # a report being written now
    kept = [output / "parquet" / "dim_unit.parquet", output / "2024-03" / "bao_cao_2024-03.md"]
    for path in [*leftovers, young, *kept]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 100)
    old = time.time() - REPORT_TMP_GRACE_SECONDS - 60
    os.utime(output / "2024-03" / ".bao_cao_2024-03.html.tmp", (old, old))

    warehouse_lock.acquire(warehouse, "run-1", output=output)
    assert [p for p in leftovers if p.exists()] == []
    assert young.exists() and all(p.exists() for p in kept)
    assert warehouse.read_bytes() == b"published"
    assert (folder / "dean5299.duckdb.wal").exists()

    # Taken again by the same run: nothing removed; by a new run: removed again, and
    # publishing an existing build (keep_build) keeps it.
    build = folder / "dean5299.duckdb.building"
    build.write_bytes(b"build")
    warehouse_lock.acquire(warehouse, "run-1", output=output)
    assert build.exists()
    warehouse_lock.acquire(warehouse, "run-2", output=output, keep_build=True)
    assert build.exists()
    warehouse_lock.acquire(warehouse, "run-3", output=output)
    assert not build.exists()


def test_a_dagster_step_is_refused_while_another_process_holds_the_lock(
    tmp_path, holder_of, monkeypatch
):
    """What a run launched from the UI meets while `dean5299 run` writes: its first
    writing step fails with the one-line message, and nothing is written."""
    import dagster as dg

    from orchestration.ingestion_assets import inbox_ingestion
    from orchestration.resources import PipelineConfig

    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "report.csv").write_text("unit_code,period\n", encoding="utf-8")
    warehouse = tmp_path / "wh" / "dean5299.duckdb"
    for name, value in {
        "DEAN5299_INBOX": tmp_path / "inbox",
        "DEAN5299_REFERENCE": tmp_path / "reference",
        "DEAN5299_WAREHOUSE": warehouse,
        "DEAN5299_OUTPUT": tmp_path / "out",
    }.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.delenv("DEAN5299_RAW_STORE", raising=False)
    holder = holder_of(warehouse)
    result = dg.materialize(
        [inbox_ingestion], resources={"pipeline": PipelineConfig()}, raise_on_error=False
    )
    assert not result.success
    (failure,) = result.get_step_failure_events()
    description = failure.event_specific_data.error.message
    assert f"một lần chạy khác đang chạy (pid {holder.pid}," in description
    assert not (warehouse.parent / "raw").exists()  # the raw store was not touched
    assert not warehouse_lock.is_held_here(warehouse)


def test_runs_from_the_ui_execute_every_step_in_one_process():
    import dagster as dg

    from orchestration.automation import MONTHLY_JOB
    from orchestration.definitions import defs

    assert defs.resolve_job_def(MONTHLY_JOB).executor_def is dg.in_process_executor
