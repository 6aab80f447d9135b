"""Receipts ("Phiếu phản hồi", CONTRACT §11): what the province received from each
reporting unit for a month and what it found, plus the send list `danh_sach_gui.csv`.

Every figure is read from the published warehouse (marts; the unit's file versions
from intermediate.int_report_versions_ranked); this module only lays them out, once
(`receipt_content`), in two twins: `<unit>.xlsx` and `<unit>.html` (one column on a
phone). Both are byte-for-byte the same when the warehouse says the same, so the
sending log (outbox.sending) re-sends a receipt only when its content changed.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from forms.safe_text import csv_cell, is_formula_like
from forms.template import save_deterministic
from forms.vi_format import number, percent
from outbox.warehouse import Unit, columns, connect, month_start, reporting_units

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
NOTHING_RECEIVED = "Chưa nhận được báo cáo nào của đơn vị cho tháng này."
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


@dataclass
class Section:
    """One numbered part of the receipt: a table, or one line saying there is nothing."""

    title: str
    header: tuple[str, ...] = ()
    rows: list[tuple] = field(default_factory=list)
    empty: str = ""  # the line shown instead of an empty table


@dataclass
class Receipt:
    title: str
    unit: Unit
    month: dt.date
    sections: list[Section]


def receipt_content(unit: Unit, month: dt.date, data: dict[str, list[tuple]]) -> Receipt:
    """What a receipt says, in the order it says it (both twins render exactly this)."""
    files = Section("1. Tệp đã nhận trong tháng", empty=NOTHING_RECEIVED)
    if data["files"]:
        files.header = (
            "Tệp",
            "Thời điểm nhận",
            "Trạng thái",
            "Số dòng đọc / nạp / loại",
            "Bản được dùng",
        )
        for name, received, status, read, loaded, rejected, official in data["files"]:
            files.rows.append(
                (
                    name,
                    _local(received),
                    FILE_STATUS.get(status, status or ""),
                    f"{read or 0} / {loaded or 0} / {rejected or 0}",
                    "Bản chính thức" if official else "Không (đã có bản khác thay thế)",
                )
            )
    rejected = Section(
        "2. Dòng bị loại",
        ("Tệp", "Dòng", "Mã chỉ số", "Giá trị", "Lý do"),
        [tuple(row) for row in data["rejected"]],
        "Không có dòng nào bị loại.",
    )
    issues = Section(
        "3. Vấn đề dữ liệu cần kiểm tra",
        ("Mức độ", "Vấn đề", "Mã chỉ số", "Nội dung", "Cần kiểm tra"),
        empty="Không phát hiện vấn đề nào.",
    )
    for severity, rule, name, measure, message, check in data["issues"]:
        issues.rows.append(
            (
                SEVERITY.get(severity, severity),
                name or rule,
                measure,
                message,
                check or WHAT_TO_CHECK.get(severity, ""),
            )
        )
    status = Section(
        f"4. Tình hình nộp báo cáo năm {month.year}",
        ("Tháng", "Tình trạng", "Thời điểm nhận"),
        empty="Chưa đến hạn nộp báo cáo tháng nào trong năm.",
    )
    for period, state, late, received in data["status"]:
        label = "Chưa nộp" if state == "missing" else ("Nộp muộn" if late else "Đúng hạn")
        status.rows.append((f"{period:%m/%Y}", label, _local(received)))
    progress = Section(
        f"5. Tiến độ thực hiện chỉ tiêu (tính đến tháng {month:%m/%Y})",
        ("Chỉ tiêu", "Kỳ chỉ tiêu", "Kết quả", "Chỉ tiêu giao", "Đạt (%)", "Xếp hạng"),
        empty="Chưa có chỉ tiêu giao cho đơn vị trong kỳ này.",
    )
    for code, name, kind, start, end, actual, target, pct, rank, ranked in data["progress"]:
        rate = kind == "rate"  # the rate itself against the target rate (CONTRACT §2)
        progress.rows.append(
            (
                f"{code}. {name}",
                f"{start:%m/%Y}–{end:%m/%Y}",
                percent(actual) if rate and actual is not None else _fmt(actual),
                percent(target) if rate and target is not None else _fmt(target),
                "" if pct is None else percent(pct),
                f"{rank}/{ranked}" if rank is not None else "",
            )
        )
    return Receipt(
        f"PHIẾU PHẢN HỒI BÁO CÁO ĐỀ ÁN 5299 — THÁNG {month:%m/%Y}",
        unit,
        month,
        [files, rejected, issues, status, progress],
    )


# One style object each, shared by every cell: openpyxl hashes a new one per cell.
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_BOLD = Font(bold=True)


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
            cell.alignment = _WRAP_TOP
            if bold or head:
                cell.font = _BOLD
            if head:
                cell.fill = _HEAD_FILL

    def section(self, title: str) -> None:
        self.row += 1
        self.line(title, bold=True)


def _grouped(con, sql: str, params: list) -> dict[str, list[tuple]]:
    """Rows of a query whose first column is the unit code, by unit, in query order."""
    grouped: dict[str, list[tuple]] = {}
    for unit, *rest in con.execute(sql, params).fetchall():
        grouped.setdefault(unit, []).append(tuple(rest))
    return grouped


def _queries(con, month: dt.date, units: list[str]) -> dict[str, dict[str, list[tuple]]]:
    """Each of `units`' receipt rows of the month, by section (empty where a unit has
    none): one query per section for all units (a query per unit and section was half a
    2.000-unit run), grouped by unit."""
    sections = {}
    sections["files"] = _grouped(
        con,
        """
        select v.unit_code, v.file_name, v.received_at, f.status, f.rows_read, f.rows_loaded,
               f.rows_rejected, v.is_official
        from intermediate.int_report_versions_ranked v
        left join marts.fct_file_ingestion f using (file_name, sha256)
        where v.period = ?
        order by v.unit_code, v.received_at, v.file_name
        """,
        [month],
    )
    sections["rejected"] = _grouped(
        con,
        """
        select v.unit_code, r.file_name, r.row_number, r.measure_code, r.raw_value, r.message
        from marts.fct_rejected_rows r
        join (select distinct unit_code, file_name from intermediate.int_report_versions_ranked
              where period = ?) v using (file_name)
        order by v.unit_code, r.file_name, r.row_number
        """,
        [month],
    )
    # Rule names and what to check come from the rule catalogue (marts.dim_data_quality_rule)
    # when the warehouse has it; an older one falls back to the severity's advice.
    catalogue = bool(columns(con, "marts", "dim_data_quality_rule"))
    rule = (
        "left join marts.dim_data_quality_rule r using (rule_id)"
        if catalogue
        else "left join (select null::varchar as rule_id, null::varchar as name_vi, "
        "null::varchar as check_vi) r using (rule_id)"
    )
    sections["issues"] = _grouped(
        con,
        f"""
        select i.unit_code, i.severity, i.rule_id, r.name_vi, i.measure_code, i.message,
               r.check_vi
        from marts.fct_data_quality_issues i {rule}
        where i.period = ?
        order by i.unit_code,
                 case i.severity when 'error' then 0 when 'warn' then 1 else 2 end,
                 i.rule_id, i.measure_code
        """,
        [month],
    )
    sections["status"] = _grouped(
        con,
        """
        select unit_code, period, status, is_late, received_at from marts.fct_submission_status
        where period between make_date(year(?1), 1, 1) and ?1
        order by unit_code, period
        """,
        [month],
    )
    sections["progress"] = _grouped(
        con,
        """
        select p.unit_code, p.indicator_code, i.indicator_name, i.target_kind, p.window_start,
               p.window_end, p.actual_value, p.target_value, p.achievement_pct, k.rank,
               k.units_ranked
        from marts.fct_indicator_progress p
        join marts.dim_indicator i using (indicator_code)
        left join marts.fct_unit_rankings k
          using (unit_code, as_of, indicator_code, window_start, window_end)
        where p.as_of = ?
        order by p.unit_code, p.indicator_code, p.window_end, p.window_start
        """,
        [month],
    )
    return {
        unit: {name: rows.get(unit, []) for name, rows in sections.items()} for unit in units
    }


def write_receipt(path: Path, receipt: Receipt) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    for i, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    s = _Sheet(ws)
    s.line(receipt.title, bold=True)
    s.line("Mã đơn vị", receipt.unit.unit_code)
    s.line("Tên đơn vị", receipt.unit.unit_name)
    for section in receipt.sections:
        s.section(section.title)
        if section.rows:
            s.line(*section.header, head=True)
            for row in section.rows:
                s.line(*row)
        else:
            s.line(section.empty)
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.properties.title = receipt.title
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same content, same bytes: the sending log compares the receipt's sha256.
    first = receipt.month
    save_deterministic(wb, path, dt.datetime(first.year, first.month, 1, 8, 0, 0))
    return path


_CSS = """
body{font-family:Arial,"Segoe UI",Roboto,sans-serif;color:#222;line-height:1.45;
  margin:0 auto;padding:12px;max-width:960px}
h1{font-size:1.15rem;margin:.2em 0 .6em}
h2{font-size:1rem;margin:1.4em 0 .5em;padding-bottom:.2em;border-bottom:2px solid #ddebf7}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em .8em;margin:0}
dt{font-weight:bold}dd{margin:0}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top;
  overflow-wrap:break-word}
th{background:#ddebf7}
p.empty{font-style:italic;margin:.3em 0}
@media (max-width:640px){
  thead{display:none}
  table,tbody,tr,td{display:block;width:100%;box-sizing:border-box}
  tr{border:1px solid #ccc;margin:0 0 .6em}
  td{border:0;border-bottom:1px solid #eee;overflow-wrap:anywhere}
  td::before{content:attr(data-label);display:block;font-size:.8em;color:#555}
}
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def receipt_html(receipt: Receipt) -> str:
    """The receipt as one HTML page readable on a phone (360 px: each table row becomes a
    card of label/value lines) and on a desktop (a table). No script, no external file."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="vi"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" "
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{_e(receipt.title)} — {_e(receipt.unit.unit_code)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(receipt.title)}</h1>",
        f"<dl><dt>Mã đơn vị</dt><dd>{_e(receipt.unit.unit_code)}</dd>"
        f"<dt>Tên đơn vị</dt><dd>{_e(receipt.unit.unit_name)}</dd></dl>",
    ]
    for section in receipt.sections:
        out.append(f"<h2>{_e(section.title)}</h2>")
        if not section.rows:
            out.append(f'<p class="empty">{_e(section.empty)}</p>')
            continue
        head = "".join(f'<th scope="col">{_e(h)}</th>' for h in section.header)
        out.append(f"<table><thead><tr>{head}</tr></thead><tbody>")
        for row in section.rows:
            cells = "".join(
                f'<td data-label="{_e(h)}">{_e(v)}</td>'
                for h, v in zip(section.header, row, strict=True)
            )
            out.append(f"<tr>{cells}</tr>")
        out.append("</tbody></table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_receipt_html(path: Path, receipt: Receipt) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(receipt_html(receipt), encoding="utf-8")
    return path


def write_receipts(warehouse: Path, output: Path, period: str | dt.date) -> list[Path]:
    """Write the month's receipt for every reporting unit active in it and the send list;
    return the receipts' paths."""
    month = month_start(period)
    with connect(warehouse) as con:
        units = reporting_units(con, month)
        data = _queries(con, month, [unit.unit_code for unit in units])
    written = []
    for unit in units:
        receipt = receipt_content(unit, month, data[unit.unit_code])
        path = receipt_path(output, month, unit.unit_code)
        written.append(write_receipt(path, receipt))
        write_receipt_html(path.with_suffix(".html"), receipt)
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
