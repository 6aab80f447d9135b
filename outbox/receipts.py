"""Receipts ("Phiếu phản hồi", CONTRACT §11): what the province received from each
reporting unit for a month and what it found, plus the send list `danh_sach_gui.csv`.

Every figure is read from the published warehouse (marts; the unit's file versions
from intermediate.int_report_versions_ranked); this module only lays them out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from outbox.warehouse import Unit, connect, month_start, reporting_units
from reports.safe_text import csv_cell, is_formula_like
from reports.vi_format import number, percent

FOLDER = "phan_hoi"
SEND_LIST = "danh_sach_gui.csv"
SEND_LIST_HEADER = ("unit_code", "unit_name", "contact_email", "contact_zalo", "file")
SHEET = "PhieuPhanHoi"
_WIDTHS = (34, 22, 18, 16, 40, 14)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
FILE_STATUS = {
    "loaded": "Đã nạp",
    "partial": "Nạp một phần (có dòng bị loại)",
    "rejected": "Bị loại",
    "duplicate": "Trùng tệp đã nhận",
    "skipped": "Bỏ qua",
}
SEVERITY = {"error": "Lỗi", "warn": "Cảnh báo", "info": "Thông tin"}
WHAT_TO_CHECK = {
    "error": "Kiểm tra lại số liệu và gửi lại báo cáo đã sửa.",
    "warn": "Kiểm tra lại; nếu số liệu đúng, ghi rõ lý do ở cột Ghi chú.",
    "info": "Để biết, không cần gửi lại.",
}


def receipt_path(output: Path, period: dt.date, unit_code: str) -> Path:
    return Path(output) / FOLDER / f"{period:%Y-%m}" / f"{unit_code}.xlsx"


def _local(ts) -> str:
    if ts is None:
        return ""
    return ts.astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%d/%m/%Y %H:%M")


def _fmt(value, digits: int = 0) -> str:
    return "" if value is None else number(value, digits)


class _Sheet:
    """Rows written top to bottom; text from unit files is kept as text."""

    def __init__(self, ws) -> None:
        self.ws, self.row = ws, 0

    def line(self, *values, bold: bool = False, head: bool = False) -> None:
        self.row += 1
        for col, value in enumerate(values, start=1):
            cell = self.ws.cell(row=self.row, column=col, value=value)
            if isinstance(value, str) and is_formula_like(value):
                cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if bold or head:
                cell.font = Font(bold=True)
            if head:
                cell.fill = _HEAD_FILL

    def section(self, title: str) -> None:
        self.row += 1
        self.line(title, bold=True)


def _queries(con, unit: str, month: dt.date) -> dict[str, list[tuple]]:
    q = {}
    q["files"] = con.execute(
        """
        select v.file_name, v.received_at, f.status, f.rows_read, f.rows_loaded,
               f.rows_rejected, v.is_official
        from intermediate.int_report_versions_ranked v
        left join marts.fct_file_ingestion f using (file_name, sha256)
        where v.unit_code = ? and v.period = ?
        order by v.received_at, v.file_name
        """,
        [unit, month],
    ).fetchall()
    q["rejected"] = con.execute(
        """
        select r.file_name, r.row_number, r.measure_code, r.raw_value, r.message
        from marts.fct_rejected_rows r
        where r.file_name in (
            select file_name from intermediate.int_report_versions_ranked
            where unit_code = ? and period = ?)
        order by r.file_name, r.row_number
        """,
        [unit, month],
    ).fetchall()
    q["issues"] = con.execute(
        """
        select severity, rule_id, measure_code, message
        from marts.fct_data_quality_issues where unit_code = ? and period = ?
        order by case severity when 'error' then 0 when 'warn' then 1 else 2 end, rule_id
        """,
        [unit, month],
    ).fetchall()
    q["status"] = con.execute(
        """
        select period, status, is_late, received_at from marts.fct_submission_status
        where unit_code = ? and period between make_date(year(?2), 1, 1) and ?2
        order by period
        """,
        [unit, month],
    ).fetchall()
    q["progress"] = con.execute(
        """
        select p.indicator_code, i.indicator_name, i.target_kind, p.window_start, p.window_end,
               p.actual_value, p.target_value, p.achievement_pct, k.rank, k.units_ranked
        from marts.fct_indicator_progress p
        join marts.dim_indicator i using (indicator_code)
        left join marts.fct_unit_rankings k
          using (unit_code, as_of, indicator_code, window_start, window_end)
        where p.unit_code = ? and p.as_of = ?
        order by p.indicator_code, p.window_end, p.window_start
        """,
        [unit, month],
    ).fetchall()
    return q


def write_receipt(path: Path, unit: Unit, month: dt.date, data: dict[str, list[tuple]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    for i, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    s = _Sheet(ws)
    s.line(f"PHIẾU PHẢN HỒI BÁO CÁO ĐỀ ÁN 5299 — THÁNG {month:%m/%Y}", bold=True)
    s.line("Mã đơn vị", unit.unit_code)
    s.line("Tên đơn vị", unit.unit_name)

    s.section("1. Tệp đã nhận trong tháng")
    if data["files"]:
        s.line(
            "Tệp",
            "Thời điểm nhận",
            "Trạng thái",
            "Số dòng đọc / nạp / loại",
            "Bản được dùng",
            head=True,
        )
        for name, received, status, read, loaded, rejected, official in data["files"]:
            s.line(
                name,
                _local(received),
                FILE_STATUS.get(status, status or ""),
                f"{read or 0} / {loaded or 0} / {rejected or 0}",
                "Bản chính thức" if official else "Không (đã có bản khác thay thế)",
            )
    else:
        s.line("Chưa nhận được báo cáo nào của đơn vị cho tháng này.")

    s.section("2. Dòng bị loại")
    if data["rejected"]:
        s.line("Tệp", "Dòng", "Mã chỉ số", "Giá trị", "Lý do", head=True)
        for name, row, measure, raw, message in data["rejected"]:
            s.line(name, row, measure, raw, message)
    else:
        s.line("Không có dòng nào bị loại.")

    s.section("3. Vấn đề dữ liệu cần kiểm tra")
    if data["issues"]:
        s.line("Mức độ", "Quy tắc", "Mã chỉ số", "Nội dung", "Việc cần làm", head=True)
        for severity, rule, measure, message in data["issues"]:
            s.line(
                SEVERITY.get(severity, severity),
                rule,
                measure,
                message,
                WHAT_TO_CHECK.get(severity, ""),
            )
    else:
        s.line("Không phát hiện vấn đề nào.")

    s.section(f"4. Tình hình nộp báo cáo năm {month.year}")
    s.line("Tháng", "Tình trạng", "Thời điểm nhận", head=True)
    for period, status, late, received in data["status"]:
        label = "Chưa nộp" if status == "missing" else ("Nộp muộn" if late else "Đúng hạn")
        s.line(f"{period:%m/%Y}", label, _local(received))

    s.section(f"5. Tiến độ thực hiện chỉ tiêu (tính đến tháng {month:%m/%Y})")
    s.line("Chỉ tiêu", "Kỳ chỉ tiêu", "Kết quả", "Chỉ tiêu giao", "Đạt (%)", "Xếp hạng", head=True)
    for code, name, kind, start, end, actual, target, pct, rank, ranked in data["progress"]:
        rate = kind == "rate"  # the rate itself against the target rate (CONTRACT §2)
        s.line(
            f"{code}. {name}",
            f"{start:%m/%Y}–{end:%m/%Y}",
            percent(actual) if rate and actual is not None else _fmt(actual),
            percent(target) if rate and target is not None else _fmt(target),
            "" if pct is None else percent(pct),
            f"{rank}/{ranked}" if rank is not None else "",
        )
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_receipts(warehouse: Path, output: Path, period: str | dt.date) -> list[Path]:
    """Write the month's receipt for every reporting unit active in it and the send list;
    return the receipts' paths."""
    month = month_start(period)
    with connect(warehouse) as con:
        units = reporting_units(con, month)
        data = {unit.unit_code: _queries(con, unit.unit_code, month) for unit in units}
    written = [
        write_receipt(receipt_path(output, month, u.unit_code), u, month, data[u.unit_code])
        for u in units
    ]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SEND_LIST_HEADER)
    for unit, path in zip(units, written, strict=True):
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    unit.unit_code,
                    unit.unit_name,
                    unit.contact_email,
                    unit.contact_zalo,
                    path.name,
                )
            ]
        )
    folder = Path(output) / FOLDER / f"{month:%Y-%m}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SEND_LIST).write_text(buf.getvalue(), encoding="utf-8")
    return written
