"""Generate the reform sample (issue #15, CONTRACT §10): the July 2025 reorganisation.

    python sample/reform/generate_reform.py                 # rewrite sample/reform/
    python sample/reform/generate_reform.py --out DIR       # the same into DIR/
    python sample/reform/generate_reform.py --restore-mtimes [--inbox DIR]

"Tỉnh Đoàn Hòa Lâm" (fictional, root ``TDHL``) is the merged province. Its two former
provinces, Tỉnh Đoàn Bắc Lâm (``TDBL``) and Tỉnh Đoàn Nam Lâm (``TDNL``), are groups that
end 2025-06; their district units report 2024-01..2025-06. Đoàn Khối các cơ quan
(``DKHL``) reports throughout, under the root. From 2025-07 five commune-level units
report, under the root: a split (``BL_HA`` → ``XA_AN`` 0,6 + ``XA_BINH`` 0,4), a merge
(``BL_HB`` + ``BL_HC`` → ``PH_CANG``, share 1 each) and two one-to-one successors.
2025 count targets sit on the districts (successors inherit them by share, §10);
rate and population_share targets on the root.

The generator also computes, in plain Python from the values it writes (never from the
warehouse), the figures the pipeline must publish: ``golden.json`` (the root and both
former provinces as of 2025-06, the root as of 2025-09, the communes' inherited
targets). Deterministic: numbers from formulas, workbooks with fixed timestamps.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

# The same bytes whether or not lxml is installed (as sample/generate_sample.py).
os.environ["OPENPYXL_LXML"] = "False"
HERE = Path(__file__).resolve().parent
try:
    from ingestion.template import write_report_csv, write_report_workbook
    from sample.reference_writer import write_reference_files
    from sample.sample_mtimes import generator_main, restore_mtimes, write_manifest
    from sample.tree_arithmetic import Tree
except ImportError:  # run as a script from a checkout without the package installed
    sys.path.insert(0, str(HERE.parent.parent))
    from ingestion.template import write_report_csv, write_report_workbook
    from sample.reference_writer import write_reference_files
    from sample.sample_mtimes import generator_main, restore_mtimes, write_manifest
    from sample.tree_arithmetic import Tree

TZ = dt.timezone(dt.timedelta(hours=7))
ROOT = "TDHL"
PROVINCE_NAME = "Tỉnh Đoàn Hòa Lâm"
REFORM = "2025-07"  # the communes' first month; districts and former provinces end 2025-06
GOLDEN_AS_OF = {"2025-06": [ROOT, "TDBL", "TDNL"], "2025-09": [ROOT]}

# unit_code, unit_name, unit_type, parent_code, active_from, active_to, reports (how)
UNITS = [
    (ROOT, PROVINCE_NAME, "tinh_doan", "", "2022-01", "", None),
    ("TDBL", "Tỉnh Đoàn Bắc Lâm (cũ)", "tinh_doan_cu", ROOT, "2022-01", "2025-06", None),
    ("TDNL", "Tỉnh Đoàn Nam Lâm (cũ)", "tinh_doan_cu", ROOT, "2022-01", "2025-06", None),
    ("BL_HA", "Huyện Đoàn Hà An", "huyen", "TDBL", "2022-01", "2025-06", "xlsx"),
    ("BL_HB", "Huyện Đoàn Hòa Bình", "huyen", "TDBL", "2022-01", "2025-06", "xlsx"),
    ("BL_HC", "Huyện Đoàn Cẩm Giang", "huyen", "TDBL", "2022-01", "2025-06", "xlsx"),
    ("NL_HD", "Huyện Đoàn Định Thủy", "huyen", "TDNL", "2022-01", "2025-06", "csv"),
    ("NL_TE", "Thị Đoàn Eo Lâm", "thi_xa", "TDNL", "2022-01", "2025-06", "csv"),
    ("DKHL", "Đoàn Khối các cơ quan tỉnh Hòa Lâm", "doan_khoi", ROOT, "2022-01", "", "xlsx"),
    ("XA_AN", "Đoàn xã An Hà", "xa", ROOT, REFORM, "", "xlsx"),
    ("XA_BINH", "Đoàn xã Bình Hà", "xa", ROOT, REFORM, "", "xlsx"),
    ("PH_CANG", "Đoàn phường Cảng Hòa", "phuong", ROOT, REFORM, "", "xlsx"),
    ("XA_DINH", "Đoàn xã Định Thủy", "xa", ROOT, REFORM, "", "xlsx"),
    ("PH_EO", "Đoàn phường Eo Lâm", "phuong", ROOT, REFORM, "", "xlsx"),
]
NAMES = {u[0]: u[1] for u in UNITS}
LEAVES = [u[0] for u in UNITS if u[6]]
TREE = Tree([(u[0], u[3], u[4], u[5]) for u in UNITS], LEAVES)
PARENT, ACTIVE, is_active, subtree = TREE.parent, TREE.active, TREE.is_active, TREE.subtree

# from_unit_code, to_unit_code, effective_from, share
UNIT_CHANGES = [
    ("BL_HA", "XA_AN", REFORM, "0.6"),
    ("BL_HA", "XA_BINH", REFORM, "0.4"),
    ("BL_HB", "PH_CANG", REFORM, "1"),
    ("BL_HC", "PH_CANG", REFORM, "1"),
    ("NL_HD", "XA_DINH", REFORM, "1"),
    ("NL_TE", "PH_EO", REFORM, "1"),
]

Y24, Y25 = ("2024-01", "2024-12"), ("2025-01", "2025-12")
# indicator_code, unit_code, (window), target_kind, target_value, baseline
TARGETS = [
    *[(ind, ROOT, w, "rate", "40" if ind == "CT1" else "80") for ind in ("CT1", "CT2")
      for w in (Y24, Y25)],
    *[("CT7", ROOT, w, "population_share", "10") for w in (Y24, Y25)],
    ("CT4", ROOT, Y25, "count", "900"),  # a count on the root: the root's alone
    ("CT6", ROOT, Y25, "count", "60000"),
    ("CT8", ROOT, ("2025-01", "2025-09"), "count", "20000"),
    # CT3 and CT5: on the districts and the đoàn khối; groups and the root sum them
    *[("CT3", code, Y24, "count", str(value)) for code, value in (
        ("BL_HA", 5200), ("BL_HB", 4100), ("BL_HC", 3600), ("NL_HD", 4800), ("NL_TE", 3900),
        ("DKHL", 7000))],
    *[("CT3", code, Y25, "count", str(value)) for code, value in (
        ("BL_HA", 6000), ("BL_HB", 4500), ("BL_HC", 4000), ("NL_HD", 5500), ("NL_TE", 4200),
        ("DKHL", 9000))],
    *[("CT5", code, Y25, "count", str(value)) for code, value in (
        ("BL_HA", 3000), ("BL_HB", 2400), ("BL_HC", 2000), ("NL_HD", 2800), ("NL_TE", 2100))],
]
# The districts' people (2024 and 2025: the year began with them); the communes' rows
# would start in 2026, so a year never counts the same people twice (§10).
POPULATION = [
    (code, year, value + (year - 2024) * value // 100)
    for code, value in (
        ("BL_HA", 182_400), ("BL_HB", 141_300), ("BL_HC", 126_900), ("NL_HD", 168_200),
        ("NL_TE", 97_600))
    for year in (2024, 2025)
]
SETTINGS = [
    ("submission_deadline_day", "10"),
    ("province_name", PROVINCE_NAME),
    ("reporting_rate_target", "90"),
    ("on_time_rate_target", "75"),
    ("org_name", "BCH TỈNH ĐOÀN HÒA LÂM"),
    ("org_superior", "ĐOÀN TNCS HỒ CHÍ MINH"),
    ("place_name", "Hòa Lâm"),
    ("document_symbol", "BC/TĐTN"),
    ("signer_on_behalf", "TM. BAN THƯỜNG VỤ"),
    ("signer_title", "PHÓ BÍ THƯ"),
    ("signer_name", "Trần Văn Lâm"),
    ("recipients", "Ban Bí thư Trung ương Đoàn (b/c);Thường trực Tỉnh ủy Hòa Lâm (b/c);"
                   "Các Đoàn xã, phường, Đoàn trực thuộc"),
]

# indicator: (numerator measure, denominator measure or None)
INDICATORS = {
    "CT1": ("accounts_transacting", "accounts_total"),
    "CT2": ("dossiers_online", "dossiers_total"),
    "CT3": ("dossiers_supported", None),
    "CT4": ("articles_posted", None),
    "CT5": ("households_vneid", None),
    "CT6": ("payment_accounts", None),
    "CT7": ("digital_signatures", None),
    "CT8": ("vneid_activated", None),
}


def months(start: str, end: str) -> list[str]:
    out, (year, month) = [], (int(start[:4]), int(start[5:]))
    while f"{year}-{month:02d}" <= end:
        out.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def reporting_months(code: str) -> list[str]:
    start, end = ACTIVE[code]
    return months(max(start, "2024-01"), min(end or "2025-09", "2025-09"))


# Each unit's month shape (percent): wide enough from the first months that no month is
# an outlier against the unit's own history (dq_outlier_vs_history).
SHAPE = (100, 115, 92, 108, 96, 111)


def report_values() -> dict[tuple[str, str], dict[str, int]]:
    """Every leaf's monthly values: flows by formula (each unit its own size and a mild
    month shape), stocks that grow, the January reset of accounts_transacting, and the
    CT8 identity pending(M) = pending(M-1) + submitted(M) - activated(M)."""
    out: dict[tuple[str, str], dict[str, int]] = {}
    for index, code in enumerate(LEAVES):
        size = 100 + 23 * index  # in percent
        total = 4000 * size // 100
        pending = 150 * size // 100
        for number, period in enumerate(reporting_months(code)):
            shape = SHAPE[number % len(SHAPE)]  # months that vary from the start: no outliers
            scale = size * shape // 100
            total += 90 * scale // 100
            transacting = 45 * size // 100 * int(period[5:])  # grows through the year
            submitted = 80 * scale // 100
            activated = 60 * scale // 100 + number % 3
            pending = pending + submitted - activated
            online_total = 40 * scale // 100
            out[(code, period)] = {
                "accounts_total": total,
                "accounts_transacting": transacting,
                "dossiers_total": online_total,
                "dossiers_online": online_total * 85 // 100,
                "dossiers_supported": 310 * scale // 100,
                "articles_posted": 4 + (index + number) % 4,
                # the đoàn khối has no households to visit: the cell stays empty
                "households_vneid": None if code == "DKHL" else 150 * scale // 100,
                "payment_accounts": 420 * scale // 100,
                "digital_signatures": 170 * scale // 100,
                "vneid_submitted": submitted,
                "vneid_activated": activated,
                "vneid_pending": pending,
            }
    return out


def own_target(indicator: str, code: str, window: tuple[str, str]) -> float | None:
    for ind, unit, w, _, value in TARGETS:
        if (ind, unit, w) == (indicator, code, window):
            return float(value)
    return None


def active_in_window(code: str, window: tuple[str, str]) -> bool:
    return any(is_active(code, m) for m in months(*window))


def count_target(indicator: str, code: str, window: tuple[str, str]) -> float | None:
    """§10: a node's own count target, else the sum of its children's (those active in
    some month of the window; a child's own-else-children's), NULL when none has one.
    Targets derived from shares never enter this sum."""
    own = own_target(indicator, code, window)
    if own is not None:
        return own
    children = [
        count_target(indicator, child, window)
        for child, parent in PARENT.items()
        if parent == code and active_in_window(child, window)
    ]
    found = [t for t in children if t is not None]
    return sum(found) if found else None


def inherited_target(indicator: str, code: str, window: tuple[str, str]) -> float | None:
    """§10: a successor without its own count target for a window that contains its
    effective_from gets share x the predecessor's target, summed over predecessors."""
    parts = [
        float(share) * target
        for source, to, start, share in UNIT_CHANGES
        if to == code and window[0] <= start <= window[1]
        and (target := own_target(indicator, source, window)) is not None
    ]
    return sum(parts) if parts else None


def nearest_target(indicator: str, code: str, window: tuple[str, str]) -> float | None:
    node: str | None = code
    while node:
        own = own_target(indicator, node, window)
        if own is not None:
            return own
        node = PARENT.get(node)
    return None


def population(code: str, year: int) -> int | None:
    own = [p for unit, y, p in POPULATION if unit == code and y == year]
    if own:
        return own[0]
    rows = [p for unit, y, p in POPULATION if unit in subtree(code)[1:] and y == year]
    return sum(rows) if rows else None


def golden(values) -> dict:
    """The pipeline's figures, computed here: for each scope and as-of month, every
    indicator window that contains the month and is set on the root or the scope's
    subtree (numerator, denominator, actual_value, target_value)."""
    out: dict = {"progress": [], "inherited_targets": []}
    for as_of, scopes in GOLDEN_AS_OF.items():
        for scope in scopes:
            nodes = set(subtree(scope))
            windows = sorted({
                (ind, w) for ind, unit, w, _, _ in TARGETS
                if w[0] <= as_of <= w[1] and (unit == ROOT or unit in nodes)
            })
            for indicator, window in windows:
                top, bottom = INDICATORS[indicator]
                numerator = TREE.scope_value(values, scope, top, window[0], as_of)
                kind = next(t[3] for t in TARGETS if t[0] == indicator)
                row = {
                    "unit_code": scope, "as_of": as_of, "indicator_code": indicator,
                    "window_start": window[0], "window_end": window[1],
                    "numerator": numerator, "denominator": None,
                    "actual_value": float(numerator), "target_value": None,
                }
                if kind == "rate":
                    denominator = TREE.scope_value(values, scope, bottom, window[0], as_of)
                    row["denominator"] = denominator
                    row["actual_value"] = 100 * numerator / denominator
                    row["target_value"] = nearest_target(indicator, scope, window)
                elif kind == "population_share":
                    share = nearest_target(indicator, scope, window)
                    people = population(scope, int(as_of[:4]))
                    if share is not None and people is not None:
                        row["target_value"] = share / 100 * people
                else:
                    row["target_value"] = count_target(indicator, scope, window)
                out["progress"].append(row)
    for code in LEAVES:
        for indicator in ("CT3", "CT5"):
            target = inherited_target(indicator, code, Y25)
            if target is not None:
                out["inherited_targets"].append({
                    "unit_code": code, "indicator_code": indicator, "window_start": Y25[0],
                    "window_end": Y25[1], "target_value": target,
                })
    out["children"] = {
        as_of: sorted(
            code for code, parent in PARENT.items() if parent == ROOT and is_active(code, as_of)
        )
        for as_of in GOLDEN_AS_OF
    }
    return out


def next_month_day(period: str, day: int) -> dt.date:
    year, month = int(period[:4]), int(period[5:])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.date(year, month, day)


def write_reference(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_reference_files(
        folder,
        units=[u[:6] for u in UNITS],
        unit_changes=UNIT_CHANGES,
        targets=[(ind, unit, w[0], w[1], kind, value, "") for ind, unit, w, kind, value in TARGETS],
        population=POPULATION,
        settings=SETTINGS,
    )


def quarter_of(period: str) -> tuple[str, int]:
    return period[:4], (int(period[5:]) - 1) // 3 + 1


def write_inbox(folder: Path, values) -> dict[str, dt.datetime]:
    """Workbooks (one per unit and month, as units send them, received on the 5th of the
    next month) and, for Nam Lâm's districts, one CSV per unit and quarter."""
    mtimes: dict[str, dt.datetime] = {}
    for code in LEAVES:
        how = next(u[6] for u in UNITS if u[0] == code)
        if how == "csv":  # one CSV a quarter: the quarter's first two months arrive late
            for quarter in sorted({quarter_of(p) for p in reporting_months(code)}):
                periods = [p for p in reporting_months(code) if quarter_of(p) == quarter]
                name = f"{quarter[0]}/{code.lower()}_{quarter[0]}_quy{quarter[1]}.csv"
                write_report_csv(
                    folder / name,
                    [(code, p, m, v) for p in periods for m, v in values[(code, p)].items()],
                    report_date={p: next_month_day(periods[-1], 5) for p in periods},
                )
                sent = next_month_day(periods[-1], 5)
                mtimes[name] = dt.datetime.combine(sent, dt.time(9, 0), TZ)
            continue
        for period in reporting_months(code):
            report_date = next_month_day(period, 5)
            name = f"{period[:4]}/{period}/{code.lower()}_{period}.xlsx"
            write_report_workbook(
                folder / name,
                unit_code=code,
                unit_name=NAMES[code],
                period=period,
                values=values[(code, period)],
                report_date=report_date,
                province_name=PROVINCE_NAME,
            )
            mtimes[name] = dt.datetime.combine(report_date, dt.time(9, 30), TZ)
    return mtimes


def generate(out: Path) -> dict:
    values = report_values()
    for sub in ("reference", "inbox"):
        shutil.rmtree(out / sub, ignore_errors=True)
    write_reference(out / "reference")
    mtimes = write_inbox(out / "inbox", values)
    write_manifest(out / "inbox_mtimes.csv", mtimes.items())
    restore_mtimes(out / "inbox", out / "inbox_mtimes.csv")
    figures = golden(values)
    (out / "golden.json").write_text(
        json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    def run(out: Path) -> str:
        return f"wrote {out}: {len(generate(out)['progress'])} golden rows"

    return generator_main(
        argv, description=__doc__.splitlines()[0], default_out=HERE, generate=run
    )


if __name__ == "__main__":
    sys.exit(main())
