"""The tables of the seed documents, read from their plain-text renderings.

The seeds (``../shared/seeds``, see its README) render a document's tables as tab-separated
rows, some cells keeping the HTML list markup of the conversion. The functions here rebuild
each table as a person sees it in the Word or Excel original: one :class:`SeedTable` whose
cells are plain text, a cell's paragraphs and list items on lines of their own ("\\n"), a list
item starting "- ". Tests write these tables to ``.xlsx``, ``.docx`` and ``.csv`` files with
:func:`write_xlsx`, :func:`write_docx` and :func:`write_csv`, so that an import of those files
can be checked against the hand-made sources in ``data/sources`` — nothing is typed in by hand.

How a rendering is read:

* The table starts at its header line and ends at the first line of text (no tab) that is not
  page furniture: a running footer or a section heading is skipped when the next tabbed line
  after it continues the table (a continuation line or the repeated header).
* Blank lines, and the header repeated on a later page, are skipped.
* A continuation line (first cell empty, another cell not) belongs to the row above: each of
  its non-empty cells is appended, on a new line, to the same column of that row.
* Trailing empty cells are padded to the header's width.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support import PROJECT_ROOT

#: The seed documents, beside the checkout (``../shared/seeds``).
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"

TEHRAN_SEED = "000_8ba64710ad993ac9.txt"
TSC_SEED = "003_8b8bab2d2e907fd1.txt"
BRS_SEED = "004_01480ed27f3d1325.txt"


@dataclass(frozen=True)
class SeedTable:
    """A table of a seed document: its header and its rows of plain-text cells."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.header):
                raise ValueError(f"{self.name}: row of {len(row)} cells, header of {self.width}")

    @property
    def width(self) -> int:
        return len(self.header)

    def column(self, name: str) -> tuple[str, ...]:
        """The cells of the column headed ``name``, one per row."""
        index = self.header.index(name)
        return tuple(row[index] for row in self.rows)


# --- cells -------------------------------------------------------------------------------

_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)")
#: Tags that end a line: a list item, a paragraph, a list, a line break.
_BLOCK_TAGS = {"li", "p", "ul", "ol", "br", "div"}
#: A list marker inside a line: " - " or " • " (never a hyphen inside a word or a range).
_INLINE_MARKER = re.compile(r" [-•] ")
_LEADING_MARKER = re.compile(r"^[-•] ")


def cell_lines(cell: str) -> list[str]:
    """The lines a person sees in a seed cell, its HTML markup turned into lines."""
    blocks: list[tuple[str, bool]] = []  # (text, is a list item)
    text, in_item = "", False
    for token in _TAG.split(cell):
        if not token.startswith("<") or not token.endswith(">"):
            text += token
            continue
        match = _TAG_NAME.match(token)
        if match is None:
            continue
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in _BLOCK_TAGS:
            # An inline element (b, i, sup, span...): its text stays, the tag goes. A space
            # after its end, before punctuation, is the conversion's ("<i>inter alia</i> ,
            # Protocol" reads "inter alia, Protocol"): marked here, dropped below.
            if closing:
                text += "\0"
            continue
        blocks.append((text, in_item))
        text, in_item = "", name == "li" and not closing
    blocks.append((text, in_item))

    lines: list[str] = []
    for raw, is_item in blocks:
        block = html.unescape(raw)
        block = re.sub(r"\0\s+(?=[,.;:)])", "", block).replace("\0", "")
        block = re.sub(r"\s+", " ", block).strip()
        if not block:
            continue
        lines.extend(_split_items(block, is_item))
    return lines


def _split_items(block: str, is_item: bool) -> list[str]:
    """A line of text split at its inline list markers (" - item - item")."""
    marked = bool(_LEADING_MARKER.match(block))
    if marked:
        block = block[2:]
    first, *items = _INLINE_MARKER.split(block)
    out = []
    first = first.strip()
    if first:
        out.append(f"- {first}" if marked or is_item else first)
    out.extend(f"- {item.strip()}" for item in items if item.strip())
    return out


def clean_cell(cell: str) -> str:
    """A seed cell as plain text: :func:`cell_lines` joined with "\\n"."""
    return "\n".join(cell_lines(cell))


# --- tables ------------------------------------------------------------------------------


def seed_lines(seed: str) -> list[str]:
    """The lines of a seed document (without their line ends)."""
    return (SEEDS / seed).read_text(encoding="utf-8").splitlines()


def _cells(line: str) -> list[str]:
    return line.split("\t")


def parse_table(lines: Sequence[str], header_prefix: str, name: str) -> SeedTable:
    """The table whose header line starts with ``header_prefix`` (cells tab-separated)."""
    starts = [i for i, line in enumerate(lines) if line.startswith(header_prefix)]
    if not starts:
        raise LookupError(f"{name}: no header line starting {header_prefix!r}")
    start = starts[0]
    raw_header = [cell.strip() for cell in _cells(lines[start])]
    header = tuple(clean_cell(cell) for cell in raw_header)
    width = len(header)

    rows: list[list[list[str]]] = []  # each cell as its lines
    index = start + 1
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.strip():
            continue
        if "\t" not in line:
            if _page_furniture(lines, index, raw_header):
                continue
            break
        cells = [cell.strip() for cell in _cells(line)]
        if cells == raw_header:
            continue  # the header, repeated on the next page
        if len(cells) > width:
            if any(cells[width:]):
                raise ValueError(f"{name}, line {index}: {len(cells)} cells, header of {width}")
            cells = cells[:width]
        cells += [""] * (width - len(cells))
        if not any(cells):
            continue
        lines_of = [cell_lines(cell) for cell in cells]
        if cells[0]:
            rows.append(lines_of)
            continue
        if not rows:
            raise ValueError(f"{name}, line {index}: a continuation line with no row above")
        for column, more in enumerate(lines_of):
            rows[-1][column].extend(more)

    return SeedTable(
        name=name,
        header=header,
        rows=tuple(tuple("\n".join(cell) for cell in row) for row in rows),
    )


def _page_furniture(lines: Sequence[str], index: int, raw_header: list[str]) -> bool:
    """Whether the text line before ``index`` sits inside the table: the next tabbed line
    continues the table (a continuation line, or the header repeated on the next page)."""
    for line in lines[index:]:
        if not line.strip():
            continue
        if "\t" not in line:
            return False
        cells = [cell.strip() for cell in _cells(line)]
        return cells == raw_header or (not cells[0] and any(cells))
    return False


def tehran_programme_of_work() -> SeedTable:
    """The Tehran Convention's programme of work 2009–2010: 14 activities."""
    return parse_table(
        seed_lines(TEHRAN_SEED),
        "No.\tTimeframe\tDescription of activity",
        "Tehran programme of work",
    )


def tsc_events() -> SeedTable:
    """The TSC Support Centre's events, Aug 2024 – Aug 2026 (section 9 of the workplan)."""
    return parse_table(seed_lines(TSC_SEED), "Period\tEvent / Activity", "TSC events")


def tsc_annex_outcomes() -> SeedTable:
    """Annex I of the TSC workplan: the four outcomes mapped to KM-GBF targets."""
    return parse_table(seed_lines(TSC_SEED), "Biennium Outcome\tKM-GBF Target(s)", "TSC annex I")


def tsc_results_framework() -> SeedTable:
    """The TSC workplan's results framework (outcome, output, activities, indicators...)."""
    return parse_table(seed_lines(TSC_SEED), "Outcome\tOutput\tActivities", "TSC results framework")


def brs_status() -> SeedTable:
    """The BRS synergies status report: S1–S17, each a heading row then its decision rows."""
    return parse_table(
        seed_lines(BRS_SEED), "Decision requests\tStatus of implementation", "BRS synergies status"
    )


def all_tables() -> tuple[SeedTable, ...]:
    return (
        tehran_programme_of_work(),
        tsc_events(),
        tsc_annex_outcomes(),
        tsc_results_framework(),
        brs_status(),
    )


# --- files -------------------------------------------------------------------------------


def sheet_title(table: SeedTable) -> str:
    """The table's name as an Excel sheet title (at most 31 characters, none of []:*?/\\)."""
    return re.sub(r"[\[\]:*?/\\]", "-", table.name)[:31]


def write_xlsx(table: SeedTable, path: Path, *, title_rows: int = 0) -> Path:
    """One sheet named after the table: ``title_rows`` rows of title (the table's name in the
    first, the others blank) above the header, then the rows; every cell text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title(table)
    if title_rows:
        sheet.cell(row=1, column=1, value=table.name)
    wrap = Alignment(wrap_text=True, vertical="top")
    for offset, values in enumerate((table.header, *table.rows)):
        for column, value in enumerate(values, start=1):
            if not value:
                continue
            cell = sheet.cell(row=title_rows + 1 + offset, column=column, value=value)
            cell.data_type = "s"  # text, even "=..." or "180,000"
            cell.number_format = "@"
            if "\n" in value:
                cell.alignment = wrap
    workbook.save(path)
    return path


def write_docx(tables: Sequence[SeedTable], path: Path) -> Path:
    """A Word document: per table, a heading (its name) then the table, header row first,
    each line of a cell a paragraph of its own."""
    from docx import Document

    document = Document()
    for table in tables:
        document.add_heading(table.name, level=2)
        grid = document.add_table(rows=1 + len(table.rows), cols=len(table.header))
        grid.style = "Table Grid"
        for row, values in zip(grid.rows, (table.header, *table.rows), strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                lines = value.split("\n") if value else [""]
                cell.text = lines[0]
                for line in lines[1:]:
                    cell.add_paragraph(line)
    document.save(str(path))
    return path


def write_csv(table: SeedTable, path: Path) -> Path:
    """The header then the rows, UTF-8, a cell's lines kept in the (quoted) cell."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.header)
        writer.writerows(table.rows)
    return path
