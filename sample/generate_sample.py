"""Generate the shipped sample: a fictional province's reference data and inbox.

    python sample/generate_sample.py                 # rewrite sample/reference, sample/inbox
    python sample/generate_sample.py --out DIR       # write DIR/reference, DIR/inbox, ...
    python sample/generate_sample.py --restore-mtimes [--inbox DIR] [--manifest FILE]

"Tỉnh Đoàn Bình An" (fictional) has 10 reporting units (plus one huyện merged away
at the end of 2023). The inbox holds their reports for January-April 2024, built so
that the province-wide figures as of 2024-04 are exactly those of CONTRACT §7, with a
list of deliberate anomalies (docs/sample.md) that must not change those figures.

Deterministic: the numbers come from seeded searches (each flow measure takes the
first seed from ``BASE_SEED`` whose allocation passes its checks; the whole sample
must then pass :func:`validate` or nothing is written), and the workbooks are written
with fixed timestamps, so re-running rewrites the sample byte for byte.
File modification times (receipt times) are not kept by git: they are written to
``inbox_mtimes.csv`` and applied with :func:`sample_mtimes.restore_mtimes`.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

# openpyxl serialises with lxml when lxml is installed (python-docx brings it) and with
# the standard library's ElementTree otherwise: other bytes. The shipped sample is
# ElementTree's, whatever else is installed (read before openpyxl is first imported).
os.environ["OPENPYXL_LXML"] = "False"
HERE = Path(__file__).resolve().parent
try:
    from ingestion.template import MEASURE_CODES, write_report_csv, write_report_workbook
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(HERE.parent))
    from ingestion.template import MEASURE_CODES, write_report_csv, write_report_workbook
try:
    from .reference_writer import write_reference_csv
    from .sample_mtimes import generator_main, restore_mtimes, write_manifest
except ImportError:  # run as a script
    from reference_writer import write_reference_csv
    from sample_mtimes import generator_main, restore_mtimes, write_manifest

BASE_SEED = 5299
TZ = dt.timezone(dt.timedelta(hours=7))
PROVINCE_NAME = "Tỉnh Đoàn Bình An"
ROOT = "TDBA"
MONTHS = ("2024-01", "2024-02", "2024-03", "2024-04")
DEADLINE_DAY = 10
# settings.csv's keys for the reporting rates (CONTRACT §11) and the official document (§12).
DOCUMENT_SETTINGS = {
    "reporting_rate_target": "90",
    "on_time_rate_target": "75",
    "org_name": "BCH TỈNH ĐOÀN BÌNH AN",
    "org_superior": "ĐOÀN TNCS HỒ CHÍ MINH",
    "place_name": "Bình An",
    "document_symbol": "BC/TĐTN",
    "signer_on_behalf": "TM. BAN THƯỜNG VỤ",
    "signer_title": "PHÓ BÍ THƯ",
    "signer_name": "Nguyễn Thị Minh Thư",
    "recipients": (
        "Ban Bí thư Trung ương Đoàn (b/c);Thường trực Tỉnh ủy Bình An (b/c);"
        "Ban Dân vận Tỉnh ủy (b/c);Sở Thông tin và Truyền thông tỉnh;"
        "Các đồng chí Ủy viên Ban Thường vụ Tỉnh Đoàn;"
        "Các huyện, thị, thành Đoàn, Đoàn trực thuộc"
    ),
}

# code, name, unit_type, active_from, active_to, file slug, population 14+ (2024), CT3 target
UNITS: list[tuple[str, str, str, str, str, str, int | None, int | None]] = [
    ("TPBA", "Thành Đoàn Bình An", "thanh_pho", "2022-01", "", "tp_binh_an", 262418, 9500),
    ("TXAL", "Thị Đoàn An Lạc", "thi_xa", "2022-01", "", "tx_an_lac", 148735, 6000),
    ("HDP", "Huyện Đoàn Đông Phú", "huyen", "2022-01", "", "dong_phu", 231964, 8500),
    ("HTP", "Huyện Đoàn Tây Phong", "huyen", "2022-01", "", "tay_phong", 176289, 6800),
    ("HNS", "Huyện Đoàn Nam Sơn", "huyen", "2022-01", "", "nam_son", 158602, 6200),
    ("HBH", "Huyện Đoàn Bắc Hòa", "huyen", "2022-01", "", "bac_hoa", 139247, 5500),
    ("HPT", "Huyện Đoàn Phú Thạnh", "huyen", "2022-01", "", "phu_thanh", 171530, 6700),
    ("HLT", "Huyện Đoàn Long Thủy", "huyen", "2022-01", "", "long_thuy", 163715, 6300),
    ("DKCQ", "Đoàn Khối Các cơ quan tỉnh", "doan_khoi", "2022-01", "", "dk_co_quan", None, 5000),
    (
        "DKDN",
        "Đoàn Khối Doanh nghiệp tỉnh",
        "doan_khoi",
        "2022-01",
        "",
        "dk_doanh_nghiep",
        None,
        4500,
    ),
    # merged into HDP (Đông Phú) from 2024-01: history only, no 2024 reports
    ("HTH", "Huyện Đoàn Thạch Hòa", "huyen", "2022-01", "2023-12", "thach_hoa", None, None),
]
ACTIVE = [u[0] for u in UNITS if not u[4]]
UNIT_NAME = {u[0]: u[1] for u in UNITS}
SLUG = {u[0]: u[5] for u in UNITS}
POPULATION = {u[0]: u[6] for u in UNITS if u[6] is not None}

# Province totals Jan..Apr of the "sum" measures (CONTRACT §7), month by month.
# Province totals Jan..Apr of the "sum" measures (CONTRACT §7) and each measure's
# month shape (Jan, Feb, Mar, Apr). Every unit follows its measure's shape within a
# few percent; the levels are spread evenly (10-16 % apart, wider for small counts) so
# that no unit-month looks like an outlier to a MAD test (see outlier_cells).
FLOW_TOTALS: dict[str, int] = {
    "dossiers_total": 1669,
    "dossiers_online": 1458,
    "dossiers_supported": 21458,
    "articles_posted": 333,
    "households_vneid": 8313,
    "payment_accounts": 26353,
    "digital_signatures": 10152,  # Jan-Mar 8.360 (DS_Q1), April 1.792: +21,4 %
    "vneid_submitted": 6400,  # not published; drives the pending stock
    "vneid_activated": 5867,
}
DS_Q1 = 8360
_EVEN = (0.95, 0.85, 1.05, 1.15)
SHAPE: dict[str, tuple[float, float, float, float]] = {
    "dossiers_total": (0.93, 0.80, 1.07, 1.20),
    "dossiers_online": (0.93, 0.80, 1.07, 1.20),  # a share of dossiers_total
    "dossiers_supported": _EVEN,
    "articles_posted": (0.0, -1.0, 1.0, 2.0),  # integer steps around each unit's base
    "households_vneid": _EVEN,
    "payment_accounts": _EVEN,
    "digital_signatures": (1.0, 0.867, 1.14, 0.645),
    "vneid_submitted": _EVEN,
    "vneid_activated": _EVEN,
}
STOCK_APRIL = {"accounts_total": 45600, "accounts_transacting": 3857, "vneid_pending": 4572}
FLOW_MEASURES = tuple(FLOW_TOTALS)
STOCK_MEASURES = ("accounts_total", "accounts_transacting", "vneid_pending")

# Relative size of the đoàn khối (no territory) per measure; territorial units use
# their population. 0 = the unit leaves the cell empty (not applicable).
DK_WEIGHT = {
    "DKCQ": {
        "dossiers_total": 0.6,
        "dossiers_supported": 0.5,
        "articles_posted": 0.9,
        "households_vneid": 0.0,
        "payment_accounts": 0.5,
        "digital_signatures": 0.8,
        "vneid_submitted": 0.4,
        "vneid_activated": 0.4,
        "accounts_total": 0.45,
        "accounts_transacting": 0.5,
    },
    "DKDN": {
        "dossiers_total": 0.5,
        "dossiers_supported": 0.45,
        "articles_posted": 0.8,
        "households_vneid": 0.35,
        "payment_accounts": 0.6,
        "digital_signatures": 0.7,
        "vneid_submitted": 0.35,
        "vneid_activated": 0.35,
        "accounts_total": 0.35,
        "accounts_transacting": 0.4,
    },
}

# ---- the deliberate anomalies (docs/sample.md, a-j) ---------------------------------
RESUBMIT = ("HNS", "2024-03", "dossiers_supported", 100)  # a: v1 had +100, v2 corrects
DUPLICATE = ("HTP", "2024-02", "email_chuyen_tiep")  # b: byte-identical copy, later
SKIPPED_FILE = "huong_dan_bao_cao.txt"  # c
MISSING = ("HLT", "2024-02")  # d
CSV_UNIT = "DKDN"  # e: Jan-Apr in one CSV received 2024-05-06 -> Jan, Feb, Mar late
NOT_NUMBER = ("TXAL", "2024-03", "articles_posted", "khoảng 5")  # f
CUM_MISMATCH = ("HPT", "2024-04", "payment_accounts")  # g: Lũy kế omits March
PART_EXCEEDS = ("HBH", "2024-04")  # h: dossiers_online > dossiers_total
STOCK_DROP = ("TPBA", "2024-03", 85)  # i: accounts_total 85 lower than in February
PENDING_EXTRA = ("HDP", "2024-03", 35)  # j: vneid_pending 35 above the flows
# Format variations (valid input, no rule fires):
TEXT_NUMBERS_UNIT = "HTP"  # every value typed as text, Vietnamese style ("4.560")
PERIOD_DATE_UNIT = "HPT"  # 'Kỳ báo cáo' as a real date cell
EMPTY_CELLS = ("DKCQ", "households_vneid")  # row present, value left empty every month
BOUNDARY = ("HBH", "2024-02", dt.datetime(2024, 3, 10, 23, 30, tzinfo=TZ))  # on time


def ym(period: str) -> tuple[int, int]:
    year, month = period.split("-")
    return int(year), int(month)


def vn(n: int) -> str:
    """45600 -> '45.600' (Vietnamese thousands separator)."""
    return f"{n:,}".replace(",", ".")


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to ``weights`` summing exactly to ``total``."""
    wsum = sum(weights)
    raw = [total * w / wsum for w in weights]
    out = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


@dataclass
class Sample:
    seed: int
    # (unit, period) -> measure -> value: the winning, valid values (the truth)
    values: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    # hidden (never reported) CT8 flows of the missing month, for the pending stock
    hidden: dict[str, int] = field(default_factory=dict)
    # measure -> the seed its allocation was taken from
    seeds: dict[str, int] = field(default_factory=dict)


def base_weight(unit: str, measure: str) -> float:
    if unit in DK_WEIGHT:
        return DK_WEIGHT[unit].get(measure, DK_WEIGHT[unit]["dossiers_total"])
    avg = sum(POPULATION.values()) / len(POPULATION)
    w = POPULATION[unit] / avg
    return w**0.5 if measure == "articles_posted" else w


def reported(unit: str, period: str) -> bool:
    return (unit, period) != MISSING


def _fix_total(cells: dict[tuple[str, str], int], total: int, keys: list) -> None:
    """Add/remove 1 on the largest of ``keys`` (in turn) until ``cells`` sums to ``total``."""
    order = sorted(keys, key=lambda k: (-cells[k], k))
    diff = total - sum(cells[k] for k in keys)
    step = 1 if diff > 0 else -1
    for i in range(abs(diff)):
        cells[order[i % len(order)]] += step


def _flow(measure: str, seed: int, s: Sample) -> dict[tuple[str, str], int]:
    """One flow measure's cells: unit size x month shape x noise, summing exactly."""
    rng = random.Random(f"{seed}/{measure}")
    shape = SHAPE[measure]
    keys = [
        (u, p)
        for u in ACTIVE
        for p in MONTHS
        if reported(u, p) and base_weight(u, measure) > 0 and (u, p, measure) != NOT_NUMBER[:3]
    ]
    cells: dict[tuple[str, str], int] = {}
    if measure == "articles_posted":  # small counts: base b, months b, b-1, b+1, b+2
        base = {
            u: rng.randint(7, 9) if base_weight(u, measure) >= 0.9 else rng.randint(6, 8)
            for u in ACTIVE
        }
        count = {u: sum(1 for k in keys if k[0] == u) for u in ACTIVE}
        for i in range(100):  # shift whole units by 1 (keeps each unit's pattern)
            diff = FLOW_TOTALS[measure] - sum(base[k[0]] + shape[MONTHS.index(k[1])] for k in keys)
            step = 1 if diff > 0 else -1
            fits = [u for u in ACTIVE if count[u] <= abs(diff) and 3 <= base[u] + step <= 12]
            if diff == 0 or not fits:
                break  # an unreachable remainder fails _flow_ok: the next seed is tried
            base[fits[i % len(fits)]] += step
        for u, p in keys:
            cells[(u, p)] = base[u] + int(shape[MONTHS.index(p)])
        return cells
    if measure == "dossiers_online":  # a share (84-91 %) of the unit's dossiers_total
        total = {k: s.values[k]["dossiers_total"] for k in keys}
        share = {u: rng.uniform(0.84, 0.91) for u in ACTIVE}
        share[PART_EXCEEDS[0]] = 0.91  # so that its anomaly stays a small jump
        others = [k for k in keys if k != PART_EXCEEDS]
        cells[PART_EXCEEDS] = total[PART_EXCEEDS] + 1
        k_scale = (FLOW_TOTALS[measure] - cells[PART_EXCEEDS]) / sum(
            total[k] * share[k[0]] for k in others
        )
        for k in others:
            cells[k] = round(total[k] * share[k[0]] * k_scale * rng.uniform(0.99, 1.01))
        _fix_total(cells, FLOW_TOTALS[measure] - cells[PART_EXCEEDS], others)
        return cells
    raw = {
        (u, p): base_weight(u, measure) * shape[MONTHS.index(p)] * rng.uniform(0.975, 1.025)
        for u, p in keys
    }
    groups = [keys]
    if measure == "digital_signatures":  # Q1 and April hit their own totals
        groups = [[k for k in keys if k[1] != MONTHS[-1]], [k for k in keys if k[1] == MONTHS[-1]]]
        targets = [DS_Q1, FLOW_TOTALS[measure] - DS_Q1]
    else:
        targets = [FLOW_TOTALS[measure]]
    for group, target in zip(groups, targets, strict=True):
        scale = target / sum(raw[k] for k in group)
        for k in group:
            cells[k] = round(raw[k] * scale)
        _fix_total(cells, target, group)
    return cells


def _flow_ok(measure: str, cells: dict[tuple[str, str], int], s: Sample) -> bool:
    if sum(cells.values()) != FLOW_TOTALS[measure] or min(cells.values()) < 1:
        return False
    if outlier_cells({measure: cells}):
        return False
    if measure == "dossiers_online":
        for key, online in cells.items():
            if (online > s.values[key]["dossiers_total"]) != (key == PART_EXCEEDS):
                return False
    return True


def build(seed: int) -> Sample:
    """The sample's values; each flow measure takes the first seed from ``seed`` that
    passes its own checks (independent searches, so the search stays short)."""
    s = Sample(seed=seed)
    for u in ACTIVE:
        for p in MONTHS:
            if reported(u, p):
                s.values[(u, p)] = {}
    for measure in FLOW_MEASURES:
        for attempt in range(seed, seed + 20000):
            cells = _flow(measure, attempt, s)
            if _flow_ok(measure, cells, s):
                break
        else:
            raise RuntimeError(f"no clean allocation found for {measure}")
        s.seeds[measure] = attempt
        for key, v in cells.items():
            s.values[key][measure] = v

    rng = random.Random(f"{seed}/stocks")
    # Account stocks: April allocated, earlier months grow towards it.
    for measure in ("accounts_total", "accounts_transacting"):
        weights = [base_weight(u, measure) * rng.uniform(0.85, 1.15) for u in ACTIVE]
        april = dict(zip(ACTIVE, largest_remainder(STOCK_APRIL[measure], weights), strict=True))
        for u in ACTIVE:
            if measure == "accounts_total":
                g = rng.uniform(0.02, 0.045)
                fractions = [1 - 3 * g, 1 - 2 * g, 1 - g, 1.0]
            else:  # resets each January
                fractions = [
                    rng.uniform(0.26, 0.32),
                    rng.uniform(0.48, 0.54),
                    rng.uniform(0.72, 0.78),
                    1.0,
                ]
            for mi, p in enumerate(MONTHS):
                if reported(u, p):
                    s.values[(u, p)][measure] = round(april[u] * fractions[mi])
    u, p, drop = STOCK_DROP
    prev = f"2024-{int(p[-2:]) - 1:02d}"
    s.values[(u, p)]["accounts_total"] = s.values[(u, prev)]["accounts_total"] - drop

    # CT8 pending stock from the flows, starting from an (unreported) end-2023 stock.
    mu, _ = MISSING
    for measure in ("vneid_submitted", "vneid_activated"):
        others = [s.values[(mu, p)][measure] for p in MONTHS if reported(mu, p)]
        s.hidden[measure] = round(statistics.mean(others))
    start = {
        u: round(450 * base_weight(u, "vneid_submitted") * rng.uniform(0.85, 1.15)) for u in ACTIVE
    }

    def run_pending() -> dict[str, int]:
        for u in ACTIVE:
            pending = start[u]
            for p in MONTHS:
                if (u, p) == MISSING:
                    pending += s.hidden["vneid_submitted"] - s.hidden["vneid_activated"]
                    continue
                row = s.values[(u, p)]
                pending += row["vneid_submitted"] - row["vneid_activated"]
                if (u, p) == PENDING_EXTRA[:2]:
                    pending += PENDING_EXTRA[2]
                row["vneid_pending"] = pending
        return {u: s.values[(u, MONTHS[-1])]["vneid_pending"] for u in ACTIVE}

    april_pending = run_pending()
    start["TPBA"] += STOCK_APRIL["vneid_pending"] - sum(april_pending.values())
    run_pending()
    return s


# ---- checks (the same facts tests/test_sample.py verifies from the written files) ----


def modified_z(history: list[int], x: int) -> float:
    """Iglewicz-Hoaglin modified z-score of ``x`` against ``history`` (inf if MAD = 0)."""
    med = statistics.median(history)
    mad = statistics.median([abs(v - med) for v in history])
    return float("inf") if mad == 0 else 0.6745 * (x - med) / mad


def outlier_cells(by_measure: dict[str, dict[tuple[str, str], int]]) -> list[tuple]:
    """Unit-month flows with |modified z| > 3.5 under three readings of "history".

    For each unit and flow measure, with the unit's reported months in order:
    (1) "all": the series including the month (n >= 3); (2) "before": the months
    before it (>= 3); (3) "others": every other month (>= 3). A history whose MAD is
    0 counts as a hit. Also flags a value more than 40 % off the series median.
    """
    hits = []
    for m, cells in by_measure.items():
        for u in ACTIVE:
            series = [(p, cells[(u, p)]) for p in MONTHS if (u, p) in cells]
            xs = [v for _, v in series]
            if len(xs) < 3:
                continue
            med = statistics.median(xs)
            for i, (p, x) in enumerate(series):
                tests = {"all": xs, "before": xs[:i], "others": xs[:i] + xs[i + 1 :]}
                for name, hist in tests.items():
                    if len(hist) >= 3 and abs(modified_z(hist, x)) > 3.5:
                        hits.append((u, p, m, name))
                if abs(x - med) > 0.4 * med:
                    hits.append((u, p, m, "40%"))
    return hits


def validate(s: Sample) -> list[str]:
    v = s.values
    errors: list[str] = []
    months_of = {u: [p for p in MONTHS if (u, p) in v] for u in ACTIVE}
    for m, want in FLOW_TOTALS.items():
        got = sum(row.get(m, 0) for row in v.values())
        if got != want:
            errors.append(f"{m}: {got} != {want}")
    for m, want in STOCK_APRIL.items():
        got = sum(v[(u, MONTHS[-1])][m] for u in ACTIVE)
        if got != want:
            errors.append(f"{m} April: {got} != {want}")
    for (u, p), row in v.items():
        if (row["dossiers_online"] > row["dossiers_total"]) != ((u, p) == PART_EXCEEDS):
            errors.append(f"dossiers_online vs dossiers_total {u} {p}")
        if row["accounts_transacting"] > row["accounts_total"]:
            errors.append(f"transacting > total {u} {p}")
        if min(row.values()) < 1:
            errors.append(f"value < 1 {u} {p}")
    for u in ACTIVE:
        ms = months_of[u]
        for prev, cur in zip(ms, ms[1:], strict=False):
            if ym(cur)[1] - ym(prev)[1] != 1:
                continue  # no comparison across a missing month
            a, b = v[(u, prev)], v[(u, cur)]
            for m in ("accounts_total", "accounts_transacting"):
                dropped = b[m] <= a[m]
                if dropped != ((u, cur, m) == (*STOCK_DROP[:2], "accounts_total")):
                    errors.append(f"stock {m} {u} {cur}: {a[m]} -> {b[m]}")
            if b["vneid_activated"] > a["vneid_pending"] + b["vneid_submitted"]:
                errors.append(f"activations_exceed_pending {u} {cur}")
            expected = a["vneid_pending"] + b["vneid_submitted"] - b["vneid_activated"]
            extra = PENDING_EXTRA[2] if (u, cur) == PENDING_EXTRA[:2] else 0
            if b["vneid_pending"] != expected + extra:
                errors.append(f"pending flows {u} {cur}")
        if u in POPULATION:
            if sum(v[(u, p)]["digital_signatures"] for p in ms) > POPULATION[u]:
                errors.append(f"exceeds_population {u}")
    q1 = sum(row["digital_signatures"] for (u, p), row in v.items() if p != MONTHS[-1])
    if q1 != DS_Q1:
        errors.append(f"Q1 digital signatures {q1}")
    flows = {m: {k: row[m] for k, row in v.items() if m in row} for m in FLOW_MEASURES}
    errors += [f"outlier {h}" for h in outlier_cells(flows)]
    return errors


def find_sample() -> Sample:
    s = build(BASE_SEED)
    errors = validate(s)
    if errors:
        raise RuntimeError("the generated sample fails its own checks:\n" + "\n".join(errors))
    return s


# ---- writing -------------------------------------------------------------------------


def next_month(period: str) -> dt.date:
    y, m = ym(period)
    return dt.date(y + m // 12, m % 12 + 1, 1)


def receipt(rng: random.Random, period: str) -> tuple[dt.date, dt.datetime]:
    """A normal report date (2nd-7th of next month) and receipt time (same or next day)."""
    first = next_month(period)
    rdate = first.replace(day=rng.randint(2, 7))
    day = rdate + dt.timedelta(days=rng.randint(0, 1))
    mtime = dt.datetime(
        day.year, day.month, day.day, rng.randint(7, 16), rng.randrange(0, 60, 5), tzinfo=TZ
    )
    return rdate, mtime


def cumulative_of(s: Sample, unit: str, period: str, measure: str, own: int | None) -> int | None:
    """Year-to-date sum of the unit's reported values through ``period`` (flows)."""
    total = 0
    for p in MONTHS:
        if p == period:
            return None if own is None else total + own
        total += s.values.get((unit, p), {}).get(measure, 0)
    raise ValueError(period)


def report_cells(s: Sample, unit: str, period: str, *, v1: bool = False) -> dict[str, dict]:
    """The cells of one workbook: write_report_workbook's values, cumulative and notes."""
    row = dict(s.values[(unit, period)])
    if v1:
        row[RESUBMIT[2]] += RESUBMIT[3]
    values: dict[str, int | str | None] = {}
    cumulative: dict[str, int | str | None] = {}
    notes: dict[str, str] = {}
    for m in MEASURE_CODES:
        own = row.get(m)
        if (unit, m) == EMPTY_CELLS:
            values[m] = None
            notes[m] = "Không áp dụng (đơn vị không quản lý địa bàn)"
            continue
        if (unit, period, m) == NOT_NUMBER[:3]:
            values[m] = NOT_NUMBER[3]
            continue
        values[m] = own
        if m in FLOW_MEASURES:
            cum = cumulative_of(s, unit, period, m, own)
            if (unit, period, m) == CUM_MISMATCH:
                cum -= s.values[(unit, "2024-03")][m]  # forgot to add March
            cumulative[m] = cum
    if unit == TEXT_NUMBERS_UNIT:
        values = {m: vn(x) if isinstance(x, int) else x for m, x in values.items()}
        cumulative = {m: vn(x) if isinstance(x, int) else x for m, x in cumulative.items()}
    if (unit, period) == RESUBMIT[:2] and not v1:
        notes[RESUBMIT[2]] = f"Bản sửa: bớt {RESUBMIT[3]} hồ sơ tính trùng trong bản gửi trước"
    return {"values": values, "cumulative": cumulative, "notes": notes}


GUIDE_TEXT = """\
TỈNH ĐOÀN BÌNH AN - HƯỚNG DẪN BÁO CÁO ĐỀ ÁN 5299

1. Các đơn vị điền số liệu vào mẫu BaoCao (tệp Excel do Tỉnh Đoàn gửi), mỗi tháng một tệp.
2. "Kết quả trong tháng": số phát sinh trong tháng; với chỉ số tồn (tài khoản, hồ sơ
   chờ duyệt) ghi số tại thời điểm cuối tháng.
3. Gửi báo cáo trước ngày 10 của tháng sau.
4. Đơn vị gửi lại bản sửa thì ghi rõ "Ngày báo cáo" mới.
"""


def generate(out: Path) -> dict[str, dt.datetime]:
    """Write ``out/reference``, ``out/inbox`` and ``out/inbox_mtimes.csv``; return the mtimes."""
    s = find_sample()
    ref, inbox = out / "reference", out / "inbox"
    for d in (ref, inbox):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    write_reference(ref)

    rng = random.Random(BASE_SEED)
    mtimes: dict[str, dt.datetime] = {}

    def workbook(name: str, u: str, p: str, rdate: dt.date, *, v1: bool = False) -> None:
        write_report_workbook(
            inbox / name,
            unit_code=u,
            unit_name=UNIT_NAME[u],
            period=p,
            report_date=rdate,
            province_name=PROVINCE_NAME,
            period_as_date=u == PERIOD_DATE_UNIT,
            **report_cells(s, u, p, v1=v1),
        )

    for p in MONTHS:
        for u in ACTIVE:
            if u == CSV_UNIT or (u, p) == MISSING:
                continue
            rdate, mtime = receipt(rng, p)
            name = f"{p}/{SLUG[u]}_thang{p[-2:]}.xlsx"
            if (u, p) == BOUNDARY[:2]:
                mtime = BOUNDARY[2]
                rdate = mtime.date()
            if (u, p) == RESUBMIT[:2]:  # v1 early, v2 (the winner) later
                rdate, mtime = dt.date(2024, 4, 3), dt.datetime(2024, 4, 3, 16, 20, tzinfo=TZ)
                v2_name = f"{p}/{SLUG[u]}_thang{p[-2:]}_sua.xlsx"
                workbook(v2_name, u, p, dt.date(2024, 4, 8))
                mtimes[v2_name] = dt.datetime(2024, 4, 8, 10, 5, tzinfo=TZ)
            workbook(name, u, p, rdate, v1=(u, p) == RESUBMIT[:2])
            mtimes[name] = mtime
            if (u, p) == DUPLICATE[:2]:
                copy = f"{DUPLICATE[2]}/{SLUG[u]}_thang{p[-2:]}.xlsx"
                (inbox / copy).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(inbox / name, inbox / copy)
                mtimes[copy] = mtime + dt.timedelta(days=2, hours=5, minutes=25)

    csv_name = f"{MONTHS[-1]}/{SLUG[CSV_UNIT]}_t01-t04_2024.csv"
    rows = [(CSV_UNIT, p, m, vn(s.values[(CSV_UNIT, p)][m])) for p in MONTHS for m in MEASURE_CODES]
    write_report_csv(
        inbox / csv_name, rows, delimiter=";", report_date=dt.date(2024, 5, 5), bom=True
    )
    mtimes[csv_name] = dt.datetime(2024, 5, 6, 9, 20, tzinfo=TZ)

    (inbox / SKIPPED_FILE).write_bytes(GUIDE_TEXT.encode("utf-8"))
    mtimes[SKIPPED_FILE] = dt.datetime(2024, 1, 25, 8, 0, tzinfo=TZ)

    write_manifest(out / "inbox_mtimes.csv", mtimes.items())
    restore_mtimes(inbox, out / "inbox_mtimes.csv")
    return mtimes


def write_reference(ref: Path) -> None:
    write_reference_csv(
        ref,
        "units",
        [[ROOT, PROVINCE_NAME, "tinh_doan", "", "2022-01", ""]]
        + [[c, n, t, ROOT, f, to] for c, n, t, f, to, *_ in UNITS],
    )
    year = ["2024-01", "2024-12"]
    targets = [
        ["CT1", ROOT, *year, "rate", 40, ""],
        ["CT2", ROOT, *year, "rate", 80, ""],
        ["CT3", ROOT, *year, "count", 66000, ""],
        ["CT4", ROOT, *year, "count", 2138, ""],
        ["CT5", ROOT, *year, "count", 160000, ""],
        ["CT5", ROOT, "2022-01", "2027-12", "count", 400000, 231540],
        ["CT6", ROOT, *year, "count", 294021, ""],
        ["CT7", ROOT, *year, "population_share", 10, ""],
        ["CT8", ROOT, "2024-01", "2024-06", "count", 190759, ""],
    ] + [["CT3", u[0], *year, "count", u[7], ""] for u in UNITS if u[7] is not None]
    write_reference_csv(ref, "targets", targets)
    write_reference_csv(ref, "population", [[u, 2024, n] for u, n in POPULATION.items()])
    write_reference_csv(
        ref,
        "settings",
        [["submission_deadline_day", DEADLINE_DAY], ["province_name", PROVINCE_NAME]]
        + [[key, value] for key, value in DOCUMENT_SETTINGS.items()],
    )


def main(argv: list[str] | None = None) -> int:
    def run(out: Path) -> str:
        return f"wrote {len(generate(out))} inbox files and the reference data under {out}"

    return generator_main(argv, description=__doc__.splitlines()[0], default_out=HERE, generate=run)


if __name__ == "__main__":
    raise SystemExit(main())
