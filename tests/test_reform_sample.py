"""The reform sample (sample/reform/, issue #15 item 5) through the real pipeline, once.

One real CLI run renders the 2025-06 report of the former province Bắc Lâm (`--unit
TDBL`, building and publishing the warehouse); the report-only job (what the Dagster UI
launches) then renders the root's 2025-06 and 2025-09 reports and Nam Lâm's 2025-06 one
through its `unit_code` config. The figures are compared with golden.json, which the
generator computes in plain Python from the values it writes, never from the warehouse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import Workspace
from test_reports_support import REFORM, reform_generator, reform_run_copy

from forms.vi_format import number

generator = reform_generator()
NAMES, PARENT = generator.NAMES, generator.PARENT
SHIPPED = ("reference", "inbox", "inbox_mtimes.csv", "golden.json")


def month(text: str) -> dt.date:
    return dt.date.fromisoformat(f"{text}-01")


def file_hashes(folder: Path) -> dict[str, str]:
    paths = [folder / name for name in SHIPPED if (folder / name).is_file()]
    paths += [p for name in SHIPPED if (folder / name).is_dir() for p in (folder / name).rglob("*")]
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in paths
        if path.is_file()
    }


def test_the_generator_rewrites_the_shipped_sample_byte_for_byte(tmp_path):
    # In its own process: openpyxl's serialiser is chosen at its first import (the
    # generator pins ElementTree), and this process may have imported it already.
    subprocess.run(
        [sys.executable, str(REFORM / "generate_reform.py"), "--out", str(tmp_path)], check=True
    )
    assert file_hashes(tmp_path) == file_hashes(REFORM)


@pytest.fixture(scope="module")
def reform(tmp_path_factory, dbt_manifest):
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.reporting_assets import report_run_config

    # The CLI's run (a copy of the session's, shared with test_group_reports.py).
    ws, golden = reform_run_copy(tmp_path_factory, "reform")
    cli = ws.first_run
    job = defs.resolve_job_def("report_refresh_job")
    refreshed = {}
    with pytest.MonkeyPatch.context() as env:
        for key, value in ws.env().items():
            if key.startswith("DEAN5299_"):
                env.setenv(key, value)
        for as_of, unit in (("2025-06", ""), ("2025-09", ""), ("2025-06", "TDNL")):
            result = job.execute_in_process(
                partition_key=as_of,
                run_config=report_run_config(unit),
                instance=dg.DagsterInstance.ephemeral(),
                raise_on_error=False,
            )
            assert result.success, (as_of, unit)
            refreshed[(as_of, unit)] = result
    con = duckdb.connect(str(ws.warehouse), read_only=True)
    yield {"ws": ws, "golden": golden, "cli": cli, "con": con, "refreshed": refreshed}
    con.close()


def mart_row(con, unit: str, as_of: str, indicator: str, start: str, end: str) -> list[tuple]:
    return con.execute(
        """
        select numerator, denominator, actual_value, target_value
        from marts.fct_indicator_progress
        where unit_code = ? and as_of = ? and indicator_code = ? and window_start = ?
          and window_end = ?
        """,
        [unit, month(as_of), indicator, month(start), month(end)],
    ).fetchall()


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == pytest.approx(b, rel=1e-9, abs=1e-9)


@pytest.mark.slow
def test_golden_figures_are_the_pipelines(reform):
    """The root and both former provinces as of 2025-06, the root as of 2025-09: every
    indicator window golden.json lists, exactly, and no other row for those scopes."""
    con, golden = reform["con"], reform["golden"]
    mismatches = []
    for row in golden["progress"]:
        got = mart_row(con, row["unit_code"], row["as_of"], row["indicator_code"],
                       row["window_start"], row["window_end"])  # fmt: skip
        expected = (row["numerator"], row["denominator"], row["actual_value"],
                    row["target_value"])  # fmt: skip
        if len(got) != 1 or not all(same(a, b) for a, b in zip(got[0], expected, strict=True)):
            mismatches.append((row, got))
    assert not mismatches, mismatches[:5]
    keys = {
        (r["unit_code"], month(r["as_of"]), r["indicator_code"], month(r["window_start"]))
        for r in golden["progress"]
    }
    mart_keys = set(
        con.execute(
            """
            select unit_code, as_of, indicator_code, window_start
            from marts.fct_indicator_progress
            where (unit_code in ('TDHL', 'TDBL', 'TDNL') and as_of = date '2025-06-01')
               or (unit_code = 'TDHL' and as_of = date '2025-09-01')
            """
        ).fetchall()
    )
    assert mart_keys == keys
    # the data really spans the reform: both former provinces have figures in June,
    # none after; the root's September CT3 counts the districts' and the communes' months
    assert {r["unit_code"] for r in golden["progress"] if r["as_of"] == "2025-06"} == {
        "TDHL", "TDBL", "TDNL"
    }
    assert not con.execute(
        "select * from marts.fct_indicator_progress where unit_code in ('TDBL', 'TDNL') "
        "and as_of > date '2025-06-01'"
    ).fetchall()


@pytest.mark.slow
def test_communes_inherit_the_districts_targets_by_share(reform):
    """§10: a successor's count target is share x its predecessors' (0,6 / 0,4 for the
    split, 1 + 1 for the merge), and never enters the root's target."""
    con, golden = reform["con"], reform["golden"]
    assert golden["inherited_targets"], "the sample must have inherited targets"
    for row in golden["inherited_targets"]:
        got = mart_row(con, row["unit_code"], "2025-09", row["indicator_code"],
                       row["window_start"], row["window_end"])  # fmt: skip
        assert got and same(got[0][3], row["target_value"]), (row, got)
    split = {r["unit_code"]: r["target_value"] for r in golden["inherited_targets"]
             if r["indicator_code"] == "CT3"}  # fmt: skip
    assert split["XA_AN"] == pytest.approx(0.6 * 6000)
    assert split["PH_CANG"] == pytest.approx(4500 + 4000)


def children_sheet(path: Path) -> set[str]:
    sheet = openpyxl.load_workbook(path, read_only=True)["Đơn vị trực thuộc"]
    return {row[0] for row in sheet.iter_rows(min_row=6, values_only=True) if row[0]}


def markdown_children(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    section = text.split("## Kết quả của các đơn vị trực thuộc", 1)[1].split("\n## ", 1)[0]
    return [line.split(" | ")[0].lstrip("| ") for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| Đơn vị")]  # fmt: skip


@pytest.mark.slow
def test_the_report_shows_former_provinces_before_july_and_communes_after(reform):
    out, golden = reform["ws"].output, reform["golden"]
    june, september = (golden["children"][m] for m in ("2025-06", "2025-09"))
    assert june == ["DKHL", "TDBL", "TDNL"]
    assert september == ["DKHL", "PH_CANG", "PH_EO", "XA_AN", "XA_BINH", "XA_DINH"]
    for as_of, children in (("2025-06", june), ("2025-09", september)):
        folder = out / as_of
        assert children_sheet(folder / f"bao_cao_{as_of}.xlsx") == set(children)
        assert sorted(markdown_children(folder / f"bao_cao_{as_of}.md")) == sorted(
            NAMES[code] for code in children
        )
        html = (folder / f"bao_cao_{as_of}.html").read_text(encoding="utf-8")
        assert all(NAMES[code] in html for code in children)
    # the June table carries each former province's own figures, as the warehouse has them
    june_md = (out / "2025-06" / "bao_cao_2025-06.md").read_text(encoding="utf-8")
    for code in ("TDBL", "TDNL"):
        (row,) = [r for r in golden["progress"] if (r["unit_code"], r["as_of"],
                  r["indicator_code"]) == (code, "2025-06", "CT3")]  # fmt: skip
        line = next(x for x in june_md.splitlines() if x.startswith(f"| {NAMES[code]} |"))
        assert f"{number(row['numerator'])} / {number(row['target_value'])}" in line
    # the docx's Phụ lục 3 lists the former provinces (a child is a group in June only)
    import docx

    june_docx = docx.Document(str(out / "2025-06" / "bao_cao_2025-06.docx"))
    texts = {cell.text for table in june_docx.tables for cell in table.columns[1].cells}
    assert f"{NAMES['TDBL']} (tổng hợp)" in texts
    september_docx = docx.Document(str(out / "2025-09" / "bao_cao_2025-09.docx"))
    assert "PHỤ LỤC 3" not in {p.text for p in september_docx.paragraphs}


@pytest.mark.slow
def test_group_reports_are_written_in_their_folder_and_are_not_publications(reform):
    from reports.publications import publications_of

    ws, golden = reform["ws"], reform["golden"]
    ran = Workspace(ws.copied_from)  # the folder the CLI ran in, before the copy
    assert f"{ran.output / '2025-06' / 'TDBL' / 'bao_cao_2025-06.md'}" in reform["cli"].stdout
    for code in ("TDBL", "TDNL"):
        folder = ws.output / "2025-06" / code
        files = {p.name for p in folder.iterdir()}
        assert {f"bao_cao_2025-06.{ext}" for ext in ("md", "html", "xlsx", "docx")} <= files
        markdown = (folder / "bao_cao_2025-06.md").read_text(encoding="utf-8")
        assert f"**{NAMES[code]}**" in markdown
        # its own figures: CT3 as the warehouse has them for the group
        (row,) = [r for r in golden["progress"] if (r["unit_code"], r["as_of"],
                  r["indicator_code"]) == (code, "2025-06", "CT3")]  # fmt: skip
        assert number(row["numerator"]) in markdown
        # its children are its districts
        districts = sorted(NAMES[child] for child, parent in PARENT.items() if parent == code)
        assert sorted(markdown_children(folder / "bao_cao_2025-06.md")) == districts
    # only the root's reports are publications: one each for 2025-06 and 2025-09
    raw = ws.warehouse.parent / "raw"
    june = publications_of(raw, dt.date(2025, 6, 1))
    september = publications_of(raw, dt.date(2025, 9, 1))
    assert len(june) == 1 and len(september) == 1
    assert all("TDBL" not in p.report_path and "TDNL" not in p.report_path for p in june)
    # the CLI's group run did not write the root's report: the refresh job did
    assert reform["refreshed"][("2025-06", "TDNL")].success


@pytest.mark.slow
def test_the_report_job_refuses_a_leaf_in_one_line(reform):
    """The UI's config path: a unit that is a reporting unit in the month fails the report
    step with the one-line reason (dg.Failure), and writes no folder for it."""
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.reporting_assets import report_run_config

    ws = reform["ws"]
    with pytest.MonkeyPatch.context() as env:
        for key, value in ws.env().items():
            if key.startswith("DEAN5299_"):
                env.setenv(key, value)
        result = defs.resolve_job_def("report_refresh_job").execute_in_process(
            partition_key="2025-06",
            run_config=report_run_config("BL_HA"),
            instance=dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
    assert not result.success
    (failure,) = result.get_step_failure_events()
    description = failure.event_specific_data.user_failure_data.description
    assert "BL_HA" in description and "not a group" in description
    assert len(description.splitlines()) == 1
    assert not (ws.output / "2025-06" / "BL_HA").exists()
