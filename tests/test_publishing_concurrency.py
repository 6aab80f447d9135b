"""Publishing under load: an open BI reader, a failed blocking check, a killed run.

The module starts from a copy of the shared sample run (a published 2024-04
warehouse and its reports), so that it only pays for the runs it studies.
"""

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pytest
from conftest import DEAN5299, Workspace
from openpyxl import load_workbook
from test_reports_support import run_ok, sample_run_once

from orchestration.publishing import PUBLISHED_STORAGE_NUMBER, storage_number

pytestmark = pytest.mark.slow

FINGERPRINT = (
    "select count(*), max(as_of)::varchar, sum(numerator) from marts.fct_indicator_progress"
)
# A BI reader in its own process: one read-only connection, read over and over until told
# to stop, then once more on the same connection.
READER = r"""
import json, os, sys, time, duckdb
path, stop, query = sys.argv[1], sys.argv[2], sys.argv[3]
con = duckdb.connect(path, read_only=True)
first = list(con.execute(query).fetchone())
print(json.dumps({"ready": first}), flush=True)
reads, different, errors = 0, [], []
while not os.path.exists(stop):
    try:
        got = list(con.execute(query).fetchone())
        reads += 1
        if got != first:
            different.append(got)
    except Exception as error:
        errors.append(repr(error))
    time.sleep(0.05)
print(json.dumps({"first": first, "reads": reads, "different": different[:5],
                  "errors": errors[:5], "last": list(con.execute(query).fetchone())}), flush=True)
"""
STATE = {}


def fingerprint(warehouse) -> list:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return list(con.execute(FINGERPRINT).fetchone())


def digests(ws: Workspace) -> dict[str, str]:
    """sha256 of the published warehouse and of every report file (run logs aside)."""
    files = [ws.warehouse, *(p for p in ws.output.rglob("*") if p.is_file())]
    return {
        str(p.relative_to(ws.root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in files
        if "logs" not in p.relative_to(ws.root).parts
    }


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    sample = sample_run_once(tmp_path_factory)
    copy = Workspace(tmp_path_factory.mktemp("concurrency"))
    shutil.copytree(sample.root, copy.root, dirs_exist_ok=True)  # keeps file times
    STATE["april"] = fingerprint(copy.warehouse)
    return copy


def test_a_reader_keeps_its_snapshot_while_a_run_publishes(ws, tmp_path):
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(ws.warehouse), str(stop), FINGERPRINT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = json.loads(reader.stdout.readline())
        assert ready["ready"] == STATE["april"]
        started = time.monotonic()
        result = ws.run_cli("run", "--as-of", "2024-05")  # adds May to every mart
        STATE["run_seconds"] = time.monotonic() - started
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        assert reader.poll() is None, "the reader held its connection through the whole run"
        stop.touch()
        out, err = reader.communicate(timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    report = json.loads(out.strip().splitlines()[-1])
    assert report["errors"] == [], err
    assert report["reads"] > 10
    assert report["different"] == []  # never a half-built or newer mart
    assert report["last"] == STATE["april"]  # the old snapshot, still whole
    may = fingerprint(ws.warehouse)  # a new connection sees the new marts
    assert may[1] == "2024-05-01" and may[0] > STATE["april"][0]
    assert storage_number(ws.warehouse) == PUBLISHED_STORAGE_NUMBER
    STATE["may"] = may


def test_a_failed_blocking_check_publishes_nothing(ws, tmp_path):
    before = digests(ws)
    broken = tmp_path / "reference"
    shutil.copytree(ws.reference, broken)
    with (broken / "units.csv").open("a", encoding="utf-8") as units:
        units.write("TD2,Tỉnh Đoàn thứ hai,tinh_doan,,2022-01,\n")  # a second root
    result = ws.run_cli("run", "--as-of", "2024-04", "--reference", str(broken))
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert digests(ws) == before
    assert fingerprint(ws.warehouse) == STATE.get("may", fingerprint(ws.warehouse))


def test_a_killed_run_leaves_the_previous_warehouse_and_reports(ws):
    before = digests(ws)
    previous = fingerprint(ws.warehouse)
    seed = int(os.environ.get("DEAN5299_KILL_SEED", time.time_ns() % 1_000_000))
    delay = random.Random(seed).uniform(0.5, 0.9 * STATE.get("run_seconds", 30.0))
    context = f"seed {seed}, SIGKILL after {delay:.1f} s"
    # Its own session: SIGKILL reaches the CLI and its dbt subprocess alike, as in a crash.
    run = subprocess.Popen(
        [str(DEAN5299), "run", "--as-of", "2024-04"],
        env=ws.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        run.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=60)
    after = digests(ws)
    now = fingerprint(ws.warehouse)  # opens: never half a file
    # An April run after May's keeps May (CONTRACT §9: a run never narrows the marts):
    # killed before the rename the file is untouched, after it a whole new publication
    # with the same marts (checked below as a rewritten file).
    assert now == previous, context
    for name, digest in before.items():
        path = ws.root / name
        assert path.exists(), (context, name)
        if after[name] != digest:  # rewritten by the killed run: then complete
            assert_complete(path, context)
    run_ok(ws, "2024-04")
    assert fingerprint(ws.warehouse) == previous, context
    leftovers = [
        p.name
        for p in ws.root.rglob("*")
        if p.name.endswith((".tmp", ".publishing", ".building", ".building.wal"))
    ]
    assert leftovers == [], context


def assert_complete(path, context):
    if path.suffix == ".html":
        assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), (context, path)
    elif path.suffix == ".xlsx":
        load_workbook(path)
    elif path.suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.read_table(path)
    elif path.suffix == ".duckdb":
        assert storage_number(path) == PUBLISHED_STORAGE_NUMBER, (context, path)
    else:
        assert path.stat().st_size > 0, (context, path)
