"""The report's building blocks without a pipeline: pace, status, ranking, escaping."""

import csv
import io
from datetime import date

import pytest

from reports.html_report import render_html
from reports.narrative import pace_sentence, render_markdown
from reports.pace import STATUSES, months_between, pace_for, status_for
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


def ct3(numerator=21458.0, target=66000.0) -> ProgressRow:
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
    )


def test_pace_of_the_published_ct3_figure():
    pace = pace_for("count", *YEAR, 21458, 66000, APRIL)
    assert (pace.months_elapsed, pace.months_remaining) == (4, 8)
    assert pace.needed_per_month == 5568  # 44.542 / 8 = 5.567,75, rounded up
    assert number(pace.current_per_month) == "5.365"
    assert not pace.on_track
    sentence = pace_sentence(ct3(), APRIL)
    assert "cần bình quân 5.568 hồ sơ/tháng trong 8 tháng còn lại" in sentence
    assert "chưa đạt tiến độ" in sentence


def test_on_track_is_achievement_at_least_the_time_share():
    # 22.000 of 66.000 after 4 of 12 months is exactly on the straight line.
    assert pace_for("count", *YEAR, 22000, 66000, APRIL).on_track
    assert not pace_for("count", *YEAR, 21999, 66000, APRIL).on_track
    assert "đạt tiến độ" in pace_sentence(ct3(22000), APRIL)


def test_pace_at_the_edges():
    assert pace_for("rate", *YEAR, 3857, 40, APRIL) is None
    assert pace_for("count", *YEAR, 100, None, APRIL) is None
    done = pace_for("count", *YEAR, 70000, 66000, APRIL)
    assert done.reached and done.needed_per_month is None
    last = pace_for("count", *YEAR, 60000, 66000, date(2024, 12, 1))
    assert last.months_remaining == 0 and last.needed_per_month is None
    assert "còn thiếu 6.000 hồ sơ" in pace_sentence(ct3(60000), date(2024, 12, 1))
    # CT8: six-month window ending June, two months left after April.
    ct8 = pace_for("count", date(2024, 1, 1), date(2024, 6, 1), 5867, 190759, APRIL)
    assert (ct8.months_remaining, ct8.needed_per_month) == (2, 92446)
    assert months_between(date(2022, 1, 1), date(2027, 12, 1)) == 72


def test_status_colours():
    def status(kind, numerator, actual, target):
        return status_for(kind, *YEAR, numerator, actual, target, APRIL).key

    assert status("rate", 1458, 87.36, 80) == "done"
    assert status("rate", 3857, 8.46, 40) == "far_behind"
    assert status("rate", 1, 31, 40) == "behind"
    assert status("count", 21458, 21458, 66000) == "behind"  # 32,5 % vs 33,3 % of the year
    assert status("count", 333, 333, 2138) == "far_behind"
    assert status("count", 23000, 23000, 66000) == "on_track"
    assert status("count", 70000, 70000, 66000) == "done"
    assert status("count", 5, 5, None) == "no_target"
    assert status("rate", 0, None, 40) == "no_data"
    assert set(STATUSES) >= {"done", "on_track", "behind", "far_behind", "no_target", "no_data"}


def unit(code, name, numerator, achievement=None, reported=True):
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


def test_ranking_is_competition_style_and_unreported_last():
    data = minimal_data(
        unit_progress=[
            unit("A", "Anh", 500, 50.0),
            unit("B", "Bình", 700, 70.0),
            unit("C", "Cần", 500, 50.0),
            unit("D", "Dung", 0, None, reported=False),
            unit("E", "Én", 900),  # no unit target: after the units ranked by achievement
        ]
    )
    ranked = [(r.rank, r.unit.unit_code) for r in ranked_units(data, ct3().window_key)]
    assert ranked == [(1, "B"), (2, "A"), (2, "C"), (4, "E"), (None, "D")]


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
