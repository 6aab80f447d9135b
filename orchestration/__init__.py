"""Dagster (assets, checks, jobs, schedule, sensor) and the `dean5299` CLI: the top floor."""

import warnings

# Third-party noise in every run's log, not ours to fix: sqlglot (through dagster-dbt)
# imports its retired Rust tokenizer when a dependency installed it.
# dagster-dbt 0.29's DbtCliResource.cli() reads `context.op`, which Dagster 1.13
# deprecates (logged in a deployment's later runs). pyproject.toml filters the same for pytest.
THIRD_PARTY_NOISE = (
    ("sqlglotrs is deprecated", DeprecationWarning),
    ("AssetExecutionContext.op is deprecated", DeprecationWarning),
)


def quiet_third_party_warnings() -> None:
    for message, category in THIRD_PARTY_NOISE:
        warnings.filterwarnings("ignore", message=message, category=category)


quiet_third_party_warnings()
