"""The indicator arithmetic, recomputed independently in plain Python (no SQL).

A small province is generated here: a unit merged away mid-window (M, active_to
2024-01) and its successor starting later (S, active_from 2024-02), a large and a small
unit, an đoàn khối with no targets and no population, three CT1 windows (one across
the new year, so accounts_transacting resets in January), CT5 per year and per
programme with a baseline, unit-only CT3 targets (the province's is their sum), a unit
target with a baseline and no root row (CT6), CT7 with the province's population
missing in 2024 and present in 2023, stocks with gaps (a missing month, empty cells),
data from November 2023 to March 2024. The reports go into a temporary inbox as template
workbooks and CSVs, the real CLI runs once, and every row of
marts.fct_indicator_progress (and of marts.fct_measure_as_of) is compared with the
rows computed below from CONTRACT §2, §3 and §6 alone.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import duckdb
import pytest
from warehouse_helpers import run_province

from ingestion.template import write_report_csv, write_report_workbook
from sample.reference_writer import write_reference_files

pytestmark = pytest.mark.slow

AS_OF = dt.date(2024, 3, 1)
ROOT = "PR"
PROVINCE_NAME = "Tỉnh Đoàn Kiểm Thử"

# unit_code, unit_name, unit_type, parent_code, active_from, active_to
UNITS = [
    (ROOT, PROVINCE_NAME, "tinh_doan", "", "2022-01", ""),
    ("A", "Huyện Đoàn A", "huyen", ROOT, "2022-01", ""),
    ("B", "Thành Đoàn B", "thanh_pho", ROOT, "2022-01", ""),
    ("M", "Huyện Đoàn M (sáp nhập vào S)", "huyen", ROOT, "2022-01", "2024-01"),
    ("S", "Huyện Đoàn S (kế thừa M)", "huyen", ROOT, "2024-02", ""),
    ("K", "Đoàn Khối K", "doan_khoi", ROOT, "2022-01", ""),
]

# indicator_code, unit_code, window_start, window_end, target_kind, target_value, baseline
TARGETS = [
    ("CT1", ROOT, "2023-01", "2023-12", "rate", "40", ""),
    ("CT1", ROOT, "2024-01", "2024-12", "rate", "45", ""),
    ("CT1", ROOT, "2023-07", "2024-06", "rate", "42.5", ""),
    ("CT1", "B", "2024-01", "2024-12", "rate", "50", ""),
    ("CT2", ROOT, "2024-01", "2024-12", "rate", "80", ""),
    ("CT2", "A", "2024-01", "2024-12", "rate", "85", ""),
    ("CT3", "A", "2024-01", "2024-12", "count", "1000", ""),
    ("CT3", "B", "2024-01", "2024-12", "count", "3000", ""),
    ("CT3", "S", "2024-01", "2024-12", "count", "500", ""),
    ("CT4", ROOT, "2024-01", "2024-12", "count", "100", ""),
    ("CT5", ROOT, "2023-01", "2023-12", "count", "4000", ""),
    ("CT5", ROOT, "2024-01", "2024-12", "count", "5000", ""),
    ("CT5", ROOT, "2022-01", "2027-12", "count", "20000", "7000"),
    ("CT6", "A", "2023-11", "2024-10", "count", "800", "50"),
    ("CT7", ROOT, "2023-01", "2023-12", "population_share", "10", ""),
    ("CT7", ROOT, "2024-01", "2024-12", "population_share", "12.5", ""),
    ("CT7", "B", "2024-01", "2024-12", "population_share", "15", ""),
    ("CT8", ROOT, "2024-01", "2024-06", "count", "2000", ""),
]

# No province row for 2024 (sum of units, merged M included); its own row for 2023.
POPULATION = [
    (ROOT, 2023, 300000),
    ("A", 2023, 48000),
    ("A", 2024, 50000),
    ("B", 2024, 200000),
    ("M", 2024, 10000),
    ("S", 2024, 30000),
]

# The contract's indicator table (§2), written out again here on purpose.
INDICATORS = {
    "CT1": ("rate", "accounts_transacting", "accounts_total"),
    "CT2": ("rate", "dossiers_online", "dossiers_total"),
    "CT3": ("count", "dossiers_supported", None),
    "CT4": ("count", "articles_posted", None),
    "CT5": ("count", "households_vneid", None),
    "CT6": ("count", "payment_accounts", None),
    "CT7": ("population_share", "digital_signatures", None),
    "CT8": ("count", "vneid_activated", None),
}
MEASURE_INDICATOR = {
    "accounts_total": "CT1",
    "accounts_transacting": "CT1",
    "dossiers_total": "CT2",
    "dossiers_online": "CT2",
    "dossiers_supported": "CT3",
    "articles_posted": "CT4",
    "households_vneid": "CT5",
    "payment_accounts": "CT6",
    "digital_signatures": "CT7",
    "vneid_submitted": "CT8",
    "vneid_activated": "CT8",
    "vneid_pending": "CT8",
}
LATEST = {"accounts_total", "accounts_transacting", "vneid_pending"}
RESETS_IN_JANUARY = {"accounts_transacting"}
FLOWS = [m for m in MEASURE_INDICATOR if m not in LATEST]


def month(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[5:7]), 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    out, current = [], first
    while current <= last:
        out.append(current)
        current = dt.date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return out


DATA_MONTHS = months_between(dt.date(2023, 11, 1), AS_OF)
UNIT_INFO = {
    code: (month(active_from), month(active_to) if active_to else None)
    for code, _, _, parent, active_from, active_to in UNITS
    if parent
}


def is_active(unit: str, as_of: dt.date) -> bool:
    active_from, active_to = UNIT_INFO[unit]
    return active_from <= as_of and (active_to is None or as_of <= active_to)


def generate_reports() -> dict[tuple[str, dt.date], dict[str, int | None]]:
    """Each unit-month's report: measure -> value (None = the cell left empty)."""
    rng = random.Random(5299)
    size = {"A": 1.0, "B": 4.0, "M": 0.6, "S": 1.5, "K": 0.3}
    reports: dict[tuple[str, dt.date], dict[str, int | None]] = {}
    for unit in size:
        total = int(2000 * size[unit])
        pending = int(150 * size[unit])
        for period in DATA_MONTHS:
            if not is_active(unit, period):
                continue
            if unit == "A" and period == dt.date(2024, 2, 1):
                continue  # A sends nothing for February: its stocks carry over
            total += rng.randint(20, 120)
            values: dict[str, int | None] = {
                "accounts_total": total,
                "accounts_transacting": int(total * 0.02 * period.month) + rng.randint(0, 9),
                "dossiers_total": rng.randint(50, 90) * int(size[unit] * 10),
                "dossiers_supported": rng.randint(100, 400) * int(size[unit] * 10) // 10,
                "articles_posted": rng.randint(1, 9),
                "households_vneid": rng.randint(10, 90) * int(size[unit] * 10) // 10,
                "payment_accounts": rng.randint(20, 200),
                "digital_signatures": rng.randint(30, 300) * int(size[unit] * 10) // 10,
                "vneid_submitted": rng.randint(40, 100),
            }
            values["dossiers_online"] = values["dossiers_total"] * rng.randint(60, 95) // 100
            values["vneid_activated"] = rng.randint(10, values["vneid_submitted"])
            pending += values["vneid_submitted"] - values["vneid_activated"]
            values["vneid_pending"] = pending
            if unit == "K":
                values["households_vneid"] = None  # not applicable to an đoàn khối
            if unit == "B" and period == dt.date(2024, 1, 1):
                values["accounts_transacting"] = None  # the gap that meets the January reset
            if unit == "B" and period == AS_OF:
                values["vneid_pending"] = None  # the as-of month's stock left empty
            reports[(unit, period)] = values
    return reports


REPORTS = generate_reports()


# ---------------------------------------------------------------- reference arithmetic
def reported(unit: str, measure: str) -> dict[dt.date, int]:
    return {
        period: values[measure]
        for (code, period), values in REPORTS.items()
        if code == unit and values.get(measure) is not None
    }


def unit_value(unit: str, measure: str, window_start: dt.date, as_of: dt.date) -> int | None:
    """CONTRACT §2: sums over the window through as_of; stocks = last month reported."""
    values = reported(unit, measure)
    if measure in LATEST:
        if not is_active(unit, as_of):
            return None  # the successor reports the stock now
        look_back_from = window_start
        if measure in RESETS_IN_JANUARY:
            look_back_from = max(window_start, dt.date(as_of.year, 1, 1))
        periods = [p for p in values if look_back_from <= p <= as_of]
        return values[max(periods)] if periods else None
    periods = [p for p in values if window_start <= p <= as_of]
    return sum(values[p] for p in periods) if periods else None


def scope_value(scope: str, measure: str, window_start: dt.date, as_of: dt.date) -> int:
    if scope != ROOT:
        return unit_value(scope, measure, window_start, as_of) or 0
    return sum(unit_value(u, measure, window_start, as_of) or 0 for u in UNIT_INFO)


def population(scope: str, year: int) -> int | None:
    own = [p for code, y, p in POPULATION if code == scope and y == year]
    if own:
        return own[0]
    if scope == ROOT:
        units = [p for code, y, p in POPULATION if code != ROOT and y == year]
        return sum(units) if units else None
    return None


def target_rows():
    for code, unit, start, end, kind, value, baseline in TARGETS:
        yield code, unit, month(start), month(end), kind, float(value), float(baseline or 0)


def expected_progress() -> dict[tuple, tuple]:
    rows = {}
    targets = {
        (code, unit, start, end): (value, baseline)
        for code, unit, start, end, _, value, baseline in target_rows()
    }
    for as_of in DATA_MONTHS:
        scopes = [ROOT] + [u for u in UNIT_INFO if is_active(u, as_of)]
        for scope in scopes:
            windows = {
                (code, start, end)
                for code, unit, start, end, *_ in target_rows()
                if start <= as_of <= end and (scope == ROOT or unit in (ROOT, scope))
            }
            for code, start, end in windows:
                kind, numerator_measure, denominator_measure = INDICATORS[code]
                own = targets.get((code, scope, start, end))
                from_root = targets.get((code, ROOT, start, end))
                numerator = float(scope_value(scope, numerator_measure, start, as_of))
                denominator = None
                if kind == "count":
                    if own:
                        target, baseline = own
                    elif scope == ROOT:
                        unit_rows = [
                            v
                            for (c, u, s, e), v in targets.items()
                            if (c, s, e) == (code, start, end) and u != ROOT
                        ]
                        target = sum(v for v, _ in unit_rows) if unit_rows else None
                        baseline = sum(b for _, b in unit_rows)
                    else:
                        target, baseline = None, 0.0
                    numerator += baseline
                    actual = numerator
                elif kind == "rate":
                    denominator = float(scope_value(scope, denominator_measure, start, as_of))
                    actual = 100 * numerator / denominator if denominator else None
                    target = (own or from_root or (None,))[0]
                else:  # population_share
                    share = (own or from_root or (None,))[0]
                    people = population(scope, as_of.year)
                    target = (
                        share * people / 100 if share is not None and people is not None else None
                    )
                    actual = numerator
                achievement = 100 * actual / target if actual is not None and target else None
                rows[(scope, as_of, code, start, end)] = (
                    numerator,
                    denominator,
                    actual,
                    target,
                    achievement,
                )
    return rows


def expected_measures() -> dict[tuple, float]:
    out = {}
    for scope, as_of, code, start, end in expected_progress():
        for measure, indicator in MEASURE_INDICATOR.items():
            if indicator == code:
                out[(scope, as_of, code, start, end, measure)] = float(
                    scope_value(scope, measure, start, as_of)
                )
    return out


# ---------------------------------------------------------------- the real pipeline
def write_workspace(ws) -> None:
    write_reference_files(
        ws.reference,
        units=UNITS,
        targets=TARGETS,
        population=POPULATION,
        settings=[("submission_deadline_day", "10"), ("province_name", PROVINCE_NAME)],
    )

    names = {code: name for code, name, *_ in UNITS}
    by_unit = defaultdict(list)
    for (unit, period), values in sorted(REPORTS.items()):
        by_unit[unit].append((period, values))
    for unit, months in by_unit.items():
        if unit in ("A", "S"):  # template workbooks, one a month
            for period, values in months:
                write_report_workbook(
                    ws.inbox / f"{period:%Y-%m}" / f"{unit.lower()}_{period:%m_%Y}.xlsx",
                    unit_code=unit,
                    unit_name=names[unit],
                    period=period,
                    values=values,
                    report_date=dt.date(period.year + period.month // 12, period.month % 12 + 1, 5),
                    province_name=PROVINCE_NAME,
                )
        else:  # one long CSV for all the unit's months
            write_report_csv(
                ws.inbox / "csv" / f"{unit.lower()}.csv",
                [
                    (unit, f"{period:%Y-%m}", measure, value)
                    for period, values in months
                    for measure, value in values.items()
                ],
            )


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory, dbt_manifest):
    ws = run_province(tmp_path_factory, "arithmetic", write_workspace, f"{AS_OF:%Y-%m}")
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        progress = con.execute(
            """
            select unit_code, as_of, indicator_code, window_start, window_end,
                   numerator, denominator, actual_value, target_value, achievement_pct
            from marts.fct_indicator_progress
            """
        ).fetchall()
        measures = con.execute(
            """
            select unit_code, as_of, indicator_code, window_start, window_end, measure_code, value
            from marts.fct_measure_as_of
            """
        ).fetchall()
    return (
        {tuple(row[:5]): tuple(row[5:]) for row in progress},
        {tuple(row[:6]): row[6] for row in measures},
    )


def same(got, want) -> bool:
    if want is None or got is None:
        return got is None and want is None
    return got == pytest.approx(want, rel=1e-9, abs=1e-9)


def test_the_generated_data_exercises_every_rule():
    """Guards the data set itself, so the comparison below cannot pass vacuously."""
    rows = expected_progress()
    jan, feb = dt.date(2024, 1, 1), dt.date(2024, 2, 1)
    year_2024 = (dt.date(2024, 1, 1), dt.date(2024, 12, 1))
    across_new_year = (dt.date(2023, 7, 1), dt.date(2024, 6, 1))
    # merged unit: rows through its active_to, none after; its successor only from then on
    assert ("M", jan, "CT4", *year_2024) in rows and ("M", feb, "CT4", *year_2024) not in rows
    assert ("S", jan, "CT4", *year_2024) not in rows and ("S", feb, "CT4", *year_2024) in rows
    # a window set on a unit (CT3 on A, B, S) is the province's and that unit's only
    assert ("S", feb, "CT3", *year_2024) in rows and ("K", feb, "CT3", *year_2024) not in rows
    # M's flows still count in the province's sums after it is gone
    assert scope_value(ROOT, "vneid_activated", jan, AS_OF) > sum(
        unit_value(u, "vneid_activated", jan, AS_OF) or 0 for u in UNIT_INFO if is_active(u, AS_OF)
    )
    # January reset: B's December stock does not count as of January 2024
    assert reported("B", "accounts_transacting").get(dt.date(2023, 12, 1))
    assert unit_value("B", "accounts_transacting", across_new_year[0], jan) is None
    # stock gaps: A's February and B's March pending come from the month before
    assert unit_value("A", "accounts_total", jan, feb) == reported("A", "accounts_total")[jan]
    assert unit_value("B", "vneid_pending", jan, AS_OF) == reported("B", "vneid_pending")[feb]
    # the province's CT3 target is the sum of unit targets, its CT6 target and baseline A's
    assert rows[(ROOT, AS_OF, "CT3", *year_2024)][3] == 4500
    assert rows[(ROOT, AS_OF, "CT6", dt.date(2023, 11, 1), dt.date(2024, 10, 1))][0] > 50
    # CT7: the province's 2024 population is the units' sum, merged M included
    assert rows[(ROOT, AS_OF, "CT7", *year_2024)][3] == 12.5 * 290000 / 100
    # K has no target of its own: NULL target, actual still published
    k_ct4 = [v for (s, a, c, *_), v in rows.items() if s == "K" and c == "CT4"]
    assert k_ct4 and all(v[3] is None and v[4] is None for v in k_ct4)
    assert len({key[2:] for key in rows if key[2] == "CT1"}) == 3


def test_progress_rows_match_the_reference(reference_run):
    progress, _ = reference_run
    expected = expected_progress()
    missing, unexpected = set(expected) - set(progress), set(progress) - set(expected)
    assert not missing and not unexpected, (sorted(missing)[:5], sorted(unexpected)[:5])
    columns = ("numerator", "denominator", "actual_value", "target_value", "achievement_pct")
    mismatches = [
        (key, column, got, want)
        for key in sorted(expected)
        for column, got, want in zip(columns, progress[key], expected[key], strict=True)
        if not same(got, want)
    ]
    assert not mismatches, mismatches[:10]


def test_measures_behind_each_row_match_the_reference(reference_run):
    _, measures = reference_run
    expected = expected_measures()
    assert set(measures) == set(expected)
    mismatches = [
        (key, measures[key], want)
        for key, want in sorted(expected.items())
        if not same(measures[key], want)
    ]
    assert not mismatches, mismatches[:10]
