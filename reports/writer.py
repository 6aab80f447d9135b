"""Writes the month's report files into DEAN5299_OUTPUT/<YYYY-MM>/.

bao_cao_<YYYY-MM>.md    the article-style narrative (for pasting into an article)
bao_cao_<YYYY-MM>.html  the full report, self-contained (charts inline)
bao_cao_<YYYY-MM>.xlsx  the workbook (summary, one sheet per indicator, issues)
van_de_du_lieu_<YYYY-MM>.csv  the data-quality issues, for forwarding to units
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

from reports.excel_report import write_workbook
from reports.html_report import render_html
from reports.narrative import render_markdown
from reports.progress_data import ReportData, load_report_data
from reports.safe_text import csv_cell

ISSUE_CSV_COLUMNS = [
    "severity",
    "unit_code",
    "unit_name",
    "period",
    "rule_id",
    "measure_code",
    "observed_value",
    "limit_value",
    "message",
]


def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    # Readers never see half a report: write beside it, then rename.
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def _atomic_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    _atomic(path, lambda tmp: tmp.write_text(text, encoding=encoding, newline=""))


def _plain_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


def issues_csv(data: ReportData) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ISSUE_CSV_COLUMNS)
    for issue in data.issues:
        writer.writerow(
            [
                csv_cell(issue.severity),
                csv_cell(issue.unit_code),
                csv_cell(issue.unit_name),
                f"{issue.period:%Y-%m}" if issue.period else "",
                csv_cell(issue.rule_id),
                csv_cell(issue.measure_code),
                _plain_number(issue.observed_value),
                _plain_number(issue.limit_value),
                csv_cell(issue.message),
            ]
        )
    return buffer.getvalue()


def write_reports(warehouse: Path, output: Path, as_of: date) -> dict[str, Path]:
    data = load_report_data(warehouse, as_of)
    folder = output / f"{as_of:%Y-%m}"
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(".*.tmp"):  # from a run killed while writing
        leftover.unlink()
    paths = {
        "markdown": folder / f"bao_cao_{as_of:%Y-%m}.md",
        "html": folder / f"bao_cao_{as_of:%Y-%m}.html",
        "xlsx": folder / f"bao_cao_{as_of:%Y-%m}.xlsx",
        "issues_csv": folder / f"van_de_du_lieu_{as_of:%Y-%m}.csv",
    }
    _atomic_text(paths["markdown"], render_markdown(data))
    _atomic_text(paths["html"], render_html(data))
    _atomic(paths["xlsx"], lambda tmp: write_workbook(data, tmp))
    # With a BOM so that Excel opens the Vietnamese text as UTF-8.
    _atomic_text(paths["issues_csv"], issues_csv(data), encoding="utf-8-sig")
    return paths
