"""dbt's profile for one deployment, written with its values in: a run hands dbt a
folder, never a changed os.environ.

dagster-dbt's `DbtCliResource.cli()` takes no environment: its dbt subprocess inherits
`os.environ`, and it opens dbt's adapter in this process from the same variables. So the
deployment's paths (build file, engine, Spark folders) are rendered into a copy of
dbt_project/profiles.yml, in the deployment's dbt target folder, and the run's resource
points `profiles_dir` there. dbt_project/profiles.yml stays the one profile: the copy is
that file rendered, and a `dbt build` by hand still reads the DEAN5299_* variables.
What the data team sets (DEAN5299_DUCKDB_MEMORY, DEAN5299_SPARK_*) is read, not written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR, PipelinePaths

PROFILE_TEMPLATE = DBT_PROJECT_DIR / "profiles.yml"
PROFILE_FOLDER = "profile"
NUMBER = "\x00"


class MissingVariable(KeyError):
    pass


def render_profile(paths: PipelinePaths, env: Mapping[str, str] | None = None) -> str:
    """dbt_project/profiles.yml with every `env_var()` replaced by its value: the
    deployment's own (`PipelinePaths.dbt_env()`) over the process's environment."""
    import jinja2

    values = {**(os.environ if env is None else env), **paths.dbt_env()}

    def env_var(name: str, default: str | None = None) -> str:
        if name not in values and default is None:
            raise MissingVariable(f"profiles.yml needs {name}, which is not set")
        # Every env_var() in the profile sits in a double-quoted YAML string, where a
        # backslash or a quote of a path would otherwise end or escape it.
        value = values.get(name, default)
        return value.replace("\\", "\\\\").replace('"', '\\"')

    template = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    # dbt's `as_number` turns the quoted string into a YAML number: marked here, and the
    # quotes around a marked value dropped below.
    template.filters["as_number"] = lambda value: f"{NUMBER}{int(value)}{NUMBER}"
    text = template.from_string(PROFILE_TEMPLATE.read_text(encoding="utf-8")).render(
        env_var=env_var
    )
    return re.sub(f'"{NUMBER}(-?[0-9]+){NUMBER}"', r"\1", text)


def write_profile(paths: PipelinePaths, folder: Path, env: Mapping[str, str] | None = None) -> Path:
    """The rendered profile in `<folder>/profile/profiles.yml`; returns that folder. The
    file is rewritten only when its text changes (dbt re-parses the whole project when the
    profile does), and readable by its owner only (a Spark cluster's token may be in it)."""
    target = folder / PROFILE_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    profile = target / "profiles.yml"
    text = render_profile(paths, env)
    if not profile.is_file() or profile.read_text(encoding="utf-8") != text:
        partial = profile.with_suffix(".yml.partial")
        partial.write_text(text, encoding="utf-8")
        partial.chmod(0o600)
        partial.replace(profile)
    return target
