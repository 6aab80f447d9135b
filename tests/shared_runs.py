"""Pipeline runs that several test files read, each built once per test session and
copied for each reader (no tests in this module).

A run of the real CLI costs ~45 s; a copy of its folders takes well under a second. The
first worker that asks for a run builds it under a file lock in the session's folder
(pytest-xdist's workers share `getbasetemp().parent`); the others wait for it and find it
done. Readers get their own copy (`copy_run`) and may write into it (rerun, close a
month, break the reference folder); the built folder itself is never written after its
run. A copy keeps file times (the inbox's receipt times) and its warehouse's staging
views still name the built folder's raw store, as any copied deployment's do until its
next build.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from conftest import Workspace


def _session_folder(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's basetemp is <session>/popen-gwN; alone, it is the session's.
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def shared_run(
    tmp_path_factory, name: str, build: Callable[[Workspace], subprocess.CompletedProcess]
) -> Workspace:
    """The workspace `build` fills and runs (it returns the CLI's result, which must
    succeed), once per session whichever worker asks first. Read it or copy it: never
    write into it (another worker may be reading it)."""
    folder = _session_folder(tmp_path_factory) / "shared_runs"
    folder.mkdir(exist_ok=True)
    ws = Workspace(folder / name)
    record = folder / f"{name}.json"
    with (folder / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also on failure
        if not record.exists():
            shutil.rmtree(ws.root, ignore_errors=True)  # what a failed attempt left
            ws.root.mkdir()
            result = build(ws)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            fields = ("args", "returncode", "stdout", "stderr")
            record.write_text(
                json.dumps({key: getattr(result, key) for key in fields}), encoding="utf-8"
            )
    ws.first_run = subprocess.CompletedProcess(**json.loads(record.read_text(encoding="utf-8")))
    return ws


def copy_run(built: Workspace, root: Path) -> Workspace:
    """A copy of `built`'s folders at `root` (which may exist, empty), with its first
    run's result: a deployment of its own."""
    shutil.copytree(built.root, root, symlinks=True, dirs_exist_ok=True)  # copy2: times kept
    return Workspace(
        root, first_run=built.first_run, extra_env=dict(built.extra_env), copied_from=built.root
    )
