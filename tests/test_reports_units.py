"""The report's building blocks without a pipeline: pace, status, ranking, escaping.

Pace, status and rank are computed in dbt (marts.fct_indicator_pace, fct_unit_rankings:
their unit tests, and tests/test_pace_rank_marts.py); here only how the report words them.
"""

import csv
import io
from dataclasses import replace
from datetime import date

import pytest

from forms.safe_text import csv_cell
from forms.vi_format import number
from reports.html_report import render_html
from reports.narrative import render_markdown
from reports.pace import STATUSES, Pace, months_between, status_of
from reports.progress_data import (
    Issue,
    MissingReport,
    ProgressRow,
    RejectedRow,
    ReportData,
    TrendPoint,
    UnitProgress,
)
from reports.report_settings import report_settings
from reports.submissions_data import ScopeRate, SubmissionCell
from reports.tables import ranked_units
from reports.vi_collate import vi_sort_key, vi_sorted
from reports.wording import indicator_paragraph, issue_line, pace_paragraphs, reporting_paragraphs
from reports.writer import issues_csv

APRIL = date(2024, 4, 1)
YEAR = (date(2024, 1, 1), date(2024, 12, 1))


# marts.fct_indicator_pace's row for the published CT3 figure (4 of 12 months, 8 left).
CT3_PACE = Pace(
    months_total=12,
    months_elapsed=4,
    months_remaining=8,
    reached=False,
    needed_per_month=5568,  # 44.542 / 8 = 5.567,75, rounded up (in dbt)
    current_per_month=5364.5,
    shortfall=44542.0,
    time_share_pct=100 * 4 / 12,
    on_track=False,
)


def ct3(numerator=21458.0, target=66000.0, pace=CT3_PACE, status="behind") -> ProgressRow:
    return ProgressRow(
        "CT3",
        "Số hồ sơ",
        "count",
        *YEAR,
        numerator,
        None,
        numerator,
        target,
        100 * numerator / target,
        unit_of_measure="hồ sơ",
        pace=pace,
        status=status,
    )


def pace_text(*rows, as_of=APRIL) -> str:
    return " ".join(pace_paragraphs(minimal_data(progress=list(rows), as_of=as_of)))


def test_pace_sentence_of_the_published_ct3_figure():
    sentence = pace_text(ct3())
    assert sentence.startswith("Để đạt chỉ tiêu năm 2024, trong 8 tháng còn lại mỗi tháng cần")
    assert "Chỉ tiêu 3: 5.568 hồ sơ (bình quân 4 tháng qua: 5.365)" in sentence  # half up
    assert sentence.endswith("Chỉ tiêu 3 chưa đạt tiến độ.")


def test_pace_is_said_once_for_the_indicators_of_one_window():
    ct4 = replace(
        ct3(),
        indicator_code="CT4",
        unit_of_measure="tin, bài",
        pace=replace(CT3_PACE, needed_per_month=226),
    )
    on_line = replace(CT3_PACE, needed_per_month=10, current_per_month=20.0, on_track=True)
    ct6 = replace(ct3(), indicator_code="CT6", pace=on_line)
    text = pace_text(ct3(), ct4, ct6)
    assert text.count("Để đạt chỉ tiêu năm 2024") == 1
    assert text.count("bình quân 4 tháng qua") == 1
    assert "Chỉ tiêu 4: 226 tin, bài (5.365)" in text
    assert "Các chỉ tiêu 3, 4 chưa đạt tiến độ; chỉ tiêu 6 đạt tiến độ." in text


def test_pace_sentence_at_the_edges():
    assert pace_text(ct3(pace=None)) == ""  # rates, no target: no pace
    done = replace(CT3_PACE, reached=True, needed_per_month=None, shortfall=None)
    assert pace_text(ct3(70000, pace=done)) == "Đã hoàn thành chỉ tiêu: Chỉ tiêu 3."
    last = replace(
        CT3_PACE, months_elapsed=12, months_remaining=0, needed_per_month=None, shortfall=6000.0
    )
    assert pace_text(ct3(60000, pace=last), as_of=date(2024, 12, 1)) == (
        "Chỉ tiêu 3: kỳ chỉ tiêu năm 2024 đã kết thúc, còn thiếu 6.000 hồ sơ."
    )
    assert months_between(date(2022, 1, 1), date(2027, 12, 1)) == 72


def test_status_keys_have_labels_and_colours():
    assert set(STATUSES) == {"done", "on_track", "behind", "far_behind", "no_target", "no_data"}
    assert status_of(ct3()) is STATUSES["behind"]
    assert status_of(ct3(status="done")).label == "Đã đạt chỉ tiêu"
    assert status_of(ct3(status="far_behind")).colour == "#cf222e"


def unit(code, name, numerator, achievement=None, reported=True, rank=None, status="on_track"):
    target = 1000.0 if achievement is not None else None
    return UnitProgress(
        code,
        name,
        "CT3",
        "count",
        *YEAR,
        numerator,
        None,
        numerator,
        target,
        achievement,
        reported,
        rank,
        status,
    )


def minimal_data(**overrides) -> ReportData:
    values = dict(
        as_of=APRIL,
        province_code="P",
        province_name="Tỉnh",
        progress=[ct3()],
        issues=[],
        units_expected=3,
        units_submitted=3,
        units_late=[],
        units_missing=[],
    )
    values.update(overrides)
    return ReportData(**values)


def test_ranked_units_keep_the_marts_ranks_and_order():
    # As marts.fct_unit_rankings ranks them (its unit test) and progress_data orders them.
    other_window = replace(unit("X", "Xa", 1, 10.0, rank=1), window_end=date(2024, 6, 1))
    data = minimal_data(
        unit_progress=[
            unit("B", "Bình", 700, 70.0, rank=1),
            unit("A", "Anh", 500, 50.0, rank=2),
            unit("C", "Cần", 500, 50.0, rank=2),
            unit("E", "Én", 900, rank=4, status="no_target"),
            unit("D", "Dung", 0, None, reported=False, status="far_behind"),
            other_window,
        ]
    )
    ranked = [
        (r.rank, r.unit.unit_code, r.status.key) for r in ranked_units(data, ct3().window_key)
    ]
    assert ranked == [
        (1, "B", "on_track"),
        (2, "A", "on_track"),
        (2, "C", "on_track"),
        (4, "E", "no_target"),
        (None, "D", "far_behind"),
    ]


HOSTILE = '<script>window.__pwned=1</script>=HYPERLINK("http://x.example","y")'


def test_html_escapes_every_text_from_the_warehouse():
    data = minimal_data(
        province_name="<b>Tỉnh</b>",
        unit_progress=[unit("A", HOSTILE, 500, 50.0)],
        issues=[
            Issue("stock_decreased", "warn", "A", HOSTILE, APRIL, "<img src=x onerror=alert(1)>")
        ],
        missing_reports=[MissingReport("A", HOSTILE, date(2024, 2, 1))],
        rejected_rows=[RejectedRow("<i>f</i>.csv", 2, "m", "<svg onload=alert(1)>", "r", "x")],
        trend={ct3().window_key: [TrendPoint(APRIL, 21458, None, 21458)]},
    )
    page = render_html(data)
    for raw in ("<script>", "<img src=x", "<svg onload", "<b>Tỉnh", "<i>f</i>"):
        assert raw not in page, raw
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "script-src" not in page and "default-src 'none'" in page  # CSP forbids scripts


def test_csv_cells_cannot_become_formulas():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\r=1"):
        assert csv_cell(text).startswith("'"), text
    assert csv_cell("Huyện Đoàn Bắc Hòa") == "Huyện Đoàn Bắc Hòa"
    assert csv_cell(None) == ""
    data = minimal_data(issues=[Issue("late_submission", "info", "=A", "@B", APRIL, "-1 tháng")])
    rows = list(csv.reader(io.StringIO(issues_csv(data))))
    assert rows[1][:3] == ["info", "'=A", "'@B"]
    assert rows[1][-1] == "'-1 tháng"


def test_markdown_keeps_unit_names_as_given():
    # The Markdown is for pasting into an article: text stays text, only the HTML escapes.
    data = minimal_data(missing_reports=[MissingReport("A", "Huyện <A>", date(2024, 2, 1))])
    assert "Huyện <A> (tháng 2/2024)" in render_markdown(data)


def test_vi_number_accepts_numpy_scalars():
    numpy = pytest.importorskip("numpy")
    assert number(numpy.float64(45600.0)) == "45.600"


# --- wording -------------------------------------------------------------------------------


def test_vietnamese_alphabetical_order():
    # Đ after D (not after Z), Ă and Â after A, tones secondary (a à ả ã á ạ), case last.
    names = ["Huyện Đoàn Phú Thạnh", "Đoàn Khối Doanh nghiệp", "Huyện Đoàn Đông Phú",
             "Huyện Đoàn Bắc Hòa", "Huyện Đoàn Dương Hà", "Thị Đoàn An Lạc", "Zeta", "Ân", "Ăn",
             "An", "Ba"]  # fmt: skip
    assert vi_sorted(names) == [
        "An", "Ăn", "Ân", "Ba", "Đoàn Khối Doanh nghiệp", "Huyện Đoàn Bắc Hòa",
        "Huyện Đoàn Dương Hà", "Huyện Đoàn Đông Phú", "Huyện Đoàn Phú Thạnh", "Thị Đoàn An Lạc",
        "Zeta",
    ]  # fmt: skip
    assert vi_sorted(["Hạ", "Há", "Hã", "Hả", "Hà", "Ha", "Hai"]) == [
        "Ha", "Hà", "Hả", "Hã", "Há", "Hạ", "Hai"
    ]  # fmt: skip
    assert vi_sorted(["ơ", "ô", "o", "ư", "u", "ê", "e", "đ", "d"]) == [
        "d", "đ", "e", "ê", "o", "ô", "ơ", "u", "ư"
    ]  # fmt: skip
    assert vi_sort_key("ha") < vi_sort_key("Ha")  # case only breaks ties
    # Decomposed input (NFD, as some keyboards type it) sorts as the composed form.
    assert vi_sort_key("Hòa")[:3] == vi_sort_key("Ho\u0300a")[:3]
    assert vi_sorted(["Đội 2", "Đội 10", "Đội 1"]) == ["Đội 1", "Đội 10", "Đội 2"]


def test_rule_names_come_from_the_catalogue_not_the_rule_id():
    from reports.progress_data import Issue

    issue = Issue("missing_submission", "warn", "A", "Huyện A", APRIL, "Chưa nhận được báo cáo.")
    data = minimal_data(issues=[issue], rule_names={"missing_submission": "Chưa nộp báo cáo"})
    assert issue_line(data, issue) == "Cảnh báo — Chưa nộp báo cáo: Chưa nhận được báo cáo."
    text = render_markdown(data) + render_html(data)
    assert "missing_submission" not in text.replace("data-rule='missing_submission'", "")
    assert "Chưa nộp báo cáo" in text


def test_reporting_rates_against_the_targets_name_who_is_below():
    rates = [
        ScopeRate("P", "Tỉnh", "province", 0, 10, 8, 6, 80.0, 60.0),
        ScopeRate("G1", "Cụm Bắc", "group", 1, 4, 2, 2, 50.0, 50.0),
        ScopeRate("G2", "Cụm Nam", "group", 1, 6, 6, 4, 100.0, 100 * 4 / 6),
        ScopeRate("G3", "Cụm Đông", "group", 1, 2, 2, 2, 100.0, 100.0),
    ]
    data = minimal_data(
        province_code="P",
        rates=rates,
        units_missing=["Huyện Y", "Huyện Ấp"],
        units_late=["Huyện Z"],
        settings={"reporting_rate_target": "85", "on_time_rate_target": "70"},
    )
    text = " ".join(reporting_paragraphs(data))
    assert "8/10 đơn vị đã nộp, tỷ lệ nộp báo cáo 80% (yêu cầu 85%)" in text
    assert "6/10 đơn vị nộp đúng hạn, tỷ lệ đúng hạn 60% (yêu cầu 70%)" in text
    assert "chưa nộp: Huyện Ấp và Huyện Y" in text  # Ấ after A, before Y
    assert "nộp muộn: Huyện Z" in text
    assert "Cụm Bắc (nộp 50%, đúng hạn 50%); Cụm Nam (nộp 100%, đúng hạn 67%)" in text
    assert "Cụm Đông" not in text  # at or above both targets
    # Settings missing: the §3 defaults (90 / 75), and the keys that were missing are named.
    defaults = report_settings({"recipients": ";Thường trực;;"}, "Tỉnh Đoàn X")
    assert (defaults.reporting_rate_target, defaults.on_time_rate_target) == (90, 75)
    assert defaults.recipients == ["Thường trực"]
    assert "reporting_rate_target" in defaults.missing and "recipients" not in defaults.missing


def test_heat_map_marks_on_time_late_and_missing():
    cells = [
        SubmissionCell("A", "Huyện A", date(2024, 1, 1), "submitted", False),
        SubmissionCell("A", "Huyện A", date(2024, 2, 1), "submitted", True),
        SubmissionCell("A", "Huyện A", date(2024, 3, 1), "missing", None),
        SubmissionCell("B", "Đoàn Khối B", date(2024, 3, 1), "submitted", False),
    ]
    html = render_html(minimal_data(submissions=cells, as_of=date(2024, 3, 1)))
    table = html.split("id='heat-map'")[1].split("</table>")[0]
    assert [c.state for c in cells] == ["on_time", "late", "missing", "on_time"]
    assert table.count("data-state='on_time'") == 2 and table.count("data-state='late'") == 1
    assert table.count("data-state='missing'") == 1
    assert table.count("hm-none") == 2  # B not active in January and February
    assert table.index("Đoàn Khối B") < table.index("Huyện A")  # Đ before H


def test_ct7_and_ct8_sentences_name_the_target():
    ct8 = ProgressRow(
        "CT8", "Số tài khoản VNeID", "count", date(2024, 1, 1), date(2024, 6, 1), 5867.0, None,
        5867.0, 190759.0, 100 * 5867 / 190759, measures={"vneid_pending": 4572.0},
        unit_of_measure="tài khoản",
    )  # fmt: skip
    text = indicator_paragraph("CT8", [ct8])
    assert "5.867 tài khoản, đạt 3% chỉ tiêu (chỉ tiêu giao: 190.759 tài khoản, hoàn thành " \
        "trước ngày 01/7/2024); còn lại 4.572 tài khoản đang ở trạng thái chờ duyệt" in text
    ct7 = ProgressRow(
        "CT7", "Tỷ lệ công dân", "population_share", *YEAR, 10152.0, None, 10152.0, 145250.0,
        100 * 10152 / 145250, unit_of_measure="công dân",
    )  # fmt: skip
    text = indicator_paragraph("CT7", [ct7])
    assert "10.152 công dân, đạt 7% chỉ tiêu năm 2024 (chỉ tiêu giao: 145.250 công dân" in text
    assert " có " not in text  # no "có … có"
    assert "quý" not in text  # no growth figure in the mart: no growth said


def test_ct7_growth_is_the_marts_figure_rounded_down():
    """fct_indicator_pace's growth (10.152 / 8.360 − 1 = 21,44 %) in the article's words;
    a fall is said as one, the quarter is the mart's previous_quarter_as_of."""
    ct7 = ProgressRow(
        "CT7", "Tỷ lệ công dân", "population_share", *YEAR, 10152.0, None, 10152.0, 145250.0,
        100 * 10152 / 145250, unit_of_measure="công dân", previous_quarter_as_of=date(2024, 3, 1),
        growth_on_previous_quarter_pct=100 * (10152 / 8360 - 1),
    )  # fmt: skip
    text = indicator_paragraph("CT7", [ct7])
    assert text.endswith("; tăng hơn 21% so với thời điểm hết quý I/2024.")
    fell = replace(
        ct7, previous_quarter_as_of=date(2023, 12, 1), growth_on_previous_quarter_pct=-5.9
    )
    text = indicator_paragraph("CT7", [fell])
    assert text.endswith("; giảm hơn 5% so với thời điểm hết quý IV/2023.")
