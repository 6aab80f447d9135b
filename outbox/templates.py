"""`dean5299 templates`: each reporting unit's form for a month (CONTRACT §11).

The layout is the province's canonical template (forms.template, the one writer of
it); this module only fills it from the published warehouse: the unit, the month, the
measures' labels (the seed reference.measures) and, for "sum" measures, the official
total of the year's earlier months (marts.fct_measure_monthly) under `Lũy kế`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from forms.template import MEASURE_CODES, MEASURES, write_report_workbook
from outbox.warehouse import connect, month_start, reporting_units

FOLDER = "mau_bao_cao"

# Đơn vị tính of each measure, in the words the province report uses for its
# indicator (reports.tables.UNIT_OF_MEASURE: tài khoản, hồ sơ, tin, bài, hộ gia đình,
# công dân); the rates CT1/CT2 are shown there in %, their measures are counts.
UNIT_OF_MEASURE = {
    "accounts_total": "Tài khoản",
    "accounts_transacting": "Tài khoản",
    "dossiers_total": "Hồ sơ",
    "dossiers_online": "Hồ sơ",
    "dossiers_supported": "Hồ sơ",
    "articles_posted": "Tin, bài",
    "households_vneid": "Hộ gia đình",
    "payment_accounts": "Công dân",
    "digital_signatures": "Công dân",
    "vneid_submitted": "Hồ sơ",
    "vneid_activated": "Tài khoản",
    "vneid_pending": "Tài khoản",
}


def template_path(output: Path, period: dt.date, unit_code: str) -> Path:
    return Path(output) / FOLDER / f"{period:%Y-%m}" / f"{unit_code}.xlsx"


def write_templates(warehouse: Path, output: Path, period: str | dt.date) -> list[Path]:
    """Write the month's template for every reporting unit active in it; return the paths."""
    month = month_start(period)
    with connect(warehouse) as con:
        province = con.execute(
            "select unit_name from marts.dim_unit where level = 'province'"
        ).fetchone()
        measures = {
            code: (name, aggregation)
            for code, name, aggregation in con.execute(
                "select measure_code, measure_name, aggregation from reference.measures"
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
    labels = {
        code: (measures.get(code, (label, None))[0], UNIT_OF_MEASURE.get(code, unit_label))
        for code, _, label, unit_label in MEASURES
    }
    sums = [code for code in MEASURE_CODES if measures.get(code, ("", "sum"))[1] == "sum"]
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
