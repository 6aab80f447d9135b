"""Dagster on PostgreSQL (issue #20, deploy/dagster_postgres.yaml), against a real server.

One PostgreSQL cluster is made with initdb in a temporary folder and started on
127.0.0.1 at a free port (as `nobody` when the tests run as root: initdb refuses root).
DAGSTER_HOME holds the shipped config. Then, at the same time:

- `dean5299 run --as-of 2024-04`, the daemon-free path: the run executes in the CLI's
  process and is recorded in PostgreSQL (tag `dean5299/warehouse_writer`, STARTED);
- `dagster-daemon run` (the queue's consumer) and, once the CLI's run is STARTED,
  `dagster job launch -j monthly_report_job` for 2024-04: the queued run coordinator
  stores it QUEUED; the daemon must hold it while the CLI's run writes the warehouse
  (the tag's limit is 1) and start it after, through the default run launcher.

Both runs, their tags and their asset materialisations are then read back from the
`runs`, `run_tags` and `event_logs` tables with psycopg2. The server stops in teardown,
whatever happened.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import DEAN5299, PROJECT_ROOT

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
CONFIG = PROJECT_ROOT / "deploy" / "dagster_postgres.yaml"
WRITER_TAG = "dean5299/warehouse_writer"
PG_USER, PG_PASSWORD, PG_DB = "dagster", "dagster-test-password", "dagster"


def postgres_bin_dir() -> Path | None:
    """initdb/pg_ctl on PATH, else Debian's package folder (/usr/lib/postgresql/<v>/bin)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", Path(path).parent.parent.name))

    for initdb in sorted(candidates, key=version, reverse=True):
        if (Path(initdb).parent / "pg_ctl").is_file():
            return Path(initdb).parent
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """A throwaway cluster: initdb into `root`, pg_ctl start/stop."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin_dir, self.root = bin_dir, root
        self.data = root / "data"
        self.port = free_port()
        # initdb and postgres refuse to run as root: run them as an unprivileged user.
        self.as_user = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, timeout=timeout,
            cwd=self.root,  # postgres must be able to read its working directory
        )

    def start(self) -> None:
        password_file = self.root / "password"
        password_file.write_text(PG_PASSWORD + "\n")
        if self.as_user:
            for path in (self.root, password_file):
                shutil.chown(path, user="nobody")
        done = self._run(
            str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", PG_USER,
            f"--pwfile={password_file}", "--auth=scram-sha-256", "-E", "UTF8", "--no-locale",
        )
        assert done.returncode == 0, done.stderr
        # The socket in our folder (the default /var/run/postgresql may not be writable);
        # fsync off: a test cluster need not survive a power cut.
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        done = self._run(
            str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l",
            str(self.root / "server.log"), "-w", "-t", "60", "-o", options, "start",
            timeout=90,
        )
        assert done.returncode == 0, done.stdout + done.stderr + self.log()
        con = self.connect("postgres")
        try:
            con.autocommit = True  # CREATE DATABASE cannot run inside a transaction
            con.cursor().execute(f"create database {PG_DB}")
        finally:
            con.close()

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        done = self._run(
            str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
            "stop", timeout=60,
        )
        if done.returncode != 0 and (self.data / "postmaster.pid").exists():
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)

    def connect(self, db: str = PG_DB):
        import psycopg2

        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user=PG_USER, password=PG_PASSWORD, dbname=db,
            connect_timeout=5,
        )

    def env(self) -> dict[str, str]:
        return {
            "DAGSTER_POSTGRES_HOST": "127.0.0.1",
            "DAGSTER_POSTGRES_PORT": str(self.port),
            "DAGSTER_POSTGRES_USER": PG_USER,
            "DAGSTER_POSTGRES_PASSWORD": PG_PASSWORD,
            "DAGSTER_POSTGRES_DB": PG_DB,
        }


@pytest.fixture
def postgres():
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in "
            "/usr/lib/postgresql/*/bin: apt-get install postgresql (.ci/run does)"
        )
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: initdb refuses to run as root")
    # Not pytest's tmp_path: its parents are private to root, and the server runs as nobody.
    root = Path(tempfile.mkdtemp(prefix="dean5299-pg-"))
    server = PostgresServer(bin_dir, root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def fetch(server: PostgresServer, sql: str, *args) -> list[tuple]:
    with contextlib.closing(server.connect()) as con, con.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def runs(server: PostgresServer) -> dict[str, dict]:
    """Every run in the instance: job, status, start/end times and tags."""
    found = {}
    for run_id, job, status, start, end in fetch(
        server, "select run_id, pipeline_name, status, start_time, end_time from runs"
    ):
        found[run_id] = {"job": job, "status": status, "start": start, "end": end, "tags": {}}
    for run_id, key, value in fetch(server, "select run_id, key, value from run_tags"):
        if run_id in found:
            found[run_id]["tags"][key] = value
    return found


def materialised(server: PostgresServer, run_id: str) -> set[str]:
    rows = fetch(
        server,
        "select distinct asset_key from event_logs "
        "where run_id = %s and dagster_event_type = 'ASSET_MATERIALIZATION'",
        run_id,
    )
    return {"/".join(json.loads(key)) for (key,) in rows}


def wait_for(condition, timeout: float, what: str, poll: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def stop_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_cli_run_and_queued_launch_share_postgres(postgres, sample_workspace, tmp_path):
    started = time.monotonic()
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(CONFIG, home / "dagster.yaml")
    env = {
        **sample_workspace.env(),
        **postgres.env(),
        "DAGSTER_HOME": str(home),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # dbt for the run workers
    }
    env.pop("DEAN5299_ENGINE", None)

    # The schema first (as `dagster instance migrate` would), so that the three processes
    # below do not race to create the tables.
    migrate = subprocess.run(
        [str(BIN / "dagster"), "instance", "migrate"], env=env, capture_output=True,
        text=True, timeout=120, cwd=PROJECT_ROOT,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert runs(postgres) == {}

    logs = tmp_path / "logs"
    logs.mkdir()
    processes: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> subprocess.Popen:
        process = subprocess.Popen(
            list(args), env=env, cwd=PROJECT_ROOT, start_new_session=True,
            stdout=(logs / f"{name}.out").open("w"), stderr=subprocess.STDOUT, text=True,
        )
        processes.append(process)
        return process

    try:
        cli = start("cli", str(DEAN5299), "run", "--as-of", "2024-04")
        start("daemon", str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml")
        def cli_started():
            assert cli.poll() is None, "dean5299 run ended early:\n" + (
                logs / "cli.out").read_text()
            return next((rid for rid, r in runs(postgres).items() if r["status"] == "STARTED"),
                        None)

        cli_run_id = wait_for(cli_started, 300, "the CLI's run to be STARTED in PostgreSQL")
        cli_run = runs(postgres)[cli_run_id]
        assert cli_run["job"] == "monthly_report_job"
        assert cli_run["tags"][WRITER_TAG] == "monthly"
        assert cli_run["tags"]["dean5299/trigger"] == "cli"

        launch = subprocess.run(
            [str(BIN / "dagster"), "job", "launch", "-w", "workspace.yaml",
             "-j", "monthly_report_job", "--tags", json.dumps({"dagster/partition": "2024-04"})],
            env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
        )
        assert launch.returncode == 0, launch.stdout + launch.stderr
        launched_id = next(rid for rid in runs(postgres) if rid != cli_run_id)

        # While the CLI's run writes the warehouse, the daemon holds the launched run.
        held_while_daemon_up = False
        while cli.poll() is None:
            states = runs(postgres)
            daemon_seen = fetch(
                postgres, "select count(*) from daemon_heartbeats "
                "where daemon_type = 'QUEUED_RUN_COORDINATOR'",
            )[0][0]
            if states[cli_run_id]["status"] == "STARTED":
                assert states[launched_id]["status"] == "QUEUED", states[launched_id]
                held_while_daemon_up |= bool(daemon_seen)
            time.sleep(0.5)
        cli_output = (logs / "cli.out").read_text()
        assert cli.returncode == 0, cli_output
        assert held_while_daemon_up, (
            "the CLI's run ended before the daemon's queue was up: nothing was proven "
            + (logs / "daemon.out").read_text()[-3000:]
        )

        launched = wait_for(
            lambda: (r := runs(postgres)[launched_id])["status"] in {"SUCCESS", "FAILURE",
                                                                  "CANCELED"} and r,
            # A sample run takes ~40 s on an idle machine; a loaded CI machine is slower.
            900, "the launched run to finish",
        )
    finally:
        for process in processes:
            stop_group(process)
    assert launched["status"] == "SUCCESS", (logs / "daemon.out").read_text()[-3000:]

    cli_run = runs(postgres)[cli_run_id]
    assert cli_run["status"] == "SUCCESS"
    assert launched["job"] == "monthly_report_job"
    assert launched["tags"][WRITER_TAG] == "monthly"
    assert launched["tags"]["dagster/partition"] == "2024-04"
    # One writer at a time: the launched run started after the CLI's run ended.
    assert launched["start"] >= cli_run["end"], (cli_run, launched)
    assert len(runs(postgres)) == 2  # the sensor and the schedule stayed off

    for run_id in (cli_run_id, launched_id):
        assets = materialised(postgres, run_id)
        assert {"raw/inbox_files", "warehouse/published", "monthly_report"} <= assets, assets
        assert "marts/fct_indicator_progress" in assets
        checks = fetch(
            postgres, "select count(*) from event_logs where run_id = %s "
            "and dagster_event_type = 'ASSET_CHECK_EVALUATION'", run_id,
        )[0][0]
        assert checks > 0
    # The report of the month, rendered twice, the second time from the queued run.
    assert (sample_workspace.output / "2024-04" / "bao_cao_2024-04.md").is_file()
    print(f"postgres storage test: {time.monotonic() - started:.0f} s "
          f"(CLI run {cli_run['end'] - cli_run['start']:.0f} s, "
          f"launched run {launched['end'] - launched['start']:.0f} s)")
