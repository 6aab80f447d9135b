"""Reading a long-form CSV (`unit_code,period,measure_code,value[,report_date]`).

The stdlib csv reader is used rather than pandas: every field stays text as written,
the row number is the exact line number even with blank lines (pandas drops them), and
a ragged line does not abort the whole file.
"""

from __future__ import annotations

import csv
import io

from ingestion.parsed import CSV_BAD_HEADER, FILE_EMPTY, PARSED, ParsedFile, ParsedRow
from ingestion.values import is_blank, parse_code, parse_count, parse_date, parse_period

REQUIRED_COLUMNS = ("unit_code", "period", "measure_code", "value")


def read_csv(data: bytes) -> ParsedFile:
    """Parse a CSV. Not UTF-8 raises UnicodeDecodeError (the caller maps it)."""
    text = data.decode("utf-8-sig")  # with or without BOM
    if not text.strip(" \t\r\n,;"):
        return ParsedFile.rejected(FILE_EMPTY, "no cells")
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = [name.strip().lower() for name in next(reader)]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        return ParsedFile.rejected(
            CSV_BAD_HEADER, f"missing column(s) {', '.join(missing)}; header is {names}"
        )
    position = {
        name: names.index(name) for name in (*REQUIRED_COLUMNS, "report_date") if name in names
    }

    rows: list[ParsedRow] = []
    line = reader.line_num
    for fields in reader:
        first_line, line = line + 1, reader.line_num  # a quoted field may span lines
        if all(is_blank(f) for f in fields):
            continue  # blank or `,,,` lines carry nothing: not a data row

        # A short line lacks its last fields: they read as empty.
        get = {name: fields[i] if i < len(fields) else "" for name, i in position.items()}.get
        unit = parse_code(get("unit_code"))
        measure = parse_code(get("measure_code"))
        period_raw, period, period_error = parse_period(get("period"))
        raw_value, value, value_error = parse_count(get("value"))
        rows.append(
            ParsedRow(
                sheet_name=None,
                row_number=first_line,
                location=f"line {first_line}",
                unit_code=unit.upper() if unit else None,
                period=period,
                period_raw=period_raw,
                period_error=period_error,
                report_date=parse_date(get("report_date", "")),
                measure_code=measure.lower() if measure else None,
                raw_value=raw_value,
                value=value,
                value_error=value_error,
            )
        )
    return ParsedFile(PARSED, rows=rows)
