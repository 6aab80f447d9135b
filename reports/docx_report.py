"""The official document (CONTRACT §12): bao_cao_<YYYY-MM>.docx, as the Tỉnh Đoàn issues it.

The Đoàn's document format (Hướng dẫn 29-HD/TWĐTN-VP): A4 portrait, margins 20 mm top
and bottom, 30 mm left, 15 mm right, Times New Roman 14 pt (the East-Asian and
complex-script font names are set too, so that Word does not substitute the Vietnamese
glyphs). The two-column header and the "Nơi nhận" / signature block are borderless
tables; page numbers are a PAGE field in the footer.

The wording of the results is the Markdown report's (reports/narrative.py); numbers go
through reports/vi_format.py. Unit names and messages are inserted as plain text runs
(python-docx escapes them; nothing is parsed as markup).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from reports.narrative import (
    SEVERITY_LABELS,
    indicator_paragraph,
    missing_section,
    pace_sentence,
    window_label,
)
from reports.pace import status_of
from reports.progress_data import ProgressRow, ReportData
from reports.tables import SEVERITY_ORDER, UNIT_OF_MEASURE, primary_rows
from reports.vi_format import number, percent

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
ANNEX_PT = 11
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]  # 165

# CONTRACT §3: optional settings and their defaults.
DEFAULT_SETTINGS = {
    "reporting_rate_target": "90",
    "on_time_rate_target": "75",
    "org_superior": "ĐOÀN TNCS HỒ CHÍ MINH",
    "document_symbol": "BC/TĐTN",
    "signer_title": "PHÓ BÍ THƯ",
    "signer_on_behalf": "TM. BAN THƯỜNG VỤ",
}

# The data-quality rules (CONTRACT §8) in the words of the document.
RULE_NAMES = {
    "part_exceeds_whole": "Số thành phần lớn hơn số tổng",
    "activations_exceed_pending": "Số kích hoạt VNeID vượt số hồ sơ chờ duyệt và đã nộp",
    "pending_unexplained": "Số tài khoản VNeID chờ duyệt tăng không rõ nguyên nhân",
    "stock_decreased": "Số tài khoản giảm so với tháng trước",
    "outlier_vs_history": "Số liệu bất thường so với các tháng trước của đơn vị",
    "exceeds_population": "Số chữ ký số vượt số công dân từ 14 tuổi trở lên",
    "cumulative_mismatch": "Lũy kế ghi trong báo cáo khác tổng các tháng",
    "targets_inconsistent": "Tổng chỉ tiêu giao đơn vị khác chỉ tiêu toàn tỉnh",
    "missing_submission": "Chưa nộp báo cáo",
    "late_submission": "Nộp báo cáo muộn",
    "monthly_equals_cumulative": "Số trong tháng bằng số lũy kế",
    "report_from_group": "Báo cáo của đơn vị có đơn vị trực thuộc",
    "revised_after_close": "Số liệu gửi lại sau khi đã chốt",
    "reorganisation_shares": "Tỷ lệ phân chia khi sắp xếp đơn vị không đủ 100%",
}
REJECTION_REASONS = "Dòng số liệu không nạp được"


@dataclass(frozen=True)
class DocumentSettings:
    org_name: str
    org_superior: str
    place_name: str
    document_symbol: str
    signer_title: str
    signer_on_behalf: str
    signer_name: str
    recipients: list[str]
    reporting_rate_target: float
    on_time_rate_target: float


def _float(value: str, default: str) -> float:
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return float(default)


def document_settings(data: ReportData) -> DocumentSettings:
    """settings.csv's §12 keys; a missing optional key takes its §3 default."""
    given = {k: v.strip() for k, v in data.settings.items() if v and v.strip()}
    value = {**DEFAULT_SETTINGS, **given}
    return DocumentSettings(
        org_name=value.get("org_name") or data.province_name.upper(),
        org_superior=value["org_superior"],
        place_name=value.get("place_name", ""),
        document_symbol=value["document_symbol"],
        signer_title=value["signer_title"],
        signer_on_behalf=value["signer_on_behalf"],
        signer_name=value.get("signer_name", ""),
        recipients=[r.strip() for r in value.get("recipients", "").split(";") if r.strip()],
        reporting_rate_target=_float(
            value["reporting_rate_target"], DEFAULT_SETTINGS["reporting_rate_target"]
        ),
        on_time_rate_target=_float(
            value["on_time_rate_target"], DEFAULT_SETTINGS["on_time_rate_target"]
        ),
    )


def date_line(place: str, issued_on: date) -> str:
    """'Bình An, ngày 06 tháng 5 năm 2024' (days 1–9 and months 1–2 with a leading 0)."""
    month = f"{issued_on.month:02d}" if issued_on.month < 3 else str(issued_on.month)
    text = f"ngày {issued_on.day:02d} tháng {month} năm {issued_on.year}"
    return f"{place}, {text}" if place else f"……, {text}"


def subject_line(as_of: date) -> str:
    return f"Kết quả thực hiện Đề án 5299 đến hết tháng {as_of.month} năm {as_of.year}"


# ---- low-level helpers ------------------------------------------------------------------


def _set_fonts(rpr_parent, size_pt: float | None = None) -> None:
    """Times New Roman for every script slot (ascii, hAnsi, eastAsia, cs), language vi-VN."""
    rpr = rpr_parent.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    if size_pt is not None:
        for tag in ("w:sz", "w:szCs"):
            element = rpr.find(qn(tag))
            if element is None:
                element = OxmlElement(tag)
                rpr.append(element)
            element.set(qn("w:val"), str(int(size_pt * 2)))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "vi-VN")


def _para(
    container,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: float | None = None,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = False,
    before: float = 0,
    after: float = 6,
    keep_next: bool = False,
):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if indent:
        fmt.first_line_indent = Mm(10)
    if keep_next:
        fmt.keep_with_next = True
    if text:
        _run(paragraph, text, bold=bold, italic=italic, underline=underline, size=size)
    return paragraph


def _run(paragraph, text: str, *, bold=False, italic=False, underline=False, size=None):
    run = paragraph.add_run(text)
    run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
    if size is not None:
        run.font.size = Pt(size)
    return run


def _cell_para(cell, text: str = "", **kwargs):
    """The cell's first paragraph (a new cell has one empty), then new ones."""
    kwargs.setdefault("after", 0)
    kwargs.setdefault("align", WD_ALIGN_PARAGRAPH.CENTER)
    first = cell.paragraphs[0]
    if len(cell.paragraphs) == 1 and not first.runs and not first.text:
        cell._element.remove(first._element)
    return _para(cell, text, **kwargs)


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


def _widths(table, widths_mm: list[float]) -> None:
    table.autofit = False
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=True):
        col.set(qn("w:w"), str(int(Mm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)


def _cell_margins(table, side_mm: float = 1.2) -> None:
    """Narrow left/right cell padding, so that figures fit their columns unwrapped."""
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:w"), str(int(Mm(side_mm).twips)))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    table._tbl.tblPr.append(margins)


def _keep_rows_whole(table, header_rows: int = 0) -> None:
    for index, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if index < header_rows:
            tr_pr.append(OxmlElement("w:tblHeader"))


def _grid_table(
    container,
    header: list[str],
    rows: list[list[str]],
    widths: list[float],
    size: float = TABLE_PT,
    left_cols: tuple[int, ...] = (1,),
):
    """A bordered table: the header row bold and repeated on every page; text columns
    (`left_cols`) left-aligned, figures right-aligned, never split inside a row."""
    table = container.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for col, text in enumerate(header):
        _cell_para(table.rows[0].cells[col], text, bold=True, size=size)
    for r, values in enumerate(rows, start=1):
        for col, text in enumerate(values):
            if col == 0:
                align = WD_ALIGN_PARAGRAPH.CENTER
            elif col in left_cols:
                align = WD_ALIGN_PARAGRAPH.LEFT
            else:
                align = WD_ALIGN_PARAGRAPH.RIGHT
            _cell_para(table.rows[r].cells[col], text, size=size, align=align)
    _widths(table, widths)
    _cell_margins(table)
    _keep_rows_whole(table, header_rows=1)
    return table


def _page_field(paragraph) -> None:
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    cached = OxmlElement("w:t")
    cached.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, cached, end):
        run._r.append(element)
    run.font.size = Pt(13)


# ---- the document's parts ---------------------------------------------------------------


def _page_setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance, section.footer_distance = Mm(10), Mm(8)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element, BODY_PT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name in ("Table Grid",):
        _set_fonts(document.styles[name].element)
    # The first page carries no number (the Đoàn's practice); the others, centred at the foot.
    section.different_first_page_header_footer = True
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(footer)


def _heading_block(document, data: ReportData, settings: DocumentSettings, issued_on: date):
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    _cell_para(left, settings.org_name, bold=True, size=BODY_PT)
    _cell_para(left, "***", size=BODY_PT)
    _cell_para(left, f"Số: …-{settings.document_symbol}", size=BODY_PT)
    _cell_para(right, settings.org_superior, bold=True, underline=True, size=15)
    _cell_para(right, "", size=BODY_PT)
    _cell_para(right, date_line(settings.place_name, issued_on), italic=True, size=BODY_PT)
    _widths(table, [72, TEXT_WIDTH_MM - 72])
    _para(
        document, "BÁO CÁO", bold=True, size=15, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=0
    )
    _para(document, subject_line(data.as_of), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _para(document, "-----", align=WD_ALIGN_PARAGRAPH.CENTER, after=12)


def _markdown_bold(paragraph, text: str) -> None:
    """The narrative's paragraph: its leading '**Chỉ tiêu N**' bold, the rest as text."""
    if text.startswith("**") and text.count("**") >= 2:
        _, head, rest = text.split("**", 2)
        _run(paragraph, head, bold=True)
        _run(paragraph, rest)
    else:
        _run(paragraph, text)


def _by_indicator(data: ReportData) -> dict[str, list[ProgressRow]]:
    by_indicator: dict[str, list[ProgressRow]] = {}
    for row in data.progress:
        by_indicator.setdefault(row.indicator_code, []).append(row)
    return by_indicator


def _indicator_label(code: str) -> str:
    return f"Chỉ tiêu {code.removeprefix('CT')}"


def _result_cells(row: ProgressRow) -> tuple[str, str, str]:
    """(target, result, percent) as printed: a rate against the target rate (§2)."""
    if row.target_kind == "rate":
        target = percent(row.target_value) if row.target_value is not None else "—"
        if not row.denominator:
            return target, "—", "—"
        result = f"{number(row.numerator)}/{number(row.denominator)}"
        return target, result, percent(row.actual_value)
    target = number(row.target_value) if row.target_value is not None else "—"
    done = percent(row.achievement_pct) if row.achievement_pct is not None else "—"
    return target, number(row.numerator), done


def _results_section(document, data: ReportData) -> None:
    _para(document, "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", bold=True, keep_next=True, before=6)
    for code, rows in _by_indicator(data).items():
        paragraph = _para(document, indent=True)
        _markdown_bold(paragraph, indicator_paragraph(code, rows, data.as_of, with_pace=False))
    _para(document, "Kết quả các chỉ tiêu (toàn tỉnh):", italic=True, keep_next=True, indent=True)
    table_rows = []
    for index, row in enumerate(data.progress, start=1):
        target, result, done = _result_cells(row)
        unit = UNIT_OF_MEASURE.get(row.indicator_code, "")
        name = f"{_indicator_label(row.indicator_code)} ({unit})"
        table_rows.append(
            [str(index), name, window_label(row), target, result, done, status_of(row).label]
        )
    _grid_table(
        document,
        [
            "TT",
            "Chỉ tiêu (đơn vị tính)",
            "Kỳ chỉ tiêu",
            "Chỉ tiêu giao",
            "Kết quả",
            "Tỷ lệ đạt",
            "Đánh giá",
        ],
        table_rows,
        [9, 30, 26, 21, 26, 20, 33],
        left_cols=(1, 2, 6),
    )
    _para(
        document,
        "Chỉ tiêu 1, 2: kết quả là tử số/mẫu số, tỷ lệ đạt là tỷ lệ thực hiện so với tỷ lệ "
        "chỉ tiêu giao; các chỉ tiêu khác: tỷ lệ đạt so với chỉ tiêu giao.",
        italic=True,
        size=TABLE_PT,
        before=3,
    )


def _rate(part: int, whole: int) -> str:
    return percent(100.0 * part / whole) if whole else "—"


def _month_phrase(as_of: date) -> str:
    return f"tháng {as_of.month}/{as_of.year}"


def _quality_section(document, data: ReportData, settings: DocumentSettings) -> None:
    _para(
        document, "II. TÌNH HÌNH BÁO CÁO VÀ CHẤT LƯỢNG SỐ LIỆU", bold=True, keep_next=True, before=6
    )
    on_time = data.units_submitted - len(data.units_late)
    month = _month_phrase(data.as_of)
    text = (
        f"Báo cáo {month}: {data.units_submitted}/{data.units_expected} đơn vị đã nộp "
        f"(tỷ lệ {_rate(data.units_submitted, data.units_expected)}, yêu cầu "
        f"{percent(settings.reporting_rate_target)}); nộp đúng hạn {on_time}/"
        f"{data.units_expected} đơn vị (tỷ lệ {_rate(on_time, data.units_expected)}, yêu cầu "
        f"{percent(settings.on_time_rate_target)})."
    )
    _para(document, "1. Tình hình nộp báo cáo", bold=True, italic=True, keep_next=True)
    _para(document, text, indent=True)
    if data.units_late:
        _para(document, f"Đơn vị nộp muộn: {', '.join(data.units_late)}.", indent=True)
    if data.units_missing:
        _para(document, f"Đơn vị chưa nộp: {', '.join(data.units_missing)}.", indent=True)
    earlier = missing_section(data)
    if earlier:
        _para(document, earlier[-1], indent=True)
    below = [
        u.unit_name
        for u in data.reporting
        if u.expected
        and (
            100.0 * u.received / u.expected < settings.reporting_rate_target
            or 100.0 * u.on_time / u.expected < settings.on_time_rate_target
        )
    ]
    if below:
        _para(
            document,
            f"Từ đầu năm {data.as_of.year}, các đơn vị có tỷ lệ nộp báo cáo hoặc nộp đúng hạn "
            f"dưới mức yêu cầu: {', '.join(below)} (chi tiết tại Phụ lục 2).",
            indent=True,
        )
    _para(document, "2. Chất lượng số liệu", bold=True, italic=True, keep_next=True)
    if not data.issues:
        _para(document, "Không phát hiện vấn đề chất lượng số liệu.", indent=True)
    else:
        counts = {s: sum(1 for i in data.issues if i.severity == s) for s in SEVERITY_ORDER}
        summary = ", ".join(f"{n} {SEVERITY_LABELS[s].lower()}" for s, n in counts.items() if n)
        _para(
            document,
            f"Qua kiểm tra, phát hiện {len(data.issues)} vấn đề về số liệu ({summary}), "
            "theo từng quy tắc kiểm tra:",
            indent=True,
            keep_next=True,
        )
        for rule_id, issues in _issues_by_rule(data):
            units = sorted({i.unit_name or i.unit_code or data.province_name for i in issues})
            label = SEVERITY_LABELS.get(issues[0].severity, issues[0].severity).lower()
            _para(
                document,
                f"- {RULE_NAMES.get(rule_id, rule_id)} ({label}): {len(issues)} trường hợp, "
                f"tại {', '.join(units)}.",
                indent=True,
                after=3,
            )
    if data.rejected_rows:
        _para(
            document,
            f"Có {len(data.rejected_rows)} dòng số liệu không nạp được do sai định dạng hoặc "
            "sai mã (chi tiết tại Phụ lục 2); đề nghị các đơn vị kiểm tra, gửi lại báo cáo.",
            indent=True,
        )


def _issues_by_rule(data: ReportData):
    groups: dict[str, list] = {}
    for issue in data.issues:
        groups.setdefault(issue.rule_id, []).append(issue)
    return sorted(
        groups.items(), key=lambda item: (SEVERITY_ORDER.get(item[1][0].severity, 9), item[0])
    )


def _assessment_section(document, data: ReportData) -> None:
    _para(
        document, "III. ĐÁNH GIÁ VÀ NHIỆM VỤ CÁC THÁNG CÒN LẠI", bold=True, keep_next=True, before=6
    )
    by_status: dict[str, list[str]] = {}
    for row in data.progress:
        label = _indicator_label(row.indicator_code)
        windows = [r for r in data.progress if r.indicator_code == row.indicator_code]
        if len(windows) > 1:
            label += f" ({window_label(row)})"
        by_status.setdefault(status_of(row).label, []).append(label)
    _para(document, "1. Đánh giá", bold=True, italic=True, keep_next=True)
    assessment = "; ".join(f"{status}: {', '.join(labels)}" for status, labels in by_status.items())
    _para(
        document,
        f"Đến hết {_month_phrase(data.as_of)}, so với chỉ tiêu và thời gian đã qua — {assessment}.",
        indent=True,
    )
    _para(
        document,
        "2. Tiến độ cần đạt trong các tháng còn lại",
        bold=True,
        italic=True,
        keep_next=True,
    )
    paces = [
        (row, sentence)
        for row in data.progress
        if (sentence := pace_sentence(row, data.as_of)) is not None
    ]
    if not paces:
        _para(document, "Không có chỉ tiêu đếm số nào còn phải theo dõi tiến độ.", indent=True)
    for row, sentence in paces:
        paragraph = _para(document, indent=True, after=3)
        _run(paragraph, f"- {_indicator_label(row.indicator_code)}: ", bold=True)
        _run(paragraph, sentence + ".")
    behind = [
        _indicator_label(code)
        for code, row in primary_rows(data).items()
        if row.status in ("behind", "far_behind")
    ]
    tasks = []
    if behind:
        tasks.append(
            f"tập trung đẩy nhanh tiến độ các chỉ tiêu còn chậm ({', '.join(behind)}), "
            "bảo đảm bình quân hằng tháng nêu trên"
        )
    tasks.append(
        "báo cáo đầy đủ, đúng hạn và đúng biểu mẫu; rà soát, giải trình các vấn đề số liệu "
        "nêu tại mục II và Phụ lục 2"
    )
    _para(document, "3. Nhiệm vụ", bold=True, italic=True, keep_next=True)
    _para(document, "Đề nghị các đơn vị " + "; ".join(tasks) + ".", indent=True, keep_next=True)


def _closing_block(document, settings: DocumentSettings) -> None:
    _para(document, "", after=0, keep_next=True)
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    _cell_para(left, "Nơi nhận:", bold=True, italic=True, size=12, align=WD_ALIGN_PARAGRAPH.LEFT)
    for recipient in settings.recipients:
        _cell_para(left, f"- {recipient};", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _cell_para(left, "- Lưu VP.", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _cell_para(right, settings.signer_on_behalf, bold=True, size=BODY_PT)
    _cell_para(right, settings.signer_title, bold=True, size=BODY_PT)
    for _ in range(4):  # room for the signature and the seal
        _cell_para(right, "", size=BODY_PT)
    _cell_para(right, settings.signer_name, bold=True, size=BODY_PT)
    _widths(table, [80, TEXT_WIDTH_MM - 80])
    _keep_rows_whole(table)


def _unit_table_rows(data: ReportData) -> tuple[list[str], list[list[str]]]:
    primary = primary_rows(data)
    codes = list(primary)
    units: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    for unit in data.unit_progress:
        row = primary.get(unit.indicator_code)
        if row is None or unit.window_key != row.window_key:
            continue
        names[unit.unit_code] = unit.unit_name
        if not unit.reported:
            shown = "—"
        elif unit.target_kind == "rate":
            shown = percent(unit.actual_value) if unit.actual_value is not None else "—"
        else:
            shown = number(unit.numerator)
        units.setdefault(unit.unit_code, {})[unit.indicator_code] = shown
    ordered = sorted(names, key=lambda code: names[code])
    rows = [
        [str(i), names[code], *(units[code].get(c, "") for c in codes)]
        for i, code in enumerate(ordered, start=1)
    ]
    total = ["", "Toàn tỉnh"]
    for code in codes:
        row = primary[code]
        total.append(
            percent(row.actual_value)
            if row.target_kind == "rate" and row.actual_value is not None
            else number(row.numerator)
        )
    rows.append(total)
    return codes, rows


def _annex(document, data: ReportData, settings: DocumentSettings) -> None:
    paragraph = _para(document, "PHỤ LỤC 1", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    paragraph.paragraph_format.page_break_before = True
    _para(
        document,
        f"Kết quả thực hiện các chỉ tiêu theo đơn vị đến hết {_month_phrase(data.as_of)}",
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=0,
    )
    _para(
        document,
        f"(Kèm theo Báo cáo số …-{settings.document_symbol})",
        italic=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=8,
    )
    codes, rows = _unit_table_rows(data)
    header = ["TT", "Đơn vị", *(_indicator_label(c).replace("Chỉ tiêu", "CT") for c in codes)]
    # Rates (a few characters) narrower than counts (up to 10.152 in bold).
    rates = sum(1 for c in codes if primary_rows(data)[c].target_kind == "rate")
    count_width = (TEXT_WIDTH_MM - 8 - 41 - 12 * rates) / max(len(codes) - rates, 1)
    widths = [12 if primary_rows(data)[c].target_kind == "rate" else count_width for c in codes]
    table = _grid_table(document, header, rows, [8, 41, *widths], size=ANNEX_PT)
    for cell in table.rows[-1].cells:
        for run in (r for p in cell.paragraphs for r in p.runs):
            run.bold = True
    primary = primary_rows(data)
    legend = "; ".join(
        f"CT{c.removeprefix('CT')}: {primary[c].indicator_name} ({window_label(primary[c])}"
        + (", tỷ lệ %" if primary[c].target_kind == "rate" else f", {UNIT_OF_MEASURE.get(c, '')}")
        + ")"
        for c in codes
    )
    _para(
        document,
        f"Ghi chú: {legend}; “—”: đơn vị chưa báo cáo số liệu của chỉ tiêu.",
        italic=True,
        size=ANNEX_PT,
        before=4,
    )
    _report_card(document, data, settings)


def _report_card(document, data: ReportData, settings: DocumentSettings) -> None:
    paragraph = _para(document, "PHỤ LỤC 2", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    paragraph.paragraph_format.page_break_before = True
    _para(
        document,
        f"Tình hình báo cáo và chất lượng số liệu từ tháng 1 đến hết {_month_phrase(data.as_of)}",
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=8,
    )
    _para(
        document,
        f"1. Tỷ lệ nộp báo cáo (yêu cầu {percent(settings.reporting_rate_target)}) và nộp "
        f"đúng hạn (yêu cầu {percent(settings.on_time_rate_target)})",
        bold=True,
        italic=True,
        keep_next=True,
    )
    issues_of: dict[str, dict[str, int]] = {}
    for issue in data.issues:
        if issue.unit_code:
            counts = issues_of.setdefault(issue.unit_code, {})
            counts[issue.severity] = counts.get(issue.severity, 0) + 1
    rows = []
    for index, unit in enumerate(data.reporting, start=1):
        reported = 100.0 * unit.received / unit.expected if unit.expected else None
        on_time = 100.0 * unit.on_time / unit.expected if unit.expected else None
        below = (reported is not None and reported < settings.reporting_rate_target) or (
            on_time is not None and on_time < settings.on_time_rate_target
        )
        counts = issues_of.get(unit.unit_code, {})
        rows.append(
            [
                str(index),
                unit.unit_name,
                f"{unit.received}/{unit.expected}",
                _rate(unit.received, unit.expected),
                f"{unit.on_time}/{unit.expected}",
                _rate(unit.on_time, unit.expected),
                *(str(counts.get(s, 0) or "") for s in SEVERITY_ORDER),
                "Chưa đạt" if below else "Đạt",
            ]
        )
    expected = sum(u.expected for u in data.reporting)
    received = sum(u.received for u in data.reporting)
    on_time_all = sum(u.on_time for u in data.reporting)
    rows.append(
        [
            "",
            "Toàn tỉnh",
            f"{received}/{expected}",
            _rate(received, expected),
            f"{on_time_all}/{expected}",
            _rate(on_time_all, expected),
            *(str(sum(1 for i in data.issues if i.severity == s) or "") for s in SEVERITY_ORDER),
            "",
        ]
    )
    table = _grid_table(
        document,
        [
            "TT",
            "Đơn vị",
            "Đã nộp",
            "Tỷ lệ nộp",
            "Đúng hạn",
            "Tỷ lệ đúng hạn",
            *SEVERITY_LABELS.values(),
            "Đánh giá",
        ],
        rows,
        [8, 42, 13, 14, 14, 15, 10, 14, 11, 24],
        size=ANNEX_PT,
    )
    for cell in table.rows[-1].cells:
        for run in (r for p in cell.paragraphs for r in p.runs):
            run.bold = True
    _para(
        document,
        "Ghi chú: số tháng phải nộp tính các tháng đơn vị hoạt động; cột Lỗi, Cảnh báo, Lưu ý "
        "là số vấn đề số liệu của đơn vị theo mức độ.",
        italic=True,
        size=ANNEX_PT,
        before=4,
    )
    _para(
        document,
        "2. Vấn đề số liệu theo quy tắc kiểm tra",
        bold=True,
        italic=True,
        keep_next=True,
        before=6,
    )
    if not data.issues:
        _para(document, "Không phát hiện vấn đề.", indent=True)
    else:
        rows = []
        for rule_id, issues in _issues_by_rule(data):
            for issue in issues:
                rows.append(
                    [
                        str(len(rows) + 1),
                        RULE_NAMES.get(rule_id, rule_id),
                        SEVERITY_LABELS.get(issue.severity, issue.severity),
                        issue.unit_name or issue.unit_code or data.province_name,
                        issue.message,
                    ]
                )
        _grid_table(
            document,
            ["TT", "Quy tắc kiểm tra", "Mức độ", "Đơn vị", "Nội dung"],
            rows,
            [8, 36, 17, 30, 74],
            size=ANNEX_PT,
            left_cols=(1, 2, 3, 4),
        )
    _para(document, "3. Số liệu không nạp được", bold=True, italic=True, keep_next=True, before=6)
    if not data.rejected_rows:
        _para(document, "Không có dòng số liệu nào bị loại.", indent=True)
    else:
        rows = [
            [
                str(index),
                rejected.file_name,
                str(rejected.row_number or ""),
                rejected.raw_value or "",
                rejected.message or rejected.reason_code,
            ]
            for index, rejected in enumerate(data.rejected_rows, start=1)
        ]
        _grid_table(
            document,
            ["TT", "Tệp báo cáo", "Dòng", "Giá trị", "Lý do"],
            rows,
            [8, 55, 14, 28, 60],
            size=ANNEX_PT,
            left_cols=(1, 3, 4),
        )


def build_document(data: ReportData, issued_on: date | None = None):
    """The python-docx Document of the month's official report."""
    issued_on = issued_on or datetime.now(TZ).date()
    settings = document_settings(data)
    document = Document()
    _page_setup(document)
    # The template's empty first paragraph would push the header down a line.
    body = document.element.body
    for paragraph in list(document.paragraphs):
        body.remove(paragraph._element)
    _heading_block(document, data, settings, issued_on)
    _results_section(document, data)
    _quality_section(document, data, settings)
    _assessment_section(document, data)
    _closing_block(document, settings)
    _annex(document, data, settings)
    core = document.core_properties
    core.title = f"Báo cáo {subject_line(data.as_of)}"
    core.author = settings.org_name
    core.language = "vi-VN"
    stamp = datetime(issued_on.year, issued_on.month, issued_on.day)
    core.created = core.modified = stamp
    core.last_modified_by = settings.org_name
    core.revision = 1
    return document


def write_docx(data: ReportData, path: Path, issued_on: date | None = None) -> Path:
    build_document(data, issued_on).save(str(path))
    return path


# ---- PDF through LibreOffice ------------------------------------------------------------

SOFFICE_TIMEOUT_S = 120


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(docx: Path, timeout: float = SOFFICE_TIMEOUT_S) -> Path | None:
    """<docx>.pdf beside it through `soffice --headless`; None (never raises) when there is
    no LibreOffice or the conversion fails. A private user profile per call, so that a
    desktop LibreOffice or a concurrent conversion does not block this one."""
    binary = soffice()
    if binary is None:
        return None
    target = docx.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="dean5299_soffice_") as tmp:
        profile = Path(tmp) / "profile"
        outdir = Path(tmp) / "out"
        command = [
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(docx),
        ]
        try:
            # Its own process group: on a timeout, soffice.bin goes too, not only the wrapper.
            process = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError:
            return None
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return None
        produced = outdir / f"{docx.stem}.pdf"
        if not produced.is_file() or produced.stat().st_size == 0:
            return None
        tmp_target = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(produced, tmp_target)
        tmp_target.replace(target)
    return target
