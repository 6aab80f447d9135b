"""The table of the report scope's direct children (issue #15, CONTRACT §10): one row per
group or reporting unit directly under the root (or under the group whose report it is)
and active in the month, one column per indicator (its first window, as the province
table), so that a former province's or a cluster's figures are visible beside the units.

Every writer (md, html, xlsx, docx) lays out the same rows from here; the figures are
marts.fct_indicator_progress's rows of the children (ReportData.children).
"""

from __future__ import annotations

from dataclasses import dataclass

from forms.vi_format import number, percent
from reports.progress_data import ChildProgress, ReportData
from reports.tables import primary_rows
from reports.vi_collate import vi_sort_key

CHILDREN_TITLE = "Kết quả của các đơn vị trực thuộc"
CHILDREN_NOTE = (
    "Mỗi ô: kết quả / chỉ tiêu giao (tỷ lệ đạt); chỉ tiêu tỷ lệ: tỷ lệ đạt được / tỷ lệ "
    "mục tiêu. Số liệu của một đơn vị cấp tổng hợp (Tỉnh Đoàn cũ, cụm) là tổng của các đơn "
    "vị trực thuộc nó."
)
LEVEL_LABELS = {"group": "cấp tổng hợp", "unit": "đơn vị báo cáo"}


@dataclass(frozen=True)
class ChildRow:
    unit_code: str
    unit_name: str
    level: str
    cells: list[ChildProgress | None]  # one per column of children_columns, in order


def children_columns(data: ReportData) -> list[tuple[str, tuple]]:
    """(indicator_code, window_key) of each column: each indicator's first window."""
    return [(code, row.window_key) for code, row in primary_rows(data).items()]


def children_rows(data: ReportData) -> list[ChildRow]:
    """Groups first, then reporting units, each in Vietnamese alphabetical order."""
    columns = children_columns(data)
    by_key = {(c.unit_code, c.window_key): c for c in data.children}
    units = {(c.unit_code, c.unit_name, c.level) for c in data.children}
    ordered = sorted(units, key=lambda u: (u[2] != "group", vi_sort_key(u[1]), u[0]))
    return [
        ChildRow(code, name, level, [by_key.get((code, key)) for _, key in columns])
        for code, name, level in ordered
    ]


def cell_text(cell: ChildProgress | None) -> str:
    """'2.538 / 6.000 (42%)' for a count; '84% / 80%' for a rate; '—' without a row."""
    if cell is None or cell.actual_value is None:
        return "—"
    if cell.target_kind == "rate":
        actual = percent(cell.actual_value)
        return actual if cell.target_value is None else f"{actual} / {percent(cell.target_value)}"
    actual = number(cell.numerator)
    if cell.target_value is None:
        return actual
    text = f"{actual} / {number(cell.target_value)}"
    if cell.achievement_pct is not None:
        text += f" ({percent(cell.achievement_pct)})"
    return text


def children_header(data: ReportData) -> list[str]:
    return ["Đơn vị", "Loại"] + [code for code, _ in children_columns(data)]


def children_text_rows(data: ReportData) -> list[list[str]]:
    """The table as text, the same for md, html and docx."""
    return [
        [row.unit_name, LEVEL_LABELS.get(row.level, row.level)]
        + [cell_text(cell) for cell in row.cells]
        for row in children_rows(data)
    ]
