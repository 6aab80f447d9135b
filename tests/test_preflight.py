"""`dean5299 run` refuses a broken environment in one line, before any work (issue #20):
an unknown engine, Spark without Java, Dagster's PostgreSQL not answering or not
configured. The real CLI runs in a subprocess; "no work" means no log folder, no lock
file and no warehouse appear."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from conftest import DEAN5299, PROJECT_ROOT, SAMPLE

from orchestration import preflight

POSTGRES_CONFIG = PROJECT_ROOT / "deploy" / "dagster_postgres.yaml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def ready(workspace):
    """The sample's folders: everything the run needs except what each test takes away."""
    shutil.copytree(SAMPLE / "inbox", workspace.inbox, dirs_exist_ok=True)
    shutil.copytree(SAMPLE / "reference", workspace.reference, dirs_exist_ok=True)
    return workspace


def run_cli(ws, set_env: dict[str, str], drop: tuple[str, ...] = ()):
    env = {k: v for k, v in ws.env().items() if k not in drop and not k.startswith("DAGSTER_")}
    env.pop("DEAN5299_ENGINE", None)
    env.update(set_env)
    return subprocess.run(
        [str(DEAN5299), "run", "--as-of", "2024-04"],
        env=env, capture_output=True, text=True, timeout=120,
    )


def assert_refused_before_work(ws, result) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Lỗi / error: ")
    assert "Traceback" not in result.stderr + result.stdout
    # Nothing started: no run banner, no log folder, no lock, no warehouse.
    assert "Đề án 5299 — tháng" not in result.stdout
    assert not ws.output.exists()
    assert not ws.warehouse.parent.exists()
    return lines[0]


def postgres_home(tmp_path: Path) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(POSTGRES_CONFIG, home / "dagster.yaml")
    return home


def pg_env(home: Path, port: int) -> dict[str, str]:
    return {
        "DAGSTER_HOME": str(home),
        "DAGSTER_POSTGRES_HOST": "127.0.0.1",
        "DAGSTER_POSTGRES_PORT": str(port),
        "DAGSTER_POSTGRES_USER": "dagster",
        "DAGSTER_POSTGRES_PASSWORD": "secret-not-shown",
        "DAGSTER_POSTGRES_DB": "dagster",
    }


def test_unknown_engine_is_one_line(ready):
    line = assert_refused_before_work(ready, run_cli(ready, {"DEAN5299_ENGINE": "oracle"}))
    assert "DEAN5299_ENGINE='oracle'" in line
    assert "duckdb" in line and "spark" in line


def test_spark_without_java_on_path(ready, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    # The CLI's own interpreter is an absolute shebang: PATH can hold nothing else.
    result = run_cli(
        ready, {"DEAN5299_ENGINE": "spark", "PATH": str(empty)}, drop=("JAVA_HOME",)
    )
    line = assert_refused_before_work(ready, result)
    assert "Java" in line and "PATH" in line
    assert "apt-get install openjdk-17-jre-headless" in line


def test_spark_with_java_home_without_java(ready, tmp_path):
    (tmp_path / "jdk" / "bin").mkdir(parents=True)
    result = run_cli(ready, {
        "DEAN5299_ENGINE": "Spark",  # the value is not case-sensitive
        "PATH": str(tmp_path / "jdk" / "bin"),
        "JAVA_HOME": str(tmp_path / "jdk"),
    })
    line = assert_refused_before_work(ready, result)
    assert f"JAVA_HOME={tmp_path / 'jdk'}" in line
    assert "apt-get install openjdk-17-jre-headless" in line


def test_postgres_that_does_not_answer(ready, tmp_path):
    port = free_port()  # bound and released: nothing listens there
    result = run_cli(ready, pg_env(postgres_home(tmp_path), port))
    line = assert_refused_before_work(ready, result)
    assert f"PostgreSQL của Dagster không trả lời tại 127.0.0.1:{port}" in line
    assert "Connection refused" in line
    assert "docker compose -f deploy/docker-compose.yaml up -d postgres" in line
    assert "pg_ctl" in line and "DAGSTER_HOME" in line
    assert "secret-not-shown" not in result.stderr + result.stdout


def test_postgres_variable_not_set(ready, tmp_path):
    env = pg_env(postgres_home(tmp_path), free_port())
    del env["DAGSTER_POSTGRES_PASSWORD"]
    line = assert_refused_before_work(ready, run_cli(ready, env))
    assert "DAGSTER_POSTGRES_PASSWORD" in line and "password" in line


def test_postgres_url_form_that_does_not_answer(ready, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        "storage:\n  postgres:\n    postgres_url:\n      env: DAGSTER_PG_URL\n"
    )
    port = free_port()
    url = f"postgresql+psycopg2://dagster:pw-not-shown@127.0.0.1:{port}/dagster_runs"
    result = run_cli(ready, {"DAGSTER_HOME": str(home), "DAGSTER_PG_URL": url})
    line = assert_refused_before_work(ready, result)
    assert f"127.0.0.1:{port}" in line and "'dagster_runs'" in line
    assert "pw-not-shown" not in result.stderr + result.stdout


# The same checks in-process, for what must pass (fast and exact).


def test_default_engine_and_java_found(tmp_path):
    assert preflight.check_engine({}) == "duckdb"
    assert preflight.check_engine({"DEAN5299_ENGINE": " DuckDB "}) == "duckdb"
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\n")
    java.chmod(0o755)
    assert preflight.find_java({"JAVA_HOME": str(tmp_path / "jdk")}) == java
    assert preflight.find_java({"PATH": f"/nonexistent:{java.parent}"}) == java
    java.chmod(0o644)  # not executable: not a java
    assert preflight.find_java({"JAVA_HOME": str(tmp_path / "jdk")}) is None


def test_instances_without_postgres_pass(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    preflight.check_dagster_storage({"DAGSTER_HOME": str(home)})  # no dagster.yaml
    shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    preflight.check_dagster_storage({"DAGSTER_HOME": str(home)})  # SQLite: nothing to check
    (home / "dagster.yaml").write_text("storage: [unclosed\n")
    with pytest.raises(preflight.PreflightError, match="cannot read"):
        preflight.check_dagster_storage({"DAGSTER_HOME": str(home)})


def test_older_per_storage_sections_are_checked(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    section = (
        "  module: dagster_postgres.{0}\n  class: Postgres{1}\n  config:\n"
        "    postgres_db:\n      hostname: 127.0.0.1\n      port: {2}\n"
        "      username: u\n      db_name: d\n"
    )
    (home / "dagster.yaml").write_text(
        "run_storage:\n" + section.format("run_storage", "RunStorage", port)
        + "event_log_storage:\n" + section.format("event_log", "EventLogStorage", port)
    )
    with pytest.raises(preflight.PreflightError, match=f"127.0.0.1:{port}"):
        preflight.check_dagster_storage({"DAGSTER_HOME": str(home)})
