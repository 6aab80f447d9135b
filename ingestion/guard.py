"""Looking at a workbook before python-calamine reads it (docs/ingestion.md, "Hostile files").

calamine sizes a sheet's grid from its farthest cell: one cell at XFD1048576 makes it ask
for 16 384 × 1 048 576 cells of 32 bytes (512 GiB), and a failed allocation aborts the
whole process; nothing Python can catch. So before a workbook is read:

- an `.xlsx` (recognised by content, whatever its extension) is inspected here, cheaply:
  the zip's declared sizes, then each worksheet's XML scanned for its cell references
  (`<dimension ref=...>` is only reported: calamine does not trust it and neither do we).
  A sheet beyond `max_rows()` × `max_columns()` is refused before calamine sees it.
- a workbook this cannot bound (`.xls`, `.xlsb`, `.ods`, cells without a reference, a zip
  Python cannot open) is read by `ingestion.isolated` in a child process under a memory
  limit, so that an abort costs one file, not the run.

Every limit is a setting with a generous default, overridable by an environment variable.
"""

from __future__ import annotations

import html
import io
import os
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

DEFAULT_MAX_ROWS = 10_000  # a report is ~30 rows
DEFAULT_MAX_COLUMNS = 256  # IV, the last column of an .xls sheet; a report uses ~8
DEFAULT_MAX_UNCOMPRESSED_MB = 128  # the zip's parts calamine parses (XML, .bin), in total
DEFAULT_MAX_FILE_MB = 100  # any inbox file, before it is read into memory
DEFAULT_READER_MEMORY_MB = 1024  # address space of the child reading a suspicious file
DEFAULT_READER_TIMEOUT_S = 120

# What fct_file_ingestion's reader sees first in error_detail (CONTRACT: messages in Vietnamese).
TOO_LARGE_VI = "tệp có vùng dữ liệu quá lớn hoặc hỏng"


def _setting(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        return default


def max_rows() -> int:
    return _setting("DEAN5299_MAX_ROWS", DEFAULT_MAX_ROWS)


def max_columns() -> int:
    return _setting("DEAN5299_MAX_COLUMNS", DEFAULT_MAX_COLUMNS)


def max_uncompressed_bytes() -> int:
    return _setting("DEAN5299_MAX_UNCOMPRESSED_MB", DEFAULT_MAX_UNCOMPRESSED_MB) * 2**20


def max_file_bytes() -> int:
    return _setting("DEAN5299_MAX_FILE_MB", DEFAULT_MAX_FILE_MB) * 2**20


def reader_memory_bytes() -> int:
    return _setting("DEAN5299_READER_MEMORY_MB", DEFAULT_READER_MEMORY_MB) * 2**20


def reader_timeout_s() -> int:
    return _setting("DEAN5299_READER_TIMEOUT_S", DEFAULT_READER_TIMEOUT_S)


class TooLarge(Exception):  # noqa: N818 - a verdict, not a failure of ours
    """A workbook (or one of its sheets) beyond the limits: rejected, never read."""


class NotInspected(Exception):  # noqa: N818
    """A sheet the inspection could not bound: the workbook must be read in a child."""


def check_extent(sheet: str, rows: int, columns: int, how: str = "") -> None:
    """Raise TooLarge if a sheet reaching row `rows`, column `columns` is beyond the caps."""
    if rows > max_rows() or columns > max_columns():
        raise TooLarge(
            f"sheet {sheet!r} reaches row {rows}, column {columns}{how} "
            f"(limits: {max_rows()} rows, {max_columns()} columns)"
        )


@dataclass
class Inspection:
    """What parse_bytes does with a workbook: read it here (`extents` bounds each sheet),
    or in a child (`isolate`, with the reason)."""

    isolate: str | None = None
    extents: dict[str, tuple[int, int]] = field(default_factory=dict)  # sheet -> (rows, cols)


_ZIP_MAGIC = b"PK\x03\x04"
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_SHEET_TAG = re.compile(rb"<" + _PREFIX + rb"sheet\s([^>]*)>")
_REL_TAG = re.compile(rb"<" + _PREFIX + rb"Relationship\s([^>]*)>")
_ATTR = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_TAG = re.compile(rb"<" + _PREFIX + rb"c[\s/>]")
_CELL_REF = re.compile(rb"<" + _PREFIX + rb"c\s[^>]*?\br\s*=\s*[\"']([A-Za-z]{1,4})(\d+)[\"']")
_PARSED_PARTS = (".xml", ".rels", ".bin")


def column_number(letters: bytes) -> int:
    """b'A' -> 1, b'XFD' -> 16384."""
    number = 0
    for char in letters.upper():
        number = number * 26 + char - 64
    return number


def _attrs(text: bytes) -> dict[str, str]:
    found = {}
    for name, double, single in _ATTR.findall(text):
        key = name.decode("ascii", "replace").rsplit(":", 1)[-1]  # r:id -> id
        found[key] = html.unescape((double or single).decode("utf-8", "replace"))
    return found


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes, never more than `limit` (the declared size may lie)."""
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"{info.filename} inflates beyond {limit // 2**20} MiB")
    return data


def inspect_workbook(data: bytes) -> Inspection:
    """Decide how a workbook's bytes may be read. Raises TooLarge to refuse them."""
    if len(data) > max_file_bytes():
        raise TooLarge(f"{len(data)} bytes (limit {max_file_bytes() // 2**20} MiB)")
    if not data.startswith(_ZIP_MAGIC):
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            return Inspection(isolate="an .xls (BIFF) workbook: its extent is not known cheaply")
        return Inspection()  # no workbook format calamine knows: it fails fast on it
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return Inspection(isolate=f"a zip Python cannot open ({exc})")
    with archive:
        infos = archive.infolist()
        limit = max_uncompressed_bytes()
        declared = sum(i.file_size for i in infos if i.filename.lower().endswith(_PARSED_PARTS))
        if declared > limit:
            raise TooLarge(f"its parts inflate to {declared} bytes (limit {limit // 2**20} MiB)")
        names = {i.filename: i for i in infos}
        if "xl/workbook.xml" not in names:
            kind = "an .xlsb" if "xl/workbook.bin" in names else "an .ods or other zip"
            return Inspection(isolate=f"{kind} workbook: its extent is not known cheaply")
        return _inspect_xlsx(archive, names, limit)


def _inspect_xlsx(archive: zipfile.ZipFile, names: dict, limit: int) -> Inspection:
    workbook = _read_part(archive, names["xl/workbook.xml"], limit)
    rels_info = names.get("xl/_rels/workbook.xml.rels")
    if rels_info is None:
        return Inspection(isolate="no xl/_rels/workbook.xml.rels")
    targets = {}
    for match in _REL_TAG.finditer(_read_part(archive, rels_info, limit)):
        attrs = _attrs(match.group(1))
        target = attrs.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        targets[attrs.get("Id")] = posixpath.normpath(path)
    if (strings := names.get("xl/sharedStrings.xml")) is not None:
        _read_part(archive, strings, limit)  # a bomb behind a small declared size
    inspection = Inspection()
    for match in _SHEET_TAG.finditer(workbook):
        attrs = _attrs(match.group(1))
        sheet, part = attrs.get("name"), targets.get(attrs.get("id"))
        if sheet is None or part is None:
            return Inspection(isolate="a sheet without its part in the workbook's relations")
        info = names.get(part)
        if info is None or not part.startswith("xl/worksheets/"):
            inspection.extents[sheet] = (0, 0)  # a chart sheet, or nothing: no cells to size
            continue
        xml = _read_part(archive, info, limit)
        cells = _CELL_REF.findall(xml)
        if len(cells) != len(_CELL_TAG.findall(xml)):
            # calamine then places cells by counting: this scan does not bound them.
            return Inspection(isolate=f"sheet {sheet!r} has cells without a reference")
        # The farthest cell sizes calamine's grid; the declared dimension does not.
        last_column = max((c for c, _ in cells), key=lambda c: (len(c), c.upper()), default=b"")
        last_row = max((int(r) for _, r in cells), default=0)
        inspection.extents[sheet] = (last_row, column_number(last_column))
    return inspection
