"""The shipped sample (sample/) reproduces CONTRACT §7 and carries exactly the
deliberate anomalies listed in docs/sample.md.

Independent of the project's ingestion code: the workbooks are read with
python-calamine directly and the CSV with the csv module, and the contract's
version rule is applied here from scratch. Receipt times come from the mtime
manifest (git does not keep file mtimes).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

ROOT_DIR = Path(__file__).resolve().parents[1]
SAMPLE = ROOT_DIR / "sample"
INBOX = SAMPLE / "inbox"
REFERENCE = SAMPLE / "reference"
MANIFEST = SAMPLE / "inbox_mtimes.csv"
GENERATOR = SAMPLE / "generate_sample.py"
TZ = dt.timezone(dt.timedelta(hours=7))
MONTHS = ("2024-01", "2024-02", "2024-03", "2024-04")
ACCEPTED = {".xlsx", ".xls", ".xlsb", ".ods", ".csv"}
FLOWS = (
    "dossiers_total",
    "dossiers_online",
    "dossiers_supported",
    "articles_posted",
    "households_vneid",
    "payment_accounts",
    "digital_signatures",
    "vneid_submitted",
    "vneid_activated",
)


# ---- an independent reader ------------------------------------------------------------


def norm(text: object) -> str:
    text = unicodedata.normalize("NFC", str(text)).casefold()
    return " ".join(text.split())


def parse_value(raw: object) -> int | None:
    """A count as a unit writes it (45600, 45600.0, '45.600'); None if not a number."""
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() and raw >= 0 else None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    text = str(raw).strip()
    if re.fullmatch(r"\d{1,3}(\.\d{3})+|\d+", text):
        return int(text.replace(".", ""))
    return None


def parse_period(raw: object) -> str:
    if isinstance(raw, dt.date):
        return f"{raw:%Y-%m}"
    month, year = str(raw).strip().split("/")
    return f"{int(year):04d}-{int(month):02d}"


@dataclass
class Version:
    file_name: str
    unit: str
    period: str
    report_date: dt.date | None
    mtime: dt.datetime
    values: dict[str, int] = field(default_factory=dict)
    cumulative: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)

    @property
    def rank(self) -> tuple:
        return (self.report_date or self.mtime.date(), self.mtime, self.file_name)


def read_workbook(path: Path, name: str, mtime: dt.datetime) -> Version:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("BaoCao").to_python()
    block: dict[str, object] = {}
    header_at = None
    for i, row in enumerate(rows):
        cells = [norm(c) for c in row]
        if "mã chỉ số" in cells and "kết quả trong tháng" in cells:
            header_at = i
            break
        for j, cell in enumerate(cells[:-1]):
            if cell in ("mã đơn vị", "kỳ báo cáo", "ngày báo cáo"):
                block[cell] = row[j + 1]
    assert header_at is not None, name
    head = [norm(c) for c in rows[header_at]]
    c_code, c_val, c_cum = (head.index(h) for h in ("mã chỉ số", "kết quả trong tháng", "lũy kế"))
    rdate = block.get("ngày báo cáo")
    version = Version(
        name,
        str(block["mã đơn vị"]).strip().upper(),
        parse_period(block["kỳ báo cáo"]),
        rdate if isinstance(rdate, dt.date) else None,
        mtime,
    )
    for row in rows[header_at + 1 :]:
        code = str(row[c_code]).strip().lower()
        if not code:
            break
        raw = row[c_val]
        if raw == "":
            continue  # empty = not reported
        value = parse_value(raw)
        if value is None:
            version.rejected[code] = str(raw)
            continue
        version.values[code] = value
        if row[c_cum] != "":
            version.cumulative[code] = parse_value(row[c_cum])
    return version


def read_csv(path: Path, name: str, mtime: dt.datetime) -> list[Version]:
    text = path.read_text(encoding="utf-8-sig")
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    versions: dict[tuple[str, str], Version] = {}
    for row in csv.DictReader(text.splitlines(), delimiter=delimiter):
        key = (row["unit_code"].strip().upper(), row["period"].strip())
        rdate = dt.date.fromisoformat(row["report_date"]) if row.get("report_date") else None
        version = versions.setdefault(key, Version(name, *key, rdate, mtime))
        value = parse_value(row["value"])
        if value is None:
            version.rejected[row["measure_code"]] = row["value"]
        else:
            version.values[row["measure_code"]] = value
    return list(versions.values())


def read_manifest(path: Path) -> dict[str, dt.datetime]:
    with path.open(encoding="utf-8") as fh:
        return {r["file_name"]: dt.datetime.fromisoformat(r["mtime"]) for r in csv.DictReader(fh)}


@dataclass
class Inbox:
    versions: list[Version]
    winners: dict[tuple[str, str], Version]
    duplicates: list[str]
    skipped: list[str]


def read_inbox(inbox: Path = INBOX, manifest: Path = MANIFEST) -> Inbox:
    mtimes = read_manifest(manifest)
    files = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*") if p.is_file())
    assert sorted(mtimes) == files, "the mtime manifest must list every inbox file"
    skipped = [f for f in files if Path(f).suffix.lower() not in ACCEPTED]
    seen: dict[str, str] = {}
    duplicates = []
    versions: list[Version] = []
    for name in sorted(set(files) - set(skipped), key=lambda f: (mtimes[f], f)):
        digest = hashlib.sha256((inbox / name).read_bytes()).hexdigest()
        if digest in seen:
            duplicates.append(name)
            continue
        seen[digest] = name
        if name.endswith(".csv"):
            versions += read_csv(inbox / name, name, mtimes[name])
        else:
            versions.append(read_workbook(inbox / name, name, mtimes[name]))
    winners: dict[tuple[str, str], Version] = {}
    for v in versions:
        key = (v.unit, v.period)
        if key not in winners or v.rank > winners[key].rank:
            winners[key] = v
    return Inbox(versions, winners, duplicates, skipped)


def read_reference(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def inbox() -> Inbox:
    return read_inbox()


def value(inbox: Inbox, unit: str, period: str, measure: str) -> int | None:
    v = inbox.winners.get((unit, period))
    return v.values.get(measure) if v else None


def total_flow(inbox: Inbox, measure: str, months=MONTHS) -> int:
    return sum(v.values.get(measure, 0) for (_, p), v in inbox.winners.items() if p in months)


def april_stock(inbox: Inbox, measure: str) -> int:
    return sum(v.values[measure] for (_, p), v in inbox.winners.items() if p == MONTHS[-1])


def pct(numerator: int | Decimal, denominator: int | Decimal) -> int:
    ratio = Decimal(100) * Decimal(numerator) / Decimal(denominator)
    return int(ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# ---- CONTRACT §7 -------------------------------------------------------------------------


def test_published_figures(inbox: Inbox) -> None:
    assert april_stock(inbox, "accounts_transacting") == 3857
    assert april_stock(inbox, "accounts_total") == 45600
    assert pct(3857, 45600) == 8
    assert total_flow(inbox, "dossiers_online") == 1458
    assert total_flow(inbox, "dossiers_total") == 1669
    assert pct(1458, 1669) == 87
    assert total_flow(inbox, "dossiers_supported") == 21458
    assert pct(21458, 66000) == 33
    assert total_flow(inbox, "articles_posted") == 333
    assert pct(333, 2138) == 16
    assert total_flow(inbox, "households_vneid") == 8313
    assert pct(8313, 160000) == 5
    assert total_flow(inbox, "payment_accounts") == 26353
    assert pct(26353, 294021) == 9
    assert total_flow(inbox, "digital_signatures") == 10152
    assert total_flow(inbox, "vneid_activated") == 5867
    assert april_stock(inbox, "vneid_pending") == 4572


def test_ct7_population_share_and_growth_on_q1(inbox: Inbox) -> None:
    population = sum(int(r["population_14_plus"]) for r in read_reference("population.csv"))
    assert pct(10152, Decimal(population) / 10) == 7  # 7 % of the target (10 % of 14+)
    q1 = total_flow(inbox, "digital_signatures", MONTHS[:3])
    assert q1 == 8360
    growth = Decimal(10152) / q1 - 1
    assert Decimal("0.21") < growth < Decimal("0.22")


def test_reference_data() -> None:
    units = read_reference("units.csv")
    assert list(units[0]) == [
        "unit_code", "unit_name", "unit_type", "parent_code", "active_from", "active_to",
    ]  # fmt: skip
    roots = [u for u in units if not u["parent_code"]]
    assert len(roots) == 1
    root = roots[0]["unit_code"]
    active = [u for u in units if u["parent_code"] and not u["active_to"]]
    merged = [u for u in units if u["active_to"]]
    assert len(active) == 10
    assert [u["active_to"] for u in merged] == ["2023-12"]
    assert all(re.fullmatch(r"[A-Z]{2,6}", u["unit_code"]) for u in units)
    pop_units = {r["unit_code"] for r in read_reference("population.csv")}
    khoi = {u["unit_code"] for u in active if u["unit_type"] == "doan_khoi"}
    assert len(khoi) == 2 and not (khoi & pop_units) and root not in pop_units
    assert pop_units == {u["unit_code"] for u in active} - khoi
    settings = {r["key"]: r["value"] for r in read_reference("settings.csv")}
    assert settings["submission_deadline_day"] == "10"

    targets = read_reference("targets.csv")
    on_root = {(t["indicator_code"], t["window_start"], t["window_end"]): t for t in targets
               if t["unit_code"] == root}  # fmt: skip
    year = ("2024-01", "2024-12")
    expected = {
        ("CT1", *year): ("rate", "40"),
        ("CT2", *year): ("rate", "80"),
        ("CT3", *year): ("count", "66000"),
        ("CT4", *year): ("count", "2138"),
        ("CT5", *year): ("count", "160000"),
        ("CT5", "2022-01", "2027-12"): ("count", "400000"),
        ("CT6", *year): ("count", "294021"),
        ("CT7", *year): ("population_share", "10"),
        ("CT8", "2024-01", "2024-06"): ("count", "190759"),
    }
    assert {k: (t["target_kind"], t["target_value"]) for k, t in on_root.items()} == expected
    assert int(on_root[("CT5", "2022-01", "2027-12")]["baseline"]) > 0
    unit_ct3 = [int(t["target_value"]) for t in targets
                if t["unit_code"] != root and t["indicator_code"] == "CT3"]  # fmt: skip
    assert len(unit_ct3) == 10
    assert sum(unit_ct3) != 66000  # targets_inconsistent (info)


# ---- the deliberate anomalies, and nothing else ------------------------------------------


def test_files_versions_and_rejections(inbox: Inbox) -> None:
    assert inbox.skipped == ["huong_dan_bao_cao.txt"]
    assert inbox.duplicates == ["email_chuyen_tiep/tay_phong_thang02.xlsx"]
    hns = sorted((v for v in inbox.versions if (v.unit, v.period) == ("HNS", "2024-03")),
                 key=lambda v: v.rank)  # fmt: skip
    assert [v.file_name for v in hns] == [
        "2024-03/nam_son_thang03.xlsx",
        "2024-03/nam_son_thang03_sua.xlsx",
    ]
    v1, v2 = hns
    diff = {m for m in v2.values if v1.values[m] != v2.values[m]}
    assert diff == {"dossiers_supported"}
    assert v1.values["dossiers_supported"] - v2.values["dossiers_supported"] == 100
    assert inbox.winners[("HNS", "2024-03")] is v2
    rejected = {(v.unit, v.period, m, raw) for v in inbox.versions for m, raw in v.rejected.items()}
    assert rejected == {("TXAL", "2024-03", "articles_posted", "khoảng 5")}
    csv_units = {(v.unit, v.period) for v in inbox.versions if v.file_name.endswith(".csv")}
    assert csv_units == {("DKDN", p) for p in MONTHS}


def test_submission_status(inbox: Inbox) -> None:
    units = [u["unit_code"] for u in read_reference("units.csv")
             if u["parent_code"] and not u["active_to"]]  # fmt: skip
    missing = {(u, p) for u in units for p in MONTHS if (u, p) not in inbox.winners}
    assert missing == {("HLT", "2024-02")}
    assert not any(u == "HTH" for u, _ in inbox.winners)  # merged away: no 2024 reports
    late = set()
    for (u, p), v in inbox.winners.items():
        year, month = map(int, p.split("-"))
        deadline = dt.datetime(year + month // 12, month % 12 + 1, 10, tzinfo=TZ)
        if v.mtime >= deadline + dt.timedelta(days=1):
            late.add((u, p))
    assert late == {("DKDN", "2024-01"), ("DKDN", "2024-02"), ("DKDN", "2024-03")}
    boundary = inbox.winners[("HBH", "2024-02")].mtime
    assert boundary == dt.datetime(2024, 3, 10, 23, 30, tzinfo=TZ)  # last day: on time


def test_quality_rules_fire_only_where_planted(inbox: Inbox) -> None:
    fired: set[tuple[str, str, str, str]] = set()
    population = {r["unit_code"]: int(r["population_14_plus"])
                  for r in read_reference("population.csv")}  # fmt: skip
    by_unit = defaultdict(dict)
    for (u, p), v in inbox.winners.items():
        by_unit[u][p] = v
    for u, months in by_unit.items():
        ytd: dict[str, int] = defaultdict(int)
        for i, p in enumerate(MONTHS):
            if p not in months:
                continue
            cur = months[p].values
            for m in FLOWS:
                ytd[m] += cur.get(m, 0)
            for m, cum in months[p].cumulative.items():
                if cum != ytd[m]:
                    fired.add(("cumulative_mismatch", u, p, m))
            for part, whole in (("accounts_transacting", "accounts_total"),
                                ("dossiers_online", "dossiers_total")):  # fmt: skip
                if cur[part] > cur[whole]:
                    fired.add(("part_exceeds_whole", u, p, part))
            if i == 0 or MONTHS[i - 1] not in months:
                continue
            prev = months[MONTHS[i - 1]].values
            for m in ("accounts_total", "accounts_transacting"):
                if cur[m] < prev[m]:
                    fired.add(("stock_decreased", u, p, m))
            room = prev["vneid_pending"] + cur["vneid_submitted"]
            if cur["vneid_activated"] > room:
                fired.add(("activations_exceed_pending", u, p, "vneid_activated"))
            elif cur["vneid_pending"] > room - cur["vneid_activated"]:
                fired.add(("pending_unexplained", u, p, "vneid_pending"))
        if u in population and ytd["digital_signatures"] > population[u]:
            fired.add(("exceeds_population", u, "", "digital_signatures"))
    assert fired == {
        ("cumulative_mismatch", "HPT", "2024-04", "payment_accounts"),
        ("part_exceeds_whole", "HBH", "2024-04", "dossiers_online"),
        ("stock_decreased", "TPBA", "2024-03", "accounts_total"),
        ("pending_unexplained", "HDP", "2024-03", "vneid_pending"),
    }
    # CT8 flows are otherwise exact: pending(M) = pending(M-1) + submitted - activated.
    d = {p: inbox.winners[("HDP", p)].values for p in MONTHS[1:3]}
    extra = d["2024-03"]["vneid_pending"] - (
        d["2024-02"]["vneid_pending"]
        + d["2024-03"]["vneid_submitted"]
        - d["2024-03"]["vneid_activated"]
    )
    assert extra == 35


def modified_z(history: list[int], x: int) -> float:
    med = statistics.median(history)
    mad = statistics.median([abs(h - med) for h in history])
    return float("inf") if mad == 0 else 0.6745 * (x - med) / mad


def test_no_outliers_vs_history(inbox: Inbox) -> None:
    """MAD test (|modified z| > 3.5) against the months before (>= 3) or all other
    months (>= 3): no unit-month is an outlier; every flow stays within 40 % of the
    unit's median."""
    hits = []
    units = {u for u, _ in inbox.winners}
    for u in sorted(units):
        for m in FLOWS:
            xs = [value(inbox, u, p, m) for p in MONTHS]
            xs = [x for x in xs if x is not None]
            if len(xs) < 3:
                assert (u, m) == ("DKCQ", "households_vneid")  # left empty every month
                continue
            med = statistics.median(xs)
            for i, x in enumerate(xs):
                for hist in (xs[:i], xs[:i] + xs[i + 1 :]):
                    if len(hist) >= 3 and abs(modified_z(hist, x)) > 3.5:
                        hits.append((u, m, i, x, hist))
                if abs(x - med) > Decimal("0.4") * Decimal(med):
                    hits.append((u, m, i, x, "40%"))
    assert hits == []


# ---- the generator ---------------------------------------------------------------------


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, Path]:
    outs = []
    for name in ("a", "b"):
        out = tmp_path_factory.mktemp(name)
        subprocess.run([sys.executable, str(GENERATOR), "--out", str(out)], check=True,
                       capture_output=True)  # fmt: skip
        outs.append(out)
    return outs[0], outs[1]


def test_generator_is_deterministic_and_matches_the_shipped_sample(generated) -> None:
    a, b = generated
    digest_a = tree_digest(a)
    assert digest_a == tree_digest(b)
    shipped = {
        k: v
        for k, v in tree_digest(SAMPLE).items()
        if k.startswith(("inbox/", "reference/")) or k == "inbox_mtimes.csv"
    }
    assert digest_a == shipped, "sample/ is stale: run python sample/generate_sample.py"


def _load_sample_mtimes():
    spec = importlib.util.spec_from_file_location("sample_mtimes", SAMPLE / "sample_mtimes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_restore_mtimes(generated) -> None:
    out = generated[0]
    inbox, manifest = out / "inbox", out / "inbox_mtimes.csv"
    expected = read_manifest(manifest)
    for name in expected:
        os.utime(inbox / name, (0, 0))
    done = _load_sample_mtimes().restore_mtimes(inbox, manifest)
    assert set(done) == set(expected)
    for name, stamp in expected.items():
        assert (inbox / name).stat().st_mtime == stamp.timestamp()
    # and through the command line
    os.utime(inbox / "huong_dan_bao_cao.txt", (0, 0))
    subprocess.run(
        [sys.executable, str(GENERATOR), "--restore-mtimes", "--inbox", str(inbox),
         "--manifest", str(manifest)],
        check=True, capture_output=True,
    )  # fmt: skip
    stat = (inbox / "huong_dan_bao_cao.txt").stat()
    assert stat.st_mtime == expected["huong_dan_bao_cao.txt"].timestamp()
