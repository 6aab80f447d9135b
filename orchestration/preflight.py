"""What `dean5299 run` checks before it does any work (issue #20, "Bad input").

Each problem is one line for people: what is missing and how to install or start it.
- `DEAN5299_ENGINE`: `duckdb` (the default) or `spark`; Spark needs Java (`JAVA_HOME`,
  else `java` on PATH: the order pyspark's launcher uses) and pyspark.
- `DAGSTER_HOME` whose `dagster.yaml` keeps Dagster's storage in PostgreSQL
  (deploy/dagster_postgres.yaml): the variables it names are set and the server answers.
  Without this check the run would get as far as Dagster's first write and end in a
  SQLAlchemy traceback after the work had started.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENGINES = ("duckdb", "spark")
DEFAULT_ENGINE = "duckdb"
CONNECT_TIMEOUT_SECONDS = 3
# The storage sections of dagster.yaml that can point at PostgreSQL.
_STORAGE_SECTIONS = ("run_storage", "event_log_storage", "schedule_storage")


class PreflightError(Exception):
    """A missing piece of the environment; str() is the one line to print."""


def check_run_environment(env: Mapping[str, str] | None = None) -> str:
    """Every check `dean5299 run` needs, cheapest first; returns the engine."""
    env = os.environ if env is None else env
    engine = check_engine(env)
    check_dagster_storage(env)
    return engine


def selected_engine(env: Mapping[str, str]) -> str:
    return (env.get("DEAN5299_ENGINE") or DEFAULT_ENGINE).strip().lower()


def check_engine(env: Mapping[str, str]) -> str:
    engine = selected_engine(env)
    if engine not in ENGINES:
        raise PreflightError(
            f"DEAN5299_ENGINE='{env.get('DEAN5299_ENGINE')}' không hợp lệ: chọn "
            f"{' hoặc '.join(ENGINES)} (mặc định {DEFAULT_ENGINE}) / unknown engine, "
            f"expected one of: {', '.join(ENGINES)}"
        )
    if engine == "spark":
        check_java(env)
        if importlib.util.find_spec("pyspark") is None:
            raise PreflightError(
                "DEAN5299_ENGINE=spark nhưng chưa cài pyspark / pyspark is not installed: "
                "cài các gói đã ghim trong pyproject.toml / install the versions pinned in "
                "pyproject.toml (make setup)"
            )
    return engine


def find_java(env: Mapping[str, str]) -> Path | None:
    """The java pyspark would start: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else the
    first `java` on PATH."""
    java_home = env.get("JAVA_HOME")
    if java_home:
        java = Path(java_home) / "bin" / "java"
        return java if java.is_file() and os.access(java, os.X_OK) else None
    found = shutil.which("java", path=env.get("PATH", os.defpath))
    return Path(found) if found else None


def check_java(env: Mapping[str, str]) -> Path:
    java = find_java(env)
    if java is None:
        where = (
            f"JAVA_HOME={env['JAVA_HOME']} không có bin/java"
            if env.get("JAVA_HOME")
            else "không có `java` trên PATH"
        )
        raise PreflightError(
            f"DEAN5299_ENGINE=spark cần Java (OpenJDK 17) nhưng {where} / Spark needs Java, "
            "none found: cài bằng / install it with `apt-get install openjdk-17-jre-headless` "
            "(hoặc đặt JAVA_HOME / or set JAVA_HOME)"
        )
    return java


# --- Dagster's storage -------------------------------------------------------------


def postgres_configs(config: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The PostgreSQL settings a dagster.yaml uses (`storage: postgres:` or the older
    per-storage `module: dagster_postgres…` sections), without duplicates."""
    found: list[Mapping[str, Any]] = []
    storage = config.get("storage")
    if isinstance(storage, Mapping) and isinstance(storage.get("postgres"), Mapping):
        found.append(storage["postgres"])
    for section in _STORAGE_SECTIONS:
        value = config.get(section)
        if (
            isinstance(value, Mapping)
            and str(value.get("module", "")).startswith("dagster_postgres")
            and isinstance(value.get("config"), Mapping)
            and value["config"] not in found
        ):
            found.append(value["config"])
    return found


def _value(raw: Any, env: Mapping[str, str], what: str, config_path: Path) -> str:
    """A config value as Dagster reads it: a plain value or `{env: NAME}`."""
    if isinstance(raw, Mapping) and "env" in raw:
        name = str(raw["env"])
        if name not in env:
            raise PreflightError(
                f"biến môi trường {name} chưa đặt / is not set: {config_path} lấy {what} của "
                "PostgreSQL (lưu trữ Dagster) từ biến này / takes the Dagster storage's "
                f"{what} from it (docs/deployment.md)"
            )
        return env[name]
    return "" if raw is None else str(raw)


def connection_settings(
    pg: Mapping[str, Any], env: Mapping[str, str], config_path: Path
) -> dict[str, Any]:
    """psycopg2.connect() keyword arguments for one `postgres:` section."""
    if pg.get("postgres_url") is not None:
        url = _value(pg["postgres_url"], env, "postgres_url", config_path)
        # SQLAlchemy's `postgresql+psycopg2://` is not libpq's: drop the driver name.
        url = re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", url.strip())
        parts = urlsplit(url)
        return {
            "dsn": url,
            "_where": f"{parts.hostname or 'localhost'}:{parts.port or 5432}",
            "_db": (parts.path or "/").lstrip("/"),
        }
    db = pg.get("postgres_db")
    if not isinstance(db, Mapping):
        raise PreflightError(
            f"{config_path}: phần postgres cần postgres_url hoặc postgres_db / the postgres "
            "storage needs postgres_url or postgres_db"
        )
    host = _value(db.get("hostname"), env, "hostname", config_path)
    port_text = _value(db.get("port", 5432), env, "port", config_path) or "5432"
    if not port_text.strip().isdigit():
        raise PreflightError(
            f"{config_path}: cổng PostgreSQL '{port_text}' không phải số / the PostgreSQL "
            "port is not a number"
        )
    settings = {
        "host": host,
        "port": int(port_text),
        "user": _value(db.get("username"), env, "username", config_path),
        "password": _value(db.get("password", ""), env, "password", config_path),
        "dbname": _value(db.get("db_name"), env, "db_name", config_path),
    }
    params = db.get("params")
    if isinstance(params, Mapping):
        settings.update({str(k): v for k, v in params.items()})
    settings["_where"] = f"{host}:{settings['port']}"
    settings["_db"] = settings["dbname"]
    return settings


def _not_answering(reason: str) -> bool:
    reason = reason.lower()
    return any(
        words in reason
        for words in ("connection refused", "timeout expired", "could not translate host",
                      "no route to host", "network is unreachable", "name or service not known")
    )


def check_postgres(settings: Mapping[str, Any], config_path: Path) -> None:
    import psycopg2  # only when the instance is on PostgreSQL

    where, db = settings["_where"], settings["_db"]
    kwargs = {k: v for k, v in settings.items() if not k.startswith("_")}
    try:
        # A host that drops packets would otherwise stall the run for minutes.
        connection = psycopg2.connect(connect_timeout=CONNECT_TIMEOUT_SECONDS, **kwargs)
    except psycopg2.Error as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        if _not_answering(reason):
            raise PreflightError(_down_message(where, db, reason, config_path)) from None
        raise PreflightError(
            f"PostgreSQL của Dagster tại {where} từ chối kết nối / refused the connection "
            f"(cơ sở / database '{db}'): {reason} — kiểm tra / check DAGSTER_POSTGRES_USER, "
            f"DAGSTER_POSTGRES_PASSWORD, DAGSTER_POSTGRES_DB ({config_path})"
        ) from None
    connection.close()


def _down_message(where: str, db: str, reason: str, config_path: Path) -> str:
    return (
        f"PostgreSQL của Dagster không trả lời tại {where} (cơ sở / database '{db}', cấu hình "
        f"/ config {config_path}): {reason} — hãy khởi động nó / start it (`docker compose -f "
        "deploy/docker-compose.yaml up -d postgres`, `systemctl start postgresql` hoặc "
        "`pg_ctl -D <thư mục dữ liệu> start`), hoặc bỏ DAGSTER_HOME để chạy không lưu vào "
        "Dagster / or unset DAGSTER_HOME"
    )


def check_dagster_storage(env: Mapping[str, str]) -> None:
    """With DAGSTER_HOME set, `dean5299 run` records the run in that instance: when its
    dagster.yaml is on PostgreSQL, the server must answer before the run starts."""
    home = env.get("DAGSTER_HOME")
    if not home:
        return
    config_path = Path(home) / "dagster.yaml"
    if not config_path.is_file():
        return  # Dagster's own default: SQLite files inside DAGSTER_HOME
    import yaml

    try:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise PreflightError(
            f"không đọc được / cannot read {config_path} (DAGSTER_HOME): {first}"
        ) from None
    if not isinstance(config, Mapping):
        raise PreflightError(f"{config_path} (DAGSTER_HOME) không phải một bảng YAML / "
                             "is not a YAML mapping")
    seen = set()
    for pg in postgres_configs(config):
        settings = connection_settings(pg, env, config_path)
        key = (settings["_where"], settings["_db"])
        if key not in seen:
            seen.add(key)
            check_postgres(settings, config_path)
