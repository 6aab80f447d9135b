"""The deployment on paper (deploy/, docs/deployment.md) holds together (issue #20).

Neither Docker's compose plugin nor helm is on the development machine: these tests read
the files as YAML and check what a run of them would need (services, images, commands,
the variables deploy/dagster_postgres.yaml reads, the queue's tag), and every key of
deploy/helm-values.yaml against the official Dagster chart's values schema (its pydantic
models, helm/dagster/schema, at 1.13; transcribed below: only the parts used here are
detailed, a None accepts any value). Where `docker-compose` or `docker compose` is
installed, the compose file is also rendered by it."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib

import pytest
import yaml
from conftest import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
DOCS = PROJECT_ROOT / "docs" / "deployment.md"
DAGSTER_SERVICES = ("user_code", "webserver", "daemon")
WRITER_TAG = "dean5299/warehouse_writer"


def load(name: str):
    return yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))


def env_names_read_by(config) -> set[str]:
    """Every `env: NAME` in a Dagster instance config."""
    found = set()
    if isinstance(config, dict):
        for key, value in config.items():
            if key == "env" and isinstance(value, str):
                found.add(value)
            else:
                found |= env_names_read_by(value)
    elif isinstance(config, list):
        for item in config:
            found |= env_names_read_by(item)
    return found


# --- the instance config ---------------------------------------------------------------


def test_instance_config_is_postgres_with_the_warehouse_queue():
    import dagster as dg

    from orchestration.automation import WAREHOUSE_WRITER_TAG, monthly_job, warehouse_job

    config = load("dagster_postgres.yaml")
    db = config["storage"]["postgres"]["postgres_db"]
    assert env_names_read_by(db) == {
        "DAGSTER_POSTGRES_HOST", "DAGSTER_POSTGRES_PORT", "DAGSTER_POSTGRES_USER",
        "DAGSTER_POSTGRES_PASSWORD", "DAGSTER_POSTGRES_DB",
    }
    assert db["scheme"] == "postgresql+psycopg2"  # SQLAlchemy 2.1 would pick psycopg 3
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    runs = config["concurrency"]["runs"]
    assert runs["tag_concurrency_limits"] == [{"key": WRITER_TAG, "limit": 1}]
    assert 1 < runs["max_concurrent_runs"] <= 10
    # The tag the limit names is the one both warehouse-building jobs carry.
    assert WAREHOUSE_WRITER_TAG == WRITER_TAG
    for job in (monthly_job, warehouse_job):
        assert WRITER_TAG in job.tags, job.name
    # The single-machine config limits the same tag the same way.
    local = yaml.safe_load((PROJECT_ROOT / "orchestration" / "dagster.yaml").read_text())
    assert local["concurrency"]["runs"]["tag_concurrency_limits"] == runs[
        "tag_concurrency_limits"
    ]
    # Dagster itself accepts the file (the same check `dagster instance` makes).
    from dagster._core.instance.config import dagster_instance_config

    processed, _ = dagster_instance_config(str(DEPLOY), "dagster_postgres.yaml")
    assert processed["storage"]["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"
    assert dg.__version__ == "1.13.27"


# --- docker compose ----------------------------------------------------------------------


def test_compose_services_images_commands_and_variables():
    compose = load("docker-compose.yaml")
    services = compose["services"]
    assert set(services) == {"postgres", *DAGSTER_SERVICES}
    assert services["postgres"]["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    images = {services[name]["image"] for name in DAGSTER_SERVICES}
    assert images == {"${DEAN5299_IMAGE:-dean5299:latest}"}, images
    assert services["user_code"]["build"]["dockerfile"] == "deploy/Dockerfile"

    # Every Dagster process gets every variable the instance config reads; postgres is
    # set up with the same account.
    needed = env_names_read_by(load("dagster_postgres.yaml"))
    for name in DAGSTER_SERVICES:
        env = services[name]["environment"]
        assert needed <= set(env), (name, needed - set(env))
        assert env["DAGSTER_POSTGRES_HOST"] == "postgres"
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
    pg_env = services["postgres"]["environment"]
    user_env = services["user_code"]["environment"]
    for suffix in ("USER", "PASSWORD", "DB"):
        assert pg_env[f"POSTGRES_{suffix}"] == user_env[f"DAGSTER_POSTGRES_{suffix}"]
    assert "?" in user_env["DAGSTER_POSTGRES_PASSWORD"]  # required, no default password

    # Only the user code (where runs, the schedule and the sensor execute) has the data.
    for variable in ("DEAN5299_INBOX", "DEAN5299_REFERENCE", "DEAN5299_WAREHOUSE",
                     "DEAN5299_OUTPUT", "DEAN5299_RAW_STORE", "DEAN5299_ENGINE"):
        assert variable in user_env
        assert variable not in services["webserver"]["environment"]
    assert all(user_env[v].startswith("/data/") for v in (
        "DEAN5299_INBOX", "DEAN5299_REFERENCE", "DEAN5299_WAREHOUSE", "DEAN5299_OUTPUT",
        "DEAN5299_RAW_STORE"))
    assert any(volume.endswith(":/data") for volume in services["user_code"]["volumes"])
    assert "volumes" not in services["webserver"] and "volumes" not in services["daemon"]

    # The code location: the gRPC server's port is the one the workspace names.
    command = services["user_code"]["command"]
    assert command[:3] == ["dagster", "api", "grpc"]
    assert command[command.index("-m") + 1] == "orchestration.definitions"
    port = int(command[command.index("-p") + 1])
    (server,) = load("workspace.docker.yaml")["load_from"]
    assert server["grpc_server"] == {"host": "user_code", "port": port,
                                     "location_name": "dean5299"}
    for name, program in (("webserver", "dagster-webserver"), ("daemon", "dagster-daemon")):
        command = services[name]["command"]
        assert command[0] == program
        assert command[command.index("-w") + 1] == "deploy/workspace.docker.yaml"
    assert services["webserver"]["ports"] == ["127.0.0.1:3000:3000"]


def test_compose_spark_settings_are_the_profiles():
    """The DEAN5299_SPARK_* names the compose file passes are the ones dbt's profile
    reads, when the profile has a Spark target (the Spark port, issue #20)."""
    profile = (PROJECT_ROOT / "dbt_project" / "profiles.yml").read_text(encoding="utf-8")
    read = set(re.findall(r"env_var\('(DEAN5299_SPARK_\w+)'", profile))
    passed = {
        name for name in load("docker-compose.yaml")["services"]["user_code"]["environment"]
        if name.startswith("DEAN5299_SPARK_")
    }
    if not read:
        pytest.skip("dbt_project/profiles.yml has no Spark target yet")
    assert passed <= read, passed - read


def test_dockerfile_installs_the_project_and_the_instance():
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11", text, re.M)
    packages = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"][
        "setuptools"]["packages"]["find"]["include"]
    for package in [p.rstrip("*") for p in packages] + ["dbt_project", "deploy"]:
        assert re.search(rf"^COPY {package} {package}$", text, re.M), package
    assert "pip install --no-cache-dir -e ." in text  # settings.py finds dbt_project/
    assert "python -m orchestration.dbt_manifest" in text
    assert "deploy/dagster_postgres.yaml" in text and "DAGSTER_HOME=" in text
    assert "openjdk-17-jre-headless" in text


def compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"],
                                 capture_output=True).returncode == 0:
        return [docker, "compose"]
    return None


def test_compose_config_renders():
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed "
                    "(apt-get install docker-compose); the structure tests above still ran")
    base = [*command, "-f", str(DEPLOY / "docker-compose.yaml"), "config"]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "DAGSTER_POSTGRES_PASSWORD": "p"}
    done = subprocess.run(base, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rendered = yaml.safe_load(done.stdout)
    assert rendered["services"]["daemon"]["environment"]["DAGSTER_POSTGRES_PASSWORD"] == "p"
    # Without the password the file refuses to render, naming the variable.
    done = subprocess.run(base, env={"PATH": env["PATH"]}, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    assert "set DAGSTER_POSTGRES_PASSWORD" in done.stderr


# --- Helm --------------------------------------------------------------------------------

ANY = None
_K8S_LISTS = ("envConfigMaps", "envSecrets", "volumeMounts", "volumes")
USER_DEPLOYMENT = {
    key: ANY for key in (
        "name", "image", "port", "dagsterApiGrpcArgs", "codeServerArgs", "env",
        *_K8S_LISTS, "annotations", "nodeSelector", "affinity", "tolerations",
        "podSecurityContext", "securityContext", "resources", "livenessProbe",
        "readinessProbe", "startupProbe", "labels", "schedulerName",
    )
} | {"includeConfigInLaunchedRuns": {"enabled": ANY}}
CHART = {
    "global": dict.fromkeys(("postgresqlSecretName", "dagsterHome", "serviceAccountName",
                             "celeryConfigSecretName", "dagsterInstanceConfigMap")),
    "postgresql": dict.fromkeys((
        "postgresqlScheme", "image", "enabled", "postgresqlHost", "postgresqlUsername",
        "postgresqlPassword", "postgresqlDatabase", "postgresqlParams")) | {
            "service": {"port": ANY}},
    "dagsterWebserver": dict.fromkeys((
        "dbStatementTimeout", "dbPoolRecycle", "logLevel", "schedulerName", "volumeMounts",
        "volumes", "pathPrefix", "replicaCount", "image", "nameOverride", "service",
        "workspace", "env", "envConfigMaps", "envSecrets", "deploymentLabels", "labels",
        "nodeSelector", "affinity", "tolerations", "podSecurityContext", "securityContext",
        "resources", "readinessProbe", "livenessProbe", "startupProbe", "annotations",
        "enableReadOnly")),
    "dagster-user-deployments": {
        "enabled": ANY, "enableSubchart": ANY, "imagePullSecrets": ANY,
        "deployments": [USER_DEPLOYMENT],
    },
    "runLauncher": {
        "type": {"CeleryK8sRunLauncher", "K8sRunLauncher", "CustomRunLauncher"},
        "config": {
            "celeryK8sRunLauncher": ANY, "customRunLauncher": ANY,
            "k8sRunLauncher": dict.fromkeys((
                "image", "imagePullPolicy", "jobNamespace", "loadInclusterConfig",
                "kubeconfigFile", "envConfigMaps", "envSecrets", "envVars", "volumeMounts",
                "volumes", "labels", "failPodOnRunFailure", "runK8sConfig",
                "securityContext", "resources", "schedulerName")),
        },
    },
    "dagsterDaemon": dict.fromkeys((
        "enabled", "image", "heartbeatTolerance", "env", "envConfigMaps", "envSecrets",
        "deploymentLabels", "labels", "nodeSelector", "affinity", "tolerations",
        "podSecurityContext", "securityContext", "resources", "livenessProbe",
        "readinessProbe", "startupProbe", "annotations", "runMonitoring", "runRetries",
        "sensors", "schedules", "schedulerName", "volumeMounts", "volumes")) | {
        "runCoordinator": {
            "enabled": ANY,
            "type": {"QueuedRunCoordinator", "CustomRunCoordinator"},
            "config": {
                "customRunCoordinator": ANY,
                "queuedRunCoordinator": dict.fromkeys((
                    "maxConcurrentRuns", "dequeueIntervalSeconds", "dequeueNumWorkers",
                    "dequeueUseThreads")) | {
                    "tagConcurrencyLimits": [dict.fromkeys(("key", "value", "limit"))]},
            },
        },
    },
    "telemetry": {"enabled": ANY},
} | dict.fromkeys((
    "generatePostgresqlPasswordSecret", "generateCeleryConfigSecret", "rabbitmq", "redis",
    "flower", "ingress", "imagePullSecrets", "computeLogManager", "scheduler", "pythonLogs",
    "busybox", "migrate", "serviceAccount", "retention", "additionalInstanceConfig",
))


def unknown_keys(values, schema, path="") -> list[str]:
    """Keys (and enum values) of `values` that `schema` does not have."""
    if schema is ANY:
        return []
    if isinstance(schema, set):
        return [] if values in schema else [f"{path} = {values!r}"]
    if isinstance(schema, list):
        if not isinstance(values, list):
            return [f"{path} is not a list"]
        return [bad for i, item in enumerate(values)
                for bad in unknown_keys(item, schema[0], f"{path}[{i}]")]
    if not isinstance(values, dict):
        return [f"{path} is not a mapping"]
    bad = []
    for key, value in values.items():
        where = f"{path}.{key}" if path else key
        if key not in schema:
            bad.append(where)
        else:
            bad += unknown_keys(value, schema[key], where)
    return bad


def test_helm_values_keys_exist_in_the_chart():
    values = load("helm-values.yaml")
    assert unknown_keys(values, CHART) == []
    # The check itself refuses what the chart would refuse.
    assert unknown_keys({"dagit": {}, "runLauncher": {"type": "Local"}}, CHART) == [
        "dagit", "runLauncher.type = 'Local'"]


def test_helm_values_match_the_instance_config():
    values = load("helm-values.yaml")
    instance = load("dagster_postgres.yaml")
    queue = values["dagsterDaemon"]["runCoordinator"]
    assert queue["enabled"] is True and queue["type"] == "QueuedRunCoordinator"
    queued = queue["config"]["queuedRunCoordinator"]
    runs = instance["concurrency"]["runs"]
    assert queued["tagConcurrencyLimits"] == runs["tag_concurrency_limits"]
    assert queued["maxConcurrentRuns"] == runs["max_concurrent_runs"]
    pg = values["postgresql"]
    assert pg["enabled"] is False and pg["postgresqlHost"]
    assert pg["postgresqlScheme"] == instance["storage"]["postgres"]["postgres_db"]["scheme"]
    assert values["generatePostgresqlPasswordSecret"] is False
    assert values["global"]["postgresqlSecretName"]
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "orchestration.definitions"]
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True
    compose_env = load("docker-compose.yaml")["services"]["user_code"]["environment"]
    folders = {k for k in compose_env if k.startswith("DEAN5299_") and "SPARK" not in k}
    assert folders <= set(deployment["env"]), folders - set(deployment["env"])
    mounts = {m["name"]: m["mountPath"] for m in deployment["volumeMounts"]}
    assert set(mounts) == {v["name"] for v in deployment["volumes"]}
    assert all(deployment["env"][k].startswith(tuple(mounts.values()))
               for k in ("DEAN5299_INBOX", "DEAN5299_WAREHOUSE", "DEAN5299_RAW_STORE"))
    assert values["runLauncher"]["type"] == "K8sRunLauncher"


# --- the document ----------------------------------------------------------------------


def test_docs_name_every_variable_and_file():
    text = DOCS.read_text(encoding="utf-8")
    compose = load("docker-compose.yaml")
    names = set(env_names_read_by(load("dagster_postgres.yaml")))
    for service in compose["services"].values():
        names |= {n for n in service.get("environment", {}) if not n.startswith("POSTGRES_")}
    names |= set(load("helm-values.yaml")["dagster-user-deployments"]["deployments"][0]["env"])
    names -= {"GX_ANALYTICS_ENABLED", "DBT_SEND_ANONYMOUS_USAGE_STATS"}  # the image sets them
    missing = sorted(n for n in names if n not in text)
    assert missing == [], missing
    for path in ("deploy/dagster_postgres.yaml", "deploy/docker-compose.yaml",
                 "deploy/helm-values.yaml", "deploy/Dockerfile", "deploy/workspace.docker.yaml"):
        assert path in text and (PROJECT_ROOT / path).is_file(), path
