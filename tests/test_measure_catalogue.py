"""The measures seed (dbt_project/seeds/measures.csv) is the catalogue; the province form's
row list (forms.template.MEASURES, which writes the shipped sample's workbooks without a
warehouse) must say the same codes, indicators and labels, in the seed's order."""

import csv
from pathlib import Path

from forms.template import MEASURES

SEED = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "measures.csv"


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_forms_rows_are_the_seeds_measures():
    seed = [(r["measure_code"], r["indicator_code"], r["measure_name"]) for r in seed_rows()]
    form = [(code, indicator, label) for code, indicator, label, _ in MEASURES]
    assert form == seed


def test_every_measure_and_indicator_names_its_unit():
    assert all(row["unit_of_measure"].strip() for row in seed_rows())
    with (SEED.parent / "indicators.csv").open(encoding="utf-8", newline="") as handle:
        indicators = list(csv.DictReader(handle))
    assert [row["indicator_code"] for row in indicators] == [f"CT{n}" for n in range(1, 9)]
    assert all(row["unit_of_measure"].strip() for row in indicators)
