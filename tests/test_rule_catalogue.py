"""The data-quality rule catalogue is written once (issue #18): the seed
dbt_project/seeds/data_quality_rules.csv. A rule's logic lives in its own dbt model
(models/quality/dq_<rule_id>.sql, which takes its id from its name); no code file writes a
rule_id as a literal, so a rule is renamed, re-graded or re-worded in one place."""

import csv
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "data_quality_rules.csv"
CODE_FOLDERS = (
    "dbt_project/models", "dbt_project/macros", "dbt_project/tests", "ingestion", "forms",
    "expectations", "reports", "outbox", "orchestration",
)  # fmt: skip


def catalogue() -> dict[str, dict[str, str]]:
    with SEED.open(encoding="utf-8") as handle:
        return {row["rule_id"]: row for row in csv.DictReader(handle)}


def test_every_rule_is_written_once_in_the_seed_and_has_its_model():
    rules = catalogue()
    assert len(rules) == 14
    assert all(row["severity"] in {"error", "warn", "info"} for row in rules.values())
    assert all(row["name_vi"].strip() and row["check_vi"].strip() for row in rules.values())
    models = {p.stem[3:] for p in (PROJECT_ROOT / "dbt_project/models/quality").glob("dq_*.sql")}
    assert models == set(rules)
    code = [
        path
        for folder in CODE_FOLDERS
        for path in (PROJECT_ROOT / folder).rglob("*")
        if path.suffix in {".py", ".sql"} and "target" not in path.parts
    ]
    assert len(code) > 50
    for rule_id in rules:
        literal = re.compile(rf"""['"]{rule_id}['"]""")
        written = [str(p.relative_to(PROJECT_ROOT)) for p in code if literal.search(p.read_text())]
        assert written == [], f"{rule_id} is written again in {written}"
