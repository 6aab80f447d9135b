"""Looking at a workbook before python-calamine reads it (docs/ingestion.md, "Hostile files").

calamine sizes a sheet's grid from its farthest cell: one cell at XFD1048576 makes it ask
for 16 384 × 1 048 576 cells of 32 bytes (512 GiB), and a failed allocation aborts the
whole process; nothing Python can catch. So before a workbook is read:

- an `.xlsx` (recognised by content, whatever its extension) is inspected here, cheaply:
  the zip's declared sizes, then each worksheet's XML scanned for its cell references
  (`<dimension ref=...>` is only reported: calamine does not trust it and neither do we).
  A sheet beyond `Limits.max_rows` × `Limits.max_columns` is refused before calamine sees it.
- a workbook this cannot bound (`.xls`, `.xlsb`, `.ods`, cells without a reference, a zip
  Python cannot open) is read by `ingestion.isolated` in a child process under a memory
  limit, so that an abort costs one file, not the run.

Every limit is a setting with a generous default, overridable by an environment variable.
"""

from __future__ import annotations

import functools
import html
import io
import os
import posixpath
import re
import struct
import zipfile
import zlib
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


@dataclass(frozen=True)
class Limits:
    """The limits, read from the environment once (`limits()`) and passed down: a run
    reads them at its start, not ~11 times per file (docs/benchmarks.md, session 4)."""

    max_rows: int
    max_columns: int
    max_uncompressed_bytes: int
    max_file_bytes: int
    reader_memory_bytes: int
    reader_timeout_s: int

    @functools.cached_property  # once per run, not per sheet
    def beyond_caps(self) -> re.Pattern[bytes]:
        """`<c r="...">` references that might be beyond the caps: as many letters as the
        last allowed column or more, or as many digits as the last allowed row or more."""
        return _big_refs(len(_column_letters(self.max_columns)), len(str(self.max_rows)))


def limits() -> Limits:
    """The limits now in force: the environment's settings, else the defaults."""
    return Limits(
        max_rows=_setting("DEAN5299_MAX_ROWS", DEFAULT_MAX_ROWS),
        max_columns=_setting("DEAN5299_MAX_COLUMNS", DEFAULT_MAX_COLUMNS),
        max_uncompressed_bytes=(
            _setting("DEAN5299_MAX_UNCOMPRESSED_MB", DEFAULT_MAX_UNCOMPRESSED_MB) * 2**20
        ),
        max_file_bytes=_setting("DEAN5299_MAX_FILE_MB", DEFAULT_MAX_FILE_MB) * 2**20,
        reader_memory_bytes=(
            _setting("DEAN5299_READER_MEMORY_MB", DEFAULT_READER_MEMORY_MB) * 2**20
        ),
        reader_timeout_s=_setting("DEAN5299_READER_TIMEOUT_S", DEFAULT_READER_TIMEOUT_S),
    )


# Read when ingestion/isolated.py starts a reader process or limits its own.
def reader_memory_bytes() -> int:
    return limits().reader_memory_bytes


def reader_timeout_s() -> int:
    return limits().reader_timeout_s


class TooLarge(Exception):  # noqa: N818 - a verdict, not a failure of ours
    """A workbook (or one of its sheets) beyond the limits: rejected, never read."""


class NotInspected(Exception):  # noqa: N818
    """A sheet the inspection could not bound: the workbook must be read in a child."""


def check_extent(
    sheet: str, rows: int, columns: int, how: str = "", caps: Limits | None = None
) -> None:
    """Raise TooLarge if a sheet reaching row `rows`, column `columns` is beyond the caps."""
    caps = caps or limits()
    if rows > caps.max_rows or columns > caps.max_columns:
        raise TooLarge(
            f"sheet {sheet!r} reaches row {rows}, column {columns}{how} "
            f"(limits: {caps.max_rows} rows, {caps.max_columns} columns)"
        )


@dataclass
class Inspection:
    """What parse_bytes does with a workbook: read it here (`extents` bounds each sheet),
    or in a child (`isolate`, with the reason)."""

    isolate: str | None = None
    # sheet -> (farthest row, farthest column); key None: a bound for every sheet
    extents: dict[str | None, tuple[int, int]] = field(default_factory=dict)


_ZIP_MAGIC = b"PK\x03\x04"
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_SHEET_TAG = re.compile(rb"<" + _PREFIX + rb"sheet\s([^>]*)>")
_REL_TAG = re.compile(rb"<" + _PREFIX + rb"Relationship\s([^>]*)>")
_ATTR = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# A cell tag whose first attribute is not its reference; a prefixed one (`<x:c`).
_UNREFERENCED_CELL = re.compile(rb'<c[\s>/](?!r=")')
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_CELL_TAG = re.compile(rb"<" + _PREFIX + rb"c[\s/>]")
_CELL_REF = re.compile(rb"<" + _PREFIX + rb"c\s[^>]*?\br\s*=\s*[\"']([A-Za-z]{1,4})(\d+)[\"']")
_PARSED_PARTS = (".xml", ".rels", ".bin")
_MAX_DEFLATE_RATIO = 1032


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


def inspect_workbook(data: bytes, caps: Limits | None = None) -> Inspection:
    """Decide how a workbook's bytes may be read. Raises TooLarge to refuse them.
    `caps`: the run's limits (None: read them now)."""
    caps = caps or limits()
    if len(data) > caps.max_file_bytes:
        raise TooLarge(f"{len(data)} bytes (limit {caps.max_file_bytes // 2**20} MiB)")
    if not data.startswith(_ZIP_MAGIC):
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            return Inspection(isolate="an .xls (BIFF) workbook: its extent is not known cheaply")
        return Inspection()  # no workbook format calamine knows: it fails fast on it
    if (quick := _quick_xlsx(data, caps)) is not None:
        return quick
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return Inspection(isolate=f"a zip Python cannot open ({exc})")
    with archive:
        parsed = [i for i in archive.infolist() if i.filename.lower().endswith(_PARSED_PARTS)]
        limit = caps.max_uncompressed_bytes
        declared = sum(i.file_size for i in parsed)
        if declared > limit:
            raise TooLarge(f"its parts inflate to {declared} bytes (limit {limit // 2**20} MiB)")
        # Deflate inflates at most ~1032x: small parts cannot hide a bomb behind a lying
        # declared size. Otherwise (or another method), every part is inflated, bounded.
        compressed = sum(i.compress_size for i in parsed)
        if compressed * _MAX_DEFLATE_RATIO > limit or any(
            i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for i in parsed
        ):
            total = sum(len(_read_part(archive, i, limit)) for i in parsed)
            if total > limit:
                raise TooLarge(f"its parts inflate beyond {limit // 2**20} MiB")
        names = {i.filename: i for i in parsed}
        if "xl/workbook.xml" not in names:
            kind = "an .xlsb" if "xl/workbook.bin" in names else "an .ods or other zip"
            return Inspection(isolate=f"{kind} workbook: its extent is not known cheaply")
        return _inspect_xlsx(archive, names, limit, caps)


_EOCD = struct.Struct("<4sHHHHIIH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_LOCAL = struct.Struct("<4sHHHHHIIIHH")


def _quick_xlsx(data: bytes, caps: Limits) -> Inspection | None:
    """The common case without zipfile (whose opening costs more than the whole check):
    a plain zip, deflated or stored, every sheet within the caps. None: anything else,
    which the general path then looks at."""
    try:
        eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
        if eocd < 0:
            return None
        _, _, _, _, count, _, position, _ = _EOCD.unpack_from(data, eocd)
        members = {}
        for _ in range(count):
            fields = _CENTRAL.unpack_from(data, position)
            flags, method, compressed, size = fields[3], fields[4], fields[8], fields[9]
            name_end = position + 46 + fields[10]
            if fields[0] != b"PK\x01\x02" or flags & 1 or method not in (0, 8):
                return None  # not a plain zip, encrypted, or another method
            members[data[position + 46 : name_end]] = (method, compressed, size, fields[16])
            position = name_end + fields[11] + fields[12]
        parsed = [m for n, m in members.items() if n.lower().endswith((b".xml", b".rels", b".bin"))]
        limit = caps.max_uncompressed_bytes
        if b"xl/workbook.xml" not in members or sum(m[2] for m in parsed) > limit:
            return None
        if sum(m[1] for m in parsed) * _MAX_DEFLATE_RATIO > limit:
            return None
        rows = columns = 0
        for name, (method, compressed, _, offset) in members.items():
            if not (name.startswith(b"xl/worksheets/") and name.endswith(b".xml")):
                continue
            local = _LOCAL.unpack_from(data, offset)
            if local[0] != b"PK\x03\x04":
                return None
            start = offset + 30 + local[9] + local[10]
            raw = data[start : start + compressed]
            xml = raw if method == 0 else zlib.decompressobj(-15).decompress(raw, limit)
            extent = _cell_extent(xml, caps)
            if extent is None or len(xml) >= limit:
                return None
            rows, columns = max(rows, extent[0]), max(columns, extent[1])
    except (struct.error, zlib.error, ValueError):
        return None
    if rows > caps.max_rows or columns > caps.max_columns:
        return None  # which sheet is beyond them: the general path maps names to parts
    return Inspection(extents={None: (rows, columns)})


@functools.lru_cache(maxsize=8)
def _big_refs(letters: int, digits: int) -> re.Pattern[bytes]:
    return re.compile(
        rb'<c r="([A-Za-z]{%d,}\d+|[A-Za-z]+\d{%d,})"' % (letters, digits)  # noqa: UP031
    )


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters or "A"


def _split_ref(ref: bytes) -> tuple[int, int]:
    digits = ref.lstrip(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    return int(digits), column_number(ref[: len(ref) - len(digits)])


def _cell_extent(xml: bytes, caps: Limits) -> tuple[int, int] | None:
    """A bound on (farthest row, farthest column) of a worksheet's cells, exact whenever
    it is beyond the caps; None if some cell has no reference (calamine then places it
    by counting)."""
    if _UNREFERENCED_CELL.search(xml) is None and _PREFIXED_CELL.search(xml) is None:
        # What Excel, LibreOffice and openpyxl write: only the few long references count.
        cells = [_split_ref(ref) for ref in caps.beyond_caps.findall(xml)]
    else:  # attributes in another order, namespace prefixes
        refs = _CELL_REF.findall(xml)
        if len(refs) != len(_CELL_TAG.findall(xml)):
            return None
        cells = [(int(row), column_number(col)) for col, row in refs]
    return max((r for r, _ in cells), default=0), max((c for _, c in cells), default=0)


def _inspect_xlsx(archive: zipfile.ZipFile, names: dict, limit: int, caps: Limits) -> Inspection:
    parts = {}
    for part, info in names.items():
        if part.startswith("xl/worksheets/") and part.endswith(".xml"):
            extent = _cell_extent(_read_part(archive, info, limit), caps)
            if extent is None:
                return Inspection(isolate=f"{part} has cells without a reference")
            parts[part] = extent
    bound = (
        max((r for r, _ in parts.values()), default=0),
        max((c for _, c in parts.values()), default=0),
    )
    if bound[0] <= caps.max_rows and bound[1] <= caps.max_columns:
        return Inspection(extents={None: bound})  # every sheet is within the caps
    # Some sheet is beyond them: which one matters (only the sheets read count).
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
    inspection = Inspection()
    for match in _SHEET_TAG.finditer(workbook):
        attrs = _attrs(match.group(1))
        sheet, part = attrs.get("name"), targets.get(attrs.get("id"))
        if sheet is None or part is None:
            return Inspection(isolate="a sheet without its part in the workbook's relations")
        inspection.extents[sheet] = parts.get(part, (0, 0))  # (0, 0): a chart sheet
    return inspection
