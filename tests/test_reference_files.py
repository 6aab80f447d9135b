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


# ------------------------------------------------------------------ the tree (CONTRACT §10)

UNITS_HEADER = "unit_code,unit_name,unit_type,parent_code,active_from,active_to\n"
TREE = (
    "P,Tỉnh Đoàn,tinh_doan,,2022-01,\n"
    "G,Cụm G,cum,P,2022-01,2025-06\n"
    "A,Huyện A,huyen,G,2022-01,2025-06\n"
    "B,Huyện B,huyen,G,2022-01,2025-06\n"
    "X1,Xã X1,xa,P,2025-07,\n"
    "X2,Xã X2,xa,P,2025-07,\n"
)
CHANGES_HEADER = "from_unit_code,to_unit_code,effective_from,share\n"


def write_tree(folder, units=TREE, changes=None):
    (folder / "units.csv").write_text(UNITS_HEADER + units, encoding="utf-8")
    if changes is not None:
        (folder / "unit_changes.csv").write_text(CHANGES_HEADER + changes, encoding="utf-8")


def test_a_tree_with_history_reads(reference, tmp_path):
    write_tree(reference, changes="A,X1,2025-07,1\nB,X1,2025-07,0.6\nB,X2,2025-07,0.4\n")
    snapshot = snapshot_reference(reference, tmp_path / "snap")
    assert len(snapshot.tables["unit_changes"].rows) == 3


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        (
            TREE + "Q,Tỉnh Đoàn khác,tinh_doan,,2022-01,\n",
            "units.csv dòng 2, 8: có 2 đơn vị gốc (P, Q); phải có đúng một dòng có "
            "parent_code trống / more than one root",
        ),
        (
            TREE.replace("P,Tỉnh Đoàn,tinh_doan,,", "P,Tỉnh Đoàn,tinh_doan,X1,"),
            "units.csv: không có đơn vị gốc (dòng có parent_code trống); phải có đúng một "
            "/ no root",
        ),
        (
            TREE + "C,Huyện C,huyen,ZZ,2022-01,\n",
            "units.csv dòng 8: parent_code ZZ của C không có trong units.csv / unknown parent",
        ),
        (
            TREE + "C,Cụm C,cum,D,2022-01,\nD,Cụm D,cum,E,2022-01,\nE,Cụm E,cum,C,2022-01,\n",
            "units.csv dòng 8, 9, 10: vòng lặp cấp trên C → D → E → C: không đơn vị nào "
            "trong vòng nối tới đơn vị gốc / a cycle in parent_code",
        ),
        (
            TREE + "C,Cụm C,cum,C,2022-01,\n",
            "units.csv dòng 8: vòng lặp cấp trên C → C",
        ),
        (  # starts before its parent
            TREE.replace("X1,Xã X1,xa,P,2025-07,", "X1,Xã X1,xa,X2,2025-06,"),
            "units.csv dòng 6: X1 hoạt động 2025-06..(nay / open) ngoài thời gian hoạt động "
            "của cấp trên X2 2025-07..(nay / open) (dòng 7) / active outside its parent's "
            "active period",
        ),
        (  # still open while its parent ended
            TREE.replace("A,Huyện A,huyen,G,2022-01,2025-06", "A,Huyện A,huyen,G,2022-01,"),
            "units.csv dòng 4: A hoạt động 2022-01..(nay / open) ngoài thời gian hoạt động "
            "của cấp trên G 2022-01..2025-06 (dòng 3)",
        ),
        (  # ends after its parent
            TREE.replace("B,Huyện B,huyen,G,2022-01,2025-06", "B,Huyện B,huyen,G,2022-01,2025-07"),
            "units.csv dòng 5: B hoạt động 2022-01..2025-07 ngoài thời gian hoạt động của "
            "cấp trên G 2022-01..2025-06",
        ),
        (
            TREE + "a ,Trùng,huyen,P,2022-01,\n",  # dbt reads codes trimmed, upper case
            "units.csv dòng 8: unit_code A lặp lại (đã có ở dòng 4) / duplicate",
        ),
        (
            TREE + "C,Huyện C,huyen,P,2022,\n",
            "units.csv dòng 8: active_from '2022' của C không phải tháng YYYY-MM",
        ),
        (
            TREE + "C,Huyện C,huyen,P,2022-05,2022-04\n",
            "units.csv dòng 8: active_to 2022-04 của C trước active_from 2022-05",
        ),
    ],
    ids=["two_roots", "no_root", "unknown_parent", "cycle", "own_parent", "starts_before_parent",
         "open_after_parent_ended", "ends_after_parent", "duplicate_code", "bad_month",
         "ends_before_start"],
)  # fmt: skip
def test_tree_errors_are_one_line_naming_the_rows(reference, units, expected):
    write_tree(reference, units)
    assert error_of(reference, "units").startswith(expected)


def test_a_tree_deeper_than_dbt_walks_is_refused(reference):
    chain = "".join(f"N{i},Cấp {i},cum,{'P' if i == 1 else f'N{i - 1}'},2022-01,\n"
                    for i in range(1, 66))  # fmt: skip
    write_tree(reference, TREE + chain)
    assert "N65 ở cấp 65 dưới đơn vị gốc; tối đa 64 cấp" in error_of(reference, "units")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            "A,X1,2025-07,1\nZZ,X2,2025-07,1\n",
            "unit_changes.csv dòng 3: from_unit_code ZZ không có trong units.csv / unknown unit",
        ),
        (
            "A,XX,2025-07,1\n",
            "unit_changes.csv dòng 2: to_unit_code XX không có trong units.csv / unknown unit",
        ),
        (
            "A,X1,2025-08,1\n",
            "unit_changes.csv dòng 2: effective_from 2025-08 phải là tháng ngay sau active_to "
            "2025-06 của A (2025-07) / effective_from must be the month after the "
            "predecessor's end",
        ),
        (
            "X1,X2,2025-07,1\n",
            "unit_changes.csv dòng 2: đơn vị cũ X1 chưa có active_to trong units.csv (dòng 6) "
            "nên không thể có đơn vị kế thừa từ 2025-07 / the predecessor has not ended",
        ),
        (
            "A,B,2025-07,1\n",
            "unit_changes.csv dòng 2: đơn vị kế thừa B không hoạt động trong tháng 2025-07 "
            "(2022-01..2025-06, units.csv dòng 5) / the successor is not active at "
            "effective_from",
        ),
        ("A,A,2025-07,1\n", "unit_changes.csv dòng 2: A không thể kế thừa chính nó"),
        ("A,X1,2025-07,0.5\na,x1,2025-07,0.5\n", "unit_changes.csv dòng 3: cặp A → X1 lặp lại"),
    ],
    ids=["unknown_from", "unknown_to", "effective_mismatch", "predecessor_open",
         "successor_inactive", "itself", "duplicate_pair"],
)  # fmt: skip
def test_unit_changes_errors_name_the_row(reference, changes, expected):
    write_tree(reference, changes=changes)
    with pytest.raises(ReferenceFileError) as caught:
        read_reference(reference)
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(expected)


def test_the_cross_file_check_runs_before_the_snapshot_is_written(reference, tmp_path):
    write_tree(reference, changes="A,X1,2025-08,1\n")
    with pytest.raises(ReferenceFileError):
        snapshot_reference(reference, tmp_path / "snap")
    assert not any((tmp_path / "snap").glob("*.csv"))


# ------------------------------------------------------------------ end to end (slow)


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def published_sample(tmp_path_factory, dbt_manifest):
    """The shipped sample, run (a copy of the session's run): each test breaks its
    reference folder, runs again, and puts the folder back."""
    from test_reports_support import sample_run_copy

    return sample_run_copy(tmp_path_factory, "reference_e2e")


def _units_without_parent_code(text: str) -> str:
    lines = text.splitlines()
    drop = lines[0].split(",").index("parent_code")
    return "\n".join(
        ",".join(c for i, c in enumerate(line.split(",")) if i != drop) for line in lines
    ) + "\n"


SAMPLE_BREAKS = {
    "missing_column": (
        "units.csv", _units_without_parent_code, "units.csv: thiếu cột parent_code",
    ),
    "two_roots": (
        "units.csv",
        lambda text: text + "TD2,Tỉnh Đoàn thứ hai,tinh_doan,,2022-01,\n",
        "units.csv dòng 2, 14: có 2 đơn vị gốc (TDBA, TD2)",
    ),
    "cycle": (
        "units.csv",
        lambda text: text + "C1,Cụm 1,cum,C2,2022-01,\nC2,Cụm 2,cum,C1,2022-01,\n",
        "units.csv dòng 14, 15: vòng lặp cấp trên C1 → C2 → C1",
    ),
    "unknown_successor": (
        "unit_changes.csv",
        lambda _: CHANGES_HEADER + "HTH,HXX,2024-01,1\n",
        "unit_changes.csv dòng 2: to_unit_code HXX không có trong units.csv",
    ),
    "effective_from_mismatch": (
        "unit_changes.csv",
        lambda _: CHANGES_HEADER + "HTH,HNS,2024-03,1\n",  # HTH ended 2023-12
        "unit_changes.csv dòng 2: effective_from 2024-03 phải là tháng ngay sau active_to "
        "2023-12 của HTH (2024-01)",
    ),
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("case", list(SAMPLE_BREAKS))
def test_a_bad_reference_folder_is_one_line_and_keeps_the_warehouse(published_sample, case):
    """`dean5299 run` after a good run: the reader refuses the folder before dbt runs, one
    line on stderr naming the file and the rows, exit 1, the published warehouse and
    dbt's reference snapshot unchanged."""
    ws = published_sample
    file_name, breaker, expected = SAMPLE_BREAKS[case]
    path = ws.reference / file_name
    original = path.read_bytes() if path.exists() else None
    published = _digest(ws.warehouse)
    snapshot = ws.warehouse.with_name(ws.warehouse.name + ".reference")
    snapshot_before = {p.name: _digest(p) for p in snapshot.iterdir() if p.is_file()}
    path.write_text(breaker(original.decode("utf-8") if original else ""), encoding="utf-8")
    try:
        result = ws.run_cli("run", "--as-of", "2024-04")
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_bytes(original)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"Lỗi / error: {expected}"), errors[0]
    assert "kho đã công bố giữ nguyên" in errors[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert _digest(ws.warehouse) == published
    assert {p.name: _digest(p) for p in snapshot.iterdir() if p.is_file()} == snapshot_before
