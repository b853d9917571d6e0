"""CSV written for people who open it in a spreadsheet: statements and audit exports."""

from __future__ import annotations


def inert_cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (M6): text starting =, +, -, @, tab or CR gets an
    apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
