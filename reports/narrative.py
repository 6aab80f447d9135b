"""The month's report as Markdown, in the style of the province's progress article.

Layout only: every sentence comes from reports/wording.py (shared with the HTML,
workbook and .docx reports).
"""

from __future__ import annotations

from reports import wording as w
from reports.children_table import (
    CHILDREN_NOTE,
    CHILDREN_TITLE,
    children_header,
    children_text_rows,
)
from reports.progress_data import ReportData
from reports.tables import CHILDREN_SHEET, ISSUES_SHEET, first_rows

MARKDOWN_RESULTS_HEADING = "## Kết quả thực hiện các chỉ tiêu"


def render_markdown(data: ReportData) -> str:
    lines = [f"# {w.report_title(data)}", "", f"**{data.province_name}**", ""]
    lines += [MARKDOWN_RESULTS_HEADING, ""]
    intro = w.results_intro(data)
    if intro:
        lines += [intro, ""]
    for _, paragraph in w.indicator_paragraphs(data):
        lines += [paragraph, ""]
    paces = w.pace_paragraphs(data)
    if paces:
        lines += ["## Tiến độ cần đạt trong các tháng còn lại", ""]
        for sentence in paces:
            lines += [sentence, ""]
    lines += children_markdown(data)
    lines += ["## Tình hình nộp báo cáo", ""]
    for sentence in w.reporting_paragraphs(data):
        lines += [sentence, ""]
    lines += ["## Vấn đề chất lượng dữ liệu", ""]
    grouped = w.first_issues(data)
    intro = w.issues_intro(data)
    lines += [intro, ""] if intro else [w.no_issues_sentence(data)]
    for unit, issues in grouped:
        lines.append(f"- **{unit}**")
        lines += [f"  - {w.issue_line(data, issue)}" for issue in issues]
    shown = sum(len(issues) for _, issues in grouped)
    more = w.more_rows_sentence(
        data, shown, len(data.issues), "vấn đề", "marts.fct_data_quality_issues", ISSUES_SHEET
    )
    if more:
        lines += ["", more]
    rejected = w.rejected_sentence(data)
    if rejected:
        lines += ["", rejected]
    lines.append("")
    return "\n".join(lines)


def children_markdown(data: ReportData) -> list[str]:
    """The scope's direct children (reports/children_table.py), a Markdown table."""
    rows, total = first_rows(children_text_rows(data))
    if not rows:
        return []
    more = w.more_rows_sentence(
        data, len(rows), total, "đơn vị", "marts.fct_indicator_progress", CHILDREN_SHEET
    )

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    header = children_header(data)
    return [
        f"## {CHILDREN_TITLE}", "", CHILDREN_NOTE, "", line(header),
        "|" + "---|" * len(header), *(line(row) for row in rows), "",
        *([more, ""] if more else []),
    ]
