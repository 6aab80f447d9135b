"""`dean5299 run --unit CODE` refuses, before any work, a code it cannot report on
(CONTRACT §10): an unknown unit, a reporting unit (a leaf) in that month, a group not
active then. The reform sample's reference folder is the tree. The reports themselves
are rendered in tests/test_reform_sample.py (slow: the real pipeline)."""

from __future__ import annotations

from pathlib import Path

import pytest

REFORM = Path(__file__).resolve().parent.parent / "sample" / "reform"


@pytest.fixture
def ws(tmp_path):
    from conftest import Workspace

    ws = Workspace(tmp_path)
    ws.inbox.mkdir()  # empty: nothing may be read anyway
    return ws


def run_unit(ws, as_of: str, unit: str):
    return ws.run_cli(
        "run", "--as-of", as_of, "--unit", unit, "--reference", str(REFORM / "reference")
    )


@pytest.mark.parametrize(
    ("as_of", "unit", "expected"),
    [
        ("2025-06", "NOPE", "unknown unit NOPE"),
        ("2025-06", "BL_HA", "is a reporting unit, not a group, in 2025-06"),
        ("2025-09", "XA_AN", "is a reporting unit, not a group, in 2025-09"),
        ("2025-09", "TDBL", "not active in 2025-09"),
        ("2024-01", "tdnl ", None),  # a group then (lower case and spaces are fine): no error
    ],
)
def test_unit_checked_before_any_work(ws, as_of, unit, expected):
    if expected is None:
        from orchestration.cli.run_command import check_report_unit

        assert check_report_unit(REFORM / "reference", unit, as_of) == "TDNL"
        assert check_report_unit(REFORM / "reference", "TDHL", as_of) == ""  # the root
        assert check_report_unit(REFORM / "reference", "", as_of) == ""
        return
    result = run_unit(ws, as_of, unit)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    # nothing was started: no log, no lock, no warehouse
    assert not ws.output.exists() or not any(ws.output.rglob("*.log"))
    assert not ws.warehouse.parent.exists()


def test_report_config_round_trip():
    from orchestration.definitions import defs
    from orchestration.reporting_assets import report_run_config, report_unit_of

    assert report_run_config("") == {} and report_unit_of({}) == ""
    config = report_run_config("TDBL")
    assert report_unit_of(config) == "TDBL"
    # both jobs that render reports accept it (the UI's launchpad shows the field)
    for name in ("monthly_report_job", "report_refresh_job"):
        job = defs.resolve_job_def(name)
        assert job.run_config_schema.config_type.fields["ops"].config_type.fields[
            "monthly_report"
        ]


def test_a_group_run_does_not_count_as_rendering_the_root():
    """After a publication the sensor re-renders the root's changed months, less those the
    publishing run rendered: a --unit run rendered none of the root's."""
    import dagster as dg

    from orchestration.automation import MONTHLY_JOB, REPORT_REFRESH_JOB, months_rendered_by
    from orchestration.reporting_assets import report_run_config

    tags = {"dagster/partition": "2024-03"}
    root_run = dg.DagsterRun(job_name=MONTHLY_JOB, run_config={}, tags=tags)
    group_run = dg.DagsterRun(job_name=MONTHLY_JOB, run_config=report_run_config("G"), tags=tags)
    refresh = dg.DagsterRun(job_name=REPORT_REFRESH_JOB, run_config={}, tags=tags)
    assert months_rendered_by(root_run) == {"2024-03"}
    assert months_rendered_by(group_run) == set()
    assert months_rendered_by(refresh) == set() and months_rendered_by(None) == set()


# ---- the reports themselves: a group's report names its scope (issue #18 brief item 1) --


def report_texts(folder: Path, month: str) -> dict[str, str]:
    """What a reader sees in each format: the Markdown, the HTML's text (charts' labels
    included), every paragraph of the .docx (tables too), every text cell of the .xlsx."""
    import html as html_lib
    import re

    import docx
    import openpyxl
    from docx.oxml.ns import qn

    page = (folder / f"bao_cao_{month}.html").read_text(encoding="utf-8")
    page = re.sub(r"<style.*?</style>", "", page, flags=re.S)
    document = docx.Document(folder / f"bao_cao_{month}.docx")
    paragraphs = [
        "".join(t.text or "" for t in p.iter(qn("w:t")))
        for p in document.element.body.iter(qn("w:p"))
    ]
    workbook = openpyxl.load_workbook(folder / f"bao_cao_{month}.xlsx")
    cells = [
        str(value)
        for sheet in workbook
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if isinstance(value, str)
    ]
    return {
        "md": (folder / f"bao_cao_{month}.md").read_text(encoding="utf-8"),
        "html": html_lib.unescape(re.sub(r"<[^>]+>", "\n", page)),
        "docx": "\n".join(paragraphs),
        "xlsx": "\n".join(cells),
    }


@pytest.fixture(scope="module")
def reform_reports(tmp_path_factory, dbt_manifest):
    """The reform sample through the real CLI (its 2025-06 report of the former province
    TDBL builds and publishes the warehouse; a copy of the session's run, shared with
    test_reform_sample.py), then the root's and TDNL's reports of the same month from
    that warehouse."""
    import datetime as dt

    import duckdb
    from test_reports_support import reform_run_copy

    from reports.writer import write_reports

    ws, _ = reform_run_copy(tmp_path_factory, "reform_reports")
    june = dt.date(2025, 6, 1)
    write_reports(ws.warehouse, ws.output, june)
    write_reports(ws.warehouse, ws.output, june, unit_code="TDNL")
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        names = dict(con.execute("select unit_code, unit_name from marts.dim_unit").fetchall())
    folders = {"": ws.output / "2025-06", "TDBL": ws.output / "2025-06" / "TDBL",
               "TDNL": ws.output / "2025-06" / "TDNL"}  # fmt: skip
    return names, {code: report_texts(folder, "2025-06") for code, folder in folders.items()}


@pytest.mark.slow
@pytest.mark.parametrize("code", ["TDBL", "TDNL"])
def test_a_group_report_names_its_scope_in_every_format(reform_reports, code):
    names, texts = reform_reports
    name = names[code]  # dim_unit's unit_name, read from the warehouse, not from reports/
    assert name.startswith("Tỉnh Đoàn") and name != names["TDHL"]
    for fmt, text in texts[code].items():
        assert "toàn tỉnh" not in text.lower(), fmt  # the root's word, never a group's
        if fmt != "xlsx":
            assert f"Đề án 5299 của {name}" in text, fmt  # the title (docx: the subject)
    for fmt in ("md", "html", "docx"):
        text = texts[code][fmt]
        assert f"Kết quả của {name} đến hết tháng 6/2025 là tổng số liệu" in text, fmt
        assert f"Báo cáo tháng 6/2025 của các đơn vị thuộc {name}:" in text, fmt
        assert f"Để {name} đạt chỉ tiêu năm 2025" in text, fmt
    assert f"Hình 2. Lũy kế của {name}" in texts[code]["html"]
    docx_text = texts[code]["docx"]
    assert f"Kết quả thực hiện Đề án 5299 của {name} đến hết tháng 6 năm 2025" in docx_text
    assert f"Đến hết tháng 6/2025, kết quả của {name} so với chỉ tiêu" in docx_text
    assert f"Đề nghị các đơn vị thuộc {name} " in docx_text
    assert f"ĐỀ ÁN 5299 CỦA {name.upper()}" in texts[code]["xlsx"]


@pytest.mark.slow
def test_the_root_report_keeps_the_province_wording(reform_reports):
    names, texts = reform_reports
    root = texts[""]
    assert "# Báo cáo tiến độ thực hiện Đề án 5299 — tính đến hết tháng 6/2025\n" in root["md"]
    assert "Kết quả thực hiện Đề án 5299 đến hết tháng 6 năm 2025" in root["docx"]
    assert "Hình 2. Lũy kế toàn tỉnh" in root["html"]
    assert "Toàn tỉnh" in root["xlsx"]
    for text in root.values():
        assert f"của {names['TDHL']}" not in text
        assert "của các đơn vị thuộc" not in text


@pytest.mark.slow
def test_percentages_are_written_one_way(reform_reports):
    """'34%' (forms.vi_format.percent, as the published article): never '34 %'."""
    import re

    _, texts = reform_reports
    for code, formats in texts.items():
        for fmt, text in formats.items():
            if fmt != "xlsx":  # the workbook's percentages are numbers (format 0%)
                assert re.search(r"\d%", text), (code, fmt)
            assert not re.search(r"\d[ \u00a0\u202f\u2009]%", text), (code, fmt)
