"""The official document (CONTRACT §12): the shipped sample's April 2024 .docx, read back
with python-docx; slow: LibreOffice's PDF of it, read back with poppler."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

# The sample's tests need the session's sample run (~1–2 min): marked slow.


@pytest.fixture(scope="module")
def sample_docx(tmp_path_factory, dbt_manifest):
    from test_reports_support import sample_run_once

    ws = sample_run_once(tmp_path_factory)
    path = ws.output / "2024-04" / "bao_cao_2024-04.docx"
    assert path.is_file()
    return path


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


@pytest.mark.slow
def test_page_setup_and_font(sample_docx):
    document = Document(str(sample_docx))
    section = document.sections[0]
    # Lengths are stored in twips: compare in whole millimetres.
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert section.page_width < section.page_height  # portrait
    assert 20 <= round(section.top_margin.mm) <= 25
    assert 20 <= round(section.bottom_margin.mm) <= 25
    assert 30 <= round(section.left_margin.mm) <= 35
    assert 15 <= round(section.right_margin.mm) <= 20
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert Pt(13) <= normal.font.size <= Pt(14)
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert {fonts.get(qn(f"w:{slot}")) for slot in ("ascii", "hAnsi", "eastAsia", "cs")} == {
        "Times New Roman"
    }
    footer_xml = section.footer._element.xml
    assert "PAGE" in footer_xml  # the page-number field


@pytest.mark.slow
def test_header_title_and_sections(sample_docx):
    document = Document(str(sample_docx))
    header = document.tables[0]
    left, right = (cell.text.splitlines() for cell in header.rows[0].cells)
    assert left == ["BCH TỈNH ĐOÀN BÌNH AN", "***", "Số: …-BC/TĐTN"]
    assert right[0] == "ĐOÀN TNCS HỒ CHÍ MINH"
    assert all(run.underline for run in header.rows[0].cells[1].paragraphs[0].runs)
    date_paragraph = header.rows[0].cells[1].paragraphs[-1]
    assert re.fullmatch(r"Bình An, ngày \d\d tháng \d\d? năm \d{4}", date_paragraph.text)
    assert all(run.italic for run in date_paragraph.runs)
    assert "tblBorders" in header._tbl.xml and 'w:val="nil"' in header._tbl.xml
    texts = [p.text for p in document.paragraphs]
    title = texts.index("BÁO CÁO")
    assert document.paragraphs[title].runs[0].bold
    assert texts[title + 1] == "Kết quả thực hiện Đề án 5299 đến hết tháng 4 năm 2024"
    for heading in (
        "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU",
        "II. TÌNH HÌNH BÁO CÁO VÀ CHẤT LƯỢNG SỐ LIỆU",
        "III. ĐÁNH GIÁ VÀ NHIỆM VỤ CÁC THÁNG CÒN LẠI",
        "PHỤ LỤC 1",
        "PHỤ LỤC 2",
    ):
        assert heading in texts, heading
    assert texts.index("I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU") < texts.index("PHỤ LỤC 1")


@pytest.mark.slow
def test_the_published_figures_as_printed(sample_docx):
    text = all_text(Document(str(sample_docx)))
    for phrase in (
        "3.857/45.600",
        "đạt tỷ lệ 8%",
        "1.458/1.669",
        "đạt tỷ lệ 87%",
        "21.458 hồ sơ, đạt 33%",
        "66.000",
        "333 tin, bài, đạt 16%",
        "8.313 hộ gia đình, đạt 5%",
        "26.353 công dân, đạt 9%",
        "10.152 công dân, đạt 7%",
        "tăng hơn 21% so với thời điểm hết quý I/2024",
        "còn lại 4.572 tài khoản đang ở trạng thái chờ duyệt",
        "190.759",
        # section III: the pace, said once for the year's indicators (the wording module's)
        "trong 8 tháng còn lại mỗi tháng cần bình quân: Chỉ tiêu 3: 5.568 hồ sơ",
        # section II: submissions and issues, rule names in Vietnamese
        "10/10 đơn vị đã nộp, tỷ lệ nộp báo cáo 100% (yêu cầu 90%)",
        "10/10 đơn vị nộp đúng hạn, tỷ lệ đúng hạn 100% (yêu cầu 75%)",
        "đơn vị có tỷ lệ nộp báo cáo dưới 90%: Huyện Đoàn Long Thủy (3/4 báo cáo, 75%)",
        "Huyện Đoàn Long Thủy (tháng 2/2024)",
        "Số thành phần lớn hơn số tổng (lỗi): 1 trường hợp, tại Huyện Đoàn Bắc Hòa",
    ):
        assert phrase in text, phrase
    assert "part_exceeds_whole" not in text and "missing_submission" not in text
    assert text.count("Để đạt chỉ tiêu năm 2024") == 1  # the pace said once, not per indicator


@pytest.mark.slow
def test_indicator_table_and_annexes(sample_docx):
    document = Document(str(sample_docx))
    indicators = next(t for t in document.tables if t.rows[0].cells[1].text.startswith("Chỉ tiêu"))
    rows = [[c.text for c in row.cells] for row in indicators.rows]
    assert rows[1][3:6] == ["40%", "3.857/45.600", "8%"]
    assert ["66.000", "21.458", "33%"] in [r[3:6] for r in rows]
    units = next(t for t in document.tables if t.rows[0].cells[1].text == "Đơn vị")
    total = [c.text for c in units.rows[-1].cells]
    assert total[1] == "Toàn tỉnh" and "21.458" in total and "5.867" in total
    card = next(t for t in document.tables if "Tỷ lệ đúng hạn" in [c.text for c in t.rows[0].cells])
    by_unit = {row.cells[1].text: [c.text for c in row.cells] for row in card.rows[1:]}
    assert by_unit["Huyện Đoàn Long Thủy"][2:4] == ["3/4", "75%"]
    assert by_unit["Huyện Đoàn Long Thủy"][-1] == "Chưa đạt"  # below 90 %
    assert by_unit["Đoàn Khối Doanh nghiệp tỉnh"][4:6] == ["1/4", "25%"]
    assert by_unit["Huyện Đoàn Nam Sơn"][-1] == "Đạt"
    # Units in Vietnamese alphabetical order (Đ after D, before H), not by code point.
    names = [row.cells[1].text for row in card.rows[1:-1]]
    assert names.index("Đoàn Khối Doanh nghiệp tỉnh") < names.index("Huyện Đoàn Bắc Hòa")
    assert names.index("Huyện Đoàn Bắc Hòa") < names.index("Huyện Đoàn Đông Phú")
    assert names.index("Huyện Đoàn Đông Phú") < names.index("Huyện Đoàn Long Thủy")
    rules = next(t for t in document.tables if t.rows[0].cells[1].text == "Quy tắc kiểm tra")
    assert rules.rows[1].cells[1].text == "Số thành phần lớn hơn số tổng"
    text = all_text(document)
    assert "khoảng 5" in text  # the rejected row, as the unit wrote it


@pytest.mark.slow
def test_recipients_and_signature(sample_docx):
    document = Document(str(sample_docx))
    closing = next(t for t in document.tables if t.rows[0].cells[0].text.startswith("Nơi nhận:"))
    left, right = (cell.text.splitlines() for cell in closing.rows[0].cells)
    assert left[0] == "Nơi nhận:"
    assert left[1] == "- Ban Bí thư Trung ương Đoàn (b/c);"
    assert left[-1] == "- Lưu VP."
    assert "- ;" not in left
    assert right[0] == "TM. BAN THƯỜNG VỤ" and right[1] == "PHÓ BÍ THƯ"
    assert right[-1] == "Nguyễn Thị Minh Thư"
    assert "tblBorders" in closing._tbl.xml


def test_missing_optional_settings_fall_back_to_the_defaults():
    from reports.docx_report import build_document, date_line
    from reports.progress_data import ReportData
    from reports.report_settings import report_settings

    raw = {"submission_deadline_day": "10", "recipients": " ;Thường trực; ;"}
    settings = report_settings(raw, "Tỉnh Đoàn X")
    assert settings.org_name == "TỈNH ĐOÀN X"
    assert settings.org_superior == "ĐOÀN TNCS HỒ CHÍ MINH"
    assert settings.document_symbol == "BC/TĐTN"
    assert (settings.signer_on_behalf, settings.signer_title) == (
        "TM. BAN THƯỜNG VỤ",
        "PHÓ BÍ THƯ",
    )
    assert settings.recipients == ["Thường trực"]  # the empty items are left out
    assert (settings.reporting_rate_target, settings.on_time_rate_target) == (90, 75)
    assert settings.missing == [
        "reporting_rate_target", "on_time_rate_target", "org_name", "org_superior",
        "place_name", "document_symbol", "signer_title", "signer_on_behalf", "signer_name",
    ]  # fmt: skip
    assert date_line("Bình An", date(2024, 2, 5)) == "Bình An, ngày 05 tháng 02 năm 2024"
    assert date_line("Bình An", date(2024, 11, 25)) == "Bình An, ngày 25 tháng 11 năm 2024"
    # The document with nothing but defaults: a unit name that looks like a field code or
    # a formula stays text (python-docx writes runs, never fields).
    data = ReportData(
        as_of=date(2024, 4, 1), province_code="TD", province_name="Tỉnh Đoàn X", progress=[],
        issues=[], units_expected=1, units_submitted=0, units_late=[],
        units_missing=['=HYPERLINK("http://x")', "{ PAGE }"], settings=raw,
    )  # fmt: skip
    document = build_document(data, issued_on=date(2024, 5, 6))
    body = document.element.body.xml
    assert '=HYPERLINK("http://x")' in all_text(document) and "{ PAGE }" in all_text(document)
    assert body.count("w:fldChar") == 0 and "w:instrText" not in body
    closing = next(t for t in document.tables if t.rows[0].cells[0].text.startswith("Nơi nhận:"))
    left = closing.rows[0].cells[0].text.splitlines()
    assert left == ["Nơi nhận:", "- Thường trực;", "- Lưu VP."]


@pytest.mark.slow
def test_pdf_through_libreoffice(sample_docx, tmp_path):
    from reports.docx_report import convert_to_pdf, soffice

    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is missing: apt-get install libreoffice-writer-nogui")
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils (pdftotext, pdfinfo) is missing: apt-get install poppler-utils")
    copy = tmp_path / sample_docx.name
    shutil.copyfile(sample_docx, copy)
    pdf = convert_to_pdf(copy)
    assert pdf is not None and pdf.stat().st_size > 0
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    assert 5 <= pages <= 9, info.stdout
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout, re.M)
    assert abs(float(size.group(1)) - 595.3) < 2 and abs(float(size.group(2)) - 841.9) < 2
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for phrase in ("BÁO CÁO", "ĐOÀN TNCS HỒ CHÍ MINH", "3.857/45.600", "21.458", "Nơi nhận:",
                   "Nguyễn Thị Minh Thư", "PHỤ LỤC 1", "Lưu VP."):  # fmt: skip
        assert phrase in text, phrase
    # No number broken across lines in the tables: every figure of the unit table's total row.
    assert re.search(r"Toàn tỉnh\s+8%\s+87%\s+21\.458\s+333\s+8\.313\s+26\.353\s+10\.152\s+5\.867",
                     text), text  # fmt: skip
    # The signature block sits on the page of "Nơi nhận:" (one page, not split).
    body_pages = text.split("\f")
    signer_page = next(i for i, page in enumerate(body_pages) if "Nguyễn Thị Minh Thư" in page)
    assert "Nơi nhận:" in body_pages[signer_page] and "PHÓ BÍ THƯ" in body_pages[signer_page]


@pytest.mark.slow
def test_a_run_without_the_optional_settings_uses_the_defaults_and_says_so(sample_workspace):
    ws = sample_workspace
    (ws.reference / "settings.csv").write_text(
        'key,value\nsubmission_deadline_day,10\nrecipients,";Thường trực Tỉnh Đoàn;;"\n',
        encoding="utf-8",
    )
    result = ws.run_cli("run", "--as-of", "2024-04")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    line = next(x for x in result.stdout.splitlines() if "settings defaulted" in x)
    for key in ("reporting_rate_target", "on_time_rate_target", "org_name", "signer_name"):
        assert key in line, line
    assert "recipients" not in line
    document = Document(str(ws.output / "2024-04" / "bao_cao_2024-04.docx"))
    text = all_text(document)
    assert "tỷ lệ nộp báo cáo 100% (yêu cầu 90%)" in text and "(yêu cầu 75%)" in text
    header = document.tables[0].rows[0].cells
    assert header[0].text.splitlines()[0] == "TỈNH ĐOÀN BÌNH AN"  # the root's name, capitals
    assert header[1].text.splitlines()[0] == "ĐOÀN TNCS HỒ CHÍ MINH"
    closing = next(t for t in document.tables if t.rows[0].cells[0].text.startswith("Nơi nhận:"))
    left, right = (cell.text.splitlines() for cell in closing.rows[0].cells)
    assert left == ["Nơi nhận:", "- Thường trực Tỉnh Đoàn;", "- Lưu VP."]
    assert right[:2] == ["TM. BAN THƯỜNG VỤ", "PHÓ BÍ THƯ"]
    markdown = (ws.output / "2024-04" / "bao_cao_2024-04.md").read_text(encoding="utf-8")
    assert "(yêu cầu 90%)" in markdown
