r"""The month's workbook (.xlsx, xlsxwriter): summary, one sheet per indicator, issues.

Numbers are written as numbers, with real number formats tagged with the
Vietnamese locale (`[$-42A]#,##0`): LibreOffice and a Vietnamese Excel show
45.600, an English Excel 45,600 (its own separators; the value is the same and
sums, sorts and copies as a number). A literal dot in the format (the old
`#\.###`) printed 45.600 everywhere but broke below 1.000, with decimals and in
every calculation a reader made from the cell (docs/reports.md). Percentages are
fractions shown as whole percents. Every sheet is set up for A4 printing: print
area, landscape where wide, fit to the page width, the header row repeated,
page numbers in the footer; wrapped cells get row heights, so rows never overlap. Text is only ever
written with `write_string`; text that starts like a formula also gets Excel's
quote prefix, so that editing the cell cannot turn it into one. The workbook
holds no formulas at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import xlsxwriter

from forms.safe_text import is_formula_like
from forms.vi_format import number
from reports.children_table import CHILDREN_TITLE, LEVEL_LABELS, children_rows
from reports.progress_data import ReportData
from reports.tables import (
    CHILDREN_SHEET,
    ISSUES_SHEET,
    MISSING_SHEET,
    REJECTED_SHEET,
    SEVERITY_ORDER,
    primary_rows,
    ranked_units,
    summary_rows,
    window_text,
)
from reports.vi_collate import vi_sort_key
from reports.wording import (
    SEVERITY_LABELS,
    report_title,
    rule_name,
    total_label,
    window_label,
)

SUMMARY_SHEET = "Tổng hợp"
# Summary: the header row (0-based) and its columns; tests and readers rely on them.
SUMMARY_HEADER_ROW = 4
SUMMARY_COLUMNS = [
    "STT",
    "Mã chỉ tiêu",
    "Nội dung chỉ tiêu",
    "Kỳ chỉ tiêu",
    "Đơn vị tính",
    "Chỉ tiêu giao",
    "Kết quả thực hiện",
    "Tỷ lệ đạt",
    "Tử số",
    "Mẫu số",
    "Số tháng còn lại",
    "Cần bình quân/tháng",
    "Bình quân đã đạt/tháng",
    "Đánh giá",
    "Ghi chú",
]
MAX_WIDTH = 60


# LCID 0x042A (vi-VN): LibreOffice takes the separators from the format's locale.
VI_LOCALE_TAG = "[$-42A]"


def count_format() -> str:
    """Whole numbers with thousands grouping, tagged Vietnamese: 45600 -> 45.600."""
    return VI_LOCALE_TAG + "#,##0"


def decimal_format(digits: int = 2) -> str:
    """Decimals, tagged Vietnamese: 8.46 -> 8,46."""
    return VI_LOCALE_TAG + "#,##0." + "0" * digits


PERCENT_FORMAT = VI_LOCALE_TAG + "0%"
MONTH_FORMAT = "mm/yyyy"
LINE_HEIGHT_PT = 13.0  # Arial 10 with its leading


@dataclass
class SheetWriter:
    """Writes cells and remembers each column's widest displayed text."""

    workbook: xlsxwriter.Workbook
    sheet: object
    formats: dict
    widths: dict[int, int] = field(default_factory=dict)
    wrapped: list[tuple[int, int, str]] = field(default_factory=list)

    def _fit(self, col: int, shown: str) -> None:
        longest = max((len(line) for line in shown.split("\n")), default=0)
        self.widths[col] = max(self.widths.get(col, 0), longest)

    def _fit_figure(self, col: int, value: float, suffix: str = "") -> None:
        # The width of vi_format.number(value) ('45.600') without Babel (~0,3 ms a call;
        # a national workbook fits ~100.000 figures): the same digits and separators.
        width = len(format(float(value), ",.0f")) + len(suffix)
        self.widths[col] = max(self.widths.get(col, 0), width)

    def text(self, row: int, col: int, value, fmt: str = "text") -> None:
        if value is None or value == "":
            self.sheet.write_blank(row, col, None, self.formats[fmt])
            return
        text = str(value)
        style = self.formats[fmt + "_quoted"] if is_formula_like(text) else self.formats[fmt]
        self.sheet.write_string(row, col, text, style)
        if fmt == "wrap":
            self.wrapped.append((row, col, text))
        else:
            self._fit(col, text)

    def count(self, row: int, col: int, value) -> None:
        if value is None:
            self.sheet.write_blank(row, col, None, self.formats["count"])
            return
        self.sheet.write_number(row, col, value, self.formats["count"])
        self._fit_figure(col, value)

    def ratio(self, row: int, col: int, percent_value) -> None:
        """A value in percent units (8.46) written as the fraction 0.0846, shown 8%."""
        if percent_value is None:
            self.sheet.write_blank(row, col, None, self.formats["percent"])
            return
        self.sheet.write_number(row, col, percent_value / 100.0, self.formats["percent"])
        self._fit_figure(col, percent_value, "%")

    def result_and_target(
        self, row: int, result_col: int, target_col: int, figures, reported: bool = True
    ) -> None:
        """A progress row's result and target: rates as percentages (the rate, not the
        numerator), counts as counts; the result blank when nothing was reported."""
        if figures.target_kind == "rate":
            self.ratio(row, result_col, figures.actual_value if reported else None)
            self.ratio(row, target_col, figures.target_value)
        else:
            self.count(row, result_col, figures.numerator if reported else None)
            self.count(row, target_col, figures.target_value)

    def month(self, row: int, col: int, value: date | None) -> None:
        if value is None:
            self.sheet.write_blank(row, col, None, self.formats["month"])
            return
        self.sheet.write_datetime(row, col, value, self.formats["month"])
        self._fit(col, "00/0000")

    def header(self, row: int, columns: list[str]) -> None:
        for col, name in enumerate(columns):
            self.sheet.write_string(row, col, name, self.formats["header"])
            # Headers wrap onto two lines at most; data decides the width beyond that.
            self.widths[col] = max(
                self.widths.get(col, 0), min(len(name), max(8, (len(name) + 1) // 2))
            )

    def finish(
        self,
        header_row: int,
        columns: int,
        last_row: int,
        wrap_widths: dict[int, int] | None = None,
    ) -> None:
        self.sheet.freeze_panes(header_row + 1, 0)
        self.sheet.set_row(header_row, 32)
        if last_row > header_row:
            self.sheet.autofilter(header_row, 0, last_row, columns - 1)
        for col, width in (wrap_widths or {}).items():
            self.widths[col] = width
        shown = {col: min(width + 2, MAX_WIDTH) for col, width in self.widths.items()}
        for col, width in shown.items():
            self.sheet.set_column(col, col, width)
        # Wrapped text: the row is as tall as its longest cell, so rows never overlap.
        lines: dict[int, int] = {}
        for row, col, text in self.wrapped:
            room = max(shown.get(col, 10) - 1, 5)
            needed = sum(max(1, -(-len(part) // room)) for part in text.split("\n"))
            lines[row] = max(lines.get(row, 1), needed)
        for row, count in lines.items():
            if count > 1:
                self.sheet.set_row(row, LINE_HEIGHT_PT * count)
        self._print_setup(header_row, columns, max(last_row, header_row), sum(shown.values()))

    def _print_setup(self, header_row: int, columns: int, last_row: int, width: int) -> None:
        sheet = self.sheet
        sheet.set_paper(9)  # A4
        if width > 95:  # about what fits across a portrait A4 page at 10 pt
            sheet.set_landscape()
        sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        sheet.print_area(0, 0, last_row, columns - 1)
        sheet.repeat_rows(header_row)
        sheet.fit_to_pages(1, 0)  # the width of one page, as many pages down as needed
        sheet.set_footer("&CTrang &P/&N")


def _formats(workbook: xlsxwriter.Workbook) -> dict:
    base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
    formats = {
        "text": {**base},
        "wrap": {**base, "text_wrap": True},
        "bold": {**base, "bold": True},
        "title": {**base, "bold": True, "font_size": 13},
        "header": {
            **base,
            "bold": True,
            "bg_color": "#DDEBF7",
            "border": 1,
            "text_wrap": True,
            "valign": "vcenter",
        },
        "count": {**base, "num_format": count_format()},
        "percent": {**base, "num_format": PERCENT_FORMAT},
        "month": {**base, "num_format": MONTH_FORMAT, "align": "left"},
    }
    made = {name: workbook.add_format(props) for name, props in formats.items()}
    for name in ("text", "wrap", "bold"):
        made[name + "_quoted"] = workbook.add_format({**formats[name], "quote_prefix": True})
    return made


def _status_format(workbook, cache: dict, colour: str):
    if colour not in cache:
        cache[colour] = workbook.add_format(
            {
                "font_name": "Arial",
                "font_size": 10,
                "font_color": "#FFFFFF",
                "bg_color": colour,
                "bold": True,
                "valign": "top",
            }
        )
    return cache[colour]


def _title(writer: SheetWriter, data: ReportData, subtitle: str) -> None:
    writer.sheet.write_string(0, 0, data.province_name, writer.formats["bold"])
    writer.sheet.write_string(1, 0, subtitle, writer.formats["title"])
    writer.sheet.write_string(
        2, 0, f"Tính đến hết tháng {data.as_of.month}/{data.as_of.year}", writer.formats["text"]
    )


def _summary(workbook, formats, data: ReportData, status_cache: dict) -> None:
    writer = SheetWriter(workbook, workbook.add_worksheet(SUMMARY_SHEET), formats)
    _title(writer, data, report_title(data).upper().replace("BÁO CÁO", "BẢNG TỔNG HỢP", 1))
    header = SUMMARY_HEADER_ROW
    writer.header(header, SUMMARY_COLUMNS)
    row = header
    for index, item in enumerate(summary_rows(data), start=1):
        row += 1
        progress = item.row
        is_rate = item.is_rate
        writer.count(row, 0, index)
        writer.text(row, 1, progress.indicator_code)
        writer.text(row, 2, progress.indicator_name, "wrap")
        writer.text(
            row,
            3,
            f"{window_label(progress)} ({window_text(progress.window_start, progress.window_end)})",
            "wrap",
        )
        writer.text(row, 4, "tỷ lệ %" if is_rate else progress.unit_of_measure)
        writer.result_and_target(row, 6, 5, progress)
        writer.ratio(row, 7, progress.achievement_pct)
        writer.count(row, 8, progress.numerator)
        writer.count(row, 9, progress.denominator)
        pace = item.pace
        writer.count(row, 10, pace.months_remaining if pace else None)
        writer.count(row, 11, pace.needed_per_month if pace else None)
        writer.count(row, 12, pace.current_per_month if pace else None)
        writer.sheet.write_string(
            row, 13, item.status.label, _status_format(workbook, status_cache, item.status.colour)
        )
        writer._fit(13, item.status.label)
        pending = (
            progress.measures.get("vneid_pending") if progress.indicator_code == "CT8" else None
        )
        writer.text(
            row,
            14,
            f"Đang chờ duyệt: {number(pending)} tài khoản" if pending is not None else None,
            "wrap",
        )
    writer.finish(header, len(SUMMARY_COLUMNS), row, wrap_widths={2: 30, 3: 15, 14: 18})


def _indicator_sheet(
    workbook, formats, data: ReportData, code: str, progress, status_cache: dict
) -> None:
    writer = SheetWriter(workbook, workbook.add_worksheet(code), formats)
    _title(
        writer, data, f"{code} — {progress.indicator_name} ({window_label(progress)}) theo đơn vị"
    )
    columns = [
        "Hạng",
        "Mã đơn vị",
        "Đơn vị",
        "Kết quả",
        "Tử số",
        "Mẫu số",
        "Chỉ tiêu",
        "Tỷ lệ đạt",
        "Đánh giá",
        "Ghi chú",
    ]
    header = 4
    writer.header(header, columns)
    row = header
    for ranked in ranked_units(data, progress.window_key):
        unit = ranked.unit
        row += 1
        writer.count(row, 0, ranked.rank)
        writer.text(row, 1, unit.unit_code)
        writer.text(row, 2, unit.unit_name)
        reported = unit.reported and unit.actual_value is not None
        writer.result_and_target(row, 3, 6, unit, reported)
        writer.count(row, 4, unit.numerator if reported else None)
        writer.count(row, 5, unit.denominator if reported else None)
        writer.ratio(row, 7, unit.achievement_pct)
        writer.sheet.write_string(
            row,
            8,
            ranked.status.label,
            _status_format(workbook, status_cache, ranked.status.colour),
        )
        writer._fit(8, ranked.status.label)
        writer.text(row, 9, None if reported else "Chưa báo cáo")
    row += 1
    total = f"Toàn tỉnh ({data.province_name})" if data.is_root else total_label(data)
    writer.text(row, 2, total, "bold")
    writer.result_and_target(row, 3, 6, progress)
    writer.count(row, 4, progress.numerator)
    writer.count(row, 5, progress.denominator)
    writer.ratio(row, 7, progress.achievement_pct)
    # The province row stays out of the filter range: it is a total, not a unit.
    writer.finish(header, len(columns), row - 1)


def _issues_sheet(workbook, formats, data: ReportData) -> None:
    writer = SheetWriter(workbook, workbook.add_worksheet(ISSUES_SHEET), formats)
    _title(writer, data, "VẤN ĐỀ CHẤT LƯỢNG DỮ LIỆU (lỗi trước, rồi cảnh báo, lưu ý)")
    columns = [
        "Mức độ",
        "Mã đơn vị",
        "Đơn vị",
        "Tháng",
        "Quy tắc",
        "Chỉ số",
        "Giá trị",
        "Ngưỡng",
        "Nội dung",
    ]
    header = 4
    writer.header(header, columns)
    row = header
    issues = sorted(
        data.issues,
        key=lambda i: (
            SEVERITY_ORDER.get(i.severity, 9),
            vi_sort_key(i.unit_name or ""),
            i.period or date.min,
        ),
    )
    for issue in issues:
        row += 1
        writer.text(row, 0, SEVERITY_LABELS.get(issue.severity, issue.severity))
        writer.text(row, 1, issue.unit_code)
        writer.text(row, 2, issue.unit_name)
        writer.month(row, 3, issue.period)
        writer.text(row, 4, rule_name(data, issue.rule_id), "wrap")
        writer.text(row, 5, issue.measure_code)
        writer.count(row, 6, issue.observed_value)
        writer.count(row, 7, issue.limit_value)
        writer.text(row, 8, issue.message, "wrap")
    writer.finish(header, len(columns), row, wrap_widths={4: 26, 8: 58})


def _rejected_sheet(workbook, formats, data: ReportData) -> None:
    writer = SheetWriter(workbook, workbook.add_worksheet(REJECTED_SHEET), formats)
    _title(writer, data, "DÒNG SỐ LIỆU KHÔNG NẠP ĐƯỢC")
    columns = ["Tệp", "Dòng", "Chỉ số", "Giá trị trong tệp", "Mã lý do", "Thông báo"]
    header = 4
    writer.header(header, columns)
    row = header
    for rejected in data.rejected_rows:
        row += 1
        writer.text(row, 0, rejected.file_name)
        writer.count(row, 1, rejected.row_number)
        writer.text(row, 2, rejected.measure_code)
        writer.text(row, 3, rejected.raw_value)
        writer.text(row, 4, rejected.reason_code)
        writer.text(row, 5, rejected.message, "wrap")
    writer.finish(header, len(columns), row, wrap_widths={5: 58})


def _missing_sheet(workbook, formats, data: ReportData) -> None:
    writer = SheetWriter(workbook, workbook.add_worksheet(MISSING_SHEET), formats)
    _title(writer, data, "ĐƠN VỊ CHƯA NỘP BÁO CÁO")
    columns = ["Mã đơn vị", "Đơn vị", "Tháng", "Ghi chú"]
    header = 4
    writer.header(header, columns)
    row = header
    for missing in sorted(data.missing_reports, key=lambda m: (vi_sort_key(m.unit_name), m.period)):
        row += 1
        writer.text(row, 0, missing.unit_code)
        writer.text(row, 1, missing.unit_name)
        writer.month(row, 2, missing.period)
        writer.text(row, 3, "Tháng báo cáo này" if missing.period == data.as_of else "Tháng trước")
    writer.finish(header, len(columns), row)


def _children_sheet(workbook, formats, data: ReportData) -> None:
    """The scope's direct children, every indicator and window (reports/children_table.py)."""
    rows = children_rows(data)
    if not rows:
        return
    writer = SheetWriter(workbook, workbook.add_worksheet(CHILDREN_SHEET), formats)
    _title(writer, data, CHILDREN_TITLE.upper())
    columns = ["Mã đơn vị", "Đơn vị", "Loại", "Mã chỉ tiêu", "Kỳ chỉ tiêu", "Kết quả thực hiện",
               "Chỉ tiêu giao", "Tỷ lệ đạt"]  # fmt: skip
    header = 4
    writer.header(header, columns)
    row = header
    order = {r.unit_code: index for index, r in enumerate(rows)}  # groups first, by name
    for child in sorted(data.children, key=lambda c: (c.window_key, order[c.unit_code])):
        row += 1
        writer.text(row, 0, child.unit_code)
        writer.text(row, 1, child.unit_name)
        writer.text(row, 2, LEVEL_LABELS.get(child.level, child.level))
        writer.text(row, 3, child.indicator_code)
        writer.text(row, 4, window_text(child.window_start, child.window_end))
        writer.result_and_target(row, 5, 6, child)
        writer.ratio(row, 7, None if child.target_kind == "rate" else child.achievement_pct)
    writer.finish(header, len(columns), row)


def write_workbook(data: ReportData, path: Path) -> Path:
    # Belt and braces: even `write()` would never turn a string into a formula/number/URL.
    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    workbook.set_properties(
        {"title": f"Đề án 5299 — {data.as_of:%m/%Y}", "author": data.province_name}
    )
    formats = _formats(workbook)
    status_cache: dict = {}
    _summary(workbook, formats, data, status_cache)
    for code, progress in primary_rows(data).items():
        _indicator_sheet(workbook, formats, data, code, progress, status_cache)
    _issues_sheet(workbook, formats, data)
    _rejected_sheet(workbook, formats, data)
    _missing_sheet(workbook, formats, data)
    _children_sheet(workbook, formats, data)
    workbook.close()
    return path
