"""The sample's reports, read back the way people read them: Chromium, openpyxl, pyarrow."""

import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from test_reports_support import chromium_page, sample_run_once

from orchestration.schema_doc import DOC_PATH, render
from reports.excel_report import (
    ISSUES_SHEET,
    MISSING_SHEET,
    PERCENT_FORMAT,
    SUMMARY_COLUMNS,
    SUMMARY_HEADER_ROW,
    SUMMARY_SHEET,
    count_format,
)

pytestmark = pytest.mark.slow

MONTH = "2024-04"
AS_OF = "2024-04-01"
# CONTRACT §7: (numerator, denominator, target) on each indicator's first window.
PUBLISHED = {
    "CT1": (3857, 45600, 40),
    "CT2": (1458, 1669, 80),
    "CT3": (21458, None, 66000),
    "CT4": (333, None, 2138),
    "CT5": (8313, None, 160000),
    "CT6": (26353, None, 294021),
    "CT7": (10152, None, 145250),
    "CT8": (5867, None, 190759),
}


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return sample_run_once(tmp_path_factory)


@pytest.fixture(scope="module")
def marts(ws):
    """What the warehouse says, read independently of reports/."""
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:

        def rows(sql, params=()):
            return con.execute(sql, list(params)).fetchall()

        province = rows("select unit_code from marts.dim_unit where level = 'province'")[0][0]
        progress = rows(
            """
            select indicator_code, strftime(window_start, '%Y-%m') || '..' ||
                   strftime(window_end, '%Y-%m'), numerator, denominator, actual_value,
                   target_value, achievement_pct
            from marts.fct_indicator_progress where unit_code = ? and as_of = ?
            """,
            [province, AS_OF],
        )
        primary = {
            code: window
            for code, window in rows(
                """
                select indicator_code, arg_min(strftime(window_start, '%Y-%m') || '..' ||
                       strftime(window_end, '%Y-%m'), window_end)
                from marts.fct_indicator_progress where unit_code = ? and as_of = ? group by 1
                """,
                [province, AS_OF],
            )
        }
        trend_months = dict(
            rows(
                """
                select p.indicator_code, count(*) from marts.fct_indicator_progress p
                where p.unit_code = ? and p.as_of <= ? and strftime(p.window_start, '%Y-%m')
                      || '..' || strftime(p.window_end, '%Y-%m') = (
                    select arg_min(strftime(window_start, '%Y-%m') || '..' ||
                           strftime(window_end, '%Y-%m'), window_end)
                    from marts.fct_indicator_progress q
                    where q.unit_code = p.unit_code and q.as_of = ?
                      and q.indicator_code = p.indicator_code)
                group by 1
                """,
                [province, AS_OF, AS_OF],
            )
        )
        units = rows(
            """
            select p.indicator_code, strftime(p.window_start, '%Y-%m') || '..' ||
                   strftime(p.window_end, '%Y-%m'), p.unit_code, p.numerator, p.actual_value,
                   exists (select 1 from marts.fct_measure_as_of m
                           where m.unit_code = p.unit_code and m.as_of = p.as_of
                             and m.indicator_code = p.indicator_code
                             and m.window_start = p.window_start and m.window_end = p.window_end
                             and m.last_period is not null) as reported
            from marts.fct_indicator_progress p where p.as_of = ? and p.unit_code <> ?
            """,
            [AS_OF, province],
        )
        issues = rows(
            "select severity, unit_code from marts.fct_data_quality_issues where period <= ?",
            [AS_OF],
        )
        missing = rows(
            "select unit_code, strftime(period, '%Y-%m') from marts.fct_submission_status "
            "where status = 'missing' and period <= ?",
            [AS_OF],
        )
        tables = {
            name: rows(f"select count(*) from marts.{name}")[0][0]
            for (name,) in rows(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_type = 'BASE TABLE'"
            )
        }
    progress = {(r[0], r[1]): r[2:] for r in progress}
    return {"progress": progress, "primary": primary, "trend_months": trend_months,
            "units": units, "issues": issues, "missing": missing, "tables": tables}  # fmt: skip


def half_up(value) -> int:
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def vi_int(text: str) -> int:
    """'45.600' -> 45600 (the page's own text, parsed back)."""
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", text), text
    return int(text.replace(".", ""))


# --- files ---------------------------------------------------------------------------------


def test_a_run_writes_the_report_files_and_the_parquet_export(ws, marts):
    folder = ws.output / MONTH
    for name in (
        f"bao_cao_{MONTH}.md",
        f"bao_cao_{MONTH}.html",
        f"bao_cao_{MONTH}.xlsx",
        f"van_de_du_lieu_{MONTH}.csv",
    ):
        assert (folder / name).stat().st_size > 0, name
    parquet = sorted(p.stem for p in (ws.output / "parquet").glob("*.parquet"))
    assert parquet == sorted(marts["tables"])
    leftovers = [p for p in ws.root.rglob("*") if p.name.endswith((".tmp", ".publishing"))]
    assert leftovers == []
    assert not ws.warehouse.with_name(ws.warehouse.name + ".building").exists()


def test_the_narrative_says_whether_each_count_is_on_track(ws):
    for suffix in ("md", "html"):
        text = (ws.output / MONTH / f"bao_cao_{MONTH}.{suffix}").read_text(encoding="utf-8")
        # Said once per target window, not once per indicator (issue #17).
        assert text.count("trong 8 tháng còn lại mỗi tháng cần bình quân") == 1
        assert "Chỉ tiêu 3: 5.568 hồ sơ (bình quân 4 tháng qua: 5.365)" in text
        assert "Các chỉ tiêu 3, 4, 5, 6, 7 chưa đạt tiến độ." in text
        assert "Chỉ tiêu 8: 92.446 tài khoản (bình quân 4 tháng qua: 1.467)" in text
        # The programme window of CT5 (baseline included) is ahead of its straight line.
        assert "trong 44 tháng còn lại mỗi tháng cần bình quân: Chỉ tiêu 5: 3.640 hộ gia" in text
        assert "Chỉ tiêu 5 đạt tiến độ." in text
        # Reporting rates against the settings' targets (§11), issues by Vietnamese names.
        assert "10/10 đơn vị đã nộp, tỷ lệ nộp báo cáo 100% (yêu cầu 90%)" in text
        assert "Đoàn Khối Doanh nghiệp tỉnh (1/4 báo cáo, 25%)" in text
        assert "Số thành phần lớn hơn số tổng" in text and "part_exceeds_whole:" not in text
        assert ": có " not in text and "): Có " not in text  # no "có … có" (issue #17)


def test_parquet_files_hold_every_mart(ws, marts):
    for table, count in marts["tables"].items():
        parquet = pq.read_table(ws.output / "parquet" / f"{table}.parquet")
        assert parquet.num_rows == count, table
    progress = pq.read_table(ws.output / "parquet" / "fct_indicator_progress.parquet")
    assert progress.schema.names == [
        "unit_code",
        "as_of",
        "indicator_code",
        "window_start",
        "window_end",
        "numerator",
        "denominator",
        "actual_value",
        "target_value",
        "achievement_pct",
    ]


def test_bi_schema_doc_is_generated_from_the_dbt_yml(ws):
    from orchestration.dbt_manifest import ensure_manifest

    text, _ = render(ensure_manifest(), ws.warehouse, ws.output / "parquet")
    assert "| `unit_code` | VARCHAR | string | Mã đơn vị | unit code. |" in text
    assert DOC_PATH.read_text(encoding="utf-8") == text, (
        "docs/bi_schema.md is out of date: run `python -m orchestration.schema_doc` after a run"
    )


# --- the HTML report in Chromium ---------------------------------------------------------------


@pytest.fixture(scope="module")
def browser_view(ws, tmp_path_factory):
    """Loads the report once; collects what the tests look at; saves a screenshot."""
    report = ws.output / MONTH / f"bao_cao_{MONTH}.html"
    shot = tmp_path_factory.mktemp("screenshot") / f"bao_cao_{MONTH}.png"
    requests, errors = [], []
    with chromium_page() as page:
        page.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(report.as_uri())
        page.screenshot(path=str(shot), full_page=True)
        view = page.evaluate(
            """() => {
              const cells = (row) => [...row.querySelectorAll('td')].map(td => td.innerText.trim());
              const box = (el) => {
                const r = el.getBoundingClientRect(); return [r.width, r.height];
              };
              const marks = (selector) => [...document.querySelectorAll(selector)].map(box);
              return {
                title: document.title,
                summary: [...document.querySelectorAll('#summary tbody tr')].map(tr =>
                  ({indicator: tr.dataset.indicator, window: tr.dataset.window, cells: cells(tr)})),
                units: [...document.querySelectorAll('table.unit-table')].map(t =>
                  ({indicator: t.dataset.indicator,
                    rows: [...t.querySelectorAll('tbody tr')].map(tr =>
                      ({unit: tr.dataset.unit, cells: cells(tr)}))})),
                achievementBars: marks('#chart-achievement g[id^="ach-bar-"] path'),
                trendMarkers: Object.fromEntries([...document.querySelectorAll(
                  '#chart-trend g[id^="trend-actual-"]')].map(g =>
                  [g.id.replace('trend-actual-', ''), g.querySelectorAll('use').length])),
                paceLines: document.querySelectorAll('#chart-trend g[id^="trend-pace-"]').length,
                unitBars: marks('#chart-units g[id^="unit-bar-"] path'),
                charts: marks('figure svg'),
                missing: [...document.querySelectorAll('#missing tbody tr')].map(cells),
                issueTables: [...document.querySelectorAll('table.issues')].map(t =>
                  [...t.querySelectorAll('tbody tr')].map(tr => tr.dataset.severity)),
                scripts: document.scripts.length,
              };
            }"""
        )
    view.update(requests=requests, errors=errors, screenshot=shot)
    return view


def test_report_opens_offline_without_errors(browser_view, ws):
    assert browser_view["title"].startswith("Báo cáo tiến độ thực hiện Đề án 5299")
    assert [url for url in browser_view["requests"] if not url.startswith("file:")] == []
    assert browser_view["errors"] == []
    assert browser_view["scripts"] == 0
    shot = browser_view["screenshot"]
    assert shot.stat().st_size > 50_000  # a rendered page, not a blank one
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_charts_render_every_mark(browser_view, marts):
    with_target = [k for k, v in marts["progress"].items() if v[-1] is not None]
    assert len(browser_view["achievementBars"]) == len(with_target) == 9
    assert browser_view["trendMarkers"] == marts["trend_months"]
    assert browser_view["trendMarkers"]["CT3"] == 4  # January..April
    assert browser_view["paceLines"] == 8
    plotted = [
        u for u in marts["units"] if u[5] and u[4] is not None and marts["primary"][u[0]] == u[1]
    ]
    assert len(browser_view["unitBars"]) == len(plotted)
    assert len(browser_view["charts"]) == 3
    for width, height in (
        browser_view["achievementBars"] + browser_view["unitBars"] + browser_view["charts"]
    ):
        assert width > 0 and height > 0


def test_summary_table_matches_the_marts(browser_view, marts):
    seen = set()
    for row in browser_view["summary"]:
        code, window, cells = row["indicator"], row["window"], row["cells"]
        numerator, denominator, actual, target, achievement = marts["progress"][(code, window)]
        actual_text, target_text, achievement_text = cells[3], cells[4], cells[5]
        if denominator is not None:  # rate: "8% (3.857/45.600)" against "40%"
            rate, num, den = re.fullmatch(r"(\d+)% \(([\d.]+)/([\d.]+)\)", actual_text).groups()
            assert (int(rate), vi_int(num), vi_int(den)) == (
                half_up(actual),
                numerator,
                denominator,
            )
            assert target_text == f"{half_up(target)}%"
        else:
            assert vi_int(actual_text.split(" ")[0]) == numerator
            assert vi_int(target_text) == half_up(target)
        assert achievement_text == f"{half_up(achievement)}%"
        seen.add(code)
    assert seen == set(PUBLISHED)
    ct8 = next(r for r in browser_view["summary"] if r["indicator"] == "CT8")
    assert "chờ duyệt: 4.572" in ct8["cells"][3]


def test_unit_tables_rank_every_unit_with_the_marts_figures(browser_view, marts):
    tables = {t["indicator"]: t["rows"] for t in browser_view["units"]}
    assert sorted(tables) == sorted(PUBLISHED)
    for code, rows in tables.items():
        expected = {
            u[2]: u for u in marts["units"] if u[0] == code and u[1] == marts["primary"][code]
        }
        assert sorted(r["unit"] for r in rows) == sorted(expected)
        for row in rows:
            unit = expected[row["unit"]]
            if not unit[5]:
                assert row["cells"][2] == "chưa báo cáo" and row["cells"][0] == "—"
            elif code in ("CT1", "CT2"):
                assert row["cells"][2].startswith(f"{half_up(unit[4])}%")
            else:
                assert vi_int(row["cells"][2]) == unit[3]
        ranks = [int(r["cells"][0]) for r in rows if r["cells"][0] != "—"]
        assert ranks == sorted(ranks) and ranks[0] == 1
    # DKCQ leaves households_vneid empty: not ranked on CT5, not shown as 0.
    assert [r["cells"][0] for r in tables["CT5"] if r["unit"] == "DKCQ"] == ["—"]


def test_missing_reports_and_issues_errors_first(browser_view, marts):
    assert [[cells[0], cells[2]] for cells in browser_view["missing"]] == [["HLT", "tháng 2/2024"]]
    assert sorted(("HLT", p) for _, p in marts["missing"]) == [("HLT", "2024-02")]
    severities = [s for table in browser_view["issueTables"] for s in table]
    assert sorted(severities) == sorted(s for s, _ in marts["issues"])
    rank = {"error": 0, "warn": 1, "info": 2}
    worst = [rank[table[0]] for table in browser_view["issueTables"]]
    assert worst == sorted(worst) and worst[0] == 0  # the unit with an error comes first
    for table in browser_view["issueTables"]:
        assert [rank[s] for s in table] == sorted(rank[s] for s in table)


def test_phone_width_has_no_horizontal_page_scroll(ws):
    report = ws.output / MONTH / f"bao_cao_{MONTH}.html"
    with chromium_page(viewport=(360, 740)) as page:
        page.goto(report.as_uri())
        widths = page.evaluate(
            """() => ({
              page: document.documentElement.scrollWidth,
              body: document.body.scrollWidth,
              heat: document.querySelector('#heat-map').closest('.scroll').clientWidth,
              states: [...document.querySelectorAll('#heat-map td[data-state]')].map(
                td => td.dataset.state),
            })"""
        )
    assert widths["page"] <= 360 and widths["body"] <= 360, widths
    assert widths["heat"] <= 360
    # The sample: 10 units × 4 months; Long Thủy missed February, Doanh nghiệp was late 3×.
    assert len(widths["states"]) == 40
    assert widths["states"].count("missing") == 1 and widths["states"].count("late") == 3


def test_prints_on_a4_with_the_title_and_indicator_table_on_page_one(ws, tmp_path):
    import shutil
    import subprocess

    from test_reports_support import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists() or shutil.which("pdftotext") is None:
        pytest.skip("chromium or poppler-utils missing")
    pdf = tmp_path / "report.pdf"
    report = ws.output / MONTH / f"bao_cao_{MONTH}.html"
    subprocess.run(
        [str(CHROMIUM), "--headless", *CHROMIUM_ARGS, "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", report.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    assert abs(float(size.group(1)) - 595.3) < 2 and abs(float(size.group(2)) - 841.9) < 2
    assert 2 <= pages <= 6, pages
    first = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "Báo cáo tiến độ thực hiện Đề án 5299" in first
    for figure in ("3.857/45.600", "21.458", "66.000", "190.759", "Cần bình quân"):
        assert figure in first, figure  # the whole indicator table, CT1 to CT8


# --- the workbook ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook(ws):
    return load_workbook(ws.output / MONTH / f"bao_cao_{MONTH}.xlsx")


def summary_rows(sheet):
    header = [c.value for c in sheet[SUMMARY_HEADER_ROW + 1]]
    assert header == SUMMARY_COLUMNS
    rows = {}
    for cells in sheet.iter_rows(min_row=SUMMARY_HEADER_ROW + 2):
        record = dict(zip(header, cells, strict=True))
        if record["Mã chỉ tiêu"].value:
            rows.setdefault(record["Mã chỉ tiêu"].value, record)  # first window first
    return rows


def test_summary_sheet_holds_the_published_figures(workbook):
    sheet = workbook[SUMMARY_SHEET]
    assert sheet.freeze_panes == f"A{SUMMARY_HEADER_ROW + 2}"
    rows = summary_rows(sheet)
    assert sorted(rows) == sorted(PUBLISHED)
    for code, (numerator, denominator, target) in PUBLISHED.items():
        row = rows[code]
        for name in ("Tử số", "Kết quả thực hiện", "Chỉ tiêu giao", "Tỷ lệ đạt"):
            assert row[name].data_type == "n", (code, name)
            assert isinstance(row[name].value, int | float), (code, name)
        assert row["Tử số"].value == numerator
        assert row["Mẫu số"].value == denominator
        if denominator:  # rates: fractions shown as whole percents
            assert row["Kết quả thực hiện"].value == pytest.approx(numerator / denominator)
            assert row["Chỉ tiêu giao"].value == pytest.approx(target / 100)
            assert row["Kết quả thực hiện"].number_format == PERCENT_FORMAT
        else:
            assert row["Kết quả thực hiện"].value == numerator
            assert row["Chỉ tiêu giao"].value == pytest.approx(target)
            assert row["Kết quả thực hiện"].number_format == count_format()
        assert row["Tỷ lệ đạt"].number_format == PERCENT_FORMAT
    assert rows["CT3"]["Cần bình quân/tháng"].value == 5568
    assert rows["CT3"]["Số tháng còn lại"].value == 8
    assert rows["CT8"]["Cần bình quân/tháng"].value == 92446
    assert round(rows["CT2"]["Kết quả thực hiện"].value * 100) == 87
    assert "4.572" in rows["CT8"]["Ghi chú"].value


def test_count_format_is_a_real_number_format_tagged_vietnamese():
    # A grouping format (no literal dot) tagged vi-VN: LibreOffice shows 45.600 (see the
    # PDF test below), Excel its own locale's separators; the cell stays a number.
    assert count_format() == "[$-42A]#,##0"
    assert "\\." not in count_format() and '"."' not in count_format()


def test_every_sheet_is_set_up_for_a4_printing(workbook):
    for sheet in workbook.worksheets:
        assert sheet.print_area, sheet.title
        assert sheet.page_setup.paperSize == 9, sheet.title  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        # openpyxl reads the default fitToWidth=1 back as None (the attribute left out).
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows, sheet.title  # the header row on every page
        assert "&P" in sheet.oddFooter.center.text
    assert workbook[SUMMARY_SHEET].page_setup.orientation == "landscape"
    assert workbook[MISSING_SHEET].page_setup.orientation == "portrait"
    # Wrapped messages get taller rows (no overlap): every long message's row is set.
    issues = workbook[ISSUES_SHEET]
    for row in issues.iter_rows(min_row=6):
        message = row[8].value
        if message and len(message) > 60:
            assert issues.row_dimensions[row[0].row].height >= 26, message


def test_workbook_pdf_shows_vietnamese_numbers(ws, tmp_path):
    import shutil
    import subprocess

    from reports.docx_report import soffice

    if soffice() is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice or poppler-utils missing")
    source = ws.output / MONTH / f"bao_cao_{MONTH}.xlsx"
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [soffice(), f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        capture_output=True, timeout=180, check=True,
    )  # fmt: skip
    pdf = tmp_path / f"bao_cao_{MONTH}.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for figure in ("45.600", "21.458", "66.000", "294.021", "190.759"):
        assert figure in text, figure
    assert "45,600" not in text and "21,458" not in text
    # Fit to width: the summary sheet, all 15 columns, on page 1 (the last column's header
    # and the CT8 note included); a sheet runs on over pages only downwards.
    first = text.split("\f")[0]
    assert "Ghi chú" in first and "Đang chờ duyệt: 4.572" in first
    assert "5.568" in first and "92.446" in first  # Cần bình quân/tháng, near the right edge
    pages = text.count("\f")
    assert pages <= 2 * len(load_workbook(source).worksheets), pages


def test_indicator_sheets_add_up_and_columns_fit(workbook):
    for code, (numerator, _, _) in PUBLISHED.items():
        sheet = workbook[code]
        assert sheet.freeze_panes == "A6"
        header = [c.value for c in sheet[5]]
        body = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=6)]
        units = [r for r in body if r["Mã đơn vị"].value]
        province = [r for r in body if not r["Mã đơn vị"].value]
        assert province[-1]["Tử số"].value == numerator
        if code not in ("CT1", "CT2"):  # every count adds up across units (CONTRACT §2)
            assert sum(r["Tử số"].value or 0 for r in units) == numerator
        names = [r["Đơn vị"].value for r in units]
        width = sheet.column_dimensions["C"].width
        assert width >= max(len(n) for n in names), (code, width)


def test_issues_and_missing_sheets(workbook, marts):
    issues = workbook[ISSUES_SHEET]
    rows = [r for r in issues.iter_rows(min_row=6, values_only=True) if r[0]]
    assert len(rows) == len(marts["issues"])
    assert rows[0][0] == "Lỗi"  # errors first
    missing = workbook[MISSING_SHEET]
    rows = [r for r in missing.iter_rows(min_row=6, values_only=True) if r[0]]
    assert [(r[0], r[2].strftime("%Y-%m")) for r in rows] == [("HLT", "2024-02")]


def test_workbook_has_no_formula_anywhere(ws, workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), sheet.title
    with zipfile.ZipFile(ws.output / MONTH / f"bao_cao_{MONTH}.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(n) for n in sheets)
