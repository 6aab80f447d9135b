"""Every sentence of the report, in one place (issue #17: one source of wording).

The Markdown (narrative.py), HTML, workbook and official document (.docx) call these
functions and only lay the text out; a phrasing fix is one edit here. Sentences are plain
text, except that `indicator_paragraph` opens with the indicator's label in `**bold**`
(each format turns that into its own bold). Figures come from the marts through
ReportData and are written the Vietnamese way (vi_format); names of units are listed in
Vietnamese alphabetical order (vi_collate); rules are named by the rule catalogue
(marts.dim_data_quality_rule), never by their English rule_id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from forms.vi_format import month_label, number, percent, percent_floor
from reports.pace import STATUSES
from reports.progress_data import Issue, ProgressRow, ReportData
from reports.report_settings import ReportSettings, report_settings
from reports.tables import CHART_ENDS, LIST_LIMIT, SEVERITY_ORDER
from reports.vi_collate import vi_sort_key, vi_sorted

ROMAN_QUARTERS = {1: "I", 2: "II", 3: "III", 4: "IV"}
SEVERITY_LABELS = {"error": "Lỗi", "warn": "Cảnh báo", "info": "Lưu ý"}

# What the rate indicators count (numerator/denominator), as the article says it.
RATE_PHRASES = {
    "CT1": "tài khoản phát sinh giao dịch thực tế",
    "CT2": "hồ sơ thủ tục hành chính do ĐVTN thực hiện trực tuyến",
}
# What was done, before the count ("đã đăng 333 tin, bài"); other indicators: "đạt".
COUNT_VERBS = {
    "CT3": "đã hỗ trợ người dân nộp",
    "CT4": "đã đăng",
    "CT5": "đã hướng dẫn, hỗ trợ",
    "CT6": "đã hỗ trợ",
    "CT7": "đã hỗ trợ",
    "CT8": "đã hỗ trợ kích hoạt thành công",
}
STATE_LABELS = {"on_time": "Đúng hạn", "late": "Muộn", "missing": "Chưa nộp"}


def status_of_key(key: str):
    return STATUSES[key]


def settings_of(data: ReportData) -> ReportSettings:
    return report_settings(data.settings, data.province_name)


# ---- whose report: the root's sentences stay the province's, a group's name it ----------


def scope_name(data: ReportData) -> str:
    """The report's scope as dim_unit names it (the root's or the group's unit_name)."""
    return data.province_name


def of_scope(data: ReportData) -> str:
    """' của <group>' in a group's report (CONTRACT §10), '' in the root's: the root's
    sentences are the published ones and stay word for word."""
    return "" if data.is_root else f" của {scope_name(data)}"


def units_of_scope(data: ReportData) -> str:
    """'các đơn vị' in the root's report, 'các đơn vị thuộc <group>' in a group's."""
    return "các đơn vị" if data.is_root else f"các đơn vị thuộc {scope_name(data)}"


def month_phrase(as_of: date) -> str:
    return f"tháng {as_of.month}/{as_of.year}"


def names(items) -> str:
    """'A, B và C' in Vietnamese alphabetical order."""
    ordered = vi_sorted(items)
    if len(ordered) <= 1:
        return "".join(ordered)
    return ", ".join(ordered[:-1]) + " và " + ordered[-1]


def indicator_label(code: str) -> str:
    return f"Chỉ tiêu {code.removeprefix('CT')}"


def rule_name(data: ReportData, rule_id: str) -> str:
    """The rule's Vietnamese name from the catalogue (the rule_id only for a rule the
    warehouse's catalogue does not know)."""
    return data.rule_names.get(rule_id, rule_id)


def severity_label(severity: str) -> str:
    return SEVERITY_LABELS.get(severity, severity)


# ---- section I: one paragraph per indicator -------------------------------------------


def window_label(row: ProgressRow) -> str:
    start, end = row.window_start, row.window_end
    if start.year == end.year and start.month == 1 and end.month == 12:
        return f"năm {start.year}"
    if start.year != end.year:
        return f"giai đoạn {start.year}–{end.year}"
    deadline_month, deadline_year = (end.month % 12) + 1, end.year + (end.month // 12)
    return f"trước ngày 01/{deadline_month}/{deadline_year}"


def _is_deadline(row: ProgressRow) -> bool:
    return window_label(row).startswith("trước ngày")


def rate_sentence(row: ProgressRow) -> str:
    """'3.857/45.600 tài khoản …, đạt tỷ lệ 8%; chỉ tiêu năm 2024 là 40%'."""
    phrase = RATE_PHRASES.get(row.indicator_code, "")
    if not row.denominator:
        return f"chưa có số liệu {phrase} ({window_label(row)})".replace("  ", " ")
    text = f"{number(row.numerator)}/{number(row.denominator)} {phrase}".rstrip()
    text += f", đạt tỷ lệ {percent(row.actual_value)}"
    if row.target_value:
        text += f"; chỉ tiêu {window_label(row)} là {percent(row.target_value)}"
    else:
        text += " (chưa có chỉ tiêu giao)"
    return text


def _target_clause(row: ProgressRow, unit: str) -> str:
    """What the achievement is measured against, so that no figure reads as the target
    by mistake: '(chỉ tiêu giao: 66.000 hồ sơ)'."""
    if row.target_kind == "population_share":
        return (
            f" (chỉ tiêu giao: {number(row.target_value)} {unit}, tính theo tỷ lệ giao trên "
            "số công dân từ 14 tuổi trở lên)"
        )
    if _is_deadline(row):
        deadline = window_label(row)
        return f" (chỉ tiêu giao: {number(row.target_value)} {unit}, hoàn thành {deadline})"
    return f" (chỉ tiêu giao: {number(row.target_value)} {unit})"


def count_sentence(row: ProgressRow, first: bool = True) -> str:
    """'đã hỗ trợ người dân nộp 21.458 hồ sơ, đạt 33% chỉ tiêu năm 2024 (chỉ tiêu giao:
    66.000 hồ sơ)'; a further window of the same indicator: 'lũy kế giai đoạn …: …'."""
    unit = row.unit_of_measure
    figure = f"{number(row.numerator)} {unit}".rstrip()
    if first:
        verb = COUNT_VERBS.get(row.indicator_code, "đạt")
        head = f"{verb} {figure}"
    else:
        head = f"lũy kế {window_label(row)}: {figure}"
    if row.target_value is None or row.achievement_pct is None:
        return f"{head} ({window_label(row)}, chưa có chỉ tiêu giao)"
    which = "chỉ tiêu" if _is_deadline(row) else f"chỉ tiêu {window_label(row)}"
    return f"{head}, đạt {percent(row.achievement_pct)} {which}{_target_clause(row, unit)}"


def growth_sentence(row: ProgressRow) -> str | None:
    """CT7's growth on the end of the previous quarter, as the article states it (the
    figure is fct_indicator_pace's; the words are the report's)."""
    growth, quarter_end = row.growth_on_previous_quarter_pct, row.previous_quarter_as_of
    if growth is None or quarter_end is None:
        return None
    quarter = ROMAN_QUARTERS[(quarter_end.month - 1) // 3 + 1]
    direction = "tăng hơn" if growth >= 0 else "giảm hơn"
    since = f"so với thời điểm hết quý {quarter}/{quarter_end.year}"
    return f"{direction} {percent_floor(abs(growth))} {since}"


def indicator_paragraph(code: str, rows: list[ProgressRow]) -> str:
    """The article's paragraph for one indicator (all its windows); the pace to target is
    said once for all indicators (`pace_paragraphs`)."""
    first = rows[0]
    parts = [
        rate_sentence(row) if row.target_kind == "rate" else count_sentence(row, row is first)
        for row in rows
    ]
    if first.target_kind == "population_share":
        growth = growth_sentence(first)
        if growth:
            parts.append(growth)
    pending = first.measures.get("vneid_pending")
    if code == "CT8" and pending is not None:
        parts.append(f"còn lại {number(pending)} tài khoản đang ở trạng thái chờ duyệt")
    text = "; ".join(parts)
    return f"**{indicator_label(code)}** ({first.indicator_name}): {text[:1].upper()}{text[1:]}."


def by_indicator(data: ReportData) -> dict[str, list[ProgressRow]]:
    grouped: dict[str, list[ProgressRow]] = {}
    for row in data.progress:
        grouped.setdefault(row.indicator_code, []).append(row)
    return grouped


def indicator_paragraphs(data: ReportData) -> list[tuple[str, str]]:
    """(indicator_code, paragraph) for every indicator, in the marts' order."""
    return [(code, indicator_paragraph(code, rows)) for code, rows in by_indicator(data).items()]


# ---- the pace the remaining months need (said once, grouped by window) ----------------


def _row_label(data: ReportData, row: ProgressRow) -> str:
    """'Chỉ tiêu 5' or, for an indicator with several windows, 'Chỉ tiêu 5 (giai đoạn …)'."""
    label = indicator_label(row.indicator_code)
    if sum(1 for r in data.progress if r.indicator_code == row.indicator_code) > 1:
        label += f" ({window_label(row)})"
    return label


@dataclass(frozen=True)
class _PaceGroup:
    window: str
    months_remaining: int
    months_elapsed: int


def _join_labels(labels: list[str], capital: bool = True) -> str:
    """['Chỉ tiêu 3', 'Chỉ tiêu 4'] -> 'Các chỉ tiêu 3, 4'; one -> 'Chỉ tiêu 3'."""
    if len(labels) == 1:
        text = labels[0]
    else:
        text = "các chỉ tiêu " + ", ".join(label.removeprefix("Chỉ tiêu ") for label in labels)
    return text[:1].upper() + text[1:] if capital else text[:1].lower() + text[1:]


def pace_paragraphs(data: ReportData) -> list[str]:
    """One sentence per target window and months left: what each count indicator needs per
    month from now, with the monthly average so far, then which are on track."""
    groups: dict[_PaceGroup, list[ProgressRow]] = {}
    done, ended = [], []
    for row in data.progress:
        pace = row.pace
        if pace is None:
            continue
        if pace.reached:
            done.append(row)
        elif pace.needed_per_month is None:
            ended.append(row)
        else:
            key = _PaceGroup(window_label(row), pace.months_remaining, pace.months_elapsed)
            groups.setdefault(key, []).append(row)
    sentences = []
    subject = "" if data.is_root else f"{scope_name(data)} "
    for key, rows in groups.items():
        items = []
        for index, row in enumerate(rows):
            unit = row.unit_of_measure
            so_far = number(row.pace.current_per_month)
            if index == 0:  # said once: the figure in brackets is the average so far
                so_far = f"bình quân {key.months_elapsed} tháng qua: {so_far}"
            items.append(
                f"{indicator_label(row.indicator_code)}: "
                f"{number(row.pace.needed_per_month)} {unit} ({so_far})"
            )
        verdicts = []
        for on_track, word in ((False, "chưa đạt tiến độ"), (True, "đạt tiến độ")):
            labels = [
                indicator_label(r.indicator_code) for r in rows if bool(r.pace.on_track) is on_track
            ]
            if labels:
                verdicts.append(f"{_join_labels(labels)} {word}")
        # "Các chỉ tiêu 4, 6 chưa đạt tiến độ; các chỉ tiêu 3, 5 đạt tiến độ": one sentence.
        verdict = "; ".join(v if i == 0 else v[:1].lower() + v[1:] for i, v in enumerate(verdicts))
        sentences.append(
            f"Để {subject}đạt chỉ tiêu {key.window}, trong {key.months_remaining} tháng còn "
            "lại mỗi tháng cần bình quân: "
            + "; ".join(items)
            + f". {verdict[:1].upper()}{verdict[1:]}."
        )
    if done:
        sentences.append(
            f"{'Đã' if data.is_root else scope_name(data) + ' đã'} hoàn thành chỉ tiêu: "
            + ", ".join(_row_label(data, r) for r in done)
            + "."
        )
    for row in ended:
        unit = row.unit_of_measure
        sentences.append(
            f"{_row_label(data, row)}: kỳ chỉ tiêu {window_label(row)} đã kết thúc, còn thiếu "
            f"{number(row.pace.shortfall)} {unit}."
        )
    return sentences


# ---- section II: reporting, missing and late units ------------------------------------


@dataclass(frozen=True)
class RateLine:
    """The month's rates of one node, as the report states them."""

    name: str
    received: int
    on_time: int
    expected: int
    reporting_rate_pct: float | None
    on_time_rate_pct: float | None


def _root_rates(data: ReportData) -> RateLine:
    root = next((r for r in data.rates if r.unit_code == data.province_code), None)
    if root is not None:
        return RateLine(
            root.unit_name,
            root.received,
            root.on_time,
            root.expected,
            root.reporting_rate_pct,
            root.on_time_rate_pct,
        )
    # A warehouse without fct_reporting_rates: the month's fct_submission_status.
    expected, received = data.units_expected, data.units_submitted
    on_time = received - len(data.units_late)
    return RateLine(
        data.province_name,
        received,
        on_time,
        expected,
        100.0 * received / expected if expected else None,
        100.0 * on_time / expected if expected else None,
    )


def rate_text(value: float | None) -> str:
    return percent(value) if value is not None else "—"


def below_targets(rate, settings: ReportSettings) -> bool:
    """A node whose month's reporting or on-time rate is under its target."""
    reporting, on_time = rate.reporting_rate_pct, rate.on_time_rate_pct
    return (reporting is not None and reporting < settings.reporting_rate_target) or (
        on_time is not None and on_time < settings.on_time_rate_target
    )


def _units_of(data: ReportData) -> str:
    return "" if data.is_root else f" của {units_of_scope(data)}"


def reporting_paragraphs(data: ReportData) -> list[str]:
    """'Tình hình nộp báo cáo': the scope's rates for the month against the targets, who is
    late or missing, the groups and units below the targets, earlier months missing."""
    settings = settings_of(data)
    month = month_phrase(data.as_of)
    root = _root_rates(data)
    reporting_target = percent(settings.reporting_rate_target)
    on_time_target = percent(settings.on_time_rate_target)
    lines = [
        f"Báo cáo {month}{_units_of(data)}: {root.received}/{root.expected} đơn vị đã nộp, "
        "tỷ lệ nộp báo cáo "
        f"{rate_text(root.reporting_rate_pct)} (yêu cầu {reporting_target}); "
        f"{root.on_time}/{root.expected} đơn vị nộp đúng hạn, tỷ lệ đúng hạn "
        f"{rate_text(root.on_time_rate_pct)} (yêu cầu {on_time_target})."
    ]
    if data.units_missing or data.units_late:
        parts = []
        if data.units_missing:
            parts.append(f"chưa nộp: {names(data.units_missing)}")
        if data.units_late:
            parts.append(f"nộp muộn: {names(data.units_late)}")
        text = "; ".join(parts)
        lines.append(f"Trong {month}, {text}.")
    groups_below = [r for r in data.rates if r.level == "group" and below_targets(r, settings)]
    if groups_below:
        listed = "; ".join(
            f"{r.unit_name} (nộp {rate_text(r.reporting_rate_pct)}, đúng hạn "
            f"{rate_text(r.on_time_rate_pct)})"
            for r in vi_sorted(groups_below, key=lambda r: r.unit_name)
        )
        lines.append(f"Cụm, khối dưới mức yêu cầu trong {month}: {listed}.")
    lines += year_to_date_paragraphs(data, settings)
    earlier = earlier_missing_sentence(data)
    if earlier:
        lines.append(earlier)
    return lines


def year_to_date_paragraphs(data: ReportData, settings: ReportSettings) -> list[str]:
    """From January through the month: the reporting units below either target."""
    if not data.reporting or data.as_of.month == 1:
        return []
    start = f"tháng 1 đến hết {month_phrase(data.as_of)}"
    below_reporting, below_on_time = [], []
    for unit in vi_sorted(data.reporting, key=lambda u: u.unit_name):
        if not unit.expected:
            continue
        if 100.0 * unit.received / unit.expected < settings.reporting_rate_target:
            below_reporting.append(
                f"{unit.unit_name} ({unit.received}/{unit.expected} báo cáo, "
                f"{percent(100.0 * unit.received / unit.expected)})"
            )
        if 100.0 * unit.on_time / unit.expected < settings.on_time_rate_target:
            below_on_time.append(
                f"{unit.unit_name} ({unit.on_time}/{unit.expected} báo cáo, "
                f"{percent(100.0 * unit.on_time / unit.expected)})"
            )
    if not below_reporting and not below_on_time:
        every = "mọi đơn vị" if data.is_root else f"mọi đơn vị thuộc {scope_name(data)}"
        return [f"Từ {start}, {every} đều đạt tỷ lệ nộp báo cáo và tỷ lệ đúng hạn yêu cầu."]
    lines = []
    if below_reporting:
        lines.append(
            f"Từ {start}, đơn vị có tỷ lệ nộp báo cáo dưới "
            f"{percent(settings.reporting_rate_target)}: " + "; ".join(below_reporting) + "."
        )
    if below_on_time:
        lines.append(
            f"Đơn vị có tỷ lệ nộp đúng hạn dưới {percent(settings.on_time_rate_target)}: "
            + "; ".join(below_on_time)
            + "."
        )
    return lines


def earlier_missing_sentence(data: ReportData) -> str | None:
    """Earlier months still without a report (the as-of month is said above)."""
    earlier: dict[str, list[date]] = {}
    for missing in data.missing_reports:
        if missing.period < data.as_of:
            earlier.setdefault(missing.unit_name, []).append(missing.period)
    if not earlier:
        return None
    listed = "; ".join(
        f"{unit} ({', '.join(month_label(f'{p:%Y-%m}') for p in sorted(earlier[unit]))})"
        for unit in vi_sorted(earlier)
    )
    return f"Các tháng trước chưa nộp báo cáo: {listed}."


# ---- section II: data-quality issues ---------------------------------------------------


def issue_unit_name(data: ReportData, issue: Issue) -> str:
    return issue.unit_name or issue.unit_code or data.province_name


def issues_by_unit(data: ReportData) -> list[tuple[str, list[Issue]]]:
    """Units in order of their worst issue (errors first), then Vietnamese alphabetical
    order; each unit's issues by severity, month and rule."""
    groups: dict[str, list[Issue]] = {}
    for issue in data.issues:
        groups.setdefault(issue_unit_name(data, issue), []).append(issue)
    for issues in groups.values():
        issues.sort(
            key=lambda i: (SEVERITY_ORDER.get(i.severity, 9), i.period or date.min, i.rule_id)
        )
    return sorted(
        groups.items(),
        key=lambda item: (SEVERITY_ORDER.get(item[1][0].severity, 9), vi_sort_key(item[0])),
    )


def first_issues(data: ReportData, limit: int = LIST_LIMIT) -> list[tuple[str, list[Issue]]]:
    """issues_by_unit cut after `limit` issues (the worst units come first)."""
    kept, left = [], limit
    for unit, issues in issues_by_unit(data):
        if left <= 0:
            break
        kept.append((unit, issues[:left]))
        left -= len(issues[:left])
    return kept


def issues_by_rule(data: ReportData) -> list[tuple[str, list[Issue]]]:
    """Rules by severity (errors first), then by their Vietnamese name."""
    groups: dict[str, list[Issue]] = {}
    for issue in data.issues:
        groups.setdefault(issue.rule_id, []).append(issue)
    return sorted(
        groups.items(),
        key=lambda item: (
            SEVERITY_ORDER.get(item[1][0].severity, 9),
            vi_sort_key(rule_name(data, item[0])),
        ),
    )


def issue_line(data: ReportData, issue: Issue) -> str:
    """'Lỗi — Số thành phần lớn hơn số tổng: <the rule's message>'."""
    return f"{severity_label(issue.severity)} — {rule_name(data, issue.rule_id)}: {issue.message}"


def issues_intro(data: ReportData) -> str | None:
    """'Qua kiểm tra, phát hiện 9 vấn đề về số liệu (1 lỗi, 4 cảnh báo, 4 lưu ý).'"""
    if not data.issues:
        return None
    counts = {s: sum(1 for i in data.issues if i.severity == s) for s in SEVERITY_ORDER}
    summary = ", ".join(f"{n} {severity_label(s).lower()}" for s, n in counts.items() if n)
    checked = "Qua kiểm tra" if data.is_root else f"Qua kiểm tra số liệu{_units_of(data)}"
    return f"{checked}, phát hiện {number(len(data.issues))} vấn đề về số liệu ({summary})."


def no_issues_sentence(data: ReportData, text: str = "số liệu") -> str:
    """'Không phát hiện vấn đề chất lượng số liệu.' (the HTML says 'dữ liệu')."""
    return f"Không phát hiện vấn đề chất lượng {text}{_units_of(data)}."


def issues_summary(data: ReportData) -> list[str]:
    """One sentence per rule: how many cases, where."""
    if not data.issues:
        return [no_issues_sentence(data)]
    lines = []
    for rule_id, issues in issues_by_rule(data):
        units = sorted({issue_unit_name(data, i) for i in issues}, key=vi_sort_key)
        lines.append(
            f"{rule_name(data, rule_id)} ({severity_label(issues[0].severity).lower()}): "
            f"{len(issues)} trường hợp, tại {', '.join(units)}."
        )
    return lines


def rejected_sentence(data: ReportData) -> str | None:
    if not data.rejected_rows:
        return None
    return (
        f"Có {number(len(data.rejected_rows))} dòng số liệu{_units_of(data)} không nạp được "
        f"do sai định dạng hoặc sai mã; đề nghị {units_of_scope(data)} kiểm tra, gửi lại báo cáo."
    )


# ---- section III: assessment and tasks -------------------------------------------------


STATUS_ORDER = ("done", "on_track", "behind", "far_behind", "no_target", "no_data")


def assessment_sentence(data: ReportData) -> str:
    """'… — đã đạt chỉ tiêu: chỉ tiêu 2; chậm tiến độ: chỉ tiêu 3; chậm nhiều: các chỉ tiêu
    1, 4, …' (statuses from the best to the worst)."""
    by_status: dict[str, list[str]] = {}
    for row in data.progress:
        by_status.setdefault(row.status, []).append(_row_label(data, row))
    listed = "; ".join(
        f"{status_of_key(key).label.lower()}: {_join_labels(by_status[key], capital=False)}"
        for key in sorted(
            by_status, key=lambda k: STATUS_ORDER.index(k) if k in STATUS_ORDER else 9
        )
    )
    whose = "" if data.is_root else f" kết quả{of_scope(data)}"
    return (
        f"Đến hết {month_phrase(data.as_of)},{whose} so với chỉ tiêu và thời gian đã qua — "
        f"{listed}."
    )


def tasks_sentence(data: ReportData) -> str:
    behind = []
    for row in data.progress:
        label = indicator_label(row.indicator_code)
        if row.status in ("behind", "far_behind") and label not in behind:
            behind.append(label)
    tasks = []
    if behind:
        tasks.append(
            f"tập trung đẩy nhanh tiến độ {_join_labels(behind, capital=False)}, "
            "bảo đảm mức bình quân hằng tháng nêu trên"
        )
    tasks.append(
        "báo cáo đầy đủ, đúng hạn và đúng biểu mẫu; rà soát, giải trình các vấn đề số liệu "
        "nêu tại mục II"
    )
    return f"Đề nghị {units_of_scope(data)} " + "; ".join(tasks) + "."


# ---- titles -----------------------------------------------------------------------------


def total_label(data: ReportData) -> str:
    """The total row of a table: the province's, or a group's own name (CONTRACT §10)."""
    return "Toàn tỉnh" if data.is_root else data.province_name


def report_title(data: ReportData) -> str:
    return (
        f"Báo cáo tiến độ thực hiện Đề án 5299{of_scope(data)} — tính đến hết tháng "
        f"{data.as_of.month}/{data.as_of.year}"
    )


def subject_line(data: ReportData) -> str:
    as_of = data.as_of
    return (
        f"Kết quả thực hiện Đề án 5299{of_scope(data)} đến hết tháng {as_of.month} năm "
        f"{as_of.year}"
    )


def results_intro(data: ReportData) -> str | None:
    """A group's results are its subtree's sums (CONTRACT §10): said once, before them.
    The root's report has no such sentence (it is the published article)."""
    if data.is_root:
        return None
    return (
        f"Kết quả của {scope_name(data)} đến hết {month_phrase(data.as_of)} là tổng số liệu "
        "của các đơn vị trực thuộc."
    )


def trend_caption(data: ReportData) -> str:
    whose = "toàn tỉnh" if data.is_root else f"của {scope_name(data)}"
    return (
        f"Hình 2. Lũy kế {whose} đến cuối từng tháng (đường liền) so với tiến độ đều cần có "
        "để đạt chỉ tiêu cuối kỳ (đường đứt); chỉ tiêu tỷ lệ: tỷ lệ lũy kế so với tỷ lệ giao."
    )


# ---- national scale: lists cut short, the unit chart --------------------------------


def more_rows_sentence(
    data: ReportData, shown: int, total: int, what: str, table: str, sheet: str | None = None
) -> str | None:
    """Under a list cut at reports.tables.LIST_LIMIT rows: where every row is. None when
    nothing was left out."""
    if shown >= total:
        return None
    where = f"trang “{sheet}” của tệp bao_cao_{data.as_of:%Y-%m}.xlsx và " if sheet else ""
    return (
        f"Bảng chỉ nêu {number(shown)} trên tổng số {number(total)} {what}; danh sách đầy đủ "
        f"ở {where}bảng {table} của kho dữ liệu (BI)."
    )


UNITS_CHART_CAPTION = (
    "Hình 3. Các đơn vị so sánh với nhau theo từng chỉ tiêu (đơn vị có chỉ tiêu riêng: % đạt; "
    "chỉ tiêu tỷ lệ: tỷ lệ đạt được; còn lại: số lượng)."
)


def units_chart_caption(data: ReportData, mode: str, units: int, children: int = 0) -> str:
    """Chart 3's caption: every unit ('all'), the scope's direct children ('children') or
    the two ends of each ranking ('ends') when there are too many units for one bar each."""
    if mode == "all":
        return UNITS_CHART_CAPTION
    if mode == "children":
        return (
            f"Hình 3. {number(children)} đơn vị trực thuộc trực tiếp {scope_name(data)} so sánh "
            "với nhau theo từng chỉ tiêu (số liệu của cụm, khối là tổng của các đơn vị thuộc nó; "
            "% đạt chỉ tiêu, chỉ tiêu tỷ lệ: tỷ lệ đạt được; còn lại: số lượng). Với "
            f"{number(units)} đơn vị báo cáo, biểu đồ từng đơn vị không đọc được: thứ hạng "
            "của từng đơn vị ở các bảng dưới đây và trong tệp Excel."
        )
    return (
        f"Hình 3. {CHART_ENDS} đơn vị đứng đầu và {CHART_ENDS} đơn vị đứng cuối theo từng chỉ "
        f"tiêu, trong số {number(units)} đơn vị được xếp hạng (số trước tên: thứ tự; đơn vị "
        "có chỉ tiêu riêng: % đạt; chỉ tiêu tỷ lệ: tỷ lệ đạt được; còn lại: số lượng). "
        "Thứ hạng đầy đủ ở các bảng dưới đây và trong tệp Excel."
    )
