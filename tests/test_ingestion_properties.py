"""Property-based: valid reports round-trip exactly; corrupt files never crash a run."""

from __future__ import annotations

import datetime as dt
import functools
import io
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workbook_factory import LABEL_SETS, Template, ingest, write_template

from ingestion.inbox import ingest_inbox
from ingestion.raw_store import read_raw_tables

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # fmt: skip
EXCEL_EPOCH = dt.date(1899, 12, 30)
FILE_REASONS = {"not_template", "file_unreadable", "file_empty", "csv_bad_header"}

codes = st.text("abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=20)
counts = st.integers(min_value=0, max_value=10**12)  # exact as a float cell


@st.composite
def written_counts(draw: st.DrawFn) -> tuple[object, int | None]:
    """(what is written in the value cell, the count it means)."""
    value = draw(st.none() | counts)
    if value is None:
        return None, None
    form = draw(st.sampled_from(["cell", "plain", "dots", "dots_decimal", "commas", "spaces"]))
    grouped = f"{value:,}"
    written = {
        "cell": value,
        "plain": str(value),
        "dots": grouped.replace(",", "."),  # 45.600
        "dots_decimal": grouped.replace(",", ".") + ",0",  # 1.458,0
        "commas": grouped,  # 1,458
        "spaces": grouped.replace(",", " "),  # 45 600
    }[form]
    return written, value


@st.composite
def written_periods(draw: st.DrawFn) -> tuple[object, dt.date]:
    month = dt.date(draw(st.integers(2000, 2099)), draw(st.integers(1, 12)), 1)
    day = month.replace(day=draw(st.integers(1, 28)))
    written = draw(
        st.sampled_from(
            [
                f"{month:%m/%Y}",
                f"{month.month}/{month.year}",
                f"{month:%Y-%m}",
                f"Tháng {month.month}/{month.year}",
                day,
                (day - EXCEL_EPOCH).days,  # Excel serial number
            ]
        )
    )
    return written, month


@st.composite
def reports(draw: st.DrawFn) -> tuple[Template, dt.date, list[tuple[str, int | None]]]:
    """(what to write, the month it means, the (measure, count) rows it means)."""
    cells = draw(st.lists(st.tuples(codes, written_counts()), max_size=12))
    optional = draw(st.lists(st.sampled_from(["stt", "content", "uom", "cumulative", "note"]),
                             unique=True))  # fmt: skip
    period, month = draw(written_periods())
    template = Template(
        unit=draw(codes),
        period=period,
        rows=[(measure, written) for measure, (written, _) in cells],
        sheet_name=draw(st.sampled_from(["BaoCao", "Sheet1", "Báo cáo", "Tháng 4"])),
        labels=draw(st.sampled_from(sorted(LABEL_SETS))),
        title_rows=draw(st.integers(0, 3)),
        first_col=draw(st.integers(1, 4)),
        value_gap=draw(st.integers(0, 2)),
        gap_rows=draw(st.integers(0, 2)),
        columns=draw(st.permutations(["measure", "value", *optional])),
    )
    return template, month, [(measure, value) for measure, (_, value) in cells]


@SETTINGS
@given(reports())
def test_valid_reports_round_trip_exactly(report: tuple) -> None:
    template, month, expected = report
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        layout = write_template(inbox / "report.xlsx", template)
        summary, files, rows = ingest(inbox, Path(tmp) / "raw")
    assert [(f["parse_status"], f["error_code"]) for f in files] == [("parsed", None)]
    assert (summary.rows_read, summary.rows_with_errors) == (len(expected), 0)
    assert [(r["measure_code"], r["value"], r["value_error"]) for r in rows] == [
        (measure, value, None) for measure, value in expected
    ]
    assert [r["location"] for r in rows] == [
        f"{template.sheet_name}!{cell}" for cell in layout.value_cells
    ]
    assert all(
        (r["unit_code"], r["period"], r["period_error"]) == (template.unit.upper(), month, None)
        for r in rows
    )


@functools.cache
def _valid_workbook() -> bytes:
    buffer = io.BytesIO()
    write_template(buffer, Template())
    return buffer.getvalue()


@st.composite
def corrupted(draw: st.DrawFn) -> bytes:
    data = bytearray(_valid_workbook())
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "random", "text"]))
    if kind == "truncate":
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    if kind == "flip":
        for position in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=20)):
            data[position] ^= draw(st.integers(1, 255))
        return bytes(data)
    if kind == "insert":
        position = draw(st.integers(0, len(data)))
        return (
            bytes(data[:position])
            + draw(st.binary(min_size=1, max_size=64))
            + bytes(data[position:])
        )
    if kind == "random":
        return draw(st.binary(max_size=2048))
    return draw(st.text(max_size=300)).encode("utf-8", "surrogatepass")


extensions = st.sampled_from(["xlsx", "xls", "xlsb", "ods", "csv", "txt"])


@SETTINGS
@given(st.lists(st.tuples(corrupted(), extensions), min_size=1, max_size=5))
def test_corrupt_files_never_crash_and_every_file_is_accounted_for(files: list) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        inbox, raw = Path(tmp) / "inbox", Path(tmp) / "raw"
        inbox.mkdir()
        for i, (data, extension) in enumerate(files):
            (inbox / f"f{i}.{extension}").write_bytes(data)
        summary = ingest_inbox(inbox, raw)
        logged, rows = (t.to_pylist() for t in read_raw_tables(raw))

    assert sorted(f["file_name"] for f in logged) == sorted(
        f"f{i}.{extension}" for i, (_, extension) in enumerate(files)
    )
    assert summary.files_seen == summary.files_new == len(files)
    assert (
        summary.files_parsed + summary.files_rejected + summary.files_duplicate
        + summary.files_skipped == len(files)
    )  # fmt: skip
    rows_per_file = Counter(r["file_name"] for r in rows)
    for f in logged:
        status = f["parse_status"]
        assert status in {"parsed", "rejected", "duplicate", "skipped"}
        assert (status == "rejected") == (f["error_code"] in FILE_REASONS)
        assert (status == "skipped") == f["file_name"].endswith(".txt")
        if status != "parsed":
            assert rows_per_file[f["file_name"]] == 0
    assert summary.rows_read == len(rows)
