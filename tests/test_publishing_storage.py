"""The published warehouse opens in DuckDB 1.x, as bundled by BI drivers (docs/bi.md)."""

import json
import subprocess

import duckdb
import pytest
from test_reports_support import old_duckdb_python, sample_run_once

from orchestration.publishing import PUBLISHED_STORAGE_NUMBER, storage_number

pytestmark = pytest.mark.slow

# Reads every row of every mart; TIMESTAMPTZ as epoch microseconds (old drivers need pytz
# to return them as objects, and their text depends on the session's time zone).
READ_MARTS = r"""
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = [t for (t,) in con.execute(
    "select table_name from information_schema.tables where table_schema = 'marts' "
    "and table_type = 'BASE TABLE' order by 1").fetchall()]
out = {"version": duckdb.__version__, "rows": {}}
for table in tables:
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? order by ordinal_position", [table]
    ).fetchall()
    select = ", ".join(
        f'epoch_us("{c}")' if t.startswith("TIMESTAMP WITH TIME ZONE") else f'"{c}"'
        for c, t in columns
    )
    rows = con.execute(f"select {select} from marts.{table}").fetchall()
    out["rows"][table] = sorted(json.dumps(r, default=str) for r in rows)
try:
    con.execute("create table marts.x (a int)")
    out["writable"] = True
except Exception:
    out["writable"] = False
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return sample_run_once(tmp_path_factory).warehouse


def read_with(python, warehouse) -> dict:
    result = subprocess.run(
        [str(python), "-c", READ_MARTS, str(warehouse)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_published_file_is_in_the_1x_storage_format(warehouse):
    assert storage_number(warehouse) == PUBLISHED_STORAGE_NUMBER == 64


@pytest.mark.parametrize("version", ["1.0.0", "1.1.3"])
def test_an_older_duckdb_reads_the_same_marts(warehouse, version):
    import sys

    python = old_duckdb_python(version)
    old = read_with(python, warehouse)
    current = read_with(sys.executable, warehouse)
    assert old["version"] == version and current["version"] == duckdb.__version__
    assert old["rows"] == current["rows"]
    assert len(old["rows"]) >= 9 and old["rows"]["fct_indicator_progress"]
    province = [json.loads(r) for r in old["rows"]["fct_indicator_progress"]]
    assert [
        "TDBA",
        "2024-04-01",
        "CT3",
        "2024-01-01",
        "2024-12-01",
        21458.0,
        None,
        21458.0,
        66000.0,
    ] == province_ct3(province)
    assert old["writable"] is False  # a read-only connection, as BI tools should use


def province_ct3(rows):
    match = [r for r in rows if r[0] == "TDBA" and r[1] == "2024-04-01" and r[2] == "CT3"]
    assert len(match) == 1
    return match[0][:9]
