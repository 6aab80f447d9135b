"""Test helper: template-like workbooks with the quirks units produce, and read-back.

Deliberately separate from ingestion/template.py (the canonical template the province
sends): this one bends every layout rule the reader must tolerate. The legacy-font
labels are typed here as literals, independent of the reader's conversion tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ingestion.inbox import IngestSummary, ingest_inbox
from ingestion.raw_store import read_raw_tables

# The labels of a template's header cells, in this order, as each font shows them.
LABEL_KEYS = (
    "unit", "period", "report_date", "stt", "measure", "content", "uom", "value", "cumulative",
    "note",
)  # fmt: skip
LABEL_SETS: dict[str, dict[str, str]] = {
    name: dict(zip(LABEL_KEYS, labels, strict=True))
    for name, labels in {
        "unicode": ("Mã đơn vị", "Kỳ báo cáo", "Ngày báo cáo", "STT", "Mã chỉ số", "Nội dung",
                    "Đơn vị tính", "Kết quả trong tháng", "Lũy kế", "Ghi chú"),
        "unaccented": ("Ma don vi", "Ky bao cao", "Ngay bao cao", "STT", "Ma chi so", "Noi dung",
                       "Don vi tinh", "Ket qua trong thang", "Luy ke", "Ghi chu"),
        # TCVN3 (ABC) font: e.g. "ã" is byte 0xB7, shown as "·" by a Unicode font.
        "tcvn3": ("M· ®¬n vÞ", "Kú b¸o c¸o", "Ngµy b¸o c¸o", "STT", "M· chØ sè", "Néi dung",
                  "§¬n vÞ tÝnh", "KÕt qu¶ trong th¸ng", "Lòy kÕ", "Ghi chó"),
        # VNI Windows font: the base letter then accent bytes ("ã" is "a" + "õ").
        "vni": ("Maõ ñôn vò", "Kyø baùo caùo", "Ngaøy baùo caùo", "STT", "Maõ chæ soá", "Noäi dung",
                "Ñôn vò tính", "Keát quaû trong thaùng", "Luõy keá", "Ghi chuù"),
    }.items()
}  # fmt: skip

DEFAULT_COLUMNS = ("stt", "measure", "content", "uom", "value", "cumulative", "note")
DEFAULT_ROWS: tuple[tuple[object, ...], ...] = (
    ("accounts_total", 45600, 45600),
    ("accounts_transacting", 3857, 3857),
    ("dossiers_total", "1.669", None),
    ("dossiers_online", "1.458,0", None),
)


@dataclass(frozen=True)
class Template:
    """What to write. Every field is a quirk a test may turn."""

    unit: object = "TP_BA"
    period: object = "04/2024"
    report_date: object = None  # None: no `Ngày báo cáo` label at all
    # (measure, value[, cumulative]); None leaves a cell empty, a None measure ends
    # the table for the reader (rows after it are written too, as a footer would be).
    rows: Sequence[tuple[object, ...]] = DEFAULT_ROWS
    sheet_name: str = "BaoCao"
    labels: str = "unicode"  # a key of LABEL_SETS
    label_overrides: dict[str, str] = field(default_factory=dict)
    omit_labels: frozenset[str] = frozenset()  # e.g. {"unit"}: leave that label out
    first_row: int = 1  # 1-based row of the first title line (or label)
    title_rows: int = 2  # merged title lines above the header block
    first_col: int = 1  # 1-based column of the labels and of the table's first column
    value_gap: int = 0  # empty cells between a block label and its value
    gap_rows: int = 1  # empty rows between the header block and the table
    columns: Sequence[str] = DEFAULT_COLUMNS
    sheets_before: Sequence[str] = ()  # unrelated sheets placed before the report


@dataclass(frozen=True)
class Layout:
    """Where things were written (openpyxl coordinates, e.g. `F12`)."""

    sheet_name: str
    value_cells: list[str]  # one per row of `rows`, in order
    header_row: int


def _label(template: Template, key: str) -> str:
    return template.label_overrides.get(key, LABEL_SETS[template.labels][key])


def write_template(path: Path, template: Template | None = None, **changes: object) -> Layout:
    """Write a template-like workbook (format from openpyxl: .xlsx) and say where."""
    t = replace(template or Template(), **changes)
    wb = Workbook()
    first = wb.active
    for i, name in enumerate(t.sheets_before):
        ws = first if i == 0 else wb.create_sheet()
        ws.title = name
        ws["A1"] = "Bảng phụ"  # something a report reader must ignore
        ws["B2"] = 123
    ws = wb.create_sheet() if t.sheets_before else first
    ws.title = t.sheet_name

    col = t.first_col
    row = t.first_row
    for i in range(t.title_rows):
        ws.cell(row, col, "TỈNH ĐOÀN" if i == 0 else "BÁO CÁO KẾT QUẢ THỰC HIỆN ĐỀ ÁN 5299")
        ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + 4)
        row += 1
    for key, value in (("unit", t.unit), ("period", t.period), ("report_date", t.report_date)):
        if key in t.omit_labels or (key == "report_date" and value is None):
            continue
        ws.cell(row, col, _label(t, key))
        if value is not None:
            ws.cell(row, col + 1 + t.value_gap, value)
        row += 1
    row += t.gap_rows

    header_row = row
    headers = [key for key in t.columns if key not in t.omit_labels]
    for offset, key in enumerate(headers):
        ws.cell(header_row, col + offset, _label(t, key))
    position = {key: col + offset for offset, key in enumerate(headers)}
    value_cells = []
    for i, cells in enumerate(t.rows, start=1):
        r = header_row + i
        measure, value, cumulative = (*cells, None)[:3]
        for key, content in (("measure", measure), ("value", value), ("cumulative", cumulative)):
            if key in position and content is not None:
                ws.cell(r, position[key], content)
        if "stt" in position and measure is not None:
            ws.cell(r, position["stt"], i)
        value_col = position.get("value", col)
        value_cells.append(f"{get_column_letter(value_col)}{r}")
    wb.save(path)
    return Layout(t.sheet_name, value_cells, header_row)


def write_csv(path: Path, lines: Sequence[str], *, bom: bool = False) -> None:
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))


def read_back(raw_store: Path) -> tuple[list[dict], list[dict]]:
    """(inbox_files, report_rows) of every complete batch, as lists of dicts."""
    files, rows = read_raw_tables(raw_store)
    return files.to_pylist(), rows.to_pylist()


def ingest(inbox: Path, raw_store: Path, **kwargs: object) -> tuple[IngestSummary, list, list]:
    """Run ingest_inbox, then read the whole raw store back."""
    summary = ingest_inbox(inbox, raw_store, **kwargs)
    return (summary, *read_back(raw_store))


def rows_of(rows: list[dict], *columns: str) -> list[tuple]:
    """The chosen columns of each row, to compare with an exact expectation."""
    return [tuple(row[c] for c in columns) for row in rows]


def report_at(folder: Path, name: str = "report.xlsx", **changes: object) -> tuple[Path, Layout]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    return path, write_template(path, **changes)


# The workbook converted by tests/fixtures/ingestion/make_fixtures.sh to .xls and .ods:
# empty leading rows and column, a merged title, a date-cell period, numbers and text
# numbers, an empty value cell.
FORMAT_FIXTURE = Template(
    unit="tp_ba",
    period=dt.date(2024, 4, 1),
    report_date=dt.date(2024, 5, 3),
    first_row=3,
    first_col=2,
    title_rows=1,
    rows=(
        ("accounts_total", 45600, 45600),
        ("dossiers_total", "1.669", "2.000"),
        ("dossiers_online", None, None),
        ("articles_posted", -2, None),
        ("households_vneid", 12.5, None),
    ),
)
