"""CSV files the bot writes (KPI exports, rejected import rows), safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula: an account named `=HYPERLINK("http://evil",…)` or `-2+3+cmd|' /C calc'!A0`
would run when the export is opened. Following OWASP's guidance, such a text cell is prefixed with a
single quote, which spreadsheets show as text. Numbers stay numbers: a cell that is a plain number
(`-5000`, `-50.00`, `1e3`) is written as is, so a negative amount still sums.
"""

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet must read it: text that could start a formula gets a leading `'`."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START) or _NUMBER.fullmatch(value):
        return value
    return "'" + value


def csv_bytes(rows: Iterable[Iterable[Any]], *, lineterminator: str = "\r\n") -> bytes:
    """Rows as CSV in UTF-8 with a BOM (so Excel shows Chinese correctly), every cell through `safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
