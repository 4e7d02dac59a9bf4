"""Every table in a file, as a raw grid of cell texts: the import's first step.

A secretariat officer hands over a workbook (.xlsx, .xlsm, .xls, .ods), a Word document
(.docx) or a .csv; :func:`read_grids` gives each sheet or table as rows of strings, each row
with the number the officer sees, so that a message about a cell can point at it
("Workplan, row 12"). Nothing is interpreted here: the cleaning functions of
:mod:`kg.ingest` read the cells afterwards.

Spreadsheets of every kind are read with python-calamine (Rust's calamine): one reader for the
four formats, an order of magnitude faster than openpyxl, and it gives the cell's value
(a number, a date) rather than its formula. Word tables are read with python-docx, CSV with the
standard library. Tables nested inside a Word table cell are out of scope: a cell gives the text
of its own paragraphs only.

A file that cannot be read at all is a :class:`TableReadError` whose one-line message names the
file and says what to do; zip-based files are checked against decompression bombs first.

>>> read_grids(Path("minutes.pdf"))
Traceback (most recent call last):
...
kg.ingest.tables.TableReadError: minutes.pdf: cannot read tables from a .pdf file; save it as \
one of .csv, .docx, .ods, .xls, .xlsm, .xlsx
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import docx
import python_calamine
from docx.opc.exceptions import OpcError
from docx.table import Table
from lxml import etree

#: The suffixes :func:`read_grids` reads (lower case).
SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".docx"})
#: The media type of each, for uploads (``POST /sources/{key}/import``).
MEDIA_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "text/csv": ".csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
_SPREADSHEETS = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
#: Zip-based formats, checked against decompression bombs before they are opened.
_ZIPPED = frozenset({".xlsx", ".xlsm", ".ods", ".docx"})

#: The most a zip-based file may unpack to: far above any real workplan, far below a bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: The most rows a file may hold, over all its tables (Excel's own limit is 1,048,576 a sheet).
MAX_ROWS = 1_000_000
#: How much of a CSV file the delimiter is guessed from, and the delimiters it may be.
_SNIFF_CHARS = 64 * 1024
_DELIMITERS = ",;\t"

#: What calamine gives for a spreadsheet cell (python-calamine 0.9: dates as date, datetime,
#: time or timedelta by the cell's number format), or a text.
_Value: TypeAlias = (
    str | int | float | bool | datetime.date | datetime.time | datetime.timedelta | None
)
_T = TypeVar("_T")


@dataclass(frozen=True)
class Grid:
    """One table as the file holds it: rows of cell texts, each with the number a person sees."""

    #: The file's name, for messages and locators.
    file: str
    #: The sheet's name; for Word "Table 1", "Table 2"… in document order; for CSV the stem.
    name: str
    #: (row number as shown: the spreadsheet's row, the Word table's row or the CSV record,
    #: counted from 1; the row's cells). Empty rows are left out, their numbers kept by the rest.
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    #: Word only: the nearest non-empty paragraph before the table (its heading, as a rule).
    caption: str = ""


class TableReadError(ValueError):
    """The file cannot be read at all; the message is one line a secretariat officer can act on
    (names the file and says what to do, e.g. 'save it as .xlsx')."""


def read_grids(path: Path) -> list[Grid]:
    """Every non-empty table of ``path``, in the file's order (sheets, or Word tables)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise TableReadError(
            f"{path.name}: cannot read tables from a {suffix or 'suffix-less'} file; "
            f"save it as one of {', '.join(sorted(SUFFIXES))}"
        )
    if not path.is_file():
        raise TableReadError(f"{path.name}: no such file (looked for {path})")
    budget = _RowBudget(path.name)
    try:
        if suffix in _ZIPPED:
            _check_unpacked_size(path)
        if suffix in (".xlsx", ".xlsm"):
            _check_xlsx_extent(path)
        elif suffix == ".ods":
            _check_ods_extent(path)
        if suffix in _SPREADSHEETS:
            grids = _read_spreadsheet(path, budget)
        elif suffix == ".docx":
            grids = _read_docx(path, budget)
        else:
            grids = [_read_csv(path, budget)]
    except OSError as error:
        raise TableReadError(f"{path.name}: cannot be opened ({error.strerror or error})") from None
    found = [grid for grid in grids if grid.rows]
    if not found:
        raise TableReadError(
            f"{path.name} holds no table: no sheet or table in it has a filled-in cell"
        )
    return found


class _RowBudget:
    """Counts the rows read from one file, to refuse a file too large to be a real table."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.left = MAX_ROWS

    def spend(self, rows: int) -> None:
        self.left -= rows
        if self.left < 0:
            raise TableReadError(
                f"{self.file}: holds more than {MAX_ROWS:,} rows; split it into smaller files"
            )


def _check_unpacked_size(path: Path) -> None:
    """Refuse a zip whose members unpack to more than :data:`MAX_UNPACKED_BYTES`.

    The sizes are those the zip declares, read from its directory without unpacking anything:
    the check has to come before calamine or python-docx opens the file. A file that is no zip
    is left to the reader, whose error says what is wrong with it.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        return
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableReadError(
            f"{path.name}: unpacks to {unpacked / 2**20:,.0f} MiB, more than the "
            f"{MAX_UNPACKED_BYTES / 2**20:,.0f} MiB allowed; remove images or split the file"
        )


#: The most cells a sheet's used range may span (rows × columns) before calamine reads it:
#: calamine builds the whole range in memory, so one stray cell at XFD1048576 in an 8 KB file
#: would take half a terabyte. 5 million is 100,000 rows of 50 columns.
MAX_CELLS = 5_000_000
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_SST_COUNT = re.compile(rb'\buniqueCount="([0-9]+)"')
_DIMENSION = re.compile(
    rb'<(?:\w+:)?dimension\b[^>]*?\bref="(?:[A-Z]{1,3}[0-9]{1,7}:)?([A-Z]{1,3})([0-9]{1,7})"'
)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - 64)
    return number


def _too_many_cells(path: Path, where: str, rows: int, columns: int) -> TableReadError:
    return TableReadError(
        f"{path.name}: {where} spans {rows:,} rows and {columns:,} columns, more than "
        f"{MAX_CELLS:,} cells; delete the empty rows and columns beyond the table (a stray "
        "cell far away?) and save it again"
    )


def _check_xlsx_extent(path: Path) -> None:
    """Refuse a workbook whose sheets reach further, or whose shared strings declare more,
    than a real table (read from the XML without building anything)."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return  # the reader says what is wrong with it
    with archive:
        for member in archive.infolist():
            name = member.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                rows = columns = 0
                with archive.open(member) as stream:
                    tail = b""
                    while chunk := stream.read(1 << 20):
                        block = tail + chunk
                        found = _CELL_REF.findall(block) + _DIMENSION.findall(block)
                        for letters, number in found:
                            columns = max(columns, _column_number(letters))
                            rows = max(rows, int(number))
                        tail = block[-200:]
                if rows * columns > MAX_CELLS:
                    raise _too_many_cells(
                        path, f"a sheet ({name.rsplit('/', 1)[-1]})", rows, columns
                    )
            elif name == "xl/sharedStrings.xml":
                with archive.open(member) as stream:
                    declared = _SST_COUNT.search(stream.read(4096))
                # Each string takes at least "<si></si>": more than that could hold is a lie
                # that would make the reader reserve memory for it.
                if declared and int(declared.group(1)) > member.file_size // 9 + 1:
                    raise TableReadError(
                        f"{path.name}: its shared strings declare {int(declared.group(1)):,} "
                        "entries, more than the file holds; it is damaged: open it and save "
                        "it again"
                    )


_ODS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _check_ods_extent(path: Path) -> None:
    """Refuse a spreadsheet whose repeated rows and cells with content span more than
    :data:`MAX_CELLS` (empty repeats, which LibreOffice writes to the sheet's end, are free)."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return
    with archive:
        if "content.xml" not in archive.namelist():
            return
        cells = 0
        row_repeat = 1
        with archive.open("content.xml") as stream:
            parsed = etree.iterparse(
                stream, events=("start", "end"), resolve_entities=False, no_network=True
            )
            for event, element in parsed:
                tag = element.tag
                if event == "start" and tag == f"{_ODS}table-row":
                    row_repeat = int(element.get(f"{_ODS}number-rows-repeated", "1"))
                elif event == "end" and tag in (f"{_ODS}table-cell", f"{_ODS}covered-table-cell"):
                    if len(element) or element.get(
                        "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}value-type"
                    ):
                        repeat = int(element.get(f"{_ODS}number-columns-repeated", "1"))
                        cells += repeat * row_repeat
                        if cells > MAX_CELLS:
                            raise TableReadError(
                                f"{path.name}: its filled cells, repeated, are more than "
                                f"{MAX_CELLS:,}; delete what lies beyond the table and save it "
                                "again"
                            )
                    element.clear()
                elif event == "end" and tag == f"{_ODS}table-row":
                    element.clear()


def _read_spreadsheet(path: Path, budget: _RowBudget) -> list[Grid]:
    try:
        with python_calamine.CalamineWorkbook.from_path(path) as workbook:
            # A hidden sheet is no part of the document its reader sees (an old draft, a
            # lookup list): never imported.
            return [
                _sheet_grid(path.name, workbook.get_sheet_by_name(sheet.name), budget)
                for sheet in workbook.sheets_metadata
                if sheet.visible == python_calamine.SheetVisibleEnum.Visible
                and sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
            ]
    except python_calamine.CalamineError as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise TableReadError(
            f"{path.name}: not a readable {path.suffix.lower()} workbook ({reason}); "
            "it may be damaged or password-protected: open it, remove any password "
            "and save it again as .xlsx"
        ) from None


def _sheet_grid(file: str, sheet: python_calamine.CalamineSheet, budget: _RowBudget) -> Grid:
    # Counted from the sheet's extent before its cells are turned into Python objects.
    budget.spend(sheet.end[0] + 1 if sheet.end else 0)
    # skip_empty_area=False keeps the grid anchored at A1, so index + 1 is the row number.
    values = sheet.to_python(skip_empty_area=False)
    _fill_merged_down(values, sheet.merged_cell_ranges or [])
    return Grid(file, sheet.name, _numbered(enumerate(values, start=1)))


def _fill_merged_down(
    values: list[list[Any]], merged: Iterable[tuple[tuple[int, int], tuple[int, int]]]
) -> None:
    """A cell merged over several rows (one "Implementation" for three activities) holds its
    text for each of them, as a reader of the table reads it. Merges across one row only (a
    heading over the whole width) are left as they are: their text is the first column's."""
    for (top, left), (bottom, right) in merged:
        if bottom <= top or top >= len(values):
            continue
        for column in range(left, right + 1):
            value = values[top][column] if column < len(values[top]) else ""
            for row in range(top + 1, min(bottom, len(values) - 1) + 1):
                line = values[row]
                if column < len(line) and line[column] in ("", None):
                    line[column] = value


def _read_docx(path: Path, budget: _RowBudget) -> list[Grid]:
    try:
        document = docx.Document(str(path))
    except (OpcError, KeyError, ValueError, zipfile.BadZipFile, etree.LxmlError):
        raise TableReadError(
            f"{path.name}: not a readable Word document; it may be damaged, password-protected "
            "or another format renamed: open it in Word and save it again as .docx"
        ) from None
    grids: list[Grid] = []
    caption = ""
    # Body paragraphs and tables in document order: a table's caption is the paragraph nearest
    # before it (its heading, as a rule).
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            budget.spend(len(block.rows))
            name = f"Table {len(grids) + 1}"
            grids.append(Grid(path.name, name, _numbered(_docx_rows(block)), caption))
        elif block.text.strip():
            caption = _clean(block.text)
    return grids


def _docx_rows(table: Table) -> Iterator[tuple[int, list[str]]]:
    """The rows of a Word table, one text per layout-grid column.

    python-docx gives a cell once for every grid column it spans, and, for a vertically merged
    cell, the top cell again in every row the merge covers. A cell whose ``<w:tc>`` is the one
    to its left (a horizontal merge) is written "": its text stays in the merge's first
    position and every row keeps one entry per grid column, so the columns line up with the
    header. A vertical merge's text is repeated in every row it covers (one "Implementation"
    cell for three activities belongs to each of them), as in a merged spreadsheet range.
    """
    for number, row in enumerate(table.rows, start=1):
        # Word lets a row start after the first grid column: pad, to keep the columns aligned.
        elements: list[object] = [None] * row.grid_cols_before
        texts = [""] * row.grid_cols_before
        for cell in row.cells:
            column = len(elements)
            repeated = column > 0 and elements[-1] is cell._tc
            elements.append(cell._tc)
            texts.append("" if repeated else cell.text)
        yield number, texts


def _read_csv(path: Path, budget: _RowBudget) -> Grid:
    raw = path.read_bytes()
    # Excel's "Unicode text" and some exports write UTF-16, always with its byte-order mark.
    encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise TableReadError(
            f'{path.name}: is not UTF-8 text; save it again as "CSV UTF-8 (comma delimited)"'
        ) from None
    delimiter = _delimiter(text[:_SNIFF_CHARS])
    # One record at a time, so a huge file is refused before it is all held as cells.
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(_counted(enumerate(records, start=1), budget))
    except csv.Error as error:
        raise TableReadError(f"{path.name}: is not a well-formed CSV file ({error})") from None
    return Grid(path.name, path.stem, _numbered(rows))


def _delimiter(sample: str) -> str:
    """The delimiter of a CSV file, one of :data:`_DELIMITERS`, told from its first part.

    Only the delimiter is taken from csv.Sniffer: it also guesses ``doublequote`` False for a
    sample without a doubled quote, which would break a "" further down. Where it cannot tell
    (a cell with a line break or a blank line upsets its line-by-line counts), the delimiter is
    the one that splits the records into the same number of columns most often, "," if none
    splits them at all.
    """
    try:
        return csv.Sniffer().sniff(sample, _DELIMITERS).delimiter
    except csv.Error:
        return max(_DELIMITERS, key=lambda delimiter: _consistency(sample, delimiter))


def _consistency(sample: str, delimiter: str) -> tuple[float, int]:
    """How regular the records are split by ``delimiter``: the share of them with the usual
    number of columns (0 if that is one column), then that number."""
    widths = Counter(
        len(record)
        for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        if record
    )
    if not widths:
        return (0.0, 0)
    columns, count = widths.most_common(1)[0]
    return (count / widths.total() if columns > 1 else 0.0, columns)


def _counted(rows: Iterable[_T], budget: _RowBudget) -> Iterator[_T]:
    for row in rows:
        budget.spend(1)
        yield row


def _numbered(
    rows: Iterable[tuple[int, Sequence[_Value]]],
) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """The rows as texts, trailing empty cells dropped and empty rows left out."""
    kept = []
    for number, values in rows:
        cells = [_text(value) for value in values]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            kept.append((number, tuple(cells)))
    return tuple(kept)


def _text(value: _Value) -> str:
    """A cell's value as the text a person reads in it.

    >>> [_text(v) for v in (180000.0, 1e-05, 2.5, True, datetime.datetime(2009, 1, 31))]
    ['180000', '0.00001', '2.5', 'TRUE', '2009-01-31']
    >>> _text(datetime.timedelta(hours=30, minutes=5))
    '30:05:00'
    """
    match value:
        case None:
            return ""
        case bool():  # before int: a bool is an int
            return "TRUE" if value else "FALSE"
        case int():
            return str(value)
        case float() if value.is_integer():
            return str(int(value))
        case float():
            # str() of a float gives "1e-05"; Decimal's "f" format writes every digit out.
            return format(Decimal(str(value)), "f")
        case datetime.datetime() if value.time() == datetime.time() and value.tzinfo is None:
            return value.date().isoformat()
        case datetime.date() | datetime.time():
            return value.isoformat()
        case datetime.timedelta():
            return _duration(value)
        case _:
            return _clean(value)


def _duration(value: datetime.timedelta) -> str:
    """A duration as Excel shows one formatted [h]:mm:ss: spreadsheets hold hours, not days."""
    seconds = round(abs(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    sign = "-" if value < datetime.timedelta() else ""
    return f"{sign}{hours}:{rest // 60:02}:{rest % 60:02}"


#: Control characters no text keeps (NUL and the like; tab and line breaks are kept).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: str) -> str:
    # Windows line ends inside a CSV field or an Excel cell are the same line break as "\n".
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return _CONTROL.sub("", text).strip()
