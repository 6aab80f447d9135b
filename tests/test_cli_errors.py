"""User mistakes get one clear line and a non-zero exit, never a traceback."""

import pytest


@pytest.mark.parametrize("as_of", ["2024-4", "2024-13", "April", "2024/04", "1999-01"])
def test_bad_as_of_is_one_line(workspace, as_of):
    result = workspace.run_cli("run", "--as-of", as_of)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "--as-of" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_inbox_folder(workspace):
    workspace.inbox.rmdir()
    result = workspace.run_cli("run", "--as-of", "2024-04")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"Lỗi / error: không tìm thấy thư mục hộp thư (DEAN5299_INBOX): {workspace.inbox}"
    ]


def test_reference_folder_missing_files(workspace):
    (workspace.reference / "units.csv").write_text("unit_code\n", encoding="utf-8")
    result = workspace.run_cli("run", "--as-of", "2024-04")
    assert result.returncode == 2
    assert "targets.csv, population.csv, settings.csv" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_as_of_option_is_usage_error(workspace):
    result = workspace.run_cli("run")
    assert result.returncode == 2
    assert "--as-of" in result.stderr
    assert "Traceback" not in result.stderr


def test_status_without_warehouse(workspace):
    result = workspace.run_cli("status", "--as-of", "2024-04")
    assert result.returncode == 2
    assert "dean5299 run" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_lists_commands(workspace):
    result = workspace.run_cli("--help")
    assert result.returncode == 0
    assert "run" in result.stdout and "status" in result.stdout
