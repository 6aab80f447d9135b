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

from forms.vi_format import number, percent
from reports.children_table import (
    CHILDREN_NOTE,
    CHILDREN_TITLE,
    cell_text,
    children_columns,
    children_rows,
)
from reports.pace import status_of
from reports.progress_data import ProgressRow, ReportData
from reports.report_settings import ReportSettings
from reports.tables import (
    CHILDREN_SHEET,
    ISSUES_SHEET,
    LIST_LIMIT,
    REJECTED_SHEET,
    SEVERITY_ORDER,
    first_rows,
    primary_rows,
)
from reports.vi_collate import vi_sort_key, vi_sorted
from reports.wording import (
    SEVERITY_LABELS,
    assessment_sentence,
    indicator_label,
    indicator_paragraphs,
    issue_unit_name,
    issues_by_rule,
    issues_intro,
    issues_summary,
    month_phrase,
    more_rows_sentence,
    pace_paragraphs,
    rejected_sentence,
    reporting_paragraphs,
    results_intro,
    rule_name,
    settings_of,
    subject_line,
    tasks_sentence,
    total_label,
    window_label,
)

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
ANNEX_PT = 11
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]  # 165


def date_line(place: str, issued_on: date) -> str:
    """'Bình An, ngày 06 tháng 5 năm 2024' (days 1–9 and months 1–2 with a leading 0)."""
    month = f"{issued_on.month:02d}" if issued_on.month < 3 else str(issued_on.month)
    text = f"ngày {issued_on.day:02d} tháng {month} năm {issued_on.year}"
    return f"{place}, {text}" if place else f"……, {text}"


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
    # python-docx builds the list of every row on each `table.rows[r]`: take the list once
    # per table (and the cells once per row), or an annex costs the square of its length.
    table_rows = list(table.rows)
    for col, text in enumerate(header):
        _cell_para(table_rows[0].cells[col], text, bold=True, size=size)
    for r, values in enumerate(rows, start=1):
        cells = table_rows[r].cells
        for col, text in enumerate(values):
            if col == 0:
                align = WD_ALIGN_PARAGRAPH.CENTER
            elif col in left_cols:
                align = WD_ALIGN_PARAGRAPH.LEFT
            else:
                align = WD_ALIGN_PARAGRAPH.RIGHT
            _cell_para(cells[col], text, size=size, align=align)
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


def _heading_block(document, data: ReportData, settings: ReportSettings, issued_on: date):
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
    _para(document, subject_line(data), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _para(document, "-----", align=WD_ALIGN_PARAGRAPH.CENTER, after=12)


def _markdown_bold(paragraph, text: str) -> None:
    """The wording's paragraph: its leading '**Chỉ tiêu N**' bold, the rest as text."""
    if text.startswith("**") and text.count("**") >= 2:
        _, head, rest = text.split("**", 2)
        _run(paragraph, head, bold=True)
        _run(paragraph, rest)
    else:
        _run(paragraph, text)


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
    intro = results_intro(data)
    if intro:
        _para(document, intro, indent=True)
    for _, text in indicator_paragraphs(data):
        _markdown_bold(_para(document, indent=True), text)
    _para(
        document,
        f"Kết quả các chỉ tiêu ({data.province_name}):",
        italic=True,
        keep_next=True,
        indent=True,
    )
    table_rows = []
    for index, row in enumerate(data.progress, start=1):
        target, result, done = _result_cells(row)
        unit = row.unit_of_measure
        name = f"{indicator_label(row.indicator_code)} ({unit})"
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


def _quality_section(document, data: ReportData) -> None:
    _para(
        document, "II. TÌNH HÌNH BÁO CÁO VÀ CHẤT LƯỢNG SỐ LIỆU", bold=True, keep_next=True, before=6
    )
    _para(document, "1. Tình hình nộp báo cáo", bold=True, italic=True, keep_next=True)
    for sentence in reporting_paragraphs(data):
        _para(document, sentence, indent=True)
    _para(document, "2. Chất lượng số liệu", bold=True, italic=True, keep_next=True)
    intro = issues_intro(data)
    if intro:
        _para(document, intro + " Theo từng quy tắc kiểm tra:", indent=True, keep_next=True)
    for sentence in issues_summary(data):
        _para(document, f"- {sentence}" if intro else sentence, indent=True, after=3)
    rejected = rejected_sentence(data)
    if rejected:
        _para(document, rejected + " Chi tiết tại Phụ lục 2.", indent=True)


def _assessment_section(document, data: ReportData) -> None:
    _para(
        document, "III. ĐÁNH GIÁ VÀ NHIỆM VỤ CÁC THÁNG CÒN LẠI", bold=True, keep_next=True, before=6
    )
    _para(document, "1. Đánh giá", bold=True, italic=True, keep_next=True)
    _para(document, assessment_sentence(data), indent=True)
    _para(
        document,
        "2. Tiến độ cần đạt trong các tháng còn lại",
        bold=True,
        italic=True,
        keep_next=True,
    )
    paces = pace_paragraphs(data)
    if not paces:
        _para(document, "Không có chỉ tiêu đếm số nào còn phải theo dõi tiến độ.", indent=True)
    for sentence in paces:
        _para(document, sentence, indent=True, after=3)
    _para(document, "3. Nhiệm vụ", bold=True, italic=True, keep_next=True)
    _para(document, tasks_sentence(data), indent=True, keep_next=True)


def _closing_block(document, settings: ReportSettings) -> None:
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
    ordered, total_units = first_rows(sorted(names, key=lambda code: vi_sort_key(names[code])))
    rows = [
        [str(i), names[code], *(units[code].get(c, "") for c in codes)]
        for i, code in enumerate(ordered, start=1)
    ]
    total = ["", total_label(data)]
    for code in codes:
        row = primary[code]
        total.append(
            percent(row.actual_value)
            if row.target_kind == "rate" and row.actual_value is not None
            else number(row.numerator)
        )
    rows.append(total)
    return codes, rows, total_units


def _more(document, data: ReportData, shown: int, total: int, what: str, table: str, sheet=None):
    """Under a list cut short (reports.tables.LIST_LIMIT): where the full list is."""
    sentence = more_rows_sentence(data, shown, total, what, table, sheet)
    if sentence:
        _para(document, sentence, italic=True, size=ANNEX_PT, before=4)


def _annex_heading(document, number: int, title: str, settings=None) -> None:
    """'PHỤ LỤC n' on a new page, its title, and '(Kèm theo Báo cáo số …)' with `settings`."""
    centre = WD_ALIGN_PARAGRAPH.CENTER
    paragraph = _para(document, f"PHỤ LỤC {number}", bold=True, align=centre, after=0)
    paragraph.paragraph_format.page_break_before = True
    _para(document, title, bold=True, align=centre, after=0 if settings else 8)
    if settings is not None:
        symbol = f"(Kèm theo Báo cáo số …-{settings.document_symbol})"
        _para(document, symbol, italic=True, align=centre, after=8)


def _bold_last_row(table) -> None:
    """The total row."""
    for cell in table.rows[-1].cells:
        for run in (r for p in cell.paragraphs for r in p.runs):
            run.bold = True


def _annex_list(document, data: ReportData, header, rows, widths, left_cols, whole) -> None:
    """A list of the annex (its first rows) and, when rows were left out, where they all are:
    `whole` is (how many in all, what they are, the mart, the workbook's sheet)."""
    _grid_table(document, header, rows, widths, size=ANNEX_PT, left_cols=left_cols)
    total, what, mart, sheet = whole
    _more(document, data, len(rows), total, what, mart, sheet)


def _annex(document, data: ReportData, settings: ReportSettings) -> None:
    title = f"Kết quả thực hiện các chỉ tiêu theo đơn vị đến hết {month_phrase(data.as_of)}"
    _annex_heading(document, 1, title, settings)
    codes, rows, total_units = _unit_table_rows(data)
    header = ["TT", "Đơn vị", *(indicator_label(c).replace("Chỉ tiêu", "CT") for c in codes)]
    # Rates (a few characters) narrower than counts (up to 10.152 in bold).
    rates = sum(1 for c in codes if primary_rows(data)[c].target_kind == "rate")
    count_width = (TEXT_WIDTH_MM - 8 - 41 - 12 * rates) / max(len(codes) - rates, 1)
    widths = [12 if primary_rows(data)[c].target_kind == "rate" else count_width for c in codes]
    _bold_last_row(_grid_table(document, header, rows, [8, 41, *widths], size=ANNEX_PT))
    primary = primary_rows(data)
    legend = "; ".join(
        f"CT{c.removeprefix('CT')}: {primary[c].indicator_name} ({window_label(primary[c])}"
        + (", tỷ lệ %" if primary[c].target_kind == "rate" else f", {primary[c].unit_of_measure}")
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
    sheets = f"{codes[0]}–{codes[-1]}" if len(codes) > 1 else "".join(codes)
    _more(document, data, len(rows) - 1, total_units, "đơn vị", "marts.fct_unit_rankings", sheets)
    _report_card(document, data, settings)


def _report_card(document, data: ReportData, settings: ReportSettings) -> None:
    title = f"Tình hình báo cáo và chất lượng số liệu từ tháng 1 đến hết {month_phrase(data.as_of)}"
    _annex_heading(document, 2, title)
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
    reporting, reporting_total = first_rows(vi_sorted(data.reporting, key=lambda u: u.unit_name))
    for index, unit in enumerate(reporting, 1):
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
            total_label(data),
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
    _bold_last_row(table)
    _para(
        document,
        "Ghi chú: số tháng phải nộp tính các tháng đơn vị hoạt động; cột Lỗi, Cảnh báo, Lưu ý "
        "là số vấn đề số liệu của đơn vị theo mức độ.",
        italic=True,
        size=ANNEX_PT,
        before=4,
    )
    _more(document, data, len(reporting), reporting_total, "đơn vị", "marts.fct_reporting_rates")
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
        for rule_id, issues in issues_by_rule(data):
            for issue in sorted(issues, key=lambda i: vi_sort_key(issue_unit_name(data, i))):
                if len(rows) == LIST_LIMIT:
                    break
                rows.append(
                    [
                        str(len(rows) + 1),
                        rule_name(data, rule_id),
                        SEVERITY_LABELS.get(issue.severity, issue.severity),
                        issue_unit_name(data, issue),
                        issue.message,
                    ]
                )
        header = ["TT", "Quy tắc kiểm tra", "Mức độ", "Đơn vị", "Nội dung"]
        whole = (len(data.issues), "vấn đề", "marts.fct_data_quality_issues", ISSUES_SHEET)
        _annex_list(document, data, header, rows, [8, 36, 17, 30, 74], (1, 2, 3, 4), whole)
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
            for index, rejected in enumerate(data.rejected_rows[:LIST_LIMIT], start=1)
        ]
        header = ["TT", "Tệp báo cáo", "Dòng", "Giá trị", "Lý do"]
        whole = (len(data.rejected_rows), "dòng", "marts.fct_rejected_rows", REJECTED_SHEET)
        _annex_list(document, data, header, rows, [8, 55, 14, 28, 60], (1, 3, 4), whole)


def _children_annex(document, data: ReportData, settings: ReportSettings) -> None:
    """Phụ lục 3: the direct children's figures (reports/children_table.py), only when a
    child is a group (a former province, a cluster); otherwise Phụ lục 1 already lists
    every child."""
    if not any(child.level == "group" for child in data.children):
        return
    _annex_heading(document, 3, f"{CHILDREN_TITLE} đến hết {month_phrase(data.as_of)}", settings)
    codes = [code for code, _ in children_columns(data)]
    rows, number_of = [], 0
    children, total_children = first_rows(children_rows(data))
    for child in children:
        for code, cell in zip(codes, child.cells, strict=True):
            number_of += 1
            name = child.unit_name + (" (tổng hợp)" if child.level == "group" else "")
            rows.append([str(number_of), name, indicator_label(code), cell_text(cell)])
    _grid_table(document, ["TT", "Đơn vị", "Chỉ tiêu", "Kết quả / chỉ tiêu giao (tỷ lệ đạt)"],
                rows, [10, 60, 30, 60], size=ANNEX_PT, left_cols=(1, 2))  # fmt: skip
    _para(document, CHILDREN_NOTE, italic=True, size=ANNEX_PT, before=4)
    _more(document, data, len(children), total_children, "đơn vị",
          "marts.fct_indicator_progress", CHILDREN_SHEET)  # fmt: skip


def build_document(data: ReportData, issued_on: date | None = None):
    """The python-docx Document of the month's official report."""
    issued_on = issued_on or datetime.now(TZ).date()
    settings = settings_of(data)
    document = Document()
    _page_setup(document)
    # The template's empty first paragraph would push the header down a line.
    body = document.element.body
    for paragraph in list(document.paragraphs):
        body.remove(paragraph._element)
    _heading_block(document, data, settings, issued_on)
    _results_section(document, data)
    _quality_section(document, data)
    _assessment_section(document, data)
    _closing_block(document, settings)
    _annex(document, data, settings)
    _children_annex(document, data, settings)
    core = document.core_properties
    core.title = f"Báo cáo {subject_line(data)}"
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
