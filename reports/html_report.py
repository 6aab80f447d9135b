"""The month's report as one self-contained HTML file (inline CSS and SVG, no script).

Every piece of text that came from the warehouse (unit names, messages, file
names, raw values) goes through `html.escape`; the page also forbids scripts
and remote loads in its Content-Security-Policy, so a name that slipped
through could still not run or fetch anything.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from datetime import date

from forms.vi_format import month_label, number, percent
from reports.charts import ACTUAL as ACTUAL_COLOUR
from reports.charts import (
    AchievementBar,
    TrendPanel,
    UnitBar,
    UnitPanel,
    achievement_chart,
    trend_chart,
    units_chart,
)
from reports.children_table import (
    CHILDREN_NOTE,
    CHILDREN_TITLE,
    children_header,
    children_rows,
    children_text_rows,
)
from reports.pace import STATUSES, months_between
from reports.progress_data import ReportData
from reports.tables import (
    CHART_ENDS,
    CHILDREN_SHEET,
    ISSUES_SHEET,
    LIST_LIMIT,
    MISSING_SHEET,
    REJECTED_SHEET,
    SEVERITY_COLOURS,
    UNITS_CHART_LIMIT,
    SummaryRow,
    first_rows,
    missing_by_unit,
    primary_rows,
    ranked_units,
    summary_rows,
    window_text,
)
from reports.vi_collate import vi_sort_key
from reports.wording import (
    STATE_LABELS,
    first_issues,
    indicator_paragraphs,
    more_rows_sentence,
    no_issues_sentence,
    pace_paragraphs,
    rejected_sentence,
    report_title,
    reporting_paragraphs,
    results_intro,
    rule_name,
    severity_label,
    trend_caption,
    units_chart_caption,
    window_label,
)


def e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def inline_markdown(text: str) -> str:
    """The narrative's Markdown (bold only), escaped first."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", e(text))


def _month(period: date | None) -> str:
    return month_label(f"{period:%Y-%m}") if period else ""


def _table(attributes: str, headers: list[str], rows: list[str]) -> str:
    """A table in its own scrolling box: on a phone it scrolls sideways, the page does not."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    return (
        f"<div class='scroll'><table {attributes}><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _muted(text: str) -> str:
    return f"<span class='muted'>{text}</span>"


def _rate_text(rate: float | None, numerator: float, denominator: float | None) -> str:
    if rate is None or not denominator:
        return "—"
    return f"{percent(rate)} " + _muted(f"({number(numerator)}/{number(denominator)})")


CSS = """
:root{--ink:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font-family:"DejaVu Sans",Arial,sans-serif;color:var(--ink);margin:0;line-height:1.5}
main{max-width:72rem;margin:0 auto;padding:1.5rem}
header{border-bottom:3px solid #0969da;margin-bottom:1rem}
h1{font-size:1.6rem;margin:.2rem 0}
h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
h1,h2,h3,p,li{overflow-wrap:break-word}
.muted{color:var(--muted)}
nav{display:flex;flex-wrap:wrap;gap:.2rem 1rem}
.scroll{max-width:100%;overflow-x:auto;margin:.5rem 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border:1px solid var(--line);padding:.3rem .5rem;vertical-align:top}
th{background:var(--bg);text-align:left}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.status{display:inline-block;padding:0 .5rem;border-radius:1rem;color:#fff;font-size:.85rem;
white-space:nowrap}
.sev{display:inline-block;padding:0 .4rem;border-radius:.3rem;color:#fff;font-size:.8rem}
figure{margin:1rem 0}
figure svg{width:100%;height:auto}
figcaption{color:var(--muted);font-size:.9rem}
.narrative p{margin:.6rem 0}
#heat-map{width:auto}
#heat-map th[scope=row]{position:sticky;left:0;white-space:nowrap;font-weight:normal}
#heat-map td{text-align:center;color:#fff;font-weight:bold;min-width:2.2rem;padding:.2rem}
#heat-map td.hm-none{background:var(--bg)}
.hm-key{display:inline-block;width:1.4rem;text-align:center;color:#fff;border-radius:.2rem}
@media (max-width:40rem){
main{padding:.75rem}
h1{font-size:1.3rem}
table{font-size:.82rem}
th,td{padding:.25rem .35rem}
#heat-map th[scope=row]{white-space:normal;min-width:8rem}
}
@media print{
@page{size:A4;margin:12mm 12mm 14mm}
body{font-size:8.5pt;line-height:1.3}
main{max-width:none;padding:0}
nav{display:none}
header{margin-bottom:.4rem}
h1{font-size:14pt}
h2{font-size:11.5pt;margin-top:.8rem;break-after:avoid}
h3{font-size:10pt;margin:.5rem 0 .2rem;break-after:avoid}
.scroll{overflow:visible;margin:.2rem 0 .5rem}
table{font-size:7.5pt}
th,td{padding:.05rem .3rem}
tr,figure{break-inside:avoid}
.status,.sev{font-size:7.5pt;print-color-adjust:exact;-webkit-print-color-adjust:exact}
#heat-map td,.hm-key,tr{print-color-adjust:exact;-webkit-print-color-adjust:exact}
figure svg{max-height:70mm}
table.children{font-size:7pt}
table.children td{padding:0 .25rem}
#chart-trend,#chart-units{display:none}
#don-vi .unit-grid{columns:2;column-gap:6mm}
#don-vi .unit-grid>div{break-inside:avoid}
.unit-table th:nth-child(6),.unit-table td:nth-child(6){display:none}
.narrative p{margin:.3rem 0}
footer{font-size:7.5pt}
}
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
SECTIONS = [
    ("tong-quan", "Tổng quan"),
    ("ket-qua", "Kết quả"),
    ("don-vi", "Theo đơn vị"),
    ("nop-bao-cao", "Nộp báo cáo"),
    ("chat-luong", "Chất lượng dữ liệu"),
]


def _status_chip(status) -> str:
    return f"<span class='status' style='background:{status.colour}'>{e(status.label)}</span>"


def _actual_cell(item: SummaryRow) -> str:
    row = item.row
    if item.is_rate:
        return _rate_text(row.actual_value, row.numerator, row.denominator)
    text = number(row.numerator)
    pending = row.measures.get("vneid_pending") if row.indicator_code == "CT8" else None
    if pending is not None:
        text += " " + _muted(f"(chờ duyệt: {number(pending)})")
    return text


def _target_cell(item: SummaryRow) -> str:
    row = item.row
    if row.target_value is None:
        return "—"
    return percent(row.target_value) if item.is_rate else number(row.target_value)


def _pace_cell(item: SummaryRow) -> str:
    pace = item.pace
    if pace is None:
        return "—"
    if pace.needed_per_month is None:
        return "đã đạt" if pace.reached else "hết kỳ"
    return f"{number(pace.needed_per_month)}/tháng × {pace.months_remaining} tháng<br>" + _muted(
        f"đang đạt {number(pace.current_per_month)}/tháng"
    )


def summary_table(data: ReportData) -> str:
    rows = []
    for item in summary_rows(data):
        row = item.row
        achievement = percent(row.achievement_pct) if row.achievement_pct is not None else "—"
        window = f"{row.window_start:%Y-%m}..{row.window_end:%Y-%m}"
        rows.append(
            f"<tr data-indicator='{e(row.indicator_code)}' data-window='{window}' "
            f"data-status='{item.status.key}' style='border-left:6px solid {item.status.colour}'>"
            f"<td>{e(row.indicator_code)}</td><td>{e(row.indicator_name)}</td>"
            f"<td>{e(window_label(row))}<br>"
            + _muted(window_text(row.window_start, row.window_end))
            + "</td>"
            f"<td class='num actual'>{_actual_cell(item)}</td>"
            f"<td class='num target'>{_target_cell(item)}</td>"
            f"<td class='num achievement'>{achievement}</td>"
            f"<td class='num pace'>{_pace_cell(item)}</td>"
            f"<td>{_status_chip(item.status)}</td></tr>"
        )
    legend = " ".join(
        _status_chip(STATUSES[key])
        for key in ("done", "on_track", "behind", "far_behind", "no_target")
    )
    headers = ["Mã", "Chỉ tiêu", "Kỳ chỉ tiêu", "Kết quả", "Chỉ tiêu giao", "% đạt"]
    return (
        _table("id='summary'", [*headers, "Cần bình quân", "Đánh giá"], rows)
        + f"<p class='muted'>Đánh giá: {legend}. Chỉ tiêu tỷ lệ: so tỷ lệ đạt được với tỷ lệ "
        "giao; chỉ tiêu số lượng: so với tiến độ thời gian (đường thẳng từ 0 đầu kỳ đến chỉ tiêu "
        "cuối kỳ); “chậm nhiều” khi dưới 75% mức cần đạt.</p>"
    )


def _figure(chart_id: str, marks: int, svg: str, caption: str) -> str:
    return (
        f"<figure id='{chart_id}' data-marks='{marks}'>{svg}"
        f"<figcaption>{e(caption)}</figcaption></figure>"
    )


def _achievement_figure(data: ReportData) -> str:
    primary = primary_rows(data)
    bars = []
    for item in summary_rows(data):
        row = item.row
        if row.achievement_pct is None:
            continue
        label = row.indicator_code
        if row is not primary[row.indicator_code]:
            label += f" ({window_label(row)})"
        time_share = item.pace.time_share_pct if item.pace else None
        bars.append(AchievementBar(label, row.achievement_pct, item.status.colour, time_share))
    if not bars:
        return ""
    return _figure(
        "chart-achievement",
        len(bars),
        achievement_chart(bars),
        "Hình 1. Mức đạt của từng chỉ tiêu so với 100% chỉ tiêu giao "
        "(chỉ tiêu tỷ lệ: tỷ lệ đạt được / tỷ lệ giao).",
    )


def _month_labels(start: date, end: date) -> list[str]:
    labels = []
    year, month = start.year, start.month
    for _ in range(months_between(start, end)):
        labels.append(f"T{month}" if start.year == end.year else f"{month:02d}/{year % 100:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels


def _trend_figure(data: ReportData) -> str:
    panels = []
    for code, row in primary_rows(data).items():
        points = data.trend.get(row.window_key, [])
        is_rate = row.target_kind == "rate"
        actual = [(p.actual_value or 0.0) if is_rate else p.numerator for p in points]
        labels = _month_labels(row.window_start, row.window_end)
        title = f"{code} · {window_label(row)}"
        panels.append(TrendPanel(code, title, labels, actual, row.target_value, is_rate))
    if not panels:
        return ""
    return _figure(
        "chart-trend",
        sum(len(p.actual) for p in panels),
        trend_chart(panels),
        trend_caption(data),
    )


@dataclass(frozen=True)
class _Bar:
    """What a panel of chart 3 needs of a unit (a ranked unit or a direct child)."""

    name: str
    actual_value: float | None
    numerator: float
    achievement_pct: float | None
    colour: str = ACTUAL_COLOUR


def _panel(code: str, row, items: list[_Bar]) -> UnitPanel:
    """One indicator's panel: rates against the target rate, else the achievement when
    every bar has one, else the counts."""
    if row.target_kind == "rate":
        bars = [
            UnitBar(i.name, i.actual_value, i.colour) for i in items if i.actual_value is not None
        ]
        bars.sort(key=lambda b: -b.value)
        return UnitPanel(
            code, f"{code} · tỷ lệ đạt được (vạch: chỉ tiêu)", bars, True, row.target_value
        )
    if items and all(i.achievement_pct is not None for i in items):
        bars = [UnitBar(i.name, i.achievement_pct, i.colour) for i in items]
        return UnitPanel(code, f"{code} · % đạt chỉ tiêu của đơn vị", bars, True, 100.0)
    bars = [UnitBar(i.name, i.numerator, ACTUAL_COLOUR) for i in items]
    bars.sort(key=lambda b: -b.value)
    return UnitPanel(code, f"{code} · {row.unit_of_measure}", bars)


def _unit_panel(data: ReportData, code: str, row) -> UnitPanel:
    ranked = [r for r in ranked_units(data, row.window_key) if r.rank is not None]
    items = [
        _Bar(r.unit.unit_name, r.unit.actual_value, r.unit.numerator, r.unit.achievement_pct,
             r.status.colour)
        for r in ranked
    ]  # fmt: skip
    return _panel(code, row, items)


def _children_panel(data: ReportData, code: str, row) -> UnitPanel:
    children = [c for c in data.children if c.window_key == row.window_key]
    order = {r.unit_code: index for index, r in enumerate(children_rows(data))}
    children.sort(key=lambda c: order.get(c.unit_code, 0))
    return _panel(
        code,
        row,
        [_Bar(c.unit_name, c.actual_value, c.numerator, c.achievement_pct) for c in children],
    )


def _ends(panel: UnitPanel) -> UnitPanel:
    """The first and last CHART_ENDS bars, each named with its place in the ranking."""
    bars = [b._replace(label=f"{i}. {b.label}") for i, b in enumerate(panel.bars, start=1)]
    return replace(panel, bars=bars[:CHART_ENDS] + bars[-CHART_ENDS:])


def _units_figure(data: ReportData) -> str:
    panels = [_unit_panel(data, code, row) for code, row in primary_rows(data).items()]
    panels = [p for p in panels if p.bars]
    if not panels:
        return ""
    units = max(len(p.bars) for p in panels)
    mode, children = "all", len({c.unit_code for c in data.children})
    if units > UNITS_CHART_LIMIT:
        has_group = any(c.level == "group" for c in data.children)
        if has_group and children <= UNITS_CHART_LIMIT:
            mode = "children"
            panels = [_children_panel(data, code, row) for code, row in primary_rows(data).items()]
            panels = [p for p in panels if p.bars]
        else:
            mode = "ends"
            panels = [_ends(p) if len(p.bars) > 2 * CHART_ENDS else p for p in panels]
    return _figure(
        "chart-units",
        sum(len(p.bars) for p in panels),
        units_chart(panels),
        units_chart_caption(data, mode, units, children),
    )


def unit_tables(data: ReportData) -> str:
    parts = []
    for code, row in primary_rows(data).items():
        is_rate = row.target_kind == "rate"
        body = []
        shown, total = first_rows(ranked_units(data, row.window_key))
        for ranked in shown:
            unit = ranked.unit
            if not unit.reported or unit.actual_value is None:
                actual = _muted("chưa báo cáo")
            elif is_rate:
                actual = _rate_text(unit.actual_value, unit.numerator, unit.denominator)
            else:
                actual = number(unit.numerator)
            if unit.target_value is None:
                target = "—"
            else:
                target = percent(unit.target_value) if is_rate else number(unit.target_value)
            achieved = unit.achievement_pct
            body.append(
                f"<tr data-unit='{e(unit.unit_code)}'>"
                f"<td class='num rank'>{ranked.rank or '—'}</td><td>{e(unit.unit_name)}</td>"
                f"<td class='num actual'>{actual}</td><td class='num target'>{target}</td>"
                f"<td class='num achievement'>{percent(achieved) if achieved is not None else '—'}"
                f"</td><td>{_status_chip(ranked.status)}</td></tr>"
            )
        headers = ["Hạng", "Đơn vị", "Kết quả", "Chỉ tiêu", "% đạt", "Đánh giá"]
        parts.append(
            f"<div><h3>{e(code)} — {e(row.indicator_name)} ({e(window_label(row))})</h3>"
            + _table(f"class='unit-table' data-indicator='{e(code)}'", headers, body)
            + _more(data, len(shown), total, "đơn vị", "marts.fct_unit_rankings", code)
            + "</div>"
        )
    return "<div class='unit-grid'>" + "".join(parts) + "</div>"


STATE_COLOURS = {"on_time": "#2da44e", "late": "#d4a72c", "missing": "#cf222e"}
STATE_MARKS = {"on_time": "✓", "late": "M", "missing": "✗"}


def heat_map(data: ReportData) -> str:
    """Months of the as-of year × reporting units: on time, late, missing (the unit's own
    scroll box on a phone; the first column stays in view)."""
    if not data.submissions:
        return ""
    months = sorted({cell.period for cell in data.submissions})
    by_unit: dict[tuple[str, str], dict] = {}
    for cell in data.submissions:
        by_unit.setdefault((cell.unit_code, cell.unit_name), {})[cell.period] = cell
    ordered = sorted(by_unit.items(), key=lambda item: vi_sort_key(item[0][1]))
    what = "đơn vị"
    if len(ordered) > LIST_LIMIT:  # the units with the most months missing or late first
        what = "đơn vị (trước hết là đơn vị có nhiều tháng chưa nộp, nộp muộn nhất)"
        ordered.sort(key=lambda item: -sum(c.state != "on_time" for c in item[1].values()))
    shown, total = first_rows(ordered)
    rows = []
    for (code, name), cells in shown:
        tds = []
        for month in months:
            cell = cells.get(month)
            if cell is None:  # not active that month
                tds.append("<td class='hm-none'></td>")
                continue
            state = cell.state
            tds.append(
                f"<td class='hm' data-state='{state}' style='background:{STATE_COLOURS[state]}' "
                f"title='{e(name)} · {e(_month(month))}: {e(STATE_LABELS[state])}'>"
                f"{STATE_MARKS[state]}</td>"
            )
        rows.append(f"<tr data-unit='{e(code)}'><th scope='row'>{e(name)}</th>{''.join(tds)}</tr>")
    head = "".join(f"<th>T{m.month}</th>" for m in months)
    legend = " ".join(
        f"<span class='hm-key' style='background:{STATE_COLOURS[s]}'>{STATE_MARKS[s]}</span> "
        f"{e(STATE_LABELS[s])}"
        for s in ("on_time", "late", "missing")
    )
    return (
        f"<h3>Nộp báo cáo từng tháng năm {data.as_of.year}</h3>"
        f"<div class='scroll'><table id='heat-map'><thead><tr><th>Đơn vị</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div><p class='muted'>{legend}</p>"
        + _more(data, len(shown), total, what, "marts.fct_submission_status")
    )


def submissions_section(data: ReportData) -> str:
    text = [f"<p>{e(sentence)}</p>" for sentence in reporting_paragraphs(data)]
    text.append(heat_map(data))
    missing = missing_by_unit(data)
    if not missing:
        text.append("<p id='missing-none'>Không có đơn vị nào thiếu báo cáo.</p>")
        return "".join(text)
    shown, total = first_rows(sorted(missing.items(), key=lambda i: vi_sort_key(i[0][1])))
    rows = [
        f"<tr data-unit='{e(code)}'><td>{e(code)}</td><td>{e(name)}</td>"
        f"<td>{e(', '.join(_month(p) for p in periods))}</td>"
        f"<td class='num'>{len(periods)}</td></tr>"
        for (code, name), periods in shown
    ]
    headers = ["Mã", "Đơn vị", "Tháng chưa nộp", "Số tháng"]
    text.append(
        "<h3>Đơn vị chưa nộp báo cáo</h3>"
        + _table("id='missing'", headers, rows)
        + _more(data, len(shown), total, "đơn vị", "marts.fct_submission_status", MISSING_SHEET)
    )
    return "".join(text)


def _more(data: ReportData, shown: int, total: int, what: str, table: str, sheet=None) -> str:
    """Under a list cut short (reports.tables.LIST_LIMIT): where the full list is."""
    sentence = more_rows_sentence(data, shown, total, what, table, sheet)
    return f"<p class='muted more'>{e(sentence)}</p>" if sentence else ""


def _severity_chip(severity: str) -> str:
    colour = SEVERITY_COLOURS.get(severity, "#57606a")
    return f"<span class='sev' style='background:{colour}'>{e(severity_label(severity))}</span>"


def issues_section(data: ReportData) -> str:
    if not data.issues and not data.rejected_rows:
        return f"<p>{e(no_issues_sentence(data, 'dữ liệu'))}</p>"
    parts = []
    grouped = first_issues(data)
    for unit, issues in grouped:
        rows = [
            f"<tr data-severity='{e(i.severity)}' data-rule='{e(i.rule_id)}'>"
            f"<td>{_severity_chip(i.severity)}</td>"
            f"<td>{e(_month(i.period))}</td><td>{e(rule_name(data, i.rule_id))}</td>"
            f"<td>{e(i.message)}</td></tr>"
            for i in issues
        ]
        headers = ["Mức độ", "Tháng", "Quy tắc", "Nội dung"]
        parts.append(f"<h3>{e(unit)}</h3>" + _table("class='issues'", headers, rows))
    shown_issues = sum(len(issues) for _, issues in grouped)
    parts.append(
        _more(data, shown_issues, len(data.issues), "vấn đề", "marts.fct_data_quality_issues",
              ISSUES_SHEET)
    )  # fmt: skip
    if data.rejected_rows:
        shown, total = first_rows(data.rejected_rows)
        rows = [
            f"<tr><td>{e(r.file_name)}</td><td class='num'>{e(r.row_number)}</td>"
            f"<td>{e(r.measure_code)}</td><td>{e(r.raw_value)}</td>"
            f"<td>{e(r.message or r.reason_code)}</td></tr>"
            for r in shown
        ]
        headers = ["Tệp", "Dòng", "Chỉ số", "Giá trị trong tệp", "Lý do"]
        parts.append(
            f"<h3>Dòng số liệu không nạp được</h3><p>{e(rejected_sentence(data))}</p>"
            + _table("id='rejected'", headers, rows)
            + _more(data, len(shown), total, "dòng", "marts.fct_rejected_rows", REJECTED_SHEET)
        )
    return "".join(parts)


def children_section(data: ReportData) -> str:
    """The scope's direct children (reports/children_table.py)."""
    rows, total = first_rows(children_text_rows(data))
    if not rows:
        return ""
    body = [
        "<tr>" + "".join(
            f"<td>{e(cell)}</td>" if index < 2 else f"<td class='num'>{e(cell)}</td>"
            for index, cell in enumerate(row)
        ) + "</tr>"
        for row in rows
    ]
    return (
        f"<h3 id='truc-thuoc'>{e(CHILDREN_TITLE)}</h3><p class='muted'>{e(CHILDREN_NOTE)}</p>"
        + _table("class='children'", children_header(data), body)
        + _more(data, len(rows), total, "đơn vị", "marts.fct_indicator_progress", CHILDREN_SHEET)
    )


def render_html(data: ReportData) -> str:
    month = f"{data.as_of.month}/{data.as_of.year}"
    title = report_title(data)
    intro = results_intro(data)
    narrative = f"<p class='scope'>{e(intro)}</p>" if intro else ""
    narrative += "".join(
        f"<p data-indicator='{e(code)}'>" + inline_markdown(paragraph) + "</p>"
        for code, paragraph in indicator_paragraphs(data)
    )
    paces = pace_paragraphs(data)
    if paces:
        narrative += "<h3>Tiến độ cần đạt trong các tháng còn lại</h3>" + "".join(
            f"<p class='pace'>{e(sentence)}</p>" for sentence in paces
        )
    nav = "".join(f"<a href='#{anchor}'>{e(label)}</a>" for anchor, label in SECTIONS)
    return f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{e(title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header>
<p class="muted">{e(data.province_name)} · Đề án 5299</p>
<h1>{e(title)}</h1>
<nav>{nav}</nav>
</header>
<section id="tong-quan">
<h2>1. Tổng quan các chỉ tiêu</h2>
{summary_table(data)}
{_achievement_figure(data)}
</section>
<section id="ket-qua" class="narrative">
<h2>2. Kết quả thực hiện các chỉ tiêu</h2>
{narrative}
{_trend_figure(data)}
</section>
<section id="don-vi">
<h2>3. Kết quả theo đơn vị</h2>
{children_section(data)}
{_units_figure(data)}
{unit_tables(data)}
</section>
<section id="nop-bao-cao">
<h2>4. Tình hình nộp báo cáo</h2>
{submissions_section(data)}
</section>
<section id="chat-luong">
<h2>5. Vấn đề chất lượng dữ liệu</h2>
{issues_section(data)}
</section>
<footer class="muted"><p>Số liệu: kho dữ liệu công bố (schema <code>marts</code>), tính đến
hết tháng {month}. Kho giữ nguyên giá trị chính xác; báo cáo làm tròn nửa lên đến phần trăm
nguyên.</p></footer>
</main>
</body>
</html>
"""
