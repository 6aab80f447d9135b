"""Reports at national scale (issue #19) and in Vietnamese order, without a pipeline: the
report's data as progress_data would read it, written to real files (HTML, Markdown,
.docx through python-docx, .xlsx through xlsxwriter) and read back.

- Long lists stop at reports.tables.LIST_LIMIT rows in the HTML, the Markdown and the
  .docx, with a sentence naming the workbook's sheet and the mart that hold every row;
  the workbook keeps every row.
- Chart 3 draws one bar per unit up to UNITS_CHART_LIMIT units; beyond, the scope's
  direct children when some are groups, else the first and last CHART_ENDS of each ranking.
- The direct-children table lists groups, then units, each in Vietnamese alphabetical
  order (Đ after D, not after Z; Ô, Ơ after O; Ư after U).
"""

from __future__ import annotations

import re
from datetime import date

import docx
import openpyxl
import pytest

from reports import progress_data as rd
from reports.children_table import children_rows
from reports.docx_report import write_docx
from reports.excel_report import write_workbook
from reports.html_report import render_html
from reports.narrative import render_markdown
from reports.submissions_data import SubmissionCell
from reports.tables import CHART_ENDS, LIST_LIMIT, UNITS_CHART_LIMIT

APRIL = date(2024, 4, 1)
YEAR = (date(2024, 1, 1), date(2024, 12, 1))
UNITS = 2000


def ct3(numerator: float = 1_000_000.0, target: float = 3_000_000.0) -> rd.ProgressRow:
    return rd.ProgressRow(
        "CT3", "Số hồ sơ", "count", *YEAR, numerator, None, numerator, target,
        100 * numerator / target, status="behind",
    )  # fmt: skip


def unit_row(index: int) -> rd.UnitProgress:
    numerator = 100.0 + index
    return rd.UnitProgress(
        f"U{index:05d}", f"Xã {index:05d}", "CT3", "count", *YEAR, numerator, None, numerator,
        1000.0, numerator / 10, True, UNITS - index + 1, "behind",
    )  # fmt: skip


def child(code: str, name: str, level: str, numerator: float = 500.0) -> rd.ChildProgress:
    return rd.ChildProgress(
        code, name, "CT3", "count", *YEAR, numerator, None, numerator, 1000.0, numerator / 10,
        level=level,
    )  # fmt: skip


def national(children: list[rd.ChildProgress] | None = None) -> rd.ReportData:
    """2.000 reporting units, 300 issues, 250 rejected rows, 150 units missing a month."""
    units = [unit_row(i) for i in range(1, UNITS + 1)]
    issues = [
        rd.Issue("outlier_vs_history", "warn", u.unit_code, u.unit_name, APRIL, f"Lệch {i}")
        for i, u in enumerate(units[:300])
    ]
    rejected = [
        rd.RejectedRow(f"tep_{i:04d}.xlsx", 5, "dossiers_supported", "abc", "not_a_number", "Sai")
        for i in range(250)
    ]
    missing = [rd.MissingReport(u.unit_code, u.unit_name, APRIL) for u in units[:150]]
    submissions = [
        SubmissionCell(u.unit_code, u.unit_name, date(2024, m, 1), "submitted", False)
        for u in units
        for m in range(1, 5)
    ]
    return rd.ReportData(
        as_of=APRIL,
        province_code="ROOT",
        province_name="Trung ương Đoàn",
        progress=[ct3()],
        issues=issues,
        units_expected=UNITS,
        units_submitted=UNITS - 150,
        units_late=[],
        units_missing=[m.unit_name for m in missing],
        unit_progress=units,
        missing_reports=missing,
        rejected_rows=rejected,
        reporting=[rd.UnitReporting(u.unit_code, u.unit_name, 4, 4, 4) for u in units],
        children=children if children is not None else [],
        submissions=submissions,
    )


@pytest.fixture(scope="module")
def flat(tmp_path_factory):
    """A flat organisation: 2.000 units directly under the root."""
    data = national()
    folder = tmp_path_factory.mktemp("flat")
    return data, render_html(data), render_markdown(data), folder


def unit_bars(html: str, code: str = "CT3") -> list[str]:
    return re.findall(rf'id="unit-bar-{code}-\d+"', html)


def test_unit_chart_shows_the_two_ends_of_the_ranking(flat):
    data, html, _, _ = flat
    assert UNITS > UNITS_CHART_LIMIT
    assert len(unit_bars(html)) == 2 * CHART_ENDS  # not one bar per unit
    figure = re.search(r"<figure id='chart-units'.*?</figure>", html, re.S).group(0)
    caption = re.search(r"<figcaption>(.*?)</figcaption>", figure).group(1)
    assert "10 đơn vị đứng đầu và 10 đơn vị đứng cuối" in caption
    assert "trong số 2.000 đơn vị được xếp hạng" in caption
    # The bars name their place: the first (rank 1) and the last of the ranking.
    assert ">1. Xã 02000<" in figure and ">2000. Xã 00001<" in figure
    assert ">11. " not in figure


def test_unit_chart_shows_the_direct_children_when_they_are_groups():
    groups = [child(f"G{i:02d}", f"Tỉnh Đoàn {i:02d}", "group", 100.0 * i) for i in range(34)]
    data = national(children=[*groups, child("DTT", "Đoàn trực thuộc A", "unit")])
    html = render_html(data)
    assert len(unit_bars(html)) == 35
    caption = re.search(r"<figure id='chart-units'.*?<figcaption>(.*?)</figcaption>", html, re.S)
    assert "35 đơn vị trực thuộc trực tiếp Trung ương Đoàn" in caption.group(1)
    assert "Với 2.000 đơn vị báo cáo" in caption.group(1)


def test_html_lists_stop_at_the_limit_and_say_where_the_rest_is(flat):
    data, html, _, _ = flat
    assert html.count("<td class='num rank'>") == LIST_LIMIT
    assert (
        "Bảng chỉ nêu 100 trên tổng số 2.000 đơn vị; danh sách đầy đủ ở trang “CT3” của tệp "
        "bao_cao_2024-04.xlsx và bảng marts.fct_unit_rankings của kho dữ liệu (BI)."
    ) in html
    rejected = re.search(r"<table id='rejected'>.*?</table>", html, re.S).group(0)
    assert rejected.count("<tr>") == LIST_LIMIT + 1  # and the header
    assert "trên tổng số 250 dòng; danh sách đầy đủ ở trang “Dòng bị loại”" in html
    assert len(re.findall(r"<tr data-severity=", html)) == LIST_LIMIT
    assert "trên tổng số 300 vấn đề" in html
    missing = re.search(r"<table id='missing'>.*?</table>", html, re.S).group(0)
    assert missing.count("<tr data-unit=") == LIST_LIMIT
    heat = re.search(r"<table id='heat-map'>.*?</table>", html, re.S).group(0)
    assert heat.count("<tr data-unit=") == LIST_LIMIT
    assert "trên tổng số 2.000 đơn vị (trước hết là đơn vị có nhiều tháng chưa nộp" in html


def test_markdown_lists_stop_at_the_limit(flat):
    _, _, markdown, _ = flat
    assert len(re.findall(r"^  - ", markdown, re.M)) == LIST_LIMIT
    assert "Bảng chỉ nêu 100 trên tổng số 300 vấn đề" in markdown


def test_the_workbook_keeps_every_row_and_the_document_the_first(flat):
    data, _, _, folder = flat
    workbook = openpyxl.load_workbook(write_workbook(data, folder / "bao_cao.xlsx"))
    ct3_units = [c for (c,) in workbook["CT3"].iter_rows(min_col=2, max_col=2, values_only=True)]
    assert sum(1 for code in ct3_units if code and code.startswith("U")) == UNITS
    assert workbook["Dòng bị loại"].max_row >= 250 + 5
    assert sum(1 for r in workbook["Vấn đề dữ liệu"].iter_rows(values_only=True) if "Lệch" in
               " ".join(str(v) for v in r if v)) == 300  # fmt: skip

    document = docx.Document(write_docx(data, folder / "bao_cao.docx"))
    tables = {t.rows[0].cells[1].text: t for t in document.tables[1:]}
    assert len(tables["Đơn vị"].rows) == 1 + LIST_LIMIT + 1  # header, units, the total
    assert tables["Đơn vị"].rows[-1].cells[1].text == "Toàn tỉnh"
    assert len(tables["Tệp báo cáo"].rows) == 1 + LIST_LIMIT
    assert len(tables["Quy tắc kiểm tra"].rows) == 1 + LIST_LIMIT
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Bảng chỉ nêu 100 trên tổng số 2.000 đơn vị; danh sách đầy đủ ở trang “CT3”" in text
    assert "bảng marts.fct_reporting_rates của kho dữ liệu (BI)" in text
    assert "Bảng chỉ nêu 100 trên tổng số 250 dòng" in text


# Code point order puts Đ after Z, Ô and Ơ after P, Ư after V: Vietnamese order does not.
GROUPS = ["Huyện Đoàn Bắc", "Đoàn Khối Cơ quan", "Cụm Dương"]
UNITS_VI = [
    "Phường Zô", "Phường Đông Anh", "Phường Dương Nội", "Phường Diễn Châu", "Xã Vân", "Xã Ưu",
    "Xã Uy", "Xã Phú", "Xã Ơn", "Xã Ông", "Xã Oanh",
]  # fmt: skip
GROUPS_IN_ORDER = ["Cụm Dương", "Đoàn Khối Cơ quan", "Huyện Đoàn Bắc"]
UNITS_IN_ORDER = [
    "Phường Diễn Châu", "Phường Dương Nội", "Phường Đông Anh", "Phường Zô", "Xã Oanh",
    "Xã Ông", "Xã Ơn", "Xã Phú", "Xã Uy", "Xã Ưu", "Xã Vân",
]  # fmt: skip


def test_children_table_in_vietnamese_order_in_every_format(tmp_path):
    assert sorted(UNITS_VI) != UNITS_IN_ORDER and sorted(GROUPS) != GROUPS_IN_ORDER
    children = [child(f"G{i}", name, "group") for i, name in enumerate(GROUPS)]
    children += [child(f"U{i}", name, "unit") for i, name in enumerate(UNITS_VI)]
    data = rd.ReportData(
        as_of=APRIL, province_code="ROOT", province_name="Tỉnh", progress=[ct3()], issues=[],
        units_expected=11, units_submitted=11, units_late=[], units_missing=[],
        children=children,
    )  # fmt: skip
    expected = GROUPS_IN_ORDER + UNITS_IN_ORDER
    assert [row.unit_name for row in children_rows(data)] == expected

    def order(text: str) -> list[str]:
        return sorted(expected, key=text.index)

    markdown = render_markdown(data)
    assert order(markdown.split("## Kết quả của các đơn vị trực thuộc")[1]) == expected
    html = render_html(data)
    assert order(re.search(r"<table class='children'>.*?</table>", html, re.S).group(0)) == (
        expected
    )
    workbook = openpyxl.load_workbook(write_workbook(data, tmp_path / "b.xlsx"))
    names = [n for (n,) in workbook["Đơn vị trực thuộc"].iter_rows(min_col=2, max_col=2,
                                                                     values_only=True)]  # fmt: skip
    assert [n for n in names if n in expected] == expected
    document = docx.Document(write_docx(data, tmp_path / "b.docx"))
    annex = next(t for t in document.tables if t.rows[0].cells[-1].text.startswith("Kết quả /"))
    shown = [row.cells[1].text.removesuffix(" (tổng hợp)") for row in annex.rows[1:]]
    assert shown == expected
