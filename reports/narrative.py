"""The month's report as text, in the style of the province's progress article."""

from __future__ import annotations

from datetime import date

from reports.pace import pace_of
from reports.progress_data import Issue, ProgressRow, ReportData, previous_quarter_end
from reports.tables import UNIT_OF_MEASURE
from reports.vi_format import month_label, number, percent, percent_floor

ROMAN_QUARTERS = {1: "I", 2: "II", 3: "III", 4: "IV"}
SEVERITY_LABELS = {"error": "Lỗi", "warn": "Cảnh báo", "info": "Lưu ý"}

RATE_PHRASES = {
    "CT1": "tài khoản có phát sinh giao dịch thực tế",
    "CT2": "hồ sơ thủ tục hành chính do ĐVTN thực hiện trực tuyến",
}


def window_label(row: ProgressRow) -> str:
    start, end = row.window_start, row.window_end
    if start.year == end.year and start.month == 1 and end.month == 12:
        return f"năm {start.year}"
    if start.year != end.year:
        return f"giai đoạn {start.year}–{end.year}"
    deadline_month, deadline_year = (end.month % 12) + 1, end.year + (end.month // 12)
    return f"trước ngày 01/{deadline_month}/{deadline_year}"


def _achievement(row: ProgressRow) -> str:
    if row.achievement_pct is None:
        return "chưa có chỉ tiêu giao"
    return f"đạt {percent(row.achievement_pct)} chỉ tiêu"


def rate_sentence(row: ProgressRow) -> str:
    phrase = RATE_PHRASES.get(row.indicator_code, "")
    if not row.denominator:
        return f"chưa có số liệu {phrase} ({window_label(row)})"
    target = (
        f"chỉ tiêu {window_label(row)}: {percent(row.target_value)}"
        if row.target_value
        else "chưa có chỉ tiêu"
    )
    return (
        f"có {number(row.numerator)}/{number(row.denominator)} {phrase}, "
        f"đạt tỷ lệ {percent(row.actual_value)} ({target})"
    )


def count_sentence(row: ProgressRow) -> str:
    phrase = UNIT_OF_MEASURE.get(row.indicator_code, "")
    if row.target_kind == "population_share":
        if row.target_value is None:
            return f"có {number(row.numerator)} {phrase} ({window_label(row)})"
        return (
            f"có {number(row.numerator)} {phrase}, {_achievement(row)} {window_label(row)} "
            f"({number(row.target_value)} người, tính theo số công dân từ 14 tuổi trở lên)"
        )
    target = f" ({number(row.target_value)} {phrase})" if row.target_value is not None else ""
    return f"có {number(row.numerator)} {phrase}, {_achievement(row)} {window_label(row)}{target}"


def growth_sentence(row: ProgressRow, as_of: date) -> str | None:
    """CT7's growth on the end of the previous quarter (as the article states it)."""
    quarter_end = previous_quarter_end(as_of)
    if not row.previous_quarter_numerator or quarter_end < row.window_start:
        return None
    growth = 100.0 * (row.numerator / row.previous_quarter_numerator - 1)
    quarter = ROMAN_QUARTERS[(quarter_end.month - 1) // 3 + 1]
    direction = "tăng hơn" if growth >= 0 else "giảm hơn"
    since = f"so với thời điểm hết quý {quarter}/{quarter_end.year}"
    return f"{direction} {percent_floor(abs(growth))} {since}"


def pace_sentence(row: ProgressRow, as_of: date) -> str | None:
    """'để đạt chỉ tiêu năm 2024 cần bình quân 5.568 hồ sơ/tháng trong 8 tháng còn lại ...'"""
    pace = pace_of(row, as_of)
    if pace is None:
        return None
    phrase = UNIT_OF_MEASURE.get(row.indicator_code, "")
    label = window_label(row)
    if pace.reached:
        return f"đã hoàn thành chỉ tiêu {label}"
    if pace.needed_per_month is None:
        shortfall = number(pace.shortfall)
        return f"kỳ chỉ tiêu {label} kết thúc, còn thiếu {shortfall} {phrase}"
    verdict = "đạt tiến độ" if pace.on_track else "chưa đạt tiến độ"
    return (
        f"để đạt chỉ tiêu {label} cần bình quân {number(pace.needed_per_month)} {phrase}/tháng "
        f"trong {pace.months_remaining} tháng còn lại (bình quân {pace.months_elapsed} tháng qua: "
        f"{number(pace.current_per_month)} {phrase}/tháng, {verdict})"
    )


def indicator_paragraph(
    code: str, rows: list[ProgressRow], as_of: date, with_pace: bool = True
) -> str:
    """The article's paragraph; without the pace (the .docx states it in its section III)."""
    first = rows[0]
    parts = []
    for row in rows:
        if row.target_kind == "rate":
            parts.append(rate_sentence(row))
            continue
        sentence = (
            count_sentence(row)
            if row is first
            else (
                f"lũy kế {window_label(row)}: {number(row.numerator)}, {_achievement(row)}"
                + (f" ({number(row.target_value)})" if row.target_value is not None else "")
            )
        )
        parts.append(sentence)
    extras = []
    if first.target_kind == "population_share":
        growth = growth_sentence(first, as_of)
        if growth:
            extras.append(growth)
    pending = first.measures.get("vneid_pending")
    if code == "CT8" and pending is not None:
        extras.append(f"còn lại {number(pending)} tài khoản đang ở trạng thái chờ duyệt")
    number_label = code.removeprefix("CT")
    text = (
        f"**Chỉ tiêu {number_label}** ({first.indicator_name}): " + "; ".join(parts + extras) + "."
    )
    paces = [s for row in rows if with_pace and (s := pace_sentence(row, as_of))]
    if paces:
        text += " Tiến độ: " + "; ".join(paces) + "."
    return text


def issues_section(issues: list[Issue]) -> list[str]:
    if not issues:
        return ["Không phát hiện vấn đề chất lượng dữ liệu."]
    lines = []
    by_unit: dict[str, list[Issue]] = {}
    for issue in issues:
        by_unit.setdefault(issue.unit_name or issue.unit_code or "Toàn tỉnh", []).append(issue)
    for unit, unit_issues in by_unit.items():
        lines.append(f"- **{unit}**")
        for issue in unit_issues:
            label = SEVERITY_LABELS.get(issue.severity, issue.severity)
            lines.append(f"  - {label} ({issue.rule_id}): {issue.message}")
    return lines


def missing_section(data: ReportData) -> list[str]:
    """Earlier months still without a report (the as-of month is in the line above)."""
    earlier: dict[str, list[str]] = {}
    for missing in data.missing_reports:
        if missing.period < data.as_of:
            earlier.setdefault(missing.unit_name, []).append(month_label(f"{missing.period:%Y-%m}"))
    if not earlier:
        return []
    listed = "; ".join(f"{unit} ({', '.join(months)})" for unit, months in earlier.items())
    return ["", f"Các tháng trước chưa nộp báo cáo: {listed}."]


def render_markdown(data: ReportData) -> str:
    month = f"{data.as_of.month}/{data.as_of.year}"
    lines = [
        f"# Báo cáo tiến độ thực hiện Đề án 5299 — tính đến hết tháng {month}",
        "",
        f"**{data.province_name}**",
        "",
        "## Kết quả thực hiện các chỉ tiêu",
        "",
    ]
    by_indicator: dict[str, list[ProgressRow]] = {}
    for row in data.progress:
        by_indicator.setdefault(row.indicator_code, []).append(row)
    for code, rows in by_indicator.items():
        lines += [indicator_paragraph(code, rows, data.as_of), ""]
    lines += [
        "## Tình hình nộp báo cáo",
        "",
        f"{data.units_submitted}/{data.units_expected} đơn vị đã nộp báo cáo tháng {month}"
        + (f"; nộp muộn: {', '.join(data.units_late)}" if data.units_late else "")
        + (f"; chưa nộp: {', '.join(data.units_missing)}" if data.units_missing else "")
        + ".",
        *missing_section(data),
        "",
        "## Vấn đề chất lượng dữ liệu",
        "",
        *issues_section(data.issues),
        "",
    ]
    return "\n".join(lines)
