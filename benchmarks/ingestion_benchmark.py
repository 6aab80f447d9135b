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
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import tempfile
import time
from pathlib import Path

import pandas as pd

from ingestion.inbox import ingest_inbox
from ingestion.template import MEASURE_CODES, write_report_workbook


def generate(inbox: Path, n_files: int) -> None:
    """N reports: unit i, month i % 24; values vary so that every file's bytes differ."""
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
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    print(f"{label:<44} {seconds:8.2f} s  {n_files / seconds:10.0f} files/s")
    if result is not None:
        print(f"{'':<44} {result}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000, help="reports to generate")
    parser.add_argument("--workers", type=int, default=2, help="parser processes")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dean5299-bench-") as tmp:
        inbox = Path(tmp) / "inbox"
        print(f"{platform.python_version()} on {os.cpu_count()} CPU(s); {args.files} files")
        started = time.perf_counter()
        generate(inbox, args.files)
        files = sorted(inbox.rglob("*.xlsx"))
        size_kib = sum(f.stat().st_size for f in files) / len(files) / 1024
        print(f"generated in {time.perf_counter() - started:.1f} s, {size_kib:.1f} KiB per file\n")

        n = len(files)

        def read_all_with_pandas() -> None:
            for f in files:
                pd.read_excel(f, header=None, engine="openpyxl")

        baseline = timed("baseline pandas.read_excel (openpyxl)", n, read_all_with_pandas)

        def run(raw: str, workers: int):
            summary = ingest_inbox(inbox, Path(tmp) / raw, workers=workers)
            return (f"parsed={summary.files_parsed} rows={summary.rows_read} "
                    f"errors={summary.rows_with_errors} batch={summary.batch_id}")  # fmt: skip

        serial = timed("ingest_inbox workers=1 (end to end)", n, lambda: run("raw1", 1))
        parallel = timed(
            f"ingest_inbox workers={args.workers} (end to end)", n,
            lambda: run("raw2", args.workers),
        )  # fmt: skip
        rerun = timed("re-run, nothing new", n, lambda: run("raw2", args.workers))
        print(
            f"\nspeed-up vs baseline: workers=1 x{baseline / serial:.1f}, "
            f"workers={args.workers} x{baseline / parallel:.1f}; re-run {rerun * 1000:.0f} ms"
        )


if __name__ == "__main__":  # required: the parser pool spawns fresh interpreters
    main()
