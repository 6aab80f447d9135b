"""National scale (issue #19): the whole pipeline on a generated organisation.

    .venv/bin/python benchmarks/national_scale.py --units 10000 --months 72 --levels 3
    .venv/bin/python benchmarks/national_scale.py --units 500 --months 24     # a quick try

Generates, in a temporary folder, a reference folder (units.csv: root → 34 groups →
units with --levels 3, root → units with 2; targets on every level, population,
settings) and:
- the raw store of every month but the last, written directly with ingestion's own
  schema and writer (ingestion/raw_store.py), one batch per month, row for row what
  ingestion lands for a template workbook (checked against real workbooks parsed by
  ingestion before anything is timed);
- the last month as real workbooks (ingestion.template's writer), one per unit.
Bad input at scale: one broken workbook and one unit's report with 5.000 rows in the
last month, a month in the middle where 30 % of units are missing, and a late
resubmission of an old month.

Then, one after the other (never two at once), each in its own process:
  full       `dean5299 run` (the CLI, through Dagster) for the month before the last:
             a full rebuild from the raw store, nothing new in the inbox
  dbt_full   a bare `dbt build` of the same project on the same data (the baseline)
  increment  the last month's workbooks in the inbox, `dean5299 run` for that month
  resubmit   one old month's workbook resubmitted, `dean5299 run` again
  dbt_final  the bare `dbt build` on the final data
  sample     the shipped sample: `dean5299 run --as-of 2024-04` against a bare dbt build
and prints, side by side: wall time, peak RSS of the largest process (wait4's rusage,
via /usr/bin/time) and of the whole process tree (sampled), the ratio to the bare dbt
build on the same data, the Dagster steps' times (ingestion, reference, GX, dbt,
publication, report), dbt's slowest nodes (run_results.json), rows in each mart and
rows_read = loaded + rejected over all files. `--json` writes everything measured.

A step whose process tree goes above --mem-limit-gb, or runs longer than
--step-timeout, is killed (its process group only) and reported as such.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion import raw_store as store
from ingestion.file_reader import parse_path, sha256_of
from ingestion.template import MEASURE_CODES, write_report_workbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a script in benchmarks/ does not see the root's sample/
from sample.reference_writer import write_reference_csv  # noqa: E402

BIN = ROOT / ".venv" / "bin"
DBT_DIR = ROOT / "dbt_project"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
N_GROUPS = 34
FIRST_ROW = 11  # the template's first data row (BaoCao!F11)
BIG_REPORT_ROWS = 5000


# ---------------------------------------------------------------------------- months


def month_add(first: dt.date, n: int) -> dt.date:
    k = first.year * 12 + first.month - 1 + n
    return dt.date(k // 12, k % 12 + 1, 1)


def last_finished_month(today: dt.date) -> dt.date:
    """The latest month `dean5299 run --as-of` accepts (the month under way is not)."""
    return month_add(today.replace(day=1), -1)


# ---------------------------------------------------------------------------- data


@dataclass
class Organisation:
    root: str
    groups: list[str]
    units: list[str]  # reporting units (leaves)
    parent: dict[str, str]
    months: list[dt.date]
    missing_month: int  # index of the month where 30 % of units are missing
    missing: np.ndarray  # bool [units]: missing in that month


def organisation(n_units: int, levels: int, months: list[dt.date]) -> Organisation:
    units = [f"U{i:05}" for i in range(1, n_units + 1)]
    groups = [f"T{g:02}" for g in range(1, N_GROUPS + 1)] if levels >= 3 else []
    parent = {u: (groups[i % len(groups)] if groups else "TW") for i, u in enumerate(units)}
    parent.update({g: "TW" for g in groups})
    rng = np.random.default_rng(7)
    missing = rng.random(n_units) < 0.30
    return Organisation("TW", groups, units, parent, months, len(months) // 2, missing)


def values_cube(n_units: int, n_months: int, months: list[dt.date]) -> np.ndarray:
    """int64 [month, unit, measure] in MEASURE_CODES order: plausible, consistent
    figures (parts within wholes, stocks that grow, January resets, VNeID balance)."""
    rng = np.random.default_rng(5299)
    cube = np.zeros((n_months, n_units, len(MEASURE_CODES)), dtype=np.int64)
    col = {code: k for k, code in enumerate(MEASURE_CODES)}
    base = rng.integers(500, 20000, n_units)
    growth = rng.integers(5, 120, n_units)
    pending = rng.integers(0, 50, n_units)
    for t, month in enumerate(months):
        total = base + growth * t
        cube[t, :, col["accounts_total"]] = total
        share = np.minimum(0.9, 0.03 * month.month)  # grows through the year, resets in January
        cube[t, :, col["accounts_transacting"]] = (total * share).astype(np.int64)
        dossiers = rng.integers(20, 400, n_units)
        cube[t, :, col["dossiers_total"]] = dossiers
        cube[t, :, col["dossiers_online"]] = (dossiers * rng.uniform(0.6, 0.95, n_units)).astype(
            np.int64
        )
        for code, (lo, hi) in {
            "dossiers_supported": (10, 300),
            "articles_posted": (0, 8),
            "households_vneid": (5, 120),
            "payment_accounts": (10, 250),
            "digital_signatures": (0, 60),
        }.items():
            cube[t, :, col[code]] = rng.integers(lo, hi, n_units)
        submitted = rng.integers(10, 90, n_units)
        activated = ((pending + submitted) * rng.uniform(0.5, 0.9, n_units)).astype(np.int64)
        pending = pending + submitted - activated
        cube[t, :, col["vneid_submitted"]] = submitted
        cube[t, :, col["vneid_activated"]] = activated
        cube[t, :, col["vneid_pending"]] = pending
    return cube


def write_reference(folder: Path, org: Organisation, cube: np.ndarray) -> None:
    folder.mkdir(parents=True)
    start, end = org.months[0], org.months[-1]
    ym = "{:%Y-%m}".format
    write_reference_csv(
        folder,
        "units",
        [
            [org.root, "Trung ương Đoàn (thử tải)", "trung_uong", "", ym(start), ""],
            *([g, f"Tỉnh Đoàn {g}", "tinh_doan", org.root, ym(start), ""] for g in org.groups),
            *(
                [u, f"Đoàn cơ sở {i + 1}", "xa_phuong", org.parent[u], ym(start), ""]
                for i, u in enumerate(org.units)
            ),
        ],
    )
    years = sorted({m.year for m in org.months})
    per_year = cube.sum(axis=0).mean(axis=0) * 12 / len(org.months)  # a unit's yearly flow
    col = {code: k for k, code in enumerate(MEASURE_CODES)}
    n = len(org.units)
    targets = []
    for y in years:
        window = (f"{y}-01", f"{y}-12")
        targets += [
            ["CT1", org.root, *window, "rate", 40, ""],
            ["CT2", org.root, *window, "rate", 80, ""],
            ["CT4", org.root, *window, "count", 6 * n, ""],
            ["CT6", org.root, *window, "count", int(per_year[col["payment_accounts"]] * n), ""],
            ["CT7", org.root, *window, "population_share", 10, ""],
            [
                "CT8", org.root, f"{y}-01", f"{y}-06", "count",
                int(per_year[col["vneid_activated"]] * n / 2), "",
            ],
        ]  # fmt: skip
        for g in org.groups:  # a group's own count targets
            households = int(per_year[col["households_vneid"]] * n / len(org.groups))
            targets.append(["CT5", g, *window, "count", households, ""])
        # CT3 on units only: the groups' and root's are their sums
        dossiers = int(per_year[col["dossiers_supported"]])
        targets += [["CT3", u, *window, "count", dossiers, ""] for u in org.units]
    targets.append(
        [
            "CT5", org.root, ym(start), ym(end), "count",
            int(per_year[col["households_vneid"]] * n * 6), 1000,
        ]
    )  # fmt: skip
    write_reference_csv(folder, "targets", targets)
    rng = np.random.default_rng(14)
    people = rng.integers(8000, 60000, len(org.units))
    write_reference_csv(
        folder,
        "population",
        [[u, y, int(p)] for y in years for u, p in zip(org.units, people, strict=True)],
    )
    shutil.copy(ROOT / "sample" / "reference" / "settings.csv", folder / "settings.csv")


def report_moments(month: dt.date, n: int, rng: np.random.Generator) -> tuple[list, list]:
    """(report_date, file mtime in µs since epoch UTC) per unit: most before the deadline
    (the 10th of the next month), about 5 % late."""
    nxt = month_add(month, 1)
    days = rng.integers(1, 10, n)
    late = rng.random(n) < 0.05
    days[late] = rng.integers(11, 20, late.sum())
    base = dt.datetime(nxt.year, nxt.month, 1, 9, 0, tzinfo=HCM)
    stamps = [
        base + dt.timedelta(days=int(d) - 1, minutes=int(k % 600)) for k, d in enumerate(days)
    ]
    return [s.date() for s in stamps], [int(s.timestamp() * 1_000_000) for s in stamps]


def raw_month_batch(
    org: Organisation, t: int, cube: np.ndarray, rng: np.random.Generator
) -> tuple[pa.Table, pa.Table, dict]:
    """One month's ingestion batch, as ingest_inbox would land it for template workbooks."""
    month = org.months[t]
    present = np.ones(len(org.units), dtype=bool)
    if t == org.missing_month:
        present = ~org.missing
    idx = np.flatnonzero(present)
    units = [org.units[i] for i in idx]
    n = len(units)
    report_dates, mtimes = report_moments(month, n, rng)
    names = [f"{month:%Y-%m}/{u}.xlsx" for u in units]
    shas = [hashlib.sha256(f"{name}|bench".encode()).hexdigest() for name in names]
    nxt = month_add(month, 1)
    ingested = dt.datetime(nxt.year, nxt.month, 20, 6, 0, tzinfo=HCM).astimezone(dt.UTC)
    batch_id = store.new_batch_id(ingested)
    files = pa.Table.from_pydict(
        {
            "batch_id": [batch_id] * n,
            "file_name": names,
            "sha256": shas,
            "size_bytes": [6790] * n,
            "file_mtime": mtimes,
            "file_format": ["xlsx"] * n,
            "parse_status": ["parsed"] * n,
            "error_code": [None] * n,
            "error_detail": [None] * n,
            "duplicate_of": [None] * n,
            "sheet_name": ["BaoCao"] * n,
            "encoding": ["unicode"] * n,
            "ingested_at": [ingested] * n,
        },
        schema=store.INBOX_FILES_SCHEMA,
    )
    k = len(MEASURE_CODES)
    by_file = np.repeat(np.arange(n), k)
    by_measure = np.tile(np.arange(k), n)
    values = pa.array(cube[t, idx, :].reshape(-1), pa.int64())

    def per_file(items, typ):
        return pa.array(items, typ).take(pa.array(by_file))

    def per_measure(items, typ):
        return pa.array(items, typ).take(pa.array(by_measure))

    rows = pa.Table.from_pydict(
        {
            "batch_id": pa.array([batch_id] * (n * k), pa.string()),
            "sha256": per_file(shas, pa.string()),
            "file_name": per_file(names, pa.string()),
            "sheet_name": pa.array(["BaoCao"] * (n * k), pa.string()),
            "row_number": per_measure(list(range(FIRST_ROW, FIRST_ROW + k)), pa.int64()),
            "location": per_measure([f"BaoCao!F{FIRST_ROW + j}" for j in range(k)], pa.string()),
            "unit_code": per_file(units, pa.string()),
            "period": pa.array([month] * (n * k), pa.date32()),
            "period_raw": pa.array([f"{month:%m/%Y}"] * (n * k), pa.string()),
            "period_error": pa.nulls(n * k, pa.string()),
            "report_date": per_file(report_dates, pa.date32()),
            "measure_code": per_measure(list(MEASURE_CODES), pa.string()),
            "raw_value": pc.cast(values, pa.string()),
            "value": values,
            "value_error": pa.nulls(n * k, pa.string()),
            "raw_cumulative": pa.nulls(n * k, pa.string()),
            "cumulative": pa.nulls(n * k, pa.int64()),
            "file_mtime": per_file(mtimes, pa.timestamp("us", tz="UTC")),
        },
        schema=store.REPORT_ROWS_SCHEMA,
    )
    return files, rows, {"report_dates": report_dates, "mtimes": mtimes, "units": units}


def write_raw_store(raw: Path, org: Organisation, cube: np.ndarray) -> int:
    """Every month but the last, one batch each; returns the rows written."""
    store.ensure_raw_store(raw)
    rng = np.random.default_rng(11)
    total = 0
    for t in range(len(org.months) - 1):
        files, rows, _ = raw_month_batch(org, t, cube, rng)
        store.write_batch(raw, files.column("batch_id")[0].as_py(), files, rows)
        total += rows.num_rows
    return total


def _workbook_job(job: tuple) -> None:
    path, unit, period, values, report_date, mtime_us, extra_rows = job
    write_report_workbook(
        path,
        unit_code=unit,
        unit_name=f"Đoàn cơ sở {unit}",
        period=period,
        values=dict(zip(MEASURE_CODES, values, strict=True)),
        report_date=report_date,
    )
    if extra_rows:
        _append_rows(Path(path), extra_rows)
    os.utime(path, ns=(mtime_us * 1000, mtime_us * 1000))


def _append_rows(path: Path, n: int) -> None:
    """A unit's report with n more table rows (codes the catalogue does not know):
    every one is read, and rejected in dbt as an unknown measure."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["BaoCao"]
    last = FIRST_ROW + len(MEASURE_CODES)
    for i in range(n):
        ws.cell(last + i, 1, len(MEASURE_CODES) + i + 1)
        ws.cell(last + i, 3, f"chi_so_phu_{i + 1:04}")  # column C: Mã chỉ số
        ws.cell(last + i, 6, i % 97)
    wb.save(path)


def workbook_jobs(
    folder: Path, org: Organisation, t: int, cube: np.ndarray, big_rows: int
) -> list[tuple]:
    month = org.months[t]
    report_dates, mtimes = report_moments(month, len(org.units), np.random.default_rng(t))
    now_us = int((time.time() - 3600) * 1_000_000)  # a file time is never in the future
    jobs = []
    for i, unit in enumerate(org.units):
        path = folder / f"{month:%Y-%m}" / f"{unit}.xlsx"
        extra = big_rows - len(MEASURE_CODES) if i == 2 else 0
        values = [int(v) for v in cube[t, i, :]]
        jobs.append(
            (str(path), unit, month, values, report_dates[i], min(mtimes[i], now_us), extra)
        )
    return jobs


def write_workbooks(jobs: list[tuple], workers: int) -> None:
    for job in jobs:
        Path(job[0]).parent.mkdir(parents=True, exist_ok=True)
    if workers < 2:
        for job in jobs:
            _workbook_job(job)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("forkserver")) as pool:
        list(pool.map(_workbook_job, jobs, chunksize=64))


def break_workbook(path: Path) -> None:
    """A workbook cut short in transit: a zip without its central directory."""
    data = path.read_bytes()
    stat = path.stat()
    path.write_bytes(data[: len(data) // 3])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def check_raw_rows_match_ingestion(org: Organisation, cube: np.ndarray, scratch: Path) -> str:
    """Real workbooks for three unit-months of the raw store, parsed by ingestion: their
    rows must be the generated rows, column for column (all but batch, sha, file time)."""
    t = 1
    _, rows, meta = raw_month_batch(org, t, cube, np.random.default_rng(11))
    checked = 0
    for i in (0, 1, len(meta["units"]) - 1):
        unit = meta["units"][i]
        path = scratch / f"{unit}.xlsx"
        u = org.units.index(unit)
        write_report_workbook(
            path,
            unit_code=unit,
            unit_name="x",
            period=org.months[t],
            values=dict(zip(MEASURE_CODES, (int(v) for v in cube[t, u, :]), strict=True)),
            report_date=meta["report_dates"][i],
        )
        parsed = parse_path(str(path), "xlsx", sha256_of(str(path)))
        real = [tuple(r) for r in parsed.rows]
        mine = rows.filter(pc.equal(rows.column("unit_code"), unit)).to_pylist()
        fields = list(parsed.rows[0]._fields)
        ours = [tuple(r[f] for f in fields) for r in mine]
        if real != ours:
            raise SystemExit(
                f"generated raw rows differ from ingestion's for {unit}:\n{real[:2]}\n{ours[:2]}"
            )
        checked += 1
    return f"{checked} unit-months: generated raw rows = ingestion's rows"


# ---------------------------------------------------------------------------- measuring


@dataclass
class Step:
    name: str
    command: list[str]
    wall_s: float = 0.0
    rc: int | None = None
    max_rss_mb: float = 0.0  # the largest single process (wait4 rusage)
    cpu_s: float = 0.0  # user + system CPU of the process and its children: on a shared
    # machine this, not the wall time, says what the step costs
    tree_rss_mb: float = 0.0  # the whole process tree, sampled every 0.25 s
    killed: str = ""
    started_at: float = 0.0  # time.time() at start
    to_publish_s: float | None = None  # start → warehouse published (CLI steps)
    dagster_steps: dict = field(default_factory=dict)
    python_profile: list = field(default_factory=list)
    dbt_nodes: list = field(default_factory=list)
    dbt_totals: dict = field(default_factory=dict)
    marts: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)
    # The DuckDB file the step leaves (the published warehouse; a bare build's file):
    # its size and the free blocks in it (dropped tables' space), MB.
    file_mb: float | None = None
    file_free_mb: float | None = None
    tail: str = ""


def tree_rss_bytes(session: int) -> int:
    total = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read().rsplit(b")", 1)[1].split()
            if int(stat[3]) != session:  # field 6: session id
                continue
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return total


def interrupt_below(session: int) -> None:
    """SIGINT to every process of the step's session but /usr/bin/time itself (its
    leader), so that time outlives them and still writes their CPU and peak RSS."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == session:
            continue
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                if int(f.read().rsplit(b")", 1)[1].split()[3]) == session:
                    os.kill(int(pid), signal.SIGINT)
        except (OSError, IndexError, ValueError):
            continue


def run_step(step: Step, env: dict, mem_limit: int, timeout: float, log: Path, enough=None) -> Step:
    """The command under /usr/bin/time in its own session; killed (that session only)
    above mem_limit bytes of the tree or after timeout seconds."""
    rss_file = log.with_suffix(".rss")
    command = ["/usr/bin/time", "-f", "%M %U %S", "-o", str(rss_file), *step.command]
    step.started_at = time.time()
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
        peak = 0
        stop = threading.Event()

        def watch() -> None:
            nonlocal peak
            while not stop.wait(0.25):
                used = tree_rss_bytes(proc.pid)
                peak = max(peak, used)
                elapsed = time.perf_counter() - started
                if enough is not None and enough():
                    step.killed = "stopped once published (--until-published)"
                    interrupt_below(proc.pid)
                    if not stop.wait(15):
                        os.killpg(proc.pid, signal.SIGKILL)
                    return
                if used > mem_limit or elapsed > timeout:
                    step.killed = (
                        f"killed: tree RSS {used / 2**30:.1f} GiB"
                        if used > mem_limit
                        else f"killed: over {timeout:.0f} s"
                    )
                    # SIGINT first: py-spy writes its profile, time its figures; then kill.
                    interrupt_below(proc.pid)
                    if not stop.wait(15 if used <= mem_limit else 2):
                        os.killpg(proc.pid, signal.SIGKILL)
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        step.rc = proc.wait()
        stop.set()
        watcher.join()
    step.wall_s = time.perf_counter() - started
    step.tree_rss_mb = peak / 2**20
    try:
        rss, user, system = rss_file.read_text().split()[-3:]
        step.max_rss_mb = int(rss) / 1024
        step.cpu_s = round(float(user) + float(system), 1)
    except (OSError, ValueError):
        pass
    step.tail = "\n".join(log.read_text(errors="replace").splitlines()[-6:])
    return step


STEP_EVENT = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .*?(STEP_START|STEP_SUCCESS|STEP_FAILURE)"
    r".*?step \"([^\"]+)\""
)


def published_watch(output: Path, since: float):
    """A predicate: has the run's log said the warehouse was published? (reads only
    what the log gained since the last look)"""
    state = {"log": None, "offset": 0}

    def published() -> bool:
        if state["log"] is None:
            logs = [p for p in (output / "logs").glob("run_*.log") if p.stat().st_mtime >= since]
            if not logs:
                return False
            state["log"] = max(logs, key=lambda p: p.stat().st_mtime)
        with state["log"].open("rb") as f:
            f.seek(state["offset"])
            gained = f.read()
        state["offset"] += len(gained)
        return b"warehouse__published - STEP_SUCCESS" in gained

    return published


def dagster_step_times(output: Path, since: float) -> tuple[dict[str, float], float | None]:
    """Seconds per Dagster step, from the CLI's run log (its newest log file), and the
    moment (epoch seconds) the warehouse was published."""
    logs = [p for p in (output / "logs").glob("run_*.log") if p.stat().st_mtime >= since]
    if not logs:
        return {}, None
    log = max(logs, key=lambda p: p.stat().st_mtime)
    starts: dict[str, dt.datetime] = {}
    times: dict[str, float] = {}
    published = None
    for line in log.read_text(errors="replace").splitlines():
        m = STEP_EVENT.match(line)
        if not m:
            continue
        moment = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f")
        if m.group(2) == "STEP_START":
            starts[m.group(3)] = moment
        elif m.group(3) in starts:
            times[m.group(3)] = (moment - starts[m.group(3)]).total_seconds()
            if m.group(3) == "warehouse__published":
                published = moment.timestamp()  # the log's local time, as time.time()
    return times, published


# py-spy names a frame "function (package/module.py:line)"; ours are these packages.
OUR_FRAME = re.compile(r"\((?:.*/)?(?:orchestration|ingestion|reports|outbox|expectations|forms)/")


def summarise_stacks(collapsed: Path, top: int = 25) -> list[tuple[str, float]]:
    """py-spy's collapsed stacks → share of samples that pass through each of our
    functions (inclusive), and of the top library frames where the time ends."""
    inclusive: dict[str, int] = {}
    leaf: dict[str, int] = {}
    total = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        seen = set()
        for frame in frames:
            if OUR_FRAME.search(frame) or frame.startswith("process "):
                key = re.sub(r":\d+\)$", ")", frame)[:140]
                if key not in seen:
                    seen.add(key)
                    inclusive[key] = inclusive.get(key, 0) + n
        end = re.sub(r":\d+\)$", ")", frames[-1])
        leaf[end] = leaf.get(end, 0) + n
    if not total:
        return []
    ours = sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]
    ends = sorted(leaf.items(), key=lambda kv: -kv[1])[:10]
    return [(f"incl {k}", round(100 * v / total, 1)) for k, v in ours] + [
        (f"self {k}", round(100 * v / total, 1)) for k, v in ends
    ]


def dbt_profile(run_results: Path, top: int = 12) -> tuple[list, dict]:
    """dbt's slowest nodes and the time by resource type, from run_results.json."""
    if not run_results.is_file():
        return [], {}
    results = json.loads(run_results.read_text())["results"]
    nodes = sorted(
        ((r["unique_id"], round(r["execution_time"], 2), r["status"]) for r in results),
        key=lambda n: -n[1],
    )
    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    for uid, seconds, _ in nodes:
        kind = uid.split(".")[0]
        totals[kind] = round(totals.get(kind, 0.0) + seconds, 2)
        counts[kind] = counts.get(kind, 0) + 1
    totals["elapsed"] = round(json.loads(run_results.read_text()).get("elapsed_time", 0.0), 2)
    return nodes[:top], {**totals, **{f"n_{k}": v for k, v in counts.items()}}


def mart_counts(db: Path) -> tuple[dict, dict]:
    import duckdb

    if not db.is_file():
        return {}, {}
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as error:  # a stopped step's file, still locked or half-written
        return {"unreadable": str(error).splitlines()[0]}, {}
    with con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "order by 1"
            ).fetchall()
        ]
        marts = {t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for t in tables}
        read, loaded, rejected, bad = con.execute(
            "select sum(rows_read), sum(rows_loaded), sum(rows_rejected), "
            "count(*) filter (where rows_read <> rows_loaded + rows_rejected) "
            "from marts.fct_file_ingestion"
        ).fetchone()
        statuses = dict(
            con.execute(
                "select status, count(*) from marts.fct_file_ingestion group by 1"
            ).fetchall()
        )
    rows = {
        "rows_read": int(read or 0),
        "rows_loaded": int(loaded or 0),
        "rows_rejected": int(rejected or 0),
        "files_not_adding_up": int(bad or 0),
        "files": statuses,
    }
    return marts, rows


def file_size(db: Path) -> tuple[float | None, float | None]:
    """The file's size and the free blocks inside it (MB), or Nones when unreadable."""
    import duckdb

    if not db.is_file():
        return None, None
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            block, free = con.execute(
                "select block_size, free_blocks from pragma_database_size() "
                "where database_name = current_database()"
            ).fetchone()
    except duckdb.Error:
        return round(db.stat().st_size / 1e6, 1), None
    return round(db.stat().st_size / 1e6, 1), round(block * free / 1e6, 1)


# ---------------------------------------------------------------------------- the run


class Bench:
    def __init__(self, tmp: Path, args: argparse.Namespace) -> None:
        self.tmp = tmp
        self.args = args
        self.steps: list[Step] = []
        self.mem_limit = int(args.mem_limit_gb * 2**30)
        self.base_env = {
            **os.environ,
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            "GX_ANALYTICS_ENABLED": "false",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "PYTHONUNBUFFERED": "1",
        }
        self.base_env.pop("DAGSTER_HOME", None)
        self.target_folders: list[Path] = []

    def deployment(self, name: str, inbox: Path, reference: Path) -> dict:
        folder = self.tmp / name
        return {
            **self.base_env,
            "DEAN5299_INBOX": str(inbox),
            "DEAN5299_REFERENCE": str(reference),
            "DEAN5299_WAREHOUSE": str(folder / "warehouse" / "dean5299.duckdb"),
            "DEAN5299_OUTPUT": str(folder / "output"),
            "DEAN5299_RAW_STORE": str(folder / "raw"),
        }

    def warm_parse(self, env: dict) -> None:
        """dbt parses the project once per deployment (its target folder) and re-uses it;
        parse it before timing, as a deployment's second run finds it parsed: with the
        run's own rendered profile, --vars and folders, or the run would parse in full."""
        code = (
            "import json;"
            "from orchestration.settings import resolve_paths;"
            "from orchestration.warehouse_assets import claim_target_path;"
            "from orchestration.dbt_profile import write_profile;"
            "from orchestration.build_mode import dbt_vars_args;"
            "paths = resolve_paths(); target = claim_target_path(paths);"
            "print(json.dumps({'target': str(target),"
            " 'profiles': str(write_profile(paths, target)),"
            " 'vars': dbt_vars_args(paths.dbt_vars())}))"
        )
        run = json.loads(subprocess.run(
            [str(BIN / "python"), "-c", code],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout)
        target = Path(run["target"])
        self.target_folders.append(target)
        self.pipeline_target = target
        subprocess.run(
            [str(BIN / "dbt"), "parse", *run["vars"]],
            env={**env, "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target),
                 "DBT_PROFILES_DIR": run["profiles"]},
            cwd=DBT_DIR,
            capture_output=True,
            check=True,
        )

    def dbt_env(self, env: dict, build_db: Path | None = None) -> dict:
        warehouse = Path(env["DEAN5299_WAREHOUSE"])
        return {
            **env,
            "DEAN5299_RAW_STORE": env["DEAN5299_RAW_STORE"],
            "DEAN5299_REFERENCE": str(warehouse.with_name(warehouse.name + ".reference")),
            "DEAN5299_BUILD_DB": str(build_db or warehouse.with_name(warehouse.name + ".building")),
        }

    def dbt_command(self, verb: str, target: Path) -> list[str]:
        extra = ["--exclude-resource-type", "unit_test"] if verb == "build" else []
        return [
            str(BIN / "dbt"),
            verb,
            *extra,
            "--project-dir",
            str(DBT_DIR),
            "--profiles-dir",
            str(DBT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(target / "logs"),
        ]

    def cli_step(self, name: str, env: dict, as_of: str) -> Step:
        command = [str(BIN / "dean5299"), "run", "--as-of", as_of]
        profile = self.tmp / f"{name}.pyspy.txt"
        if self.args.py_spy:  # sampled stacks of the CLI and its dbt subprocess
            command = [
                str(BIN / "py-spy"),
                "record",
                "--subprocesses",
                "--nonblocking",
                "-r",
                "20",
                "-f",
                "raw",
                "-o",
                str(profile),
                "--",
                *command,
            ]
        step = Step(name, command)
        since = time.time() - 1
        self.announce(step)
        enough = (
            published_watch(Path(env["DEAN5299_OUTPUT"]), since)
            if self.args.until_published and name != "sample"  # the sample: the whole run
            else None
        )
        run_step(
            step, env, self.mem_limit, self.args.step_timeout, self.tmp / f"{name}.log", enough
        )
        step.dagster_steps, published = dagster_step_times(Path(env["DEAN5299_OUTPUT"]), since)
        if published:
            step.to_publish_s = round(published - step.started_at, 1)
        if profile.is_file():
            step.python_profile = summarise_stacks(profile)
        step.dbt_nodes, step.dbt_totals = dbt_profile(self.pipeline_target / "run_results.json")
        step.marts, step.rows = mart_counts(Path(env["DEAN5299_WAREHOUSE"]))
        step.file_mb, step.file_free_mb = file_size(Path(env["DEAN5299_WAREHOUSE"]))
        return self.done(step)

    def dbt_step(self, name: str, env: dict) -> Step:
        target = self.tmp / f"target-{name}"
        db = self.tmp / f"{name}.duckdb"
        dbt_env = self.dbt_env(env, db)
        subprocess.run(
            self.dbt_command("parse", target),
            env=dbt_env,
            cwd=DBT_DIR,
            capture_output=True,
            check=True,
        )
        step = Step(name, self.dbt_command("build", target))
        self.announce(step)
        run_step(step, dbt_env, self.mem_limit, self.args.step_timeout, self.tmp / f"{name}.log")
        step.dbt_nodes, step.dbt_totals = dbt_profile(target / "run_results.json")
        step.marts, _ = mart_counts(db)
        step.file_mb, step.file_free_mb = file_size(db)
        db.unlink(missing_ok=True)
        return self.done(step)

    def announce(self, step: Step) -> None:
        shown = " ".join([Path(step.command[0]).name, *step.command[1:4]])
        print(f"  … {step.name}: {shown}", flush=True)

    def done(self, step: Step) -> Step:
        self.steps.append(step)
        status = step.killed or f"rc={step.rc}"
        print(
            f"    {step.wall_s:7.1f} s  CPU {step.cpu_s:7.1f} s  "
            f"max RSS {step.max_rss_mb:7.0f} MB  "
            f"tree {step.tree_rss_mb:7.0f} MB  {status}",
            flush=True,
        )
        if step.rc:
            print("    " + step.tail.replace("\n", "\n    "), flush=True)
        return step

    def cleanup(self) -> None:
        for folder in self.target_folders:  # the pipeline's per-deployment dbt folder
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10000)
    parser.add_argument("--months", type=int, default=72)
    parser.add_argument("--levels", type=int, choices=(2, 3), default=3)
    parser.add_argument(
        "--steps",
        default="full,dbt_full,increment,resubmit,dbt_final,sample",
        help="which of full,dbt_full,increment,resubmit,dbt_final,sample",
    )
    parser.add_argument("--gen-workers", type=int, default=2, help="processes writing workbooks")
    parser.add_argument("--mem-limit-gb", type=float, default=12.0)
    parser.add_argument("--step-timeout", type=float, default=1800.0)
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: a temp folder)")
    parser.add_argument("--json", type=Path, help="write every figure measured here")
    parser.add_argument(
        "--py-spy",
        action="store_true",
        help="sample the CLI steps with py-spy (pip install py-spy)",
    )
    parser.add_argument(
        "--until-published",
        action="store_true",
        help="stop each dean5299 run once the warehouse is published (no report)",
    )
    parser.add_argument(
        "--big-report-rows",
        type=int,
        default=BIG_REPORT_ROWS,
        help="rows of the one oversized unit report in the last month",
    )
    args = parser.parse_args()
    wanted = set(args.steps.split(","))

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="dean5299-national-"))
    tmp.mkdir(parents=True, exist_ok=True)
    bench = Bench(tmp, args)
    try:
        run(bench, args, wanted)
    finally:
        bench.cleanup()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def run(bench: Bench, args: argparse.Namespace, wanted: set[str]) -> None:
    tmp = bench.tmp
    today = dt.date.today()
    end = last_finished_month(today)
    months = [month_add(end, -(args.months - 1 - k)) for k in range(args.months)]
    org = organisation(args.units, args.levels, months)
    n = len(org.units)
    print(
        f"{platform.python_version()}, {os.cpu_count()} CPU(s), "
        f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB; "
        f"{today}; {n} units × {len(months)} months ({months[0]:%Y-%m}..{end:%Y-%m}), "
        f"levels {args.levels}; work folder {tmp}",
        flush=True,
    )
    gen: dict[str, float] = {}
    t0 = time.perf_counter()
    cube = values_cube(n, len(months), months)
    reference = tmp / "reference"
    write_reference(reference, org, cube)
    gen["reference"] = time.perf_counter() - t0

    scratch = tmp / "scratch"
    scratch.mkdir()
    print("  check:", check_raw_rows_match_ingestion(org, cube, scratch), flush=True)

    results: dict = {"machine": {}, "scale": {}, "generation_s": gen}
    if wanted & {"full", "dbt_full", "increment", "resubmit", "dbt_final"}:
        inbox = tmp / "inbox"
        inbox.mkdir()
        env = bench.deployment("national", inbox, reference)
        t0 = time.perf_counter()
        raw_rows = write_raw_store(Path(env["DEAN5299_RAW_STORE"]), org, cube)
        gen["raw_store"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        staging = tmp / "last_month"
        jobs = workbook_jobs(staging, org, len(months) - 1, cube, args.big_report_rows)
        if wanted & {"increment", "resubmit", "dbt_final"}:
            write_workbooks(jobs, args.gen_workers)
            break_workbook(Path(jobs[1][0]))  # unit 2's report arrives broken
        gen["workbooks"] = time.perf_counter() - t0
        print(
            f"  generated: reference {gen['reference']:.1f} s, raw store {raw_rows} rows "
            f"{gen['raw_store']:.1f} s, {len(jobs)} workbooks {gen['workbooks']:.1f} s "
            f"(month {org.missing_month + 1} with {int(org.missing.sum())} units missing)",
            flush=True,
        )
        bench.warm_parse(env)
        previous = f"{months[-2]:%Y-%m}"
        last = f"{end:%Y-%m}"
        if "full" in wanted:
            bench.cli_step("full", env, previous)
        if "dbt_full" in wanted:
            bench.dbt_step("dbt_full", env)
        if wanted & {"increment", "resubmit", "dbt_final"}:
            shutil.move(str(staging / f"{end:%Y-%m}"), str(inbox / f"{end:%Y-%m}"))
            if "increment" in wanted:
                bench.cli_step("increment", env, last)
        if wanted & {"resubmit", "dbt_final"}:
            old = 2
            path = inbox / f"{months[old]:%Y-%m}" / f"{org.units[3]}_nop_lai.xlsx"
            path.parent.mkdir(parents=True)
            values = [int(v) + 7 for v in cube[old, 3, :]]
            stamp = int((time.time() - 7200) * 1_000_000)
            _workbook_job(
                (
                    str(path),
                    org.units[3],
                    months[old],
                    values,
                    today - dt.timedelta(days=1),
                    stamp,
                    0,
                )
            )
            if "resubmit" in wanted:
                bench.cli_step("resubmit", env, last)
            if "dbt_final" in wanted:
                bench.dbt_step("dbt_final", env)
    if "sample" in wanted:
        from sample.sample_mtimes import restore_mtimes

        inbox = tmp / "sample_inbox"
        shutil.copytree(ROOT / "sample" / "inbox", inbox)
        restore_mtimes(inbox, ROOT / "sample" / "inbox_mtimes.csv")
        env = bench.deployment("sample", inbox, ROOT / "sample" / "reference")
        bench.warm_parse(env)
        bench.cli_step("sample", env, "2024-04")
        bench.dbt_step("sample_dbt", env)

    results["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "date": str(today),
        "load_at_end": os.getloadavg(),
    }
    results["scale"] = {
        "units": n,
        "months": len(months),
        "levels": args.levels,
        "groups": len(org.groups),
        "first": f"{months[0]:%Y-%m}",
        "last": f"{end:%Y-%m}",
        "values": n * len(months) * 12,
    }
    results["steps"] = [asdict(s) for s in bench.steps]
    print_table(bench.steps)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
        print(f"\nfigures: {args.json}")


def print_table(steps: list[Step]) -> None:
    by = {s.name: s for s in steps}
    baseline = {
        "full": "dbt_full",
        "increment": "dbt_final",
        "resubmit": "dbt_final",
        "sample": "sample_dbt",
    }
    print(
        f"\n{'step':<11}{'wall s':>9}{'× dbt':>7}{'CPU s':>8}{'× dbt':>7}{'publish s':>10}"
        f"{'max RSS MB':>12}{'tree MB':>9}{'rc':>4}  dagster steps (s)"
    )
    for s in steps:
        base = by.get(baseline.get(s.name, "")) or by.get("dbt_full")
        ratio = (
            f"{s.wall_s / base.wall_s:6.2f}" if base and base is not s and base.wall_s else "     -"
        )
        cpu_ratio = (
            f"{s.cpu_s / base.cpu_s:7.2f}" if base and base is not s and base.cpu_s else "      -"
        )
        parts = ", ".join(
            f"{k} {v:.1f}" for k, v in sorted(s.dagster_steps.items(), key=lambda kv: -kv[1])
        )
        publish = f"{s.to_publish_s:10.1f}" if s.to_publish_s is not None else f"{'-':>10}"
        print(
            f"{s.name:<11}{s.wall_s:9.1f} {ratio}{s.cpu_s:8.1f}{cpu_ratio}{publish}"
            f"{s.max_rss_mb:12.0f}"
            f"{s.tree_rss_mb:9.0f}{s.rc if s.rc is not None else '-':>4}  "
            f"{(s.killed + '; ') if s.killed else ''}{parts}"
        )
    for s in steps:
        if s.dbt_totals:
            print(f"\n{s.name}: dbt {s.dbt_totals}")
            for uid, seconds, status in s.dbt_nodes:
                print(f"    {seconds:8.2f} s  {status:<6} {uid}")
    for s in steps:
        if s.python_profile:
            print(f"\n{s.name}: py-spy, % of samples")
            for frame, share in s.python_profile:
                print(f"    {share:5.1f} %  {frame}")
    for s in steps:
        if s.file_mb is not None:
            kind = "bare build's file" if s.name.startswith(("dbt_", "sample_dbt")) else "published"
            print(f"{s.name}: {kind} {s.file_mb} MB, of which free blocks {s.file_free_mb} MB")
    for s in steps:
        if s.rows:
            print(f"\n{s.name}: {s.rows}")
            print("    marts: " + ", ".join(f"{k} {v}" for k, v in s.marts.items()))


if __name__ == "__main__":  # required: the workbook pool starts fresh interpreters
    sys.exit(main())
