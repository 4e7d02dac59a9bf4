"""From a file's raw tables to the records a mapping reads: find the header row (under any
title rows), know each column by its header as documents write it, skip the header where it
repeats on every page, join a row that ran onto the next line to the row above, and note the
heading rows that group the rows beneath them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kg.ingest.mapping import Mapping
from kg.ingest.names import normalise
from kg.ingest.tables import Grid

#: How far down a table its header row may be (title rows above it).
HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class Layout:
    """Where a mapping's columns are in one table."""

    grid: Grid
    header_row: int
    #: Column name -> its index in the row.
    columns: dict[str, int]
    #: Column name -> its header as written in the file.
    headers: dict[str, str]

    def where(self) -> str:
        """ "plan.xlsx, sheet 'Activities'", "plan.docx, Table 2", "plan.csv"."""
        grid = self.grid
        if grid.file.endswith(".csv"):
            return grid.file
        if grid.file.endswith(".docx"):
            return f"{grid.file}, {grid.name}"
        return f"{grid.file}, sheet '{grid.name}'"


@dataclass
class Heading:
    """A heading row ("Tools for implementing conventions (S1)")."""

    text: str
    row: int
    layout: Layout


@dataclass
class Record:
    """One row of the table as the mapping sees it (with the lines it ran onto)."""

    layout: Layout
    rows: list[int]
    cells: dict[str, str]
    heading: Heading | None = None
    index: int = 0
    notes: list[str] = field(default_factory=list)
    #: No number where the table keys its rows by one, yet too full to be the rest of the
    #: row above (a forgotten number, not a spilled line).
    unnumbered: bool = False

    def locator(self, column: str | None = None) -> str:
        rows = self.rows[0] if len(self.rows) == 1 else f"{self.rows[0]}–{self.rows[-1]}"
        where = f"{self.layout.where()}, row {rows}"
        return f"{where}, column {self.layout.headers[column]}" if column else where


class NoTable(ValueError):
    """No table in the file has the mapping's columns."""


def layout_of(grid: Grid, mapping: Mapping) -> Layout | None:
    """The mapping's columns in ``grid``, if one of its first rows is their header."""
    for number, cells in grid.rows[:HEADER_SEARCH_ROWS]:
        columns = _columns(cells, mapping)
        required = {c.name for c in mapping.columns if c.required}
        if required <= set(columns) and len(columns) >= max(2, (len(mapping.columns) + 1) // 2):
            headers = {name: cells[index] for name, index in columns.items()}
            return Layout(grid, number, columns, headers)
    return None


def _columns(cells: Sequence[str], mapping: Mapping) -> dict[str, int]:
    """Which column each header cell is: the mapping's header it starts with, the longest
    first ("Budget (USD) (indicative)" is the budget column)."""
    aliases = sorted(
        ((normalise(h), c.name) for c in mapping.columns for h in c.headers),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        text = normalise(cell.split("\n", 1)[0])
        for alias, name in aliases:
            if alias and (text == alias or text.startswith(alias + " ")) and name not in found:
                found[name] = index
                break
    return found


def read_records(grids: Sequence[Grid], mapping: Mapping) -> tuple[list[Record], list[Layout]]:
    """Every record of every table that has the mapping's columns, in file order.

    :raises NoTable: no table has them."""
    layouts = [layout for grid in grids if (layout := layout_of(grid, mapping))]
    if not layouts:
        expected = "; ".join(f"{c.headers[0]}" for c in mapping.columns)
        names = ", ".join(g.name for g in grids) or "none"
        raise NoTable(
            f"no table in {grids[0].file if grids else 'the file'} has the columns of the "
            f"{mapping.name!r} mapping ({expected}); tables found: {names}"
        )
    records: list[Record] = []
    for layout in layouts:
        records.extend(_records(layout, mapping))
    for index, record in enumerate(records, start=1):
        record.index = index
    return records, layouts


def _records(layout: Layout, mapping: Mapping) -> list[Record]:
    header = next(cells for number, cells in layout.grid.rows if number == layout.header_row)
    repeated = [normalise(c) for c in header if c]
    key_column = mapping.row.key
    group_column = mapping.group.column if mapping.group else None
    heading: Heading | None = None
    records: list[Record] = []
    for number, raw in layout.grid.rows:
        if number <= layout.header_row or _same(raw, repeated):
            continue
        cells = {
            name: raw[index].strip() if index < len(raw) else ""
            for name, index in layout.columns.items()
        }
        filled = {name for name, text in cells.items() if text}
        if not filled:
            continue
        if group_column is not None and filled == {group_column}:
            heading = Heading(cells[group_column], number, layout)
            continue
        # A spilled line fills a cell or two; a row that fills three or more is a row of its
        # own whose number was forgotten: reported, never folded into the row above.
        own_row = len(filled) >= 3
        if key_column is not None and key_column not in filled and records and not own_row:
            previous = records[-1]
            for name in filled:
                joined = (
                    f"{previous.cells[name]}\n{cells[name]}"
                    if previous.cells[name]
                    else cells[name]
                )
                previous.cells[name] = joined
            previous.rows.append(number)
            continue
        unnumbered = key_column is not None and key_column not in filled
        records.append(Record(layout, [number], cells, heading, unnumbered=unnumbered))
    return records


def _same(row: Sequence[str], header: list[str]) -> bool:
    """The header (normalised) again: tables repeat it on every page."""
    filled = [c for c in row if c]
    return len(filled) == len(header) and [normalise(c) for c in filled] == header
