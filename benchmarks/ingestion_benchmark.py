"""Ingestion throughput: ingest_inbox against a plain pandas.read_excel baseline.

    .venv/bin/python benchmarks/ingestion_benchmark.py --files 2000

Writes N distinct reports in the province template (ingestion.template; 12 measures,
styled, one unit-month each) into a temporary inbox, then times, in the same run:
  1. baseline: pandas.read_excel (default engine, openpyxl) of every file, serially;
     it only parses, nothing is validated or stored;
  2. ingest_inbox with workers=1 (serial), end to end: scan, hash, parse, validate,
     land Parquet;
  3. ingest_inbox with --workers (default 2) into a fresh raw store, end to end;
  4. a re-run of (3) with nothing new.
--repeat N runs (2) and (3) N times, alternately, and prints each one's median: on a
shared machine a single run says little. --parse-only adds the parser alone (no scan,
hash or landing) serially, in 2 threads and in 2 processes, with the CPU seconds of
this process, to show where the parallel path's time goes. --inbox DIR times an
existing inbox instead of generating one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

# pandas, openpyxl and pyarrow are imported where used, not here: the parser processes'
# forkserver imports this module (it is __main__), and would pay for them inside the
# timed parallel run, which the CLI's own small __main__ does not.


def generate(inbox: Path, n_files: int) -> None:
    """N reports: unit i, month i % 24; values vary so that every file's bytes differ."""
    from ingestion.template import MEASURE_CODES, write_report_workbook

    for i in range(n_files):
        period = dt.date(2023 + (i % 24) // 12, (i % 12) + 1, 1)
        folder = inbox / f"{period:%Y-%m}"
        folder.mkdir(parents=True, exist_ok=True)
        values = {code: (i * 7 + k * 13) % 5000 for k, code in enumerate(MEASURE_CODES)}
        write_report_workbook(
            folder / f"unit_{i:05}.xlsx",
            unit_code=f"U{i:05}",
            unit_name=f"Đơn vị {i}",
            period=period,
            values=values,
            report_date=period + dt.timedelta(days=40),
        )


def timed(label: str, n_files: int, action) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu  # this process only (not the parser processes)
    print(f"{label:<44} {seconds:8.2f} s  {n_files / seconds:10.0f} files/s  {cpu:7.2f} s CPU")
    if result is not None:
        print(f"{'':<44} {result}")
    CPU.setdefault(label, []).append(cpu)
    return seconds


CPU: dict[str, list[float]] = {}  # label -> CPU seconds of each run with that label


def parse_only(files: list[Path], workers: int) -> None:
    """The parser alone over the same files: serial, threads, processes (chunks)."""
    from ingestion.file_reader import sha256_of
    from ingestion.parallel import parse_chunk

    jobs = [(str(f), f.suffix.lstrip(".").lower(), sha256_of(str(f))) for f in files]
    n = len(jobs)
    size = -(-n // (workers * 4))
    chunks = [jobs[i : i + size] for i in range(0, n, size)]

    def cpu_timed(label: str, action) -> None:
        cpu = time.process_time()
        seconds = timed(label, n, action)
        print(
            f"{'':<44} this process: {time.process_time() - cpu:.2f} s CPU "
            f"({100 * (time.process_time() - cpu) / seconds:.0f} % of the wall time)"
        )

    cpu_timed("parse only, serial", lambda: parse_chunk(jobs) and None)
    with ThreadPoolExecutor(workers) as pool:
        threads = f"parse only, {workers} threads"
        cpu_timed(threads, lambda: [*pool.map(parse_chunk, chunks)] and None)
    context = get_context("forkserver")
    context.set_forkserver_preload(["ingestion.parallel"])

    def processes() -> None:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            list(pool.map(parse_chunk, chunks))

    cpu_timed(f"parse only, {workers} processes (pool start included)", processes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000, help="reports to generate")
    parser.add_argument("--workers", type=int, default=2, help="parser processes")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each ingest_inbox")
    parser.add_argument("--parse-only", action="store_true", help="time the parser alone too")
    parser.add_argument("--inbox", type=Path, help="an existing inbox (nothing generated)")
    parser.add_argument("--no-baseline", action="store_true", help="leave pandas out")
    parser.add_argument(
        "--even-if-busy", action="store_true",
        help="start the parser processes even when no core is free (ingestion/inbox.py)",
    )  # fmt: skip
    args = parser.parse_args()
    import pandas as pd

    import ingestion.inbox as inbox_module
    from ingestion.inbox import ingest_inbox

    if args.even_if_busy:
        inbox_module._free_cores = lambda: os.cpu_count() or 1

    with tempfile.TemporaryDirectory(prefix="dean5299-bench-") as tmp:
        inbox = args.inbox or Path(tmp) / "inbox"
        print(
            f"{platform.python_version()} on {os.cpu_count()} CPU(s), load "
            f"{os.getloadavg()[0]:.1f}; {args.files if not args.inbox else inbox}"
        )
        started = time.perf_counter()
        if not args.inbox:
            generate(inbox, args.files)
        files = sorted(inbox.rglob("*.xlsx"))
        size_kib = sum(f.stat().st_size for f in files) / len(files) / 1024
        print(
            f"{len(files)} files ready in {time.perf_counter() - started:.1f} s, "
            f"{size_kib:.1f} KiB per file\n"
        )

        n = len(files)

        def read_all_with_pandas() -> None:
            for f in files:
                pd.read_excel(f, header=None, engine="openpyxl")

        baseline = None
        if not args.no_baseline:
            baseline = timed("baseline pandas.read_excel (openpyxl)", n, read_all_with_pandas)

        def run(raw: str, workers: int):
            summary = ingest_inbox(inbox, Path(tmp) / raw, workers=workers)
            return (f"parsed={summary.files_parsed} rows={summary.rows_read} "
                    f"errors={summary.rows_with_errors} batch={summary.batch_id}")  # fmt: skip

        serial_runs, parallel_runs = [], []
        for k in range(args.repeat):  # alternately, so that a change of load hits both
            serial_runs.append(
                timed("ingest_inbox workers=1 (end to end)", n, lambda k=k: run(f"raw1-{k}", 1))
            )
            parallel_runs.append(timed(
                f"ingest_inbox workers={args.workers} (end to end)", n,
                lambda k=k: run(f"raw2-{k}", args.workers),
            ))  # fmt: skip
        serial = statistics.median(serial_runs)
        parallel = statistics.median(parallel_runs)
        rerun = timed("re-run, nothing new", n, lambda: run("raw2-0", args.workers))
        if args.parse_only:
            print()
            parse_only(files, args.workers)
        print(
            f"\nmedians of {args.repeat}: workers=1 {serial:.2f} s, workers={args.workers} "
            f"{parallel:.2f} s (x{serial / parallel:.2f}); re-run {rerun * 1000:.0f} ms; "
            f"load {os.getloadavg()[0]:.1f}"
        )
        serial_cpu = statistics.median(CPU["ingest_inbox workers=1 (end to end)"])
        print(f"CPU seconds of workers=1: median {serial_cpu:.2f} s of {args.repeat}")
        if baseline:
            base_cpu = CPU["baseline pandas.read_excel (openpyxl)"][0]
            print(
                f"speed-up vs baseline: workers=1 x{baseline / serial:.1f}, "
                f"workers={args.workers} x{baseline / parallel:.1f}; in CPU seconds "
                f"(pandas' over the serial runs' median): x{base_cpu / serial_cpu:.1f}"
            )


if __name__ == "__main__":  # required: the parser pool spawns fresh interpreters
    main()
