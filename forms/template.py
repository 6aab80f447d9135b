"""The province's canonical report template (the workbook a unit fills in every month).

This module writes the template exactly as the Tỉnh Đoàn sends it to its units
(CONTRACT §4): sheet ``BaoCao``, merged title rows, a header block of label/value
pairs (``Mã đơn vị``, ``Tên đơn vị``, ``Kỳ báo cáo``, ``Ngày báo cáo``), a blank row,
then the table ``STT | Chỉ tiêu | Mã chỉ số | Nội dung | Đơn vị tính |
Kết quả trong tháng | Lũy kế | Ghi chú`` with one row per measure, and a signature
footer after a blank row (the table ends at the first empty ``Mã chỉ số``).

It is the single source of the layout used to build the shipped sample
(``sample/generate_sample.py``), the test fixtures and the blank forms the outbox
sends to units (``outbox.templates``); it also writes the long CSV
form of CONTRACT §4. It is not used to *read* reports (that is the ingestion
parser's job, which must accept any workbook following the contract, not only this
exact layout).

Output is byte-for-byte deterministic for the same arguments: the document
properties and the zip entry timestamps are derived from the report date, never
from the clock.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from forms.month import Month

__all__ = [
    "FORM_DATE_ERROR",
    "FORM_DATE_PROMPT",
    "FORM_ERROR",
    "FORM_ERROR_TITLE",
    "FORM_INSTRUCTION",
    "FORM_PROMPT",
    "FORM_PROMPT_TITLE",
    "MEASURES",
    "MEASURE_CODES",
    "SHEET_NAME",
    "TABLE_HEADER",
    "save_deterministic",
    "write_report_csv",
    "write_report_workbook",
]

SHEET_NAME = "BaoCao"

#: The 12 measures of CONTRACT §2, in template order:
#: (measure_code, indicator_code, label_vi, unit_label_vi).
MEASURES: list[tuple[str, str, str, str]] = [
    ("accounts_total", "CT1", "Tổng số tài khoản sử dụng dịch vụ công", "Tài khoản"),
    (
        "accounts_transacting",
        "CT1",
        "Số tài khoản có phát sinh giao dịch thực tế trong năm",
        "Tài khoản",
    ),
    ("dossiers_total", "CT2", "Tổng số hồ sơ TTHC do ĐVTN thực hiện", "Hồ sơ"),
    ("dossiers_online", "CT2", "Số hồ sơ TTHC do ĐVTN thực hiện trực tuyến", "Hồ sơ"),
    ("dossiers_supported", "CT3", "Số hồ sơ DVCTT do ĐVTN hỗ trợ người dân nộp", "Hồ sơ"),
    (
        "articles_posted",
        "CT4",
        "Số tin, bài tuyên truyền về DVCTT đăng trên trang TTĐT, MXH",
        "Tin, bài",
    ),
    (
        "households_vneid",
        "CT5",
        "Số hộ gia đình được hướng dẫn, hỗ trợ mở tài khoản VNeID",
        "Hộ gia đình",
    ),
    (
        "payment_accounts",
        "CT6",
        "Số công dân được hỗ trợ mở tài khoản thanh toán điện tử",
        "Người",
    ),
    ("digital_signatures", "CT7", "Số công dân được hỗ trợ đăng ký chữ ký số cá nhân", "Người"),
    ("vneid_submitted", "CT8", "Số hồ sơ kích hoạt VNeID đã hỗ trợ nộp trong tháng", "Hồ sơ"),
    ("vneid_activated", "CT8", "Số tài khoản VNeID kích hoạt thành công trong tháng", "Tài khoản"),
    ("vneid_pending", "CT8", "Số tài khoản VNeID đang chờ duyệt (cuối tháng)", "Tài khoản"),
]
MEASURE_CODES: tuple[str, ...] = tuple(m[0] for m in MEASURES)

TABLE_HEADER = (
    "STT",
    "Chỉ tiêu",
    "Mã chỉ số",
    "Nội dung",
    "Đơn vị tính",
    "Kết quả trong tháng",
    "Lũy kế",
    "Ghi chú",
)
_COLUMN_WIDTHS = (6, 14, 24, 58, 13, 20, 14, 30)
_NUMBER_FORMAT = "#,##0"
_DATE_FORMAT = "dd/mm/yyyy"
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # the cells a unit types into
_UNLOCKED = Protection(locked=False)
# The blank form's messages (Excel and LibreOffice show them on the value cells).
FORM_PROMPT_TITLE = "Kết quả trong tháng"
FORM_PROMPT = (
    "Nhập số nguyên không âm (0, 1, 2, ...). Để trống nếu chưa có số liệu; "
    "số 0 nghĩa là không phát sinh."
)
FORM_ERROR_TITLE = "Giá trị không hợp lệ"
FORM_ERROR = "Chỉ nhập số nguyên lớn hơn hoặc bằng 0, không nhập chữ, số âm hay số thập phân."
FORM_DATE_PROMPT = "Nhập ngày lập báo cáo (ngày/tháng/năm)."
FORM_DATE_ERROR = "Ngày báo cáo phải là một ngày hợp lệ (ngày/tháng/năm)."
FORM_INSTRUCTION = (
    "Hướng dẫn: chỉ nhập vào các ô tô màu vàng. Cột \"Lũy kế\" tự cộng các tháng trước "
    "của năm (số liệu chính thức) với kết quả trong tháng; chỉ số tồn cuối kỳ không có lũy kế."
)


def save_deterministic(wb: Workbook, path: Path, stamp: dt.datetime) -> None:
    """Save ``wb`` with every timestamp (core properties, zip entries) set to ``stamp``."""
    # openpyxl's save() stamps properties.modified with the clock: call its writer directly.
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    # zipfile stamps entries written by name with the clock too: re-pack with a fixed one.
    out = io.BytesIO()
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with (
        zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            zout.writestr(entry, zin.read(info.filename))
    path.write_bytes(out.getvalue())


def write_report_workbook(
    path: str | Path,
    *,
    unit_code: str,
    unit_name: str,
    period: str | dt.date,
    values: Mapping[str, int | str | None],
    cumulative: Mapping[str, int | str | None] | None = None,
    report_date: dt.date | None = None,
    notes: Mapping[str, str] | None = None,
    province_name: str = "Tỉnh Đoàn Bình An",
    period_as_date: bool = False,
    form: bool = False,
    cumulative_before: Mapping[str, int] | None = None,
    labels: Mapping[str, tuple[str, str]] | None = None,
) -> Path:
    """Write one unit's monthly report in the province template and return its path.

    ``values`` maps measure_code -> the ``Kết quả trong tháng`` cell: an int (a number
    cell), a str (a text cell, as a unit might type it: ``"4.560"``, ``"khoảng 5"``) or
    None (an empty cell = not reported). Only measures present in ``values`` get a row,
    in ``MEASURES`` order; unknown codes raise ``KeyError``. ``cumulative`` fills the
    ``Lũy kế`` column the same way, ``notes`` the ``Ghi chú`` column.
    ``Kỳ báo cáo`` is the text ``MM/YYYY`` (a real date cell on the first of the month
    when ``period_as_date``); ``Ngày báo cáo`` is a date cell (empty when None).

    ``form=True`` writes the blank form the province sends (CONTRACT §11): the
    ``Kết quả trong tháng`` cells and ``Ngày báo cáo`` are the only unlocked cells,
    shaded, with data validation (whole number ≥ 0; a date) and Vietnamese input and
    error messages; the sheet is protected (no password); A4 landscape, fitted to the
    page width, with a print area. ``cumulative_before`` (measure_code -> the official
    sum of the year's earlier months) makes that measure's ``Lũy kế`` the formula
    ``=<sum>+F<row>``; a measure not in it (a stock) gets no cumulative.
    ``labels`` (measure_code -> (Nội dung, Đơn vị tính)) overrides ``MEASURES``' texts.
    Without these arguments the output is byte for byte what it was before them.
    """
    path = Path(path)
    first = Month.parse(period).first_day
    unknown = set(values) - set(MEASURE_CODES)
    if unknown:
        raise KeyError(f"unknown measure codes: {sorted(unknown)}")
    cumulative = cumulative or {}
    notes = notes or {}
    labels = labels or {}
    ncols = len(TABLE_HEADER)
    last_col = get_column_letter(ncols)

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    for i, width in enumerate(_COLUMN_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width

    # Title rows (merged across the table width).
    titles = [
        (province_name.upper(), Font(bold=True, size=12)),
        ("BÁO CÁO KẾT QUẢ THỰC HIỆN ĐỀ ÁN 5299", Font(bold=True, size=14)),
        (f"Tháng {first:%m/%Y}", Font(italic=True, size=11)),
    ]
    for row, (text, font) in enumerate(titles, start=1):
        ws.merge_cells(f"A{row}:{last_col}{row}")
        cell = ws.cell(row=row, column=1, value=text)
        cell.font = font
        cell.alignment = Alignment(horizontal="center", vertical="center")
    # Row 4 blank; header block rows 5-8: label in B, value in C.
    header_block: list[tuple[str, object]] = [
        ("Mã đơn vị", unit_code),
        ("Tên đơn vị", unit_name),
        ("Kỳ báo cáo", first if period_as_date else f"{first:%m/%Y}"),
        ("Ngày báo cáo", report_date),
    ]
    row = 5
    date_cell = None
    for label, value in header_block:
        ws.cell(row=row, column=2, value=label).font = Font(bold=True)
        cell = ws.cell(row=row, column=3, value=value)
        if isinstance(value, dt.date):
            cell.number_format = "mm/yyyy" if label == "Kỳ báo cáo" else _DATE_FORMAT
            cell.alignment = Alignment(horizontal="left")
        if label == "Ngày báo cáo":
            date_cell = cell
        row += 1
    row += 1  # blank row

    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for col, text in enumerate(TABLE_HEADER, start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.border = _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[row].height = 32
    header_row = row

    stt = 0
    value_col = TABLE_HEADER.index("Kết quả trong tháng") + 1
    value_letter = get_column_letter(value_col)
    for code, indicator, label, unit_label in MEASURES:
        if code not in values:
            continue
        label, unit_label = labels.get(code, (label, unit_label))
        stt += 1
        row += 1
        cumulative_cell = cumulative.get(code)
        if form and cumulative_before is not None and code in cumulative_before:
            before = int(cumulative_before[code] or 0)
            cumulative_cell = f"={value_letter}{row}"
            if before:
                cumulative_cell = f"={before}+{value_letter}{row}"
        cells = (
            stt,
            indicator,
            code,
            label,
            unit_label,
            values[code],
            cumulative_cell,
            notes.get(code),
        )
        for col, value in enumerate(cells, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.border = _BOX
            if col in (6, 7) and (isinstance(value, int) or form):
                cell.number_format = _NUMBER_FORMAT
            if col == 4:
                cell.alignment = Alignment(wrap_text=True, vertical="center")
            if form and col == value_col:
                cell.protection = _UNLOCKED
                cell.fill = _INPUT_FILL
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    if form:
        _make_form(ws, header_row, row, value_letter, date_cell)

    # Signature footer after a blank row (outside the table).
    row += 2
    ws.cell(row=row, column=2, value="NGƯỜI LẬP BIỂU").font = Font(bold=True)
    ws.cell(row=row, column=6, value="T/M BAN THƯỜNG VỤ").font = Font(bold=True)
    if form:
        row += 5
        ws.merge_cells(f"A{row}:{last_col}{row}")
        note = ws.cell(row=row, column=1, value=FORM_INSTRUCTION)
        note.font = Font(italic=True, size=10)
        note.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 30
        ws.print_area = f"A1:{last_col}{row}"

    stamp_date = report_date or Month.parse(first).next().first_day
    stamp = dt.datetime(stamp_date.year, stamp_date.month, stamp_date.day, 8, 0, 0)
    wb.properties.creator = province_name
    wb.properties.lastModifiedBy = unit_name
    wb.properties.title = f"Báo cáo Đề án 5299 - {unit_code} - {first:%m/%Y}"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_deterministic(wb, path, stamp)
    return path


def _make_form(ws, header_row: int, last_row: int, value_letter: str, date_cell) -> None:
    """Validation, unlocked input cells, protection and page setup of the blank form."""
    counts = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        promptTitle=FORM_PROMPT_TITLE,
        prompt=FORM_PROMPT,
        errorTitle=FORM_ERROR_TITLE,
        error=FORM_ERROR,
        errorStyle="stop",
    )
    counts.add(f"{value_letter}{header_row + 1}:{value_letter}{last_row}")
    ws.add_data_validation(counts)
    if date_cell is not None:
        dates = DataValidation(
            type="date",
            operator="greaterThan",
            formula1="36526",  # 01/01/2000
            allow_blank=True,
            showInputMessage=True,
            showErrorMessage=True,
            promptTitle="Ngày báo cáo",
            prompt=FORM_DATE_PROMPT,
            errorTitle=FORM_ERROR_TITLE,
            error=FORM_DATE_ERROR,
        )
        dates.add(date_cell.coordinate)
        ws.add_data_validation(dates)
        date_cell.protection = _UNLOCKED
        date_cell.fill = _INPUT_FILL
        date_cell.number_format = _DATE_FORMAT
        date_cell.alignment = Alignment(horizontal="left")
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # a unit may widen a column to read it
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"{header_row}:{header_row}"


def write_report_csv(
    path: str | Path,
    rows: Iterable[tuple[str, str, str, int | str | None]],
    *,
    delimiter: str = ",",
    report_date: dt.date | Mapping[str, dt.date] | None = None,
    bom: bool = False,
) -> Path:
    """Write the long CSV of CONTRACT §4 and return its path.

    ``rows`` are ``(unit_code, 'YYYY-MM', measure_code, value)``; a value is written as
    given (an int as digits, a str as typed, None as an empty field). With
    ``report_date`` (one date, or a mapping period -> date) a ``report_date`` column
    (ISO ``YYYY-MM-DD``) is added. ``bom`` prefixes a UTF-8 BOM, as Excel does.
    """
    path = Path(path)
    header = ["unit_code", "period", "measure_code", "value"]
    if report_date is not None:
        header.append("report_date")
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for unit_code, period, measure_code, value in rows:
        line = [unit_code, period, measure_code, "" if value is None else str(value)]
        if report_date is not None:
            rd = report_date.get(period) if isinstance(report_date, Mapping) else report_date
            line.append(rd.isoformat() if rd else "")
        writer.writerow(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\ufeff" if bom else "").encode() + buf.getvalue().encode("utf-8"))
    return path
