"""dq_outlier_vs_history alone, old self-join form against the current model: memory,
time and equality (docs/benchmarks.md, "dq_outlier_vs_history under 3 GB").

    .venv/bin/python benchmarks/outlier_memory.py --units 10000 --months 72
    .venv/bin/python benchmarks/outlier_memory.py --units 2000 --months 36 --all-rows
    .venv/bin/python benchmarks/outlier_memory.py --tiny --all-rows

Makes a DuckDB file with the two tables the model reads, shaped like the warehouse's
(`fct_measure_monthly`: unit_code, period, measure_code, value BIGINT, one row per unit,
month and measure; `measures`: dbt_project/seeds/measures.csv): every measure of the
seed, counts with noise around a level of each unit and measure, units that start
late, ~0,5 % of unit-months missing, series that are mostly 0 or constant (MAD = 0), and
~0,2 % planted outliers. `--tiny` is a hand-made case instead: MAD = 0, mean AD = 0,
even counts, fewer than 3 earlier months, gaps, a 13th month leaving the window.
`--warehouse FILE`: the two tables of a real warehouse (a copy; the file is only read).

Then runs each SQL (the old form: OLD_SQL below, as compiled before the change; the
new: the model compiled by `dbt compile`) in its own process, one after the other,
with `SET memory_limit` (3GB) and `SET threads` (2), and prints wall time, peak RSS
(wait4's rusage of that process) and whether it passed; then the rows of each that the
other does not have (EXCEPT ALL both ways; 0 and 0 = the same rows). `--all-rows` drops
the model's final filter (|z| > 3.5), so every scored month's limits and message are
compared, not only the flagged ones.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT = ROOT / "dbt_project"
MODEL = "dq_outlier_vs_history"

# The model as compiled before 2026-12-07 (the self-join `history`, ~12 rows per scored
# month, then median() grouped by series and month, twice): the baseline.
OLD_SQL = """
with flows as (
    select
        monthly.unit_code, monthly.period, monthly.measure_code, monthly.value,
        dense_rank() over (order by monthly.unit_code, monthly.measure_code) as series,
        row_number() over (
            partition by monthly.unit_code, monthly.measure_code order by monthly.period
        ) as month_number
    from fct_measure_monthly as monthly
    inner join measures as measures using (measure_code)
    where measures.aggregation = 'sum'
),
history as (
    select
        flows.series,
        flows.month_number,
        earlier.value as history_value
    from flows
    inner join flows as earlier
        on earlier.series = flows.series
        and earlier.month_number between flows.month_number - 12
            and flows.month_number - 1
),
centre as (
    select series, month_number,
        median(history_value) as history_median
    from history
    group by series, month_number
    having count(*) >= 3
),
spread as (
    select
        centre.series, centre.month_number, centre.history_median,
        median(abs(history.history_value - centre.history_median)) as mad,
        avg(abs(history.history_value - centre.history_median)) as mean_ad
    from centre
    inner join history using (series, month_number)
    group by centre.series, centre.month_number, centre.history_median
),
scored as (
    select
        flows.unit_code, flows.period, flows.measure_code, flows.value,
        spread.history_median,
        greatest(
            case when spread.mad > 0 then 1.4826 * spread.mad else 1.2533 * spread.mean_ad end,
            1.4826
        ) as scale
    from spread
    inner join flows using (series, month_number)
),
bounded as (
    select
        *,
        (value - history_median) / scale as z_score,
        history_median + 3.5 * scale as upper_limit,
        greatest(history_median - 3.5 * scale, 0) as lower_limit
    from scored
)
select
    'outlier_vs_history' as rule_id,
    bounded.unit_code as unit_code,
    bounded.period as period,
    bounded.measure_code as measure_code,
    (bounded.value)::double as observed_value,
    (case when bounded.z_score > 0 then bounded.upper_limit else bounded.lower_limit end)::double as limit_value,
    measures.measure_name || ' tháng ' || strftime(bounded.period, '%-m/%Y')
        || ' (' || replace(format('{:,}', (bounded.value)::bigint), ',', '.') || ') '
        || case when bounded.z_score > 0 then 'cao' else 'thấp' end
        || ' bất thường so với các tháng trước của đơn vị (trung vị '
        || replace(format('{:,}', (round(bounded.history_median))::bigint), ',', '.') || ', khoảng bình thường '
        || replace(format('{:,}', (ceil(bounded.lower_limit))::bigint), ',', '.') || '–'
        || replace(format('{:,}', (floor(bounded.upper_limit))::bigint), ',', '.') || ').' as message
from bounded
inner join measures as measures using (measure_code)
where abs(bounded.z_score) > 3.5
"""  # noqa: E501

FINAL_FILTER = re.compile(r"where\s+abs\(bounded\.z_score\)\s*>\s*3\.5\s*$")


def make_data(path: Path, units: int, months: int) -> None:
    """The generated warehouse tables (deterministic: hash(), not random())."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create or replace table measures as select * from read_csv(?, header = true)",
            [str(DBT_PROJECT / "seeds" / "measures.csv")],
        )
        # u(x): a uniform number in [0, 1) from the hash of its arguments.
        con.execute(f"""
            create or replace table fct_measure_monthly as
            with cells as (
                select u, m, measure_code,
                    (hash(u, measure_code, 'level') % 1000000) / 1e6 as u_level,
                    (hash(u, measure_code, 'kind') % 1000000) / 1e6 as u_kind,
                    (hash(u, m, measure_code, 'noise') % 1000000) / 1e6 as u_noise,
                    (hash(u, m, measure_code, 'outlier') % 1000000) / 1e6 as u_outlier
                from range({units}) as units(u), range({months}) as months(m), measures
                -- ~0,5 % of unit-months not reported, every 200th unit starts at 40 %
                -- of the months: ~99,5 % of the values, as national_scale.py lands
                where hash(u, m, 'missing') % 200 <> 0
                    and (u % 200 <> 7 or m >= {months} * 2 // 5)
            ),
            values as (
                select *,
                    case
                        -- mostly 0, now and then 1-3: MAD = 0, mean AD > 0
                        when u_kind < 0.08 then
                            case when u_noise < 0.8 then 0 else floor(u_noise * 15) - 11 end
                        -- constant: MAD = 0 and mean AD = 0 (the floor 1.4826)
                        when u_kind < 0.12 then round(exp(u_level * 5))
                        -- a level of 1..~3.000 with +-30 % noise
                        else round(exp(u_level * 8) * (0.7 + 0.6 * u_noise))
                    end as clean
                from cells
            )
            select
                'U' || lpad(u::varchar, 5, '0') as unit_code,
                (date '2020-12-01' + to_months(m::integer))::date as period,
                measure_code,
                (case
                    when u_outlier < 0.001 then clean * 12 + 40
                    when u_outlier < 0.002 then floor(clean / 10)
                    else clean
                end)::bigint as value
            from values
            order by unit_code, period, measure_code
        """)


# unit, measure, months 1.. (None: not reported), what the series tests
TINY = [
    ("A", "dossiers_total", [50, 50, 50, 56, 50, 50, 57, 50]),  # constant: floor 1.4826
    ("B", "dossiers_total", [8, 8, 9, 10, 8, 40, 8, 9, 8, 0]),  # MAD 0, mean AD > 0
    ("C", "dossiers_online", [10, 20, 30, 40, 100, 25, 15, 200]),  # even counts: 4, 6
    ("D", "dossiers_online", [5, 5]),  # fewer than 3: never scored
    ("E", "articles_posted", [1, None, 3, None, 5, 7, None, 200, 9, 11, 13, 15,
                              17, 19, 21, 23, 25, 27, 1, 0, 100]),  # gaps, > 12 months
    ("F", "payment_accounts", [100, 101, 99, 100, 100, 100, 100, 100, 100, 100, 100, 100,
                               100, 100, 100, 106, 94, 107]),  # window drops month 1
    ("G", "accounts_total", [1, 1, 1, 1000]),  # a 'latest' measure: not scored
    ("H", "vneid_activated", [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3,
                              8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7, 9, 5, 0, 2, 8, 8]),
]


def make_tiny(path: Path) -> None:
    rows = [
        (unit, dt.date(2024 + i // 12, 1 + i % 12, 1), measure, value)
        for unit, measure, values in TINY
        for i, value in enumerate(values)
        if value is not None
    ]
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create or replace table measures as select * from read_csv(?, header = true)",
            [str(DBT_PROJECT / "seeds" / "measures.csv")],
        )
        con.execute("create or replace table fct_measure_monthly (unit_code varchar, "
                    "period date, measure_code varchar, value bigint)")
        con.executemany("insert into fct_measure_monthly values (?, ?, ?, ?)", rows)


def copy_warehouse(warehouse: Path, path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        con.execute("create table fct_measure_monthly as "
                    "select unit_code, period, measure_code, value "
                    "from warehouse.marts.fct_measure_monthly")
        con.execute("create table measures as from warehouse.reference.measures")


def compiled_model(work: Path) -> str:
    """The model as dbt compiles it for DuckDB now, its refs made the generated tables."""
    env = {**os.environ, "DEAN5299_BUILD_DB": str(work / "compile.duckdb"),
           "DEAN5299_ENGINE": "duckdb"}
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [str(dbt), "compile", "--quiet", "--select", MODEL, "--target-path",
         str(work / "target"), "--project-dir", str(DBT_PROJECT), "--profiles-dir",
         str(DBT_PROJECT)],
        env=env, check=True, cwd=DBT_PROJECT, stdout=subprocess.DEVNULL,
    )
    sql = next((work / "target").rglob(f"{MODEL}.sql")).read_text(encoding="utf-8")
    sql = re.sub(r'"[^"]+"\."marts"\."fct_measure_monthly"', "fct_measure_monthly", sql)
    return re.sub(r'"[^"]+"\."reference"\."measures"', "measures", sql)


def run_one(path: Path, sql: str, table: str, memory_limit: str, threads: int) -> None:
    """In the child process: the query into `table` of the file."""
    with duckdb.connect(str(path)) as con:
        con.execute(f"set memory_limit = '{memory_limit}'")
        con.execute(f"set threads = {threads}")
        con.execute(f"set temp_directory = '{path}.tmp'")
        con.execute(f"create or replace table {table} as {sql}")


def measure(path: Path, sql: str, table: str, memory_limit: str, threads: int) -> dict:
    sql_file = path.with_name(f"{table}.sql")
    sql_file.write_text(sql, encoding="utf-8")
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", str(path), str(sql_file), table,
         memory_limit, str(threads)],
        stderr=subprocess.PIPE, text=True,
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    error = [line for line in child.stderr.read().splitlines() if "Error" in line]
    return {
        "table": table, "seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024,
        "passed": os.waitstatus_to_exitcode(status) == 0,
        "error": error[-1] if error and os.waitstatus_to_exitcode(status) else "",
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        path, sql_file, table, memory_limit, threads = sys.argv[2:7]
        run_one(Path(path), Path(sql_file).read_text(encoding="utf-8"), table,
                memory_limit, int(threads))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=10000)
    parser.add_argument("--months", type=int, default=72)
    parser.add_argument("--tiny", action="store_true", help="the hand-made case instead")
    parser.add_argument("--warehouse", type=Path,
                        help="a real warehouse's fct_measure_monthly and measures instead")
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--all-rows", action="store_true",
                        help="compare every scored month, not only the flagged ones")
    parser.add_argument("--only", choices=["old", "new"], help="run one form only")
    parser.add_argument("--new-sql", type=Path, help="compiled SQL instead of dbt compile")
    parser.add_argument("--work", type=Path, help="folder to keep (default: a temporary)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="outlier_") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        path = work / "outlier.duckdb"
        path.unlink(missing_ok=True)
        started = time.perf_counter()
        if args.tiny:
            make_tiny(path)
        elif args.warehouse:
            copy_warehouse(args.warehouse, path)
        else:
            make_data(path, args.units, args.months)
        with duckdb.connect(str(path), read_only=True) as con:
            rows, scored_rows = con.execute(
                "select count(*), count(*) filter (aggregation = 'sum') "
                "from fct_measure_monthly join measures using (measure_code)"
            ).fetchone()
        print(f"data: {rows:,} rows ({scored_rows:,} of sum measures) "
              f"in {time.perf_counter() - started:.1f} s", flush=True)

        forms = {"old": OLD_SQL.strip()}
        new = args.new_sql.read_text(encoding="utf-8") if args.new_sql else compiled_model(work)
        forms["new"] = new.strip()
        if args.all_rows:
            for name, sql in forms.items():
                forms[name], found = FINAL_FILTER.subn("", sql)
                assert found == 1, f"{name}: the final filter was not found"
        results = []
        for name, sql in forms.items():
            if args.only and name != args.only:
                continue
            result = measure(path, sql, f"result_{name}", args.memory_limit, args.threads)
            results.append(result)
            print(f"{name}: {result['seconds']:.1f} s, peak RSS {result['peak_rss_mb']:,.0f} MB,"
                  f" {'passed' if result['passed'] else 'FAILED'} at memory_limit "
                  f"{args.memory_limit}, threads {args.threads} {result['error']}", flush=True)
        if len(results) == 2 and all(r["passed"] for r in results):
            with duckdb.connect(str(path), read_only=True) as con:
                count = con.execute("select count(*) from result_old").fetchone()[0]
                only_old = con.execute("select count(*) from (from result_old "
                                       "except all from result_new)").fetchone()[0]
                only_new = con.execute("select count(*) from (from result_new "
                                       "except all from result_old)").fetchone()[0]
            print(f"rows: {count:,}; old except all new: {only_old}, "
                  f"new except all old: {only_new}", flush=True)
            if only_old or only_new:
                sys.exit(1)


if __name__ == "__main__":
    main()
