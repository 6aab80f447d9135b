"""Text from unit files must never become a formula in a spreadsheet.

A cell that starts with = + - @ (or a tab / carriage return, which some
programs strip before looking) is read as a formula by Excel and LibreOffice
when a CSV is opened, or when a text cell is edited and confirmed.
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def csv_cell(value) -> str:
    """OWASP's rule for CSV: a leading apostrophe makes the cell plain text."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if is_formula_like(text) else text
