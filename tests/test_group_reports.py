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
