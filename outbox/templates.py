"""`dean5299 templates`: each reporting unit's form for a month (CONTRACT §11).

The layout is the province's canonical template (forms.template, the one writer of
it); this module only fills it from the published warehouse: the unit, the month, the
measures' labels and units (the seed reference.measures) and, for "sum" measures, the official
total of the year's earlier months (marts.fct_measure_monthly) under `Lũy kế`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from forms.template import MEASURE_CODES, write_report_workbook
from outbox.warehouse import connect, month_start, reporting_units

FOLDER = "mau_bao_cao"


def template_path(output: Path, period: dt.date, unit_code: str) -> Path:
    return Path(output) / FOLDER / f"{period:%Y-%m}" / f"{unit_code}.xlsx"


def write_templates(warehouse: Path, output: Path, period: str | dt.date) -> list[Path]:
    """Write the month's template for every reporting unit active in it; return the paths."""
    month = month_start(period)
    with connect(warehouse) as con:
        province = con.execute(
            "select unit_name from marts.dim_unit where level = 'province'"
        ).fetchone()
        # Labels, units (Đơn vị tính) and aggregation from the measures seed.
        measures = {
            code: (name, unit_of_measure, aggregation)
            for code, name, unit_of_measure, aggregation in con.execute(
                "select measure_code, measure_name, unit_of_measure, aggregation "
                "from reference.measures"
            ).fetchall()
        }
        before: dict[tuple[str, str], int] = {
            (unit, measure): int(total)
            for unit, measure, total in con.execute(
                """
                select m.unit_code, m.measure_code, sum(m.value)
                from marts.fct_measure_monthly m
                join reference.measures r using (measure_code)
                where r.aggregation = 'sum' and m.value is not null
                  and m.period >= make_date(year(?1), 1, 1) and m.period < ?1
                group by 1, 2
                """,
                [month],
            ).fetchall()
        }
        units = reporting_units(con, month)
    # The form's rows are the seed's measures (tests/test_measure_catalogue.py).
    labels = {code: measures[code][:2] for code in MEASURE_CODES}
    sums = [code for code in MEASURE_CODES if measures[code][2] == "sum"]
    written = []
    for unit in units:
        written.append(
            write_report_workbook(
                template_path(output, month, unit.unit_code),
                unit_code=unit.unit_code,
                unit_name=unit.unit_name,
                period=month,
                values=dict.fromkeys(MEASURE_CODES),
                province_name=province[0] if province else "Tỉnh Đoàn",
                form=True,
                cumulative_before={code: before.get((unit.unit_code, code), 0) for code in sums},
                labels=labels,
            )
        )
    return written
