"""Writes the month's report files into DEAN5299_OUTPUT/<YYYY-MM>/.

bao_cao_<YYYY-MM>.md    the article-style narrative (for pasting into an article)
bao_cao_<YYYY-MM>.html  the full report, self-contained (charts inline)
bao_cao_<YYYY-MM>.xlsx  the workbook (summary, one sheet per indicator, issues)
bao_cao_<YYYY-MM>.docx  the official document (CONTRACT §12, reports/docx_report.py)
van_de_du_lieu_<YYYY-MM>.csv  the data-quality issues, for forwarding to units

A report of the root is a publication (CONTRACT §9): recorded in the raw store's
publication log, and, when its month was published before with other root figures,
it opens with what changed since (reports/revisions.py).

A group's report (`unit_code`, CONTRACT §10) has the same files, in
DEAN5299_OUTPUT/<YYYY-MM>/<CODE>/; it is not a publication and has no revision section
(publications are the root's); its pending revisions are its subtree's.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

from forms.safe_text import csv_cell
from reports.docx_report import write_docx
from reports.excel_report import write_workbook
from reports.html_report import render_html
from reports.narrative import render_markdown
from reports.progress_data import ReportData, load_report_data
from reports.publications import (
    publications_of,
    read_figures,
    record_publication,
    root_changes,
    root_code,
)
from reports.revisions import (
    pending_html,
    pending_markdown,
    read_pending_revisions,
    revision_html,
    revision_markdown,
)

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


# Where the time-model sections go: the revision before the results, the pending
# revisions after everything else.
MARKDOWN_RESULTS_HEADING = "## Kết quả thực hiện các chỉ tiêu"
HTML_FIRST_SECTION = '<section id="tong-quan">'
HTML_FOOTER = '<footer class="muted">'


def _insert_before(text: str, anchor: str, insert: str) -> str:
    if not insert:
        return text
    if anchor not in text:
        raise ValueError(f"report anchor not found: {anchor}")
    return text.replace(anchor, insert + anchor, 1)


def report_folder(output: Path, as_of: date, unit_code: str | None = None) -> Path:
    """Where a month's report goes: <output>/YYYY-MM/ for the root, <output>/YYYY-MM/<CODE>/
    for a group."""
    folder = output / f"{as_of:%Y-%m}"
    return folder / unit_code if unit_code else folder


def write_reports(
    warehouse: Path,
    output: Path,
    as_of: date,
    raw_store: Path | None = None,
    unit_code: str | None = None,
) -> dict[str, Path]:
    """Writes the month's files; with `raw_store`, records the root's report as a
    publication. `unit_code` names a group (ScopeError when it has no report that month);
    empty or the root's code: the province report."""
    data = load_report_data(warehouse, as_of, unit_code)
    pending = read_pending_revisions(warehouse, as_of)
    if data.is_root:
        figures = read_figures(warehouse, as_of)
        earlier = publications_of(raw_store, as_of) if raw_store is not None else []
        changes = (
            root_changes(earlier[-1].figures, figures, root_code(warehouse)) if earlier else []
        )
    else:
        earlier, changes = [], []
        pending = [revision for revision in pending if revision.unit_code in data.subtree]
    markdown = _insert_before(
        render_markdown(data),
        MARKDOWN_RESULTS_HEADING,
        revision_markdown(earlier[-1], changes) + "\n" if changes else "",
    )
    if pending:
        markdown = markdown.rstrip("\n") + "\n\n" + pending_markdown(pending)
    revision = revision_html(earlier[-1], changes) if changes else ""
    html = _insert_before(render_html(data), HTML_FIRST_SECTION, revision)
    html = _insert_before(html, HTML_FOOTER, pending_html(pending) if pending else "")
    folder = report_folder(output, as_of, None if data.is_root else data.province_code)
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(".*.tmp"):  # from a run killed while writing
        leftover.unlink()
    paths = {
        "markdown": folder / f"bao_cao_{as_of:%Y-%m}.md",
        "html": folder / f"bao_cao_{as_of:%Y-%m}.html",
        "xlsx": folder / f"bao_cao_{as_of:%Y-%m}.xlsx",
        "docx": folder / f"bao_cao_{as_of:%Y-%m}.docx",
        "issues_csv": folder / f"van_de_du_lieu_{as_of:%Y-%m}.csv",
    }
    _atomic_text(paths["markdown"], markdown)
    _atomic_text(paths["html"], html)
    _atomic(paths["xlsx"], lambda tmp: write_workbook(data, tmp))
    _atomic(paths["docx"], lambda tmp: write_docx(data, tmp))
    # With a BOM so that Excel opens the Vietnamese text as UTF-8.
    _atomic_text(paths["issues_csv"], issues_csv(data), encoding="utf-8-sig")
    if raw_store is not None and data.is_root:
        record_publication(raw_store, as_of, paths["markdown"], figures)
    return paths
