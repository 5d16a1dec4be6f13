import csv
import io

import pytest

from server.spreadsheets import csv_text


@pytest.mark.parametrize(
    "typed", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x")']
)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(typed: str) -> None:
    rows = list(csv.reader(io.StringIO(csv_text(["name"], [[typed]]), newline="")))

    assert rows == [["name"], ["'" + typed]]


def test_other_cells_numbers_and_empty_ones_are_written_as_they_are() -> None:
    text = csv_text(["a", "b", "c", "d"], [["Anna-Maria", 42, None, "2027-03-20T09:00:00Z"]])

    assert text.splitlines() == ["a,b,c,d", "Anna-Maria,42,,2027-03-20T09:00:00Z"]
