"""The reference folder (CONTRACT §3, §9, §10): read once, validated, snapshotted.

Every reader of a reference CSV goes through this module (dbt reads the snapshot it
writes; the GX raw check and the schedule's helpers read `read_reference`), so a file
is decoded and checked by one set of rules:

- encoding: UTF-8, UTF-8 with BOM, UTF-16 LE/BE with BOM; anything else (cp1258,
  UTF-16 without BOM, ...) is refused;
- delimiter `,` or `;` (the header line decides);
- the header holds the file's required columns (names compared trimmed and
  lower-cased); optional columns missing are written empty; unknown columns dropped;
- an empty file (no header) is refused; blank lines are skipped;
- `settings.csv` gives `submission_deadline_day` once, a whole number 1..31;
- `closures.csv`: `period` is `YYYY-MM`, `closed_at` an ISO date-time to the second
  (offset optional, Asia/Ho_Chi_Minh when none) or empty (= reopen);
- `units.csv` (the tree, CONTRACT §3, §10): `unit_code` given and unique, `active_from`
  `YYYY-MM`, `active_to` empty or `YYYY-MM` and not before `active_from`; exactly one
  root; every `parent_code` a unit of the file; no cycle; every unit active only while
  its parent is (`active_from` not before the parent's, `active_to` not after it, and
  not open while the parent has ended);
- `unit_changes.csv`: `effective_from` is `YYYY-MM`, `share` a number in 0..1; across
  files (`read_reference`, `snapshot_reference`): both units known, not the same unit, a
  pair once, the predecessor ended the month before `effective_from` and the successor
  active in that month.

These are the only place the tree's rules are checked (docs/organisation.md): a bad
tree stops the run before dbt, the published warehouse untouched.

A problem raises `ReferenceFileError`, whose text is one line naming the file, the
line when there is one, and what is wrong, in Vietnamese:
`closures.csv dòng 3: closed_at 'hôm qua' không phải ngày giờ ISO`.

`snapshot_reference(folder, snapshot)` validates every file first and only then
writes normalised UTF-8 copies (no BOM, `,`, `\\n`, the known columns in order; absent
optional files as header-only CSVs; `closed_at` as ISO text with its offset; a
`file_row` column in closures.csv keeping file order), so a bad folder writes nothing.

Floor 1: this module imports nothing from `orchestration`.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from forms.month import Month

TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class FileSpec:
    name: str  # "units": the Dagster key ["reference", name] and dbt source table
    required_columns: tuple[str, ...]
    optional_columns: tuple[str, ...] = ()
    required: bool = True
    extra_columns: tuple[str, ...] = ()  # added by the snapshot (never read from the file)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def columns(self) -> tuple[str, ...]:
        """The snapshot's header."""
        return self.required_columns + self.optional_columns + self.extra_columns


REFERENCE_FILES: dict[str, FileSpec] = {
    spec.name: spec
    for spec in (
        FileSpec(
            "units",
            ("unit_code", "unit_name", "unit_type", "parent_code", "active_from", "active_to"),
            ("contact_email", "contact_zalo"),
        ),
        FileSpec(
            "targets",
            (
                "indicator_code",
                "unit_code",
                "window_start",
                "window_end",
                "target_kind",
                "target_value",
            ),
            ("baseline",),
        ),
        FileSpec("population", ("unit_code", "year", "population_14_plus")),
        FileSpec("settings", ("key", "value")),
        FileSpec(
            "closures",
            ("period", "closed_at", "closed_by", "note"),
            required=False,
            extra_columns=("file_row",),
        ),
        FileSpec(
            "unit_changes",
            ("from_unit_code", "to_unit_code", "effective_from", "share"),
            required=False,
        ),
    )
}
REQUIRED_FILE_NAMES = tuple(s.file_name for s in REFERENCE_FILES.values() if s.required)

DEADLINE_KEY = "submission_deadline_day"
NOT_UTF8 = "tệp không phải UTF-8: hãy lưu lại dưới dạng CSV UTF-8"
MAX_DEPTH = 64  # levels below the root; int_unit_paths walks no further
# Date, `T` or a space, time to the second (fraction allowed), offset optional.
ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$"
)


class ReferenceFileError(ValueError):
    """Invalid reference data: `str(error)` is the one line shown to the data team."""

    def __init__(self, file_name: str, problem: str, line: int | str | None = None) -> None:
        self.file_name = file_name
        self.line = line
        self.problem = problem
        where = file_name if line is None else f"{file_name} dòng {line}"
        super().__init__(f"{where}: {problem}")


@dataclass
class ReferenceTable:
    """One reference file as read: text values by column, with each row's line number."""

    spec: FileSpec
    present: bool
    rows: list[dict[str, str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # physical line of each row (header = 1)
    encoding: str = ""
    delimiter: str = ","

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def file_name(self) -> str:
        return self.spec.file_name


# --- reading -------------------------------------------------------------------------


def decode(file_name: str, data: bytes) -> tuple[str, str]:
    """(text, encoding name) for UTF-8 (BOM optional) and UTF-16 with BOM."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding, body = "utf-8-sig", data[3:]
        codec = "utf-8"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        body, codec = data[2:], encoding
    else:
        encoding, body, codec = "utf-8", data, "utf-8"
    try:
        text = body.decode(codec)
    except UnicodeDecodeError:
        raise ReferenceFileError(file_name, NOT_UTF8) from None
    if "\x00" in text:  # UTF-16 without a BOM decodes as UTF-8 full of NULs
        raise ReferenceFileError(file_name, NOT_UTF8)
    return text, encoding


def parse_table(spec: FileSpec, data: bytes) -> ReferenceTable:
    """One file's bytes -> rows of text; raises ReferenceFileError."""
    name = spec.file_name
    text, encoding = decode(name, data)
    if not text.strip(" \t\r\n,;"):
        raise ReferenceFileError(name, "tệp rỗng (không có dòng tiêu đề)")
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        while all(not cell.strip() for cell in header):  # blank lines before the header
            header = next(reader)
    except StopIteration:  # pragma: no cover - the strip() above rules it out
        raise ReferenceFileError(name, "tệp rỗng (không có dòng tiêu đề)") from None
    except csv.Error as error:
        raise ReferenceFileError(name, f"dòng tiêu đề không đọc được ({error})") from None
    header_at = reader.line_num
    names = [cell.strip().lower() for cell in header]
    for column in names:
        if column and names.count(column) > 1:
            raise ReferenceFileError(name, f"cột {column} lặp lại ở dòng tiêu đề", header_at)
    missing = [column for column in spec.required_columns if column not in names]
    if missing:
        raise ReferenceFileError(name, f"thiếu cột {', '.join(missing)}")
    position = {
        column: names.index(column)
        for column in (*spec.required_columns, *spec.optional_columns)
        if column in names
    }
    table = ReferenceTable(spec, True, encoding=encoding, delimiter=delimiter)
    line = header_at
    try:
        for fields in reader:
            first_line, line = line + 1, reader.line_num  # a quoted field may span lines
            if all(not cell.strip() for cell in fields):
                continue
            if len(fields) > len(names) and any(c.strip() for c in fields[len(names):]):
                raise ReferenceFileError(
                    name,
                    f"có {len(fields)} ô nhưng dòng tiêu đề chỉ có {len(names)} cột "
                    f"(kiểm tra dấu '{delimiter}' trong giá trị)",
                    first_line,
                )
            table.rows.append(
                {
                    column: (fields[i].strip() if i < len(fields) else "")
                    for column, i in position.items()
                }
            )
            table.lines.append(first_line)
    except csv.Error as error:
        raise ReferenceFileError(name, f"không đọc được ({error})", line + 1) from None
    return table


def read_reference_file(folder: Path, name: str) -> ReferenceTable:
    """Reads and validates one reference file (`name` without `.csv`)."""
    spec = REFERENCE_FILES[name]
    path = Path(folder) / spec.file_name
    if not path.is_file():
        if spec.required:
            raise ReferenceFileError(
                spec.file_name, f"không có tệp trong thư mục danh mục {folder}"
            )
        return ReferenceTable(spec, False)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReferenceFileError(spec.file_name, f"không đọc được tệp ({error.strerror})") from None
    table = parse_table(spec, data)
    VALIDATORS.get(name, _no_rules)(table)
    return table


def read_reference(folder: Path) -> dict[str, ReferenceTable]:
    """Every reference file, validated, in REFERENCE_FILES order, then the rules that
    read two files (unit_changes.csv against units.csv); the first problem raises
    ReferenceFileError."""
    tables = {name: read_reference_file(folder, name) for name in REFERENCE_FILES}
    validate_unit_changes_against_units(tables["unit_changes"], tables["units"])
    return tables


# --- per-file rules --------------------------------------------------------------------


def _no_rules(table: ReferenceTable) -> None:
    return None


def _validate_settings(table: ReferenceTable) -> None:
    seen: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        key = row["key"]
        if key in seen:
            raise ReferenceFileError(
                table.file_name, f"khóa {key} lặp lại (đã có ở dòng {seen[key]})", line
            )
        seen[key] = line
        if key == DEADLINE_KEY:
            value = row["value"]
            if not (value.isascii() and value.isdigit() and 1 <= int(value) <= 31):
                raise ReferenceFileError(
                    table.file_name,
                    f"{DEADLINE_KEY} '{value}' phải là số nguyên từ 1 đến 31",
                    line,
                )
    if DEADLINE_KEY not in seen:
        raise ReferenceFileError(table.file_name, f"thiếu khóa {DEADLINE_KEY}")


def parse_closed_at(text: str) -> datetime | None:
    """ISO date-time to the second -> aware datetime (Asia/Ho_Chi_Minh when no offset);
    empty -> None; anything else raises ValueError."""
    text = text.strip()
    if not text:
        return None
    if not ISO_DATETIME.match(text):
        raise ValueError(text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=TIMEZONE)


def format_closed_at(moment: datetime | None) -> str:
    """The snapshot's text: local time with its offset, to the second."""
    return "" if moment is None else moment.astimezone(TIMEZONE).isoformat(timespec="seconds")


def _validate_closures(table: ReferenceTable) -> None:
    for index, (row, line) in enumerate(zip(table.rows, table.lines, strict=True), start=1):
        if not Month.is_valid(row["period"]):
            raise ReferenceFileError(
                table.file_name, f"period '{row['period']}' không phải tháng YYYY-MM", line
            )
        try:
            moment = parse_closed_at(row["closed_at"])
        except ValueError:
            raise ReferenceFileError(
                table.file_name,
                f"closed_at '{row['closed_at']}' không phải ngày giờ ISO "
                "(YYYY-MM-DDTHH:MM:SS, có thể kèm múi giờ +07:00)",
                line,
            ) from None
        row["closed_at"] = format_closed_at(moment)
        row["file_row"] = str(index)


def _validate_unit_changes(table: ReferenceTable) -> None:
    for row, line in zip(table.rows, table.lines, strict=True):
        for column in ("from_unit_code", "to_unit_code"):
            if not row[column]:
                raise ReferenceFileError(table.file_name, f"{column} trống", line)
        if not Month.is_valid(row["effective_from"]):
            raise ReferenceFileError(
                table.file_name,
                f"effective_from '{row['effective_from']}' không phải tháng YYYY-MM",
                line,
            )
        share = row["share"].replace(",", ".")
        try:
            value = float(share)
        except ValueError:
            value = float("nan")
        if not 0 <= value <= 1:  # NaN fails too
            raise ReferenceFileError(
                table.file_name, f"share '{row['share']}' phải là số từ 0 đến 1", line
            )
        row["share"] = share


# --- the tree (units.csv) and its history (unit_changes.csv), CONTRACT §10 ---------------


@dataclass(frozen=True)
class UnitPeriod:
    code: str
    parent: str
    start: str  # YYYY-MM (text compares as months)
    end: str  # YYYY-MM, or "" while active
    line: int


def _months(start: str, end: str) -> str:
    return f"{start}..{end or '(nay / open)'}"


def next_month(month: str) -> str:
    return str(Month.parse(month).next())


def unit_periods(table: ReferenceTable) -> dict[str, UnitPeriod]:
    """units.csv's rows by code (codes as dbt's staging reads them: trimmed, upper case)."""
    return {
        row["unit_code"].strip().upper(): UnitPeriod(
            row["unit_code"].strip().upper(),
            row["parent_code"].strip().upper(),
            row["active_from"],
            row["active_to"],
            line,
        )
        for row, line in zip(table.rows, table.lines, strict=True)
    }


def _validate_units(table: ReferenceTable) -> None:
    name = table.file_name
    seen: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        code = row["unit_code"].strip().upper()
        if not code:
            raise ReferenceFileError(name, "unit_code trống / unit_code is empty", line)
        if code in seen:
            raise ReferenceFileError(
                name, f"unit_code {code} lặp lại (đã có ở dòng {seen[code]}) / duplicate", line
            )
        seen[code] = line
        if not Month.is_valid(row["active_from"]):
            raise ReferenceFileError(
                name, f"active_from '{row['active_from']}' của {code} không phải tháng YYYY-MM",
                line,
            )
        if row["active_to"] and not Month.is_valid(row["active_to"]):
            raise ReferenceFileError(
                name, f"active_to '{row['active_to']}' của {code} không phải tháng YYYY-MM", line
            )
        if row["active_to"] and row["active_to"] < row["active_from"]:
            raise ReferenceFileError(
                name,
                f"active_to {row['active_to']} của {code} trước active_from {row['active_from']}",
                line,
            )
    units = unit_periods(table)
    roots = [unit for unit in units.values() if not unit.parent]
    if not roots:
        raise ReferenceFileError(
            name, "không có đơn vị gốc (dòng có parent_code trống); phải có đúng một / no root"
        )
    if len(roots) > 1:
        raise ReferenceFileError(
            name,
            f"có {len(roots)} đơn vị gốc ({', '.join(u.code for u in roots)}); phải có đúng "
            "một dòng có parent_code trống / more than one root",
            ", ".join(str(u.line) for u in roots),
        )
    for unit in units.values():
        if unit.parent and unit.parent not in units:
            raise ReferenceFileError(
                name,
                f"parent_code {unit.parent} của {unit.code} không có trong units.csv "
                "/ unknown parent",
                unit.line,
            )
    for unit in units.values():  # a walk up from every unit reaches the root, or loops
        path = [unit.code]
        while units[path[-1]].parent:
            parent = units[path[-1]].parent
            if parent in path:
                loop = path[path.index(parent):] + [parent]
                raise ReferenceFileError(
                    name,
                    f"vòng lặp cấp trên {' → '.join(loop)}: không đơn vị nào trong vòng nối "
                    "tới đơn vị gốc / a cycle in parent_code",
                    ", ".join(str(units[code].line) for code in loop[:-1]),
                )
            path.append(parent)
        if len(path) - 1 > MAX_DEPTH:  # dbt's walk up the tree (int_unit_paths) stops there
            raise ReferenceFileError(
                name,
                f"{unit.code} ở cấp {len(path) - 1} dưới đơn vị gốc; tối đa {MAX_DEPTH} cấp "
                "/ the tree is too deep",
                unit.line,
            )
    for unit in units.values():
        if not unit.parent:
            continue
        parent = units[unit.parent]
        if unit.start < parent.start or (
            parent.end and (not unit.end or unit.end > parent.end)
        ):
            raise ReferenceFileError(
                name,
                f"{unit.code} hoạt động {_months(unit.start, unit.end)} ngoài thời gian hoạt "
                f"động của cấp trên {parent.code} {_months(parent.start, parent.end)} "
                f"(dòng {parent.line}) / active outside its parent's active period",
                unit.line,
            )


def validate_unit_changes_against_units(changes: ReferenceTable, units: ReferenceTable) -> None:
    """unit_changes.csv's rows name known units, a predecessor that ended the month before
    `effective_from` and a successor active in that month (CONTRACT §10)."""
    name = changes.file_name
    periods = unit_periods(units)
    pairs: dict[tuple[str, str], int] = {}
    for row, line in zip(changes.rows, changes.lines, strict=True):
        source, target = row["from_unit_code"].upper(), row["to_unit_code"].upper()
        for column, code in (("from_unit_code", source), ("to_unit_code", target)):
            if code not in periods:
                raise ReferenceFileError(
                    name, f"{column} {code} không có trong units.csv / unknown unit", line
                )
        if source == target:
            raise ReferenceFileError(
                name, f"{source} không thể kế thừa chính nó / a unit cannot succeed itself", line
            )
        if (source, target) in pairs:
            raise ReferenceFileError(
                name,
                f"cặp {source} → {target} lặp lại (đã có ở dòng {pairs[source, target]}) "
                "/ duplicate pair",
                line,
            )
        pairs[source, target] = line
        predecessor, successor = periods[source], periods[target]
        effective = row["effective_from"]
        if not predecessor.end:
            raise ReferenceFileError(
                name,
                f"đơn vị cũ {source} chưa có active_to trong units.csv (dòng "
                f"{predecessor.line}) nên không thể có đơn vị kế thừa từ {effective} "
                "/ the predecessor has not ended",
                line,
            )
        if effective != next_month(predecessor.end):
            raise ReferenceFileError(
                name,
                f"effective_from {effective} phải là tháng ngay sau active_to "
                f"{predecessor.end} của {source} ({next_month(predecessor.end)}) "
                "/ effective_from must be the month after the predecessor's end",
                line,
            )
        if effective < successor.start or (successor.end and effective > successor.end):
            raise ReferenceFileError(
                name,
                f"đơn vị kế thừa {target} không hoạt động trong tháng {effective} "
                f"({_months(successor.start, successor.end)}, units.csv dòng {successor.line}) "
                "/ the successor is not active at effective_from",
                line,
            )


VALIDATORS = {
    "units": _validate_units,
    "settings": _validate_settings,
    "closures": _validate_closures,
    "unit_changes": _validate_unit_changes,
}


# --- what other readers need -------------------------------------------------------------


def settings_values(table: ReferenceTable) -> dict[str, str]:
    return {row["key"]: row["value"] for row in table.rows}


def closed_periods(table: ReferenceTable) -> dict[str, dict[str, str]]:
    """Months closed now: the last row of each period (file order) decides; an empty
    `closed_at` reopens. period -> its deciding row, in period order."""
    last: dict[str, dict[str, str]] = {}
    for row in table.rows:
        last[row["period"]] = row
    return {period: row for period, row in sorted(last.items()) if row["closed_at"]}


# --- the snapshot dbt reads ----------------------------------------------------------------


@dataclass
class ReferenceSnapshot:
    folder: Path
    tables: dict[str, ReferenceTable]

    def path(self, name: str) -> Path:
        return self.folder / REFERENCE_FILES[name].file_name


def write_table(table: ReferenceTable, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(table.spec.columns)
        for row in table.rows:
            writer.writerow([row.get(column, "") for column in table.spec.columns])


def snapshot_reference(folder: Path, snapshot: Path) -> ReferenceSnapshot:
    """Validates every file, then writes the normalised copies into `snapshot`.
    Raises ReferenceFileError before writing anything when a file is invalid."""
    tables = read_reference(folder)
    snapshot = Path(snapshot)
    snapshot.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=snapshot, prefix=".writing-") as staging:
        for table in tables.values():
            write_table(table, Path(staging) / table.file_name)
        for table in tables.values():
            os.replace(Path(staging) / table.file_name, snapshot / table.file_name)
    return ReferenceSnapshot(snapshot, tables)
