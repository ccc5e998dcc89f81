"""Reading a CSV template: its rows with their line numbers, and errors that name the row.

Every template (the board, and its companions) is read here, so they share the rules: UTF-8 with
or without a byte-order mark or UTF-16 with one (:func:`icskg.validation.text.text_of`), a
header naming the columns in any order and case, blank rows skipped, and a malformed row (a quote
never closed, a cell past the size limit) refused with its line number, never a traceback.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from icskg.validation.text import InputError, text_of

MAX_ROWS = 1000


def key(text: str) -> str:
    """A column name or a cell as compared: trimmed, lower case, single spaces, ``_`` as a space."""
    return re.sub(r"\s+", " ", text.strip().lower().replace("_", " "))


@dataclass(frozen=True)
class Row:
    """One filled row: its line in the file (the header is line 1) and its cells by column key."""

    line: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")

    def where(self, name: str) -> str:
        return f"{name} row {self.line}"


def _csv_error(exc: csv.Error, name: str, line: int) -> InputError:
    text = str(exc)
    if "field larger than field limit" in text:
        why = (f"a cell is longer than {csv.field_size_limit():,} characters. If a quote (\") in this "
               "row is never closed, everything after it is read as one cell: close or remove it")
    elif "unexpected end of data" in text:
        why = "a quote (\") opened in this row is never closed; close it, or remove it"
    elif "expected after" in text:
        why = "a quoted cell has text after its closing quote; put the whole cell in quotes"
    else:
        why = f"it cannot be read as CSV ({text})"
    return InputError(f"{name} row {line}: {why}.")


def read_rows(data: bytes, name: str, required: Sequence[str], template: str, what: str) -> list[Row]:
    """The non-blank rows of a CSV file whose header has at least the ``required`` columns.

    ``template`` is the template's header line and ``what`` its name, for the messages.

    :raises InputError: naming the row (or the missing columns) and what to fix.
    """
    reader = csv.reader(io.StringIO(text_of(data, name)), strict=True)
    header: list[str] = []
    rows: list[Row] = []
    while True:
        line = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _csv_error(exc, name, line) from None
        if not header:
            if any(f.strip() for f in fields):
                header = [key(f) for f in fields]
                missing = [column for column in required if column not in header]
                if missing:
                    raise InputError(f"{name}: the {what} needs the column(s) {', '.join(missing)}. "
                                     f"The header line is: {template}.")
            continue
        cells = {column: value.strip() for column, value in zip(header, fields, strict=False) if column}
        if any(cells.values()):
            rows.append(Row(line, cells))
        if len(rows) > MAX_ROWS:
            raise InputError(f"{name}: more than {MAX_ROWS:,} rows; split the file.")
    if not header:
        raise InputError(f"{name}: the file has no header line; the {what} starts with: {template}.")
    if not rows:
        raise InputError(f"{name}: the CSV file has a header but no rows.")
    return rows
