"""Reading one unit's monthly report from a workbook (.xlsx .xls .xlsb .ods).

The layout rules are CONTRACT.md §4: sheet `BaoCao` (else the first sheet), a header
block of label/value pairs above a table whose header row holds `Mã chỉ số` and
`Kết quả trong tháng`; data rows run until the first empty measure code.
"""

from __future__ import annotations

import io

from python_calamine import CalamineWorkbook

from ingestion import guard, labels
from ingestion.parsed import FILE_EMPTY, NOT_TEMPLATE, PARSED, ParsedFile, ParsedRow
from ingestion.values import is_blank, parse_code, parse_count, parse_date, parse_period

Grid = list[list[object]]
Extents = dict[str | None, tuple[int, int]] | None

_REPORT_SHEET_KEY = labels.sheet_key("BaoCao")


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _cell(row: list[object], col: int | None) -> object:
    return row[col] if col is not None and col < len(row) else ""


def _is_empty(grid: Grid) -> bool:
    return all(is_blank(cell) for row in grid for cell in row)


def _grid(workbook: CalamineWorkbook, name: str, extents: Extents, caps: guard.Limits) -> Grid:
    if extents is not None:  # bounded before calamine sizes the grid (ingestion/guard.py)
        extent = extents.get(name, extents.get(None))
        if extent is None:
            raise guard.NotInspected(name)
        guard.check_extent(name, *extent, caps=caps)
    sheet = workbook.get_sheet_by_name(name)
    if (end := sheet.end) is not None:  # read in a child, or calamine's own idea of the extent
        guard.check_extent(name, end[0] + 1, end[1] + 1, caps=caps)
    # skip_empty_area=False keeps leading empty rows/columns, so grid[r][c] is the
    # cell at row r+1, column c+1 exactly as Excel numbers it.
    return sheet.to_python(skip_empty_area=False)


def read_workbook(
    data: bytes, extents: Extents = None, caps: guard.Limits | None = None
) -> ParsedFile:
    """Parse a template workbook. Calamine errors propagate (the caller maps them).

    `extents` (sheet -> farthest row and column, from guard.inspect_workbook) is checked
    before each sheet is read; a sheet missing from it raises guard.NotInspected. None:
    no prior bound (the caller reads in a memory-limited child). `caps`: the run's limits
    (None: read them now)."""
    caps = caps or guard.limits()
    with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
        names = workbook.sheet_names
        if not names:
            return ParsedFile.rejected(FILE_EMPTY, "the workbook has no sheet")
        sheet = next((n for n in names if labels.sheet_key(n) == _REPORT_SHEET_KEY), names[0])
        grid = _grid(workbook, sheet, extents, caps)
        if _is_empty(grid) and all(
            _is_empty(_grid(workbook, n, extents, caps)) for n in names if n != sheet
        ):
            return ParsedFile.rejected(FILE_EMPTY, "every sheet is empty", sheet)
    return _read_report(sheet, grid)


def _read_report(sheet: str, grid: Grid) -> ParsedFile:
    block: dict[str, tuple[int, int]] = {}  # header-block field -> (row, col) of its label
    encodings: list[str] = []
    header: tuple[int, dict[str, int]] | None = None
    for r, row in enumerate(grid):
        found: dict[str, int] = {}
        for c, cell in enumerate(row):
            # `not isspace()` is `strip()` being non-empty, without building a string
            if (
                isinstance(cell, str)
                and cell
                and not cell.isspace()
                and (match := labels.match_label(cell))
            ):
                field, encoding = match
                if field not in found:
                    found[field] = c
                    encodings.append(encoding)
        if labels.MEASURE in found and labels.VALUE in found:
            header = (r, found)
            break
        for field in labels.HEADER_BLOCK_FIELDS:
            if field in found and field not in block:
                block[field] = (r, found[field])

    if header is None or labels.UNIT not in block:
        missing = []
        if labels.UNIT not in block:
            missing.append("'Mã đơn vị' label above the table")
        if header is None:
            missing.append("table header row with 'Mã chỉ số' and 'Kết quả trong tháng'")
        return ParsedFile.rejected(
            NOT_TEMPLATE, f"sheet {sheet!r}: no " + ", no ".join(missing), sheet
        )

    unit = parse_code(_block_value(grid, block.get(labels.UNIT)))
    period_raw, period, period_error = parse_period(_block_value(grid, block.get(labels.PERIOD)))
    report_date = parse_date(_block_value(grid, block.get(labels.REPORT_DATE)))

    header_row, columns = header
    measure_col, value_col = columns[labels.MEASURE], columns[labels.VALUE]
    cumulative_col = columns.get(labels.CUMULATIVE)
    value_letter = column_letter(value_col)
    unit_code = unit.upper() if unit else None
    rows: list[ParsedRow] = []
    for r in range(header_row + 1, len(grid)):
        row = grid[r]
        measure = parse_code(_cell(row, measure_col))
        if measure is None:
            break
        raw_value, value, value_error = parse_count(_cell(row, value_col))
        raw_cumulative, cumulative, _ = parse_count(_cell(row, cumulative_col))
        rows.append(
            ParsedRow(
                sheet_name=sheet,
                row_number=r + 1,
                location=f"{sheet}!{value_letter}{r + 1}",
                unit_code=unit_code,
                period=period,
                period_raw=period_raw,
                period_error=period_error,
                report_date=report_date,
                measure_code=measure.lower(),
                raw_value=raw_value,
                value=value,
                value_error=value_error,
                raw_cumulative=raw_cumulative,
                cumulative=cumulative,
            )
        )
    encoding = next((e for e in encodings if e != "unicode"), "unicode")
    return ParsedFile(PARSED, sheet_name=sheet, encoding=encoding, rows=rows)


def _block_value(grid: Grid, label_at: tuple[int, int] | None) -> object:
    """The next non-empty cell right of a label, same row; '' if none or another label."""
    if label_at is None:
        return ""
    r, c = label_at
    for cell in grid[r][c + 1 :]:
        if is_blank(cell):
            continue
        if isinstance(cell, str) and labels.match_label(cell):
            return ""  # `Mã đơn vị | | Kỳ báo cáo | 04/2024`: the unit was left empty
        return cell
    return ""
