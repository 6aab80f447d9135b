"""Two sections of the report that come from the time model (CONTRACT §9):

- "Điều chỉnh so với báo cáo đã phát hành ngày D": the root's figures that changed
  since the month's previous publication (only when some did);
- "Số liệu nộp lại sau khi chốt, chưa được cập nhật": fct_pending_revisions, so the
  data team decides whether to close the month again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from forms.vi_format import number, percent
from reports.publications import FigureChange, Publication

TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
REVISION_TITLE = "Điều chỉnh so với báo cáo đã phát hành ngày {date}"
PENDING_TITLE = "Số liệu nộp lại sau khi chốt, chưa được cập nhật"

FIGURE_LABELS = {
    "numerator": "số đạt được (tử số)",
    "denominator": "mẫu số",
    "actual_value": "kết quả",
    "target_value": "chỉ tiêu",
    "achievement_pct": "% đạt chỉ tiêu",
}

PENDING_QUERY = """
    select r.unit_code, coalesce(u.unit_name, r.unit_code), r.period, r.measure_code,
           coalesce(m.measure_name, r.measure_code), r.official_value, r.revised_value,
           r.source_file, r.ingested_at
    from marts.fct_pending_revisions r
    left join marts.dim_unit u using (unit_code)
    left join reference.measures m using (measure_code)
    where r.period <= ?
    order by r.period, r.unit_code, r.measure_code
"""


@dataclass(frozen=True)
class PendingRevision:
    unit_code: str
    unit_name: str
    period: dt.date
    measure_code: str
    measure_name: str
    official_value: float | None
    revised_value: float | None
    source_file: str | None
    ingested_at: dt.datetime | None


def read_pending_revisions(warehouse: Path, as_of: dt.date) -> list[PendingRevision]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(PENDING_QUERY, [as_of]).fetchall()
    return [PendingRevision(*row) for row in rows]


def _figure(value: float | None) -> str:
    if value is None:
        return "(không có)"
    return number(value, 0 if float(value).is_integer() else 2)


def _changed(change: FigureChange, value: float | None) -> str:
    """A changed figure; the achievement is a percentage, written as everywhere (34,12%)."""
    if change.column != "achievement_pct" or value is None:
        return _figure(value)
    return percent(value, 0 if float(value).is_integer() else 2)


def _window(change: FigureChange) -> str:
    return f"{change.window_start:%m/%Y}–{change.window_end:%m/%Y}"


def revision_title(previous: Publication) -> str:
    local = previous.published_at.astimezone(TIMEZONE)
    return REVISION_TITLE.format(date=f"{local:%d/%m/%Y}")


def revision_markdown(previous: Publication, changes: list[FigureChange]) -> str:
    lines = [f"## {revision_title(previous)}", ""]
    lines += [
        f"- {c.indicator_code} ({_window(c)}), {FIGURE_LABELS[c.column]}: "
        f"{_changed(c, c.old)} → {_changed(c, c.new)}"
        for c in changes
    ]
    return "\n".join(lines) + "\n"


def pending_markdown(pending: list[PendingRevision]) -> str:
    lines = [
        f"## {PENDING_TITLE}",
        "",
        "| Đơn vị | Tháng | Chỉ số | Số liệu chính thức | Số liệu nộp lại | Tệp |",
        "|---|---|---|---|---|---|",
    ]
    for p in pending:
        lines.append(
            f"| {p.unit_name} | {p.period:%m/%Y} | {p.measure_name} | {_figure(p.official_value)} "
            f"| {_figure(p.revised_value)} | {p.source_file or ''} |".replace("\n", " ")
        )
    lines += ["", "Các tháng này đã chốt số liệu; chốt lại để cập nhật (dean5299 close)."]
    return "\n".join(lines) + "\n"


def revision_html(previous: Publication, changes: list[FigureChange]) -> str:
    items = "".join(
        f"<li>{escape(c.indicator_code)} ({escape(_window(c))}), "
        f"{escape(FIGURE_LABELS[c.column])}: "
        f"{escape(_changed(c, c.old))} → {escape(_changed(c, c.new))}</li>"
        for c in changes
    )
    return (
        f"<section id='dieu-chinh'><h2>{escape(revision_title(previous))}</h2>"
        f"<ul>{items}</ul></section>\n"
    )


def pending_html(pending: list[PendingRevision]) -> str:
    head = "".join(
        f"<th>{h}</th>"
        for h in ("Đơn vị", "Tháng", "Chỉ số", "Số liệu chính thức", "Số liệu nộp lại", "Tệp")
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(v)}</td>"
            for v in (
                p.unit_name, f"{p.period:%m/%Y}", p.measure_name, _figure(p.official_value),
                _figure(p.revised_value), p.source_file or "",
            )
        )
        + "</tr>"
        for p in pending
    )
    return (
        f"<section id='nop-lai-sau-chot'><h2>{escape(PENDING_TITLE)}</h2>"
        f"<table id='pending-revisions'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        "<p>Các tháng này đã chốt số liệu; chốt lại để cập nhật (dean5299 close).</p></section>\n"
    )
