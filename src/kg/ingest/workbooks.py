"""A workbook for a secretariat officer to fill in or correct, written with openpyxl.

Each :class:`Sheet` becomes a worksheet with a bold, frozen, filterable header row whose cells
carry the column's note as a comment, and data cells that wrap their text. Every cell is text,
formatted as text ("@"): Excel would otherwise read "2010" as a number, "1." as 1 and "=…" as
a formula, and the import would get back something other than what was written. The columns
are formatted as text too, so what the officer types in below the data stays text as well.
Sheets with an ``intro`` are explained on a last sheet, "About".

The file is written to a temporary file beside ``path`` and renamed over it, so a reader never
sees half a workbook and a failed write leaves the old one in place.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

#: Excel's longest sheet name, and the characters it refuses in one.
MAX_SHEET_NAME = 31
_NOT_IN_SHEET_NAMES = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))
_MIN_WIDTH, _MAX_WIDTH = 10, 60
_TEXT = "@"
_WRAP = Alignment(wrap_text=True, vertical="top")
_BOLD = Font(bold=True)
_AUTHOR = "mea-kg"


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its header, its rows, a note per column and what the sheet is for."""

    #: Shortened to Excel's 31 characters, its forbidden characters replaced by "-".
    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = ()
    #: One note per header column ("" for none), written as a comment on the header cell.
    notes: tuple[str, ...] = ()
    #: A paragraph on what the sheet holds, written on the "About" sheet.
    intro: str = ""

    def __post_init__(self) -> None:
        if self.notes and len(self.notes) != len(self.header):
            raise ValueError(
                f"sheet {self.name!r}: {len(self.notes)} notes for {len(self.header)} columns"
            )


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write ``sheets`` to the .xlsx workbook ``path``, replacing it atomically."""
    if not sheets:
        raise ValueError(f"{path.name}: a workbook needs at least one sheet")
    has_intro = any(sheet.intro for sheet in sheets)
    names = _sheet_names([sheet.name for sheet in sheets] + (["About"] if has_intro else []))
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet, name in zip(sheets, names, strict=False):
        _write_sheet(workbook.create_sheet(name), sheet.header, sheet.rows, sheet.notes)
    if has_intro:
        about = tuple(
            (name, sheet.intro) for sheet, name in zip(sheets, names, strict=False) if sheet.intro
        )
        _write_sheet(workbook.create_sheet(names[-1]), ("Sheet", "What it holds"), about, ())
    _save_atomically(workbook, path)


def _sheet_names(wanted: list[str]) -> list[str]:
    """Names Excel accepts: no forbidden characters, at most 31 long, unique ignoring case."""
    names: list[str] = []
    taken: set[str] = set()
    for raw in wanted:
        base = _clean(raw).translate(_NOT_IN_SHEET_NAMES).strip(" '") or "Sheet"
        name, count = _shortened(base, MAX_SHEET_NAME), 1
        while name.casefold() in taken:
            count += 1
            suffix = f" ({count})"
            name = _shortened(base, MAX_SHEET_NAME - len(suffix)) + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def _shortened(name: str, length: int) -> str:
    # Excel refuses a name that ends in an apostrophe; a space there would look like a typo.
    return name[:length].rstrip(" '")


def _write_sheet(
    worksheet: Worksheet,
    header: tuple[str, ...],
    rows: tuple[tuple[str, ...], ...],
    notes: tuple[str, ...],
) -> None:
    for column, title in enumerate(header, start=1):
        cell = _put(worksheet, 1, column, title)
        cell.font = _BOLD
        if column <= len(notes) and notes[column - 1]:
            cell.comment = Comment(_clean(notes[column - 1]), _AUTHOR)
    for number, row in enumerate(rows, start=2):
        for column, text in enumerate(row, start=1):
            _put(worksheet, number, column, text).alignment = _WRAP
    columns = max([len(header), *map(len, rows)])
    for column in range(1, columns + 1):
        dimension = worksheet.column_dimensions[get_column_letter(column)]
        dimension.width = _width([header, *rows], column - 1)
        dimension.number_format = _TEXT
    worksheet.freeze_panes = "A2"
    worksheet.auto_filter.ref = f"A1:{get_column_letter(max(columns, 1))}{len(rows) + 1}"


def _put(worksheet: Worksheet, row: int, column: int, text: str) -> Cell:
    """Write ``text`` as a text cell, whatever it looks like (a number, a date, a formula)."""
    value = _clean(text)
    # An empty text is written as no value, so that Excel counts the cell blank (its filter's
    # "(Blanks)"); the cell keeps its text format, for what the officer types into it.
    cell = worksheet.cell(row=row, column=column, value=value or None)
    if value:
        # openpyxl reads a leading "=" as a formula: the type is set back to a string.
        cell.data_type = "s"
    cell.number_format = _TEXT
    return cell


def _width(rows: Sequence[tuple[str, ...]], index: int) -> int:
    """The column's width in characters: its longest line, within reasonable bounds."""
    longest = max(
        (len(line) for row in rows if index < len(row) for line in row[index].split("\n")),
        default=0,
    )
    return min(max(longest + 2, _MIN_WIDTH), _MAX_WIDTH)


def _clean(text: str) -> str:
    # Control characters XML 1.0 cannot hold: openpyxl would raise IllegalCharacterError.
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _save_atomically(workbook: Workbook, path: Path) -> None:
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        workbook.save(temporary)
        # mkstemp makes the file private (0600): keep the mode of the file it replaces, or give
        # a new one the usual 0644.
        temporary.chmod(stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
