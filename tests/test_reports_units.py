"""The report's building blocks without a pipeline: pace, status, ranking, escaping.

Pace, status and rank are computed in dbt (marts.fct_indicator_pace, fct_unit_rankings:
their unit tests, and tests/test_pace_rank_marts.py); here only how the report words them.
"""

import csv
import io
from dataclasses import replace
from datetime import date

import pytest

from reports.html_report import render_html
from reports.narrative import pace_sentence, render_markdown
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
from reports.safe_text import csv_cell
from reports.tables import ranked_units
from reports.vi_format import number
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
        pace=pace,
        status=status,
    )


def test_pace_sentence_of_the_published_ct3_figure():
    sentence = pace_sentence(ct3(), APRIL)
    assert "cần bình quân 5.568 hồ sơ/tháng trong 8 tháng còn lại" in sentence
    assert "(bình quân 4 tháng qua: 5.365 hồ sơ/tháng, chưa đạt tiến độ)" in sentence  # half up


def test_pace_sentence_on_track():
    on_line = replace(CT3_PACE, needed_per_month=5500, current_per_month=5500.0, on_track=True)
    sentence = pace_sentence(ct3(22000, pace=on_line), APRIL)
    assert "cần bình quân 5.500 hồ sơ/tháng" in sentence and ", đạt tiến độ)" in sentence


def test_pace_sentence_at_the_edges():
    assert pace_sentence(ct3(pace=None), APRIL) is None  # rates, no target: no pace
    done = replace(CT3_PACE, reached=True, needed_per_month=None, shortfall=None)
    assert pace_sentence(ct3(70000, pace=done), APRIL) == "đã hoàn thành chỉ tiêu năm 2024"
    last = replace(
        CT3_PACE, months_elapsed=12, months_remaining=0, needed_per_month=None, shortfall=6000.0
    )
    assert pace_sentence(ct3(60000, pace=last), date(2024, 12, 1)) == (
        "kỳ chỉ tiêu năm 2024 kết thúc, còn thiếu 6.000 hồ sơ"
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
