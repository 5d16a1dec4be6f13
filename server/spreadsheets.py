"""CSV files the app hands out (registrations, leads): one rule for every cell.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return
before one) as a formula, so a name such as `=HYPERLINK("http://evil", "x")` typed at sign-up
would run on the organiser's machine when they open the export. Every text cell that starts
so is written with a leading `'`, which spreadsheets show as text (OWASP's CSV injection
advice); numbers and instants are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

Cell = str | int | None

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Cell) -> str | int:
    """`value` as a cell no spreadsheet will run (None: empty)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return f"'{value}"
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """The CSV document of `header` and `rows`, every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()
