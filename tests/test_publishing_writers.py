"""Two `dean5299 run` at once on one warehouse (issue #14): the second refuses at once
(exit 2, one line naming the first's pid), or with --wait runs after it; the
published warehouse is whole afterwards. The two --wait runs also show that identical
runs export identical Parquet rows in identical order."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import time

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import DEAN5299, Workspace

from orchestration import warehouse_lock
from orchestration.publishing import PUBLISHED_STORAGE_NUMBER, storage_number

pytestmark = pytest.mark.slow

REFUSED = re.compile(
    r"^Lỗi / error: một lần chạy khác đang chạy \(pid (\d+), bắt đầu lúc [0-9-]+ [0-9:]+\+07:00\)"
    r" / another run is in progress \(run [^,]+, lock (\S+)\); --wait để chờ / to wait$"
)
# Marts whose rows depend only on the inbox and the reference: the same run twice gives
# the same bytes (the others may record the run itself).
STABLE_MARTS = ("dim_unit", "dim_indicator", "fct_measure_monthly", "fct_indicator_progress")


def start(ws: Workspace, *extra: str) -> tuple[subprocess.Popen, float]:
    process = subprocess.Popen(
        [str(DEAN5299), "run", "--as-of", "2024-04", *extra],
        env=ws.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, time.monotonic()


def assert_whole(ws: Workspace) -> None:
    assert storage_number(ws.warehouse) == PUBLISHED_STORAGE_NUMBER
    assert stat.S_IMODE(ws.warehouse.stat().st_mode) == 0o444
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
        assert set(STABLE_MARTS) <= {name for (name,) in tables}
        assert con.execute(
            "select max(as_of)::varchar from marts.fct_indicator_progress"
        ).fetchone() == ("2024-04-01",)
    leftovers = [
        p.name
        for p in ws.root.rglob("*")
        if p.name.endswith((".tmp", ".publishing", ".building", ".building.wal"))
    ]
    assert leftovers == []
    assert warehouse_lock.holder(ws.warehouse) is None  # released by both


def test_the_second_of_two_runs_started_together_refuses_at_once(sample_workspace):
    ws = sample_workspace
    (first, t0), (second, t1) = start(ws), start(ws)
    ended: dict[int, float] = {}
    while len(ended) < 2:
        for process in (first, second):
            if process.pid not in ended and process.poll() is not None:
                ended[process.pid] = time.monotonic()
        time.sleep(0.05)
    results = {p.pid: (p.returncode, *p.communicate()) for p in (first, second)}
    codes = sorted(code for code, _, _ in results.values())
    assert codes == [0, 2], results
    loser = next(pid for pid, (code, _, _) in results.items() if code == 2)
    winner = next(pid for pid in results if pid != loser)
    _, out, err = results[loser]
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    found = REFUSED.match(lines[0])
    assert found, lines[0]
    assert int(found.group(1)) == winner
    assert found.group(2) == str(ws.warehouse) + ".lock"
    assert "Traceback" not in out + err
    # At once: while the winner still works, within the CLI's start-up time.
    started = t0 if loser == first.pid else t1
    assert ended[loser] < ended[winner]
    assert ended[loser] - started < 15
    assert results[winner][0] == 0, results[winner][1][-3000:] + results[winner][2][-3000:]
    assert_whole(ws)


def test_with_wait_both_runs_succeed_in_turn_and_export_the_same_rows(sample_workspace, tmp_path):
    ws = sample_workspace
    (first, _), (second, _) = start(ws, "--wait"), start(ws, "--wait")
    snapshot = tmp_path / "first_parquet"
    running = {first, second}
    while running:
        for process in list(running):
            if process.poll() is not None:
                running.discard(process)
                if running and not snapshot.exists():
                    # The first run is done; the second is still building (~20 s).
                    shutil.copytree(ws.output / "parquet", snapshot)
        time.sleep(0.05)
    results = [(p.pid, p.returncode, *p.communicate()) for p in (first, second)]
    for pid, code, out, err in results:
        assert code == 0, (pid, out[-3000:], err[-3000:])
        assert err.strip() == "", err
    waited = [
        (pid, out) for pid, _, out, _ in results if "đang chờ lần chạy khác xong (pid" in out
    ]
    assert len(waited) == 1, [out[:500] for _, _, out, _ in results]
    other = next(pid for pid, *_ in results if pid != waited[0][0])
    assert f"đang chờ lần chạy khác xong (pid {other}," in waited[0][1]
    assert_whole(ws)

    assert snapshot.exists()
    for path in sorted((ws.output / "parquet").glob("*.parquet")):
        before = snapshot / path.name
        one, two = pq.read_table(before), pq.read_table(path)
        with duckdb.connect() as con:  # every file leaves ordered by all its columns
            as_written = con.execute(f"select * from read_parquet('{path}')").fetchall()
            ordered = con.execute(f"select * from read_parquet('{path}') order by all")
            assert as_written == ordered.fetchall(), path.name
        if one.equals(two) or path.stem in STABLE_MARTS:
            assert one.equals(two), path.name
            assert before.read_bytes() == path.read_bytes(), path.name
