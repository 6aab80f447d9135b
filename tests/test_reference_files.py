"""Reference files: read once, validated, one line naming the file (and the line)."""

from __future__ import annotations

import hashlib
import shutil
import unicodedata

import pytest
from conftest import SAMPLE

from ingestion.reference_files import (
    REFERENCE_FILES,
    ReferenceFileError,
    closed_periods,
    read_reference,
    read_reference_file,
    snapshot_reference,
)

UNITS = (
    "unit_code,unit_name,unit_type,parent_code,active_from,active_to\n"
    "TDTN,Tỉnh Đoàn Thử Nghiệm,tinh_doan,,2022-01,\n"
    "HAN,Huyện Đoàn An Lạc,huyen,TDTN,2022-01,\n"
)


@pytest.fixture
def reference(tmp_path):
    folder = tmp_path / "reference"
    shutil.copytree(SAMPLE / "reference", folder)
    return folder


def error_of(folder, name) -> str:
    with pytest.raises(ReferenceFileError) as caught:
        read_reference_file(folder, name)
    text = str(caught.value)
    assert "\n" not in text
    return text


def test_the_sample_reads_and_optional_files_are_absent(reference):
    tables = read_reference(reference)
    assert list(tables) == list(REFERENCE_FILES)
    assert tables["units"].encoding == "utf-8" and len(tables["units"].rows) >= 2
    assert not tables["closures"].present and tables["closures"].rows == []


def test_missing_column(reference):
    (reference / "units.csv").write_text(
        "unit_code,unit_name,unit_type,active_from,active_to\nTDTN,T,tinh_doan,2022-01,\n",
        encoding="utf-8",
    )
    assert error_of(reference, "units") == "units.csv: thiếu cột parent_code"


@pytest.mark.parametrize("content", [b"", b"\n\n", "\ufeff".encode(), b" ,\r\n"])
def test_empty_file(reference, content):
    (reference / "targets.csv").write_bytes(content)
    assert error_of(reference, "targets") == "targets.csv: tệp rỗng (không có dòng tiêu đề)"


def test_missing_required_file(reference):
    (reference / "population.csv").unlink()
    assert error_of(reference, "population").startswith(
        "population.csv: không có tệp trong thư mục danh mục"
    )


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")],
)
def test_bom_encodings_read_fine(reference, encoding, bom):
    (reference / "units.csv").write_bytes(bom + UNITS.replace("\n", "\r\n").encode(encoding))
    table = read_reference_file(reference, "units")
    assert [row["unit_name"] for row in table.rows] == ["Tỉnh Đoàn Thử Nghiệm", "Huyện Đoàn An Lạc"]
    assert table.lines == [2, 3]


def test_semicolon_delimiter_and_optional_columns(reference):
    (reference / "units.csv").write_text(UNITS.replace(",", ";"), encoding="utf-8")
    snapshot = snapshot_reference(reference, reference.parent / "snap")
    text = (snapshot.folder / "units.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == (
        "unit_code,unit_name,unit_type,parent_code,active_from,active_to,contact_email,contact_zalo"
    )
    assert text.splitlines()[1] == "TDTN,Tỉnh Đoàn Thử Nghiệm,tinh_doan,,2022-01,,,"


@pytest.mark.parametrize("encoding", ["cp1258", "utf-16-le"])  # utf-16 without a BOM
def test_not_utf8_is_one_line(reference, encoding):
    text = (
        "indicator_code,unit_code,window_start,window_end,target_kind,target_value,baseline\n"
        "CT3,TDBA,2024-01,2024-12,count,66000,\nCT4,Tỉnh Đoàn,2024-01,2024-12,count,2138,\n"
    )
    # Windows' Vietnamese code page writes tone marks as combining characters (NFD).
    (reference / "targets.csv").write_bytes(unicodedata.normalize("NFD", text).encode(encoding))
    assert error_of(reference, "targets") == (
        "targets.csv: tệp không phải UTF-8: hãy lưu lại dưới dạng CSV UTF-8"
    )


def test_extra_cells_name_the_line(reference):
    (reference / "population.csv").write_text(
        "unit_code,year,population_14_plus\nTPBA,2024,262418\n\nTXAL,2024,148,735\n",
        encoding="utf-8",
    )
    assert error_of(reference, "population").startswith(
        "population.csv dòng 4: có 4 ô nhưng dòng tiêu đề chỉ có 3 cột"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("35", "settings.csv dòng 2: submission_deadline_day '35' phải là số nguyên từ 1 đến 31"),
        ("", "settings.csv dòng 2: submission_deadline_day '' phải là số nguyên từ 1 đến 31"),
    ],
)
def test_deadline_day_is_1_to_31(reference, value, expected):
    (reference / "settings.csv").write_text(
        f"key,value\nsubmission_deadline_day,{value}\n", encoding="utf-8"
    )
    assert error_of(reference, "settings") == expected


@pytest.mark.parametrize("day", ["1", "28", "29", "30", "31"])
def test_deadline_days_accepted(reference, day):
    (reference / "settings.csv").write_text(
        f"key,value\nsubmission_deadline_day,{day}\n", encoding="utf-8"
    )
    read_reference_file(reference, "settings")


def test_settings_without_the_deadline(reference):
    (reference / "settings.csv").write_text("key,value\nprovince_name,X\n", encoding="utf-8")
    assert error_of(reference, "settings") == "settings.csv: thiếu khóa submission_deadline_day"


CLOSURES_HEADER = "period,closed_at,closed_by,note\n"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            "2024-03,2024-04-15T17:00:00,Lan,\n2024-04,hôm qua,Lan,\n",
            "closures.csv dòng 3: closed_at 'hôm qua' không phải ngày giờ ISO",
        ),
        (
            "2024-3,2024-04-15T17:00:00,Lan,\n",
            "closures.csv dòng 2: period '2024-3' không phải tháng YYYY-MM",
        ),
        (
            "2024-13,2024-04-15T17:00:00,Lan,\n",
            "closures.csv dòng 2: period '2024-13' không phải tháng YYYY-MM",
        ),
        (  # to the second: a date alone, or minutes only, is not enough
            "2024-03,2024-04-15,Lan,\n",
            "closures.csv dòng 2: closed_at '2024-04-15' không phải ngày giờ ISO",
        ),
        (
            "2024-03,2024-04-15T17:00,Lan,\n",
            "closures.csv dòng 2: closed_at '2024-04-15T17:00' không phải ngày giờ ISO",
        ),
    ],
)
def test_closures_errors_name_file_and_line(reference, rows, expected):
    (reference / "closures.csv").write_text(CLOSURES_HEADER + rows, encoding="utf-8")
    assert error_of(reference, "closures").startswith(expected)


def test_closures_missing_column(reference):
    (reference / "closures.csv").write_text("period,closed_by,note\n2024-03,Lan,\n", "utf-8")
    assert error_of(reference, "closures") == "closures.csv: thiếu cột closed_at"


def test_closures_normalised_and_last_row_decides(reference, tmp_path):
    (reference / "closures.csv").write_text(
        CLOSURES_HEADER
        + "2024-03,2024-04-15T17:00:00,Lan,chốt\n"  # no offset: Hà Nội time
        + "2024-02,2024-03-20 08:30:00Z,Minh,\n"  # UTC
        + "2024-03,,Lan,mở lại\n"  # reopens March
        + "2024-01,2024-02-20T09:00:00+07:00,Minh,\n",
        encoding="utf-8",
    )
    snapshot = snapshot_reference(reference, tmp_path / "snap")
    assert (snapshot.folder / "closures.csv").read_text(encoding="utf-8").splitlines() == [
        "period,closed_at,closed_by,note,file_row",
        "2024-03,2024-04-15T17:00:00+07:00,Lan,chốt,1",
        "2024-02,2024-03-20T15:30:00+07:00,Minh,,2",
        "2024-03,,Lan,mở lại,3",
        "2024-01,2024-02-20T09:00:00+07:00,Minh,,4",
    ]
    assert list(closed_periods(snapshot.tables["closures"])) == ["2024-01", "2024-02"]


def test_unit_changes(reference, tmp_path):
    header = "from_unit_code,to_unit_code,effective_from,share\n"
    (reference / "unit_changes.csv").write_text(header + 'HTH,HNS,2024-01,"0,5"\n', "utf-8")
    snapshot = snapshot_reference(reference, tmp_path / "snap")
    assert snapshot.tables["unit_changes"].rows[0]["share"] == "0.5"
    (reference / "unit_changes.csv").write_text(header + "HTH,HNS,2024-01,1.5\n", "utf-8")
    assert error_of(reference, "unit_changes") == (
        "unit_changes.csv dòng 2: share '1.5' phải là số từ 0 đến 1"
    )


def test_absent_optional_files_are_header_only_in_the_snapshot(reference, tmp_path):
    snapshot = snapshot_reference(reference, tmp_path / "snap")
    assert (snapshot.folder / "closures.csv").read_bytes() == (
        b"period,closed_at,closed_by,note,file_row\n"
    )
    assert (snapshot.folder / "unit_changes.csv").read_bytes() == (
        b"from_unit_code,to_unit_code,effective_from,share\n"
    )
    units = (snapshot.folder / "units.csv").read_bytes()
    assert not units.startswith(b"\xef\xbb\xbf") and b"\r" not in units


def test_an_invalid_file_writes_nothing(reference, tmp_path):
    snap = tmp_path / "snap"
    snapshot_reference(reference, snap)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in snap.iterdir()}
    (reference / "units.csv").write_text("unit_code,unit_name\nA,B\n", encoding="utf-8")
    (reference / "settings.csv").write_text("key,value\nsubmission_deadline_day,20\n", "utf-8")
    with pytest.raises(ReferenceFileError):
        snapshot_reference(reference, snap)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in snap.iterdir()}
    assert after == before


# ------------------------------------------------------------------ end to end (slow)


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_run_with_a_broken_units_csv_is_one_line(sample_workspace):
    """`dean5299 run` after a good run: a units.csv without parent_code fails with one
    line on stderr naming the file, exit 1, the published warehouse unchanged."""
    ws = sample_workspace
    first = ws.run_cli("run", "--as-of", "2024-04")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    published = _digest(ws.warehouse)
    snapshot = ws.warehouse.with_name(ws.warehouse.name + ".reference")
    snapshot_before = {p.name: _digest(p) for p in snapshot.iterdir() if p.is_file()}

    units = ws.reference / "units.csv"
    lines = units.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    drop = header.index("parent_code")
    units.write_text(
        "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != drop) for line in lines)
        + "\n",
        encoding="utf-8",
    )
    result = ws.run_cli("run", "--as-of", "2024-04")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("Lỗi / error: units.csv: thiếu cột parent_code"), errors[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert _digest(ws.warehouse) == published
    assert {p.name: _digest(p) for p in snapshot.iterdir() if p.is_file()} == snapshot_before


@pytest.mark.slow
def test_a_failed_reference_check_is_its_own_line(sample_workspace):
    """A second root passes the reader (the file is well formed) and fails dbt's blocking
    test assert_reference_has_one_root: its own line on stderr, not dbt's."""
    ws = sample_workspace
    with (ws.reference / "units.csv").open("a", encoding="utf-8") as units:
        units.write("TD2,Tỉnh Đoàn thứ hai,tinh_doan,,2022-01,\n")
    result = ws.run_cli("run", "--as-of", "2024-04")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("Lỗi / error: units.csv: phải có đúng một đơn vị gốc"), errors[0]
    assert "assert_reference_has_one_root — units.csv" in result.stdout
    assert not ws.warehouse.exists()
