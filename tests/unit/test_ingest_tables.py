"""Reading every table of a file as a raw grid (kg.ingest.tables) and writing the workbook an
officer edits (kg.ingest.workbooks), with real files made in the test: spreadsheets with
openpyxl, an OpenDocument spreadsheet zipped by hand, Word documents with python-docx."""

from __future__ import annotations

import csv
import datetime
import os
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from kg.ingest import tables
from kg.ingest.tables import SUFFIXES, Grid, TableReadError, read_grids
from kg.ingest.workbooks import Sheet, write_workbook

HEADER = ("No.", "Year", "Activity", "Budget (USD)")
ROWS = (
    ("1.", "2010", "Train customs officers\nin two regions", "180,000"),
    ("2.", "2011", "=SUM(A1:A2) is text", ""),
    ("0012", "", "", "1e-05"),
)


def _rows(grid: Grid) -> list[tuple[int, tuple[str, ...]]]:
    return list(grid.rows)


def _error(path: Path) -> str:
    with pytest.raises(TableReadError) as caught:
        read_grids(path)
    message = str(caught.value)
    assert "\n" not in message and path.name in message
    return message


# -- write_workbook, read back ---------------------------------------------------------------


def test_a_written_workbook_reads_back_as_written_text_staying_text(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_workbook(path, [Sheet("Workplan", HEADER, ROWS)])
    [grid] = read_grids(path)
    assert (grid.file, grid.name, grid.caption) == ("plan.xlsx", "Workplan", "")
    assert _rows(grid) == [
        (1, HEADER),
        (2, ROWS[0]),
        (3, ROWS[1][:3]),  # the trailing empty cell is dropped
        (4, ("0012", "", "", "1e-05")),
    ]


def test_the_header_is_bold_frozen_filtered_and_annotated(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    notes = ("Numbered as in the decision", "", "One activity a row", "")
    write_workbook(path, [Sheet("Workplan", HEADER, ROWS, notes=notes)])
    sheet = openpyxl.load_workbook(path)["Workplan"]
    assert [cell.font.b for cell in sheet[1]] == [True] * 4
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D4"
    assert [cell.comment and cell.comment.text for cell in sheet[1]] == [
        "Numbered as in the decision",
        None,
        "One activity a row",
        None,
    ]
    assert sheet["C2"].alignment.wrap_text
    # Typed in later, "2010" stays text too: the cells and the columns are formatted as text.
    assert sheet["A2"].number_format == "@"
    assert sheet.column_dimensions["B"].number_format == "@"


def test_column_widths_follow_the_longest_line_within_bounds(tmp_path: Path) -> None:
    path = tmp_path / "widths.xlsx"
    rows = (("x", "twenty-two characters!", "y" * 200, "a short line\n" + "z" * 30),)
    write_workbook(path, [Sheet("S", ("A", "B", "C", "D"), rows)])
    widths = openpyxl.load_workbook(path)["S"].column_dimensions
    assert [widths[c].width for c in "ABCD"] == [10, 24, 60, 32]


def test_intros_go_on_an_about_sheet_after_the_data(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    sheets = [
        Sheet("Workplan", HEADER, ROWS, intro="One row per activity of the workplan."),
        Sheet("Parties", ("Party",), (("Kyrgyz Republic",),)),
    ]
    write_workbook(path, sheets)
    grids = read_grids(path)
    assert [grid.name for grid in grids] == ["Workplan", "Parties", "About"]
    assert _rows(grids[2])[1] == (2, ("Workplan", "One row per activity of the workplan."))
    write_workbook(path, sheets[1:])
    assert [grid.name for grid in read_grids(path)] == ["Parties"]


def test_sheet_names_are_made_ones_excel_accepts(tmp_path: Path) -> None:
    path = tmp_path / "names.xlsx"
    long = "Activities of the regional centres: 2009/2010"
    write_workbook(path, [Sheet(long, ("A",), (("1",),)), Sheet(long, ("B",), (("2",),))])
    names = [grid.name for grid in read_grids(path)]
    assert names == ["Activities of the regional cent", "Activities of the regional (2)"]
    assert all(len(name) <= 31 for name in names)


def test_characters_xml_cannot_hold_are_dropped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "control.xlsx"
    write_workbook(path, [Sheet("S", ("Head\x01er",), (("a\x0bb\x1f",),), notes=("n\x02",))])
    [grid] = read_grids(path)
    assert _rows(grid) == [(1, ("Header",)), (2, ("ab",))]


def test_the_workbook_is_replaced_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plan.xlsx"
    write_workbook(path, [Sheet("Old", ("A",), (("old",),))])
    path.chmod(0o640)
    write_workbook(path, [Sheet("New", ("A",), (("new",),))])
    assert [grid.name for grid in read_grids(path)] == ["New"]
    assert path.stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["plan.xlsx"]

    def fail(self: openpyxl.Workbook, filename: str) -> None:
        Path(filename).write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", fail)
    with pytest.raises(OSError, match="disk full"):
        write_workbook(path, [Sheet("Newer", ("A",), (("newer",),))])
    assert [grid.name for grid in read_grids(path)] == ["New"]
    assert os.listdir(tmp_path) == ["plan.xlsx"]


def test_notes_must_match_the_header() -> None:
    with pytest.raises(ValueError, match="1 notes for 2 columns"):
        Sheet("S", ("A", "B"), notes=("only one",))


# -- spreadsheets ----------------------------------------------------------------------------


def test_spreadsheet_values_read_as_a_person_sees_them(tmp_path: Path) -> None:
    path = tmp_path / "values.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Values"
    sheet.append([180000.0, 2.5, 1e-05, 7, True, False])
    sheet.append([])
    sheet.append(
        [
            datetime.date(2009, 1, 31),
            datetime.datetime(2009, 1, 31),
            datetime.datetime(2009, 1, 31, 13, 5),
            datetime.time(9, 30),
            datetime.timedelta(hours=30, minutes=5),
        ]
    )
    sheet.append(["  Host\u00a0Government  ", "line one\r\nline two", None, "", "   "])
    sheet["C7"] = "anchored at C7"
    workbook.create_sheet("Empty")
    workbook.create_sheet("Second")["B3"] = "anchored at B3"  # the only cell of the sheet
    workbook.save(path)
    values, second = read_grids(path)
    assert (second.name, _rows(second)) == ("Second", [(3, ("", "anchored at B3"))])
    assert _rows(values) == [
        (1, ("180000", "2.5", "0.00001", "7", "TRUE", "FALSE")),
        (3, ("2009-01-31", "2009-01-31", "2009-01-31T13:05:00", "09:30:00", "30:05:00")),
        (4, ("Host Government", "line one\nline two")),
        (7, ("", "", "anchored at C7")),
    ]


def test_an_opendocument_spreadsheet_is_read(tmp_path: Path) -> None:
    path = tmp_path / "plan.ods"
    cells = (
        '<table:table-row><table:table-cell office:value-type="string"><text:p>Activity'
        '</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>'
        "Budget</text:p></table:table-cell></table:table-row>"
        '<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>Line one</text:p>'
        "<text:p>Line two</text:p></table:table-cell>"
        '<table:table-cell office:value-type="float" office:value="180000"><text:p>180,000'
        "</text:p></table:table-cell>"
        '<table:table-cell office:value-type="date" office:date-value="2009-01-31"><text:p>'
        "31/01/09</text:p></table:table-cell></table:table-row>"
    )
    _write_ods(path, "Plan", cells)
    [grid] = read_grids(path)
    assert grid.name == "Plan"
    assert _rows(grid) == [
        (1, ("Activity", "Budget")),
        (4, ("Line one\nLine two", "180000", "2009-01-31")),
    ]


def _write_ods(path: Path, sheet: str, rows_xml: str) -> None:
    """The least an OpenDocument spreadsheet needs: mimetype first and stored, the content and
    the manifest."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
        'office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="{sheet}">{rows_xml}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)


# -- Word ------------------------------------------------------------------------------------


def test_word_tables_with_merged_cells_line_up_with_their_header(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    document = docx.Document()
    document.add_heading("Annex II: Workplan 2009–2010", level=2)
    document.add_paragraph("   ")  # blank: not a caption
    texts = [
        ("Activity", "Budget", "Timeframe", "Lead"),
        ("Training", "USD 20,000", "2009–2010", "UNEP"),
        ("Workshop", "USD 5,000", "", "FAO"),
        ("Review", "EUR 5,000", "", "UNDP"),
        ("Evaluation", "to be determined", "", "Secretariat"),
    ]
    table = document.add_table(rows=len(texts), cols=4)
    for row, values in zip(table.rows, texts, strict=True):
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = text
    table.cell(1, 0).add_paragraph("in two regions")
    table.cell(1, 2).merge(table.cell(3, 2))  # "2009–2010" down three rows
    table.cell(4, 1).merge(table.cell(4, 2))  # "to be determined" across two columns
    document.add_paragraph("Table of contacts")
    document.add_table(rows=1, cols=1).cell(0, 0).text = "Focal point"
    document.save(path)

    workplan, contacts = read_grids(path)
    assert (workplan.name, workplan.caption) == ("Table 1", "Annex II: Workplan 2009–2010")
    assert (contacts.name, contacts.caption) == ("Table 2", "Table of contacts")
    assert _rows(contacts) == [(1, ("Focal point",))]
    # A vertical merge's text in every row it covers (the timeframe is each activity's); a
    # horizontal merge's once, where it starts, so that the columns line up.
    assert _rows(workplan) == [
        (1, ("Activity", "Budget", "Timeframe", "Lead")),
        (2, ("Training\nin two regions", "USD 20,000", "2009–2010", "UNEP")),
        (3, ("Workshop", "USD 5,000", "2009–2010", "FAO")),
        (4, ("Review", "EUR 5,000", "2009–2010", "UNDP")),
        (5, ("Evaluation", "to be determined", "", "Secretariat")),
    ]


def test_a_word_row_starting_after_the_first_column_keeps_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "late.docx"
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Activity", "Budget"
    table.cell(1, 1).text = "USD 5,000"
    row = table.rows[1]._tr
    row.remove(row.tc_lst[0])  # the row now starts at the second grid column
    row.get_or_add_trPr().get_or_add_gridBefore().val = 1
    document.save(path)
    [grid] = read_grids(path)
    assert _rows(grid) == [(1, ("Activity", "Budget")), (2, ("", "USD 5,000"))]


# -- CSV -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "encoding"), [(";", "utf-8"), (",", "utf-8-sig"), ("\t", "utf-8-sig")]
)
def test_csv_delimiter_and_bom(tmp_path: Path, delimiter: str, encoding: str) -> None:
    path = tmp_path / "parties.csv"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(["Party", "Budget, in kind", "Notes"])
        writer.writerow(["Kyrgyz Republic", "20,000", "two\nlines"])
        writer.writerow([])
        writer.writerow(["Uzbekistan\u00a0", "", ""])
    [grid] = read_grids(path)
    assert (grid.file, grid.name) == ("parties.csv", "parties")
    assert _rows(grid) == [
        (1, ("Party", "Budget, in kind", "Notes")),  # no BOM glued to "Party"
        (2, ("Kyrgyz Republic", "20,000", "two\nlines")),  # a record, not a line, a row
        (4, ("Uzbekistan",)),
    ]


def test_a_csv_file_not_in_utf8_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "parties.csv"
    path.write_bytes("Party;Côte d'Ivoire\n".encode("cp1252"))
    assert "CSV UTF-8" in _error(path)


# -- files that cannot be read ---------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".ods", ".docx"])
def test_a_zip_that_is_not_a_workbook_is_one_line_naming_the_file(
    tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"renamed{suffix}"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert "save it again as" in _error(path)


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".docx"])
def test_a_file_that_is_not_even_a_zip_is_refused(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"text{suffix}"
    path.write_text("just text")
    _error(path)


def test_an_unknown_suffix_lists_the_supported_ones(tmp_path: Path) -> None:
    path = tmp_path / "minutes.doc"
    path.write_text("old Word")
    message = _error(path)
    assert all(suffix in message for suffix in SUFFIXES)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    assert "no such file" in _error(tmp_path / "gone.xlsx")


@pytest.mark.parametrize("name", ["empty.xlsx", "empty.csv", "empty.docx"])
def test_a_file_without_a_table_holds_no_table(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".xlsx"):
        workbook = openpyxl.Workbook()
        workbook.create_sheet("Blank")["B3"] = "   "
        workbook.save(path)
    elif name.endswith(".docx"):
        document = docx.Document()
        document.add_paragraph("No table here")
        document.add_table(rows=2, cols=2)
        document.save(path)
    else:
        path.write_text(";;\n\n")
    assert "holds no table" in _error(path)


def test_a_zip_that_unpacks_too_far_is_refused_before_it_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bomb.xlsx"
    write_workbook(path, [Sheet("S", ("A",), (("x" * 5000,),))])
    assert read_grids(path)
    monkeypatch.setattr(tables, "MAX_UNPACKED_BYTES", 4096)
    assert "unpacks to" in _error(path)


def test_too_many_rows_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "MAX_ROWS", 3)
    sheets = tmp_path / "rows.xlsx"
    write_workbook(sheets, [Sheet("A", ("h",), (("1",),)), Sheet("B", ("h",), (("2",),))])
    assert "more than 3 rows" in _error(sheets)  # 4 rows over two sheets
    document = docx.Document()
    document.add_table(rows=2, cols=1).cell(0, 0).text = "h"
    document.add_table(rows=2, cols=1).cell(0, 0).text = "h"
    document.save(tmp_path / "rows.docx")
    assert "more than 3 rows" in _error(tmp_path / "rows.docx")
    lines = tmp_path / "rows.csv"
    lines.write_text("a\nb\nc\nd\n")
    assert "more than 3 rows" in _error(lines)
    lines.write_text("a\nb\nc\n")
    assert len(_rows(read_grids(lines)[0])) == 3


# -- Files a few KB long that would make the reader take gigabytes ---------------------------


def test_a_stray_cell_far_away_is_refused_before_the_reader_builds_its_range(
    tmp_path: Path,
) -> None:
    """One cell at XFD1048576 makes calamine build a range of 17 billion cells (it aborted
    the process); the sheet's reach is read from its XML first."""
    path = tmp_path / "stray.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "No."
    book.active["XFD1048576"] = "x"
    book.save(path)
    assert path.stat().st_size < 20_000
    with pytest.raises(TableReadError, match="1,048,576 rows and 16,384 columns"):
        read_grids(path)


def test_shared_strings_that_declare_more_than_they_hold_are_refused(tmp_path: Path) -> None:
    """A shared-strings part declaring two billion strings in 200 bytes: the reader would
    reserve memory for them all."""
    source = tmp_path / "plain.xlsx"
    write_workbook(source, [Sheet(name="Plan", header=("No.", "Activity"), rows=(("1", "x"),))])
    lying = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(lying, "w") as new:
        for item in old.infolist():
            new.writestr(item, old.read(item))
        new.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'count="2000000000" uniqueCount="2000000000"><si><t>x</t></si></sst>',
        )
    with pytest.raises(TableReadError, match="declare 2,000,000,000 entries"):
        read_grids(lying)


def test_repeated_filled_cells_past_the_limit_are_refused_but_empty_padding_is_not(
    tmp_path: Path,
) -> None:
    bomb = tmp_path / "bomb.ods"
    cell = '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
    repeated = cell.replace(
        "<table:table-cell ", '<table:table-cell table:number-columns-repeated="16000" '
    )
    _write_ods(
        bomb,
        "Plan",
        f'<table:table-row table:number-rows-repeated="5000">{repeated}</table:table-row>',
    )
    with pytest.raises(TableReadError, match="more than 5,000,000"):
        read_grids(bomb)
    padded = tmp_path / "padded.ods"  # as LibreOffice writes a sheet: empty rows to its end
    _write_ods(
        padded,
        "Plan",
        f"<table:table-row>{cell}</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048575">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>',
    )
    (grid,) = read_grids(padded)
    assert grid.rows == ((1, ("x",)),)


def test_merged_ranges_of_a_sheet_fill_down_and_hidden_sheets_are_left_out(
    tmp_path: Path,
) -> None:
    """Found by a hostile review: only the first activity under a merged Implementation cell
    got it, and a hidden "Old draft" sheet was imported and published."""
    path = tmp_path / "merged.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Plan"
    for row in (["No.", "Activity", "Implementation"], ["1", "A", "UNEP"], ["2", "B"], ["3", "C"]):
        sheet.append(row)
    sheet.merge_cells("C2:C4")
    sheet.append(["Section B"])
    sheet.merge_cells("A5:C5")  # a heading across the width: left in its first column
    draft = book.create_sheet("Old draft")
    draft.append(["No.", "Activity"])
    draft.append(["1", "Drafted in 2009"])
    draft.sheet_state = "hidden"
    book.save(path)
    (grid,) = read_grids(path)
    assert grid.name == "Plan"
    assert grid.rows == (
        (1, ("No.", "Activity", "Implementation")),
        (2, ("1", "A", "UNEP")),
        (3, ("2", "B", "UNEP")),
        (4, ("3", "C", "UNEP")),
        (5, ("Section B",)),
    )


def test_utf16_csv_with_its_mark_is_read_and_control_characters_are_dropped(
    tmp_path: Path,
) -> None:
    """Found by a hostile review: Excel's UTF-16 text was refused, and NUL bytes were kept
    (and shown raw on the pages)."""
    path = tmp_path / "plan.csv"
    path.write_bytes("No.;Activity\n1.;Work\x00shop\n".encode("utf-16"))
    (grid,) = read_grids(path)
    assert grid.rows == ((1, ("No.", "Activity")), (2, ("1.", "Workshop")))
