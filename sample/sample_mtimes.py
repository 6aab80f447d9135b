"""File modification times of the shipped sample inbox.

The contract uses a file's modification time as its receipt time (lateness,
version tie-break, duplicate order), but git does not keep mtimes. The sample
therefore ships ``sample/inbox_mtimes.csv`` (``file_name,mtime``: path relative
to the inbox, ``/``-separated; ISO-8601 with offset, e.g.
``2024-02-05T09:12:00+07:00``), and :func:`restore_mtimes` puts them back.

Usable without the project installed::

    python sample/generate_sample.py --restore-mtimes [--inbox DIR]

or, from code (tests, set-up scripts)::

    from sample.sample_mtimes import restore_mtimes
    restore_mtimes(Path("sample/inbox"))
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
from collections.abc import Callable, Iterable
from pathlib import Path

MANIFEST_NAME = "inbox_mtimes.csv"
MANIFEST_HEADER = ("file_name", "mtime")


def read_manifest(manifest: Path) -> dict[str, dt.datetime]:
    """``file_name -> aware datetime`` from a manifest CSV."""
    with Path(manifest).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != MANIFEST_HEADER:
            raise ValueError(f"{manifest}: header must be {','.join(MANIFEST_HEADER)}")
        out: dict[str, dt.datetime] = {}
        for row in reader:
            stamp = dt.datetime.fromisoformat(row["mtime"])
            if stamp.tzinfo is None:
                raise ValueError(f"{manifest}: mtime without offset: {row['mtime']}")
            out[row["file_name"]] = stamp
        return out


def write_manifest(manifest: Path, entries: Iterable[tuple[str, dt.datetime]]) -> Path:
    """Write ``(file_name, aware datetime)`` pairs, sorted by file name."""
    manifest = Path(manifest)
    rows = sorted(entries)
    with manifest.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(MANIFEST_HEADER)
        for name, stamp in rows:
            if stamp.tzinfo is None:
                raise ValueError(f"mtime of {name} has no offset")
            writer.writerow([name, stamp.isoformat()])
    return manifest


def restore_mtimes(
    inbox: Path, manifest: Path | None = None, *, strict: bool = True
) -> dict[str, dt.datetime]:
    """Set the mtime (and atime) of each file listed in ``manifest`` under ``inbox``.

    ``manifest`` defaults to ``<inbox>/../inbox_mtimes.csv``. With ``strict`` (the
    default) a listed file missing from ``inbox`` raises ``FileNotFoundError``;
    otherwise it is left out. Returns the times that were set, by file name.
    """
    inbox = Path(inbox)
    manifest = Path(manifest) if manifest is not None else inbox.parent / MANIFEST_NAME
    entries = read_manifest(manifest)
    missing = [name for name in entries if not (inbox / name).is_file()]
    if missing and strict:
        raise FileNotFoundError(f"files listed in {manifest} not found in {inbox}: {missing}")
    done: dict[str, dt.datetime] = {}
    for name, stamp in entries.items():
        if name in missing:
            continue
        ts = stamp.timestamp()
        os.utime(inbox / name, (ts, ts))
        done[name] = stamp
    return done


def generator_main(
    argv: list[str] | None,
    *,
    description: str,
    default_out: Path,
    generate: Callable[[Path], str],
) -> int:
    """The command line both sample generators share: `--out DIR` (default
    `default_out`) runs `generate(out)` and prints what it returns; `--restore-mtimes
    [--inbox DIR] [--manifest FILE]` only sets the inbox files' receipt times."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--out",
        type=Path,
        default=default_out,
        help=f"folder to write reference/, inbox/, {MANIFEST_NAME} (default: {default_out.name}/)",
    )
    parser.add_argument(
        "--restore-mtimes",
        action="store_true",
        help="only set the inbox files' mtimes from the manifest",
    )
    parser.add_argument(
        "--inbox", type=Path, default=None, help="inbox for --restore-mtimes (default: <out>/inbox)"
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        default=None,
        help=f"manifest for --restore-mtimes (default: <out>/{MANIFEST_NAME})",
    )
    args = parser.parse_args(argv)
    if args.restore_mtimes:
        inbox = args.inbox or args.out / "inbox"
        done = restore_mtimes(inbox, args.manifest or args.out / MANIFEST_NAME)
        print(f"set the mtimes of {len(done)} files under {inbox}")
        return 0
    print(generate(args.out))
    return 0
