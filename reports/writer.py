"""Writes the month's report files into DEAN5299_OUTPUT/<YYYY-MM>/."""

from __future__ import annotations

import html
import os
import re
from datetime import date
from pathlib import Path

from reports.narrative import render_markdown
from reports.progress_data import load_report_data


def _atomic_write(path: Path, text: str) -> None:
    # Readers never see half a report: write beside it, then rename.
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def markdown_to_html(markdown: str, title: str) -> str:
    """The few Markdown forms the narrative uses (headings, bold, lists), escaped."""
    body = []
    for line in markdown.splitlines():
        text = html.escape(line.strip().lstrip("-").strip())
        text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
        if line.startswith("## "):
            body.append(f"<h2>{text[3:]}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{text[2:]}</h1>")
        elif line.startswith("  - "):
            body.append(f"<li class='sub'>{text}</li>")
        elif line.startswith("- "):
            body.append(f"<li>{text}</li>")
        elif text:
            body.append(f"<p>{text}</p>")
    return (
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.5}"
        "li.sub{margin-left:2em}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write_reports(warehouse: Path, output: Path, as_of: date) -> dict[str, Path]:
    data = load_report_data(warehouse, as_of)
    folder = output / f"{as_of:%Y-%m}"
    folder.mkdir(parents=True, exist_ok=True)
    markdown = render_markdown(data)
    paths = {
        "markdown": folder / f"bao_cao_{as_of:%Y-%m}.md",
        "html": folder / f"bao_cao_{as_of:%Y-%m}.html",
    }
    _atomic_write(paths["markdown"], markdown)
    _atomic_write(paths["html"], markdown_to_html(markdown, f"Báo cáo Đề án 5299 {as_of:%m/%Y}"))
    return paths
