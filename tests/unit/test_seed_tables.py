"""The seed documents' tables, rebuilt from their plain-text renderings (tests.seed_tables),
and written to .xlsx, .docx and .csv files that read back cell for cell."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.seed_tables import (
    SEEDS,
    SeedTable,
    all_tables,
    brs_status,
    cell_lines,
    sheet_title,
    tehran_programme_of_work,
    tsc_annex_outcomes,
    tsc_events,
    tsc_results_framework,
    write_csv,
    write_docx,
    write_xlsx,
)

TABLES = all_tables()


def _lines(cell: str) -> list[str]:
    return cell.split("\n")


def _headings(table: SeedTable) -> list[str]:
    """The group-heading rows of a table: a first cell, every other cell empty."""
    return [row[0] for row in table.rows if not any(row[1:])]


# --- the seeds ---------------------------------------------------------------------------


def test_the_seeds_are_beside_the_checkout() -> None:
    assert (SEEDS / "README.md").is_file()


@pytest.mark.parametrize("table", TABLES, ids=[t.name for t in TABLES])
def test_no_cell_keeps_markup_or_spare_space(table: SeedTable) -> None:
    for row in (table.header, *table.rows):
        assert len(row) == len(table.header)
        for cell in row:
            assert not re.search(r"<[a-zA-Z/]", cell), cell
            assert not re.search(r"&[a-zA-Z#0-9]+;", cell), cell
            assert "•" not in cell
            assert "\t" not in cell
            for line in _lines(cell) if cell else []:
                assert line and line == line.strip() and "  " not in line, repr(cell)


@pytest.mark.parametrize("table", TABLES, ids=[t.name for t in TABLES])
def test_no_row_is_a_page_footer_or_a_repeated_header(table: SeedTable) -> None:
    for row in table.rows:
        assert row != table.header
        assert row[0], "a continuation line was kept as a row"
        assert not any("Prepared by:" in cell for cell in row)


# --- Tehran Convention, programme of work 2009–2010 -------------------------------------------


def test_tehran_has_its_header_and_14_numbered_rows() -> None:
    table = tehran_programme_of_work()
    assert table.header == (
        "No.",
        "Timeframe",
        "Description of activity",
        "Expected outputs",
        "Implementation",
        "Budget (USD) (indicative)",
    )
    assert table.column("No.") == tuple(f"{n}." for n in range(1, 15))
    assert table.column("Timeframe")[:3] == (
        "Jan – April 2009",
        "Jan – March 2009",
        "Jan. 2009 – Sept. 2010",
    )


def test_tehran_budgets_keep_their_text() -> None:
    budgets = tehran_programme_of_work().column("Budget (USD) (indicative)")
    assert budgets == (
        "180,000", "", "", "224,000", "", "80,000", "20,000",
        "56,000", "", "", "90,000", "50,000", "20,000",
        "Host Government: 20,000 (in kind)",
    )  # fmt: skip


def test_tehran_row_4_lists_the_protocols_and_takes_its_continuation_line() -> None:
    row = tehran_programme_of_work().rows[3]
    assert row[2] == "Support to finalization of draft Protocols (3-4 regional meeting(s))"
    assert _lines(row[3]) == [
        "Finalized Protocols on:",
        "- The Protection of the Caspian Sea against Pollution from Land based sources and"
        " Activities",
        "- Environmental Impact Assessment Transboundary Context",
        "- Biodiversity Conservation",
        "- Regional Preparedness, Response and Cooperation in Combating Oil Pollution Incidents",
        "ready for adoption and signature at COPIII",
    ]
    # The continuation line (seed line 11) added nothing to the other columns.
    assert row[4] == "Interim Secretariat in support of intergovernmental cooperation"
    assert row[5] == "224,000"


def test_tehran_row_9_keeps_its_bullets_and_its_paragraph() -> None:
    assert _lines(tehran_programme_of_work().rows[8][3]) == [
        "- Convention subsidiary body negotiated with clear ToR and mandate for approval by the"
        " COPIII",
        "- Donor coordination group formed involving relevant donors and IPs including IFIs",
        "Thematic partnerships with relevant international organizations and other relevant"
        " bodies initiated",
    ]


def test_tehran_row_10_has_a_paragraph_then_a_bullet() -> None:
    assert _lines(tehran_programme_of_work().rows[9][3]) == [
        "Enhanced cooperation between the TC process and the private sector, in particular, the"
        " oil industry",
        "- Scoping paper on “Resource Mobilization”",
    ]


def test_tehran_row_11_and_14_read_inter_alia_as_the_document_does() -> None:
    rows = tehran_programme_of_work().rows
    assert rows[10][2] == (
        "Capacity building activities: (including, inter alia, Protocol training workshops,"
        " cost-benefit analysis of Protocols, national legislative assessments, advisory"
        " services):"
    )
    assert rows[13][3].startswith("Decisions on, inter alia, arrangements for the Tehran")


def test_tehran_row_12_description_takes_its_continuation_line() -> None:
    row = tehran_programme_of_work().rows[11]
    assert _lines(row[2]) == [
        "Outreach and stakeholder involvement:",
        "- Alignment of CEP public participation strategy with the requirements of the TC",
        "- Establishment of Caspian Information website",
        "- Facilitate adequate NGO involvement in the TC process",
        # Seed line 22: one item in the seed, whose second half has no marker of its own.
        '- Preparation of "Report on the status of the Caspian Sea environment" Preparation of'
        ' a "Caspian Biodiversity Atlas"',
    ]
    assert _lines(row[3]) == [
        "Enhanced Stakeholders’ involvement in the TC process",
        "Enhanced outreach activities",
        "Caspian NGO partnerships created",
        "Report on the “Status of Caspian Sea environment” ready for distribution at COP III",
        "Draft “Caspian Biodiversity Atlas” (to be finalized and printed during year 3 of the"
        " CASPECO project)",
    ]
    assert row[5] == "50,000"


def test_tehran_row_13_turns_its_bullets_into_items() -> None:
    assert _lines(tehran_programme_of_work().rows[12][3]) == [
        "Agenda and major documents for the third Meeting of the Conference of the Parties"
        " developed and reviewed, including",
        "- Programme of work and budget for 2011-2012",
        "- Report on arrangements for the Convention permanent Secretariat, and other"
        " institutional matters",
        "- Protocols ready for adoption and signing",
        "- Progress report on other priority areas for cooperation",
    ]


# --- CBD TSC Support Centre workplan 2025–2026 -------------------------------------------------


def test_tsc_events_run_from_aug_2024_to_aug_2026() -> None:
    table = tsc_events()
    assert table.header == (
        "Period",
        "Event / Activity",
        "Format / Location",
        "Purpose and Contribution",
    )
    assert table.column("Period") == (
        "Aug 2024", "Sept 2024", "2025", "Nov 2025", "Nov 2025", "Dec 2025",
        "Feb 2026", "Feb / March 2026", "Aug 2026",
    )  # fmt: skip
    assert table.rows[8][2] == "Ulaanbaatar, Mongolia"


def test_tsc_events_continue_across_the_page_footer() -> None:
    purposes = tsc_events().column("Purpose and Contribution")
    # Seed lines 141–145: the row, a blank line, the page footer, a blank line, its rest.
    assert _lines(purposes[1]) == [
        "The session aimed to support the objectives of the CBD Technical and Scientific"
        " Cooperation (TSC) framework by promoting the integration of nature-based solutions",
        "for landscape restoration and biodiversity conservation within the Food Systems, Land"
        " Use and Restoration Impact Program in Uzbekistan (FOLUR–Uzbekistan). It contributed"
        " to strengthening coherence between food systems, land-use planning, and restoration"
        " efforts, and to aligning programme implementation with relevant targets of the KMGBF"
        " through the provision of technical and scientific perspectives.",
    ]
    # Seed lines 150–152.
    first, second = _lines(purposes[6])
    assert first.endswith("facilitate peer exchange on practical challenges and")
    assert second.startswith("solutions related to protected and conserved areas, including")
    assert second.endswith("under the GBF in Eastern European and Central Asia.")


def test_tsc_annex_maps_four_outcomes() -> None:
    table = tsc_annex_outcomes()
    assert table.header == (
        "Biennium Outcome",
        "KM-GBF Target(s)",
        "Relevant Headline / Component Indicators",
    )
    assert table.column("Biennium Outcome") == (
        "Outcome 1: Operational & Responsive TSC Centre",
        "Outcome 2: Strengthened Policy & Planning Capacity",
        "Outcome 3: Enhanced Area- Based Conservation Implementation",
        "Outcome 4: Knowledge, Learning & Cooperation",
    )
    assert table.rows[0][1:] == (
        "Target 20 (Capacity-building, technical and scientific cooperation)",
        "Indicator 20.1 – Capacity-building support provided to developing countries",
    )


def test_tsc_results_framework_has_the_three_rows_of_the_seed() -> None:
    table = tsc_results_framework()
    assert table.header == (
        "Outcome",
        "Output",
        "Activities",
        "Indicators",
        "Baseline",
        "Targets (2026)",
        "Lead / Partners",
    )
    assert [row[0] for row in table.rows] == [
        "Outcome 1: Operational & Responsive TSC Centre",
        "Outcome 2: Strengthened Policy & Planning Capacity",
        "Outcome 3: Enhanced Area-Based Implementation",
    ]
    assert table.rows[1][5] == "≥9 Parties receive structured support"
    assert table.rows[2][6] == "IUCN CA; WCPA;"


# --- BRS synergies status report ---------------------------------------------------------


def test_brs_keeps_one_header() -> None:
    assert brs_status().header == (
        "Decision requests",
        "Status of implementation",
        "Next steps",
        "Voluntary funding needed (Yes/No) If yes, status of voluntary funding"
        " [not yet funded] [partly funded] [fully funded]",
        "Implications for next steps, if no or part of the funding has been received.",
    )


def test_brs_has_the_17_activities_in_order_each_with_its_decision_rows() -> None:
    table = brs_status()
    headings = _headings(table)
    assert [re.search(r"\((S\d+)\)$", h).group(1) for h in headings] == [  # type: ignore[union-attr]
        f"S{n}" for n in range(1, 18)
    ]
    assert headings[0] == "Tools for implementing conventions (S1)"
    assert headings[12] == "Joint outreach & public information (S13)"
    per_heading: list[int] = []
    for row in table.rows:
        if not any(row[1:]):
            per_heading.append(0)
        else:
            per_heading[-1] += 1
    assert per_heading == [1, 1, 1, 2] + [1] * 13  # S4 has two decision rows
    assert len(table.rows) == 17 + 18


def test_brs_list_items_become_dash_lines() -> None:
    rows = brs_status().rows
    assert _lines(rows[3][0]) == [
        "The secretariat to:",
        "- Implement training activities to assist parties in developing coherent project"
        " proposals and inform them about resource mobilization techniques and funds available",
        "- Establish a network of regional experts",
        "- Provide training on the use of technical/policy guidance",
        "- Enhance capacity to develop legal frameworks, enforcement, etc.",
    ]
    assert rows[1][3] == "- Yes\n- Not yet funded."
    # "• " markers (seed line 68 on) are dashes too.
    assert rows[12][3] == "- Yes\n- Partly funded, however transfer of funds is pending."
    # An empty cell stays empty (seed line 62, next steps of S5).
    assert rows[10][2] == ""


def test_brs_status_of_s10_takes_the_row_after_the_page_break() -> None:
    status = brs_status().rows[20][1]
    # Seed line 89: empty first cell, then a status cell, after the repeated header.
    assert _lines(status)[-1] == (
        "- The information pertaining to the three conventions is being posted on InforMEA"
        " web portal."
    )
    assert len(_lines(status)) == 5


def test_brs_cells_broken_across_pages_are_continued() -> None:
    rows = brs_status().rows
    s12, s13, s15 = rows[24], rows[26], rows[30]
    assert _lines(s12[1])[-2].endswith("prepared ED speaking notes & Pan-African")
    assert _lines(s12[1])[-1].startswith("Forum press event (Nairobi), contributed MEAs")
    assert s12[2] == "- Continue to implement relevant outreach and public awareness\nactivities."
    assert _lines(s13[4])[-1] == "resource mobilization by participating organizations & partners."
    assert "in situ outreach by Secretariat" in s13[4]
    assert _lines(s15[2])[-1] == "reporting of the Stockholm Convention."
    assert _lines(s15[3])[0] == (
        "- Yes for activities described in the 1st and 3rd bullets under “Next steps”."
    )


# --- the cleaning rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "lines"),
    [
        ("Support (3-4 regional meeting(s))", ["Support (3-4 regional meeting(s))"]),
        ("a cost-benefit analysis, 2011-2012", ["a cost-benefit analysis, 2011-2012"]),
        ("Area- Based", ["Area- Based"]),
        ("Lead: - one - two", ["Lead:", "- one", "- two"]),
        ('<ul style="x"> • one • two </ul>', ["- one", "- two"]),
        ("- only item", ["- only item"]),
        ("<ul><li>• a</li><li>- b</li><li>c</li></ul>", ["- a", "- b", "- c"]),
        ("<p>a</p><p></p> <p>b &amp; c</p>", ["a", "b & c"]),
        ("one<br>two<br/>three", ["one", "two", "three"]),
        ("<b>Heading (S1)</b>", ["Heading (S1)"]),
        ("the 1<sup>st</sup>   bullet", ["the 1st bullet"]),
        ("on, <i>inter alia</i> , x", ["on, inter alia, x"]),
        ("", []),
    ],
)
def test_cell_lines(cell: str, lines: list[str]) -> None:
    assert cell_lines(cell) == lines


# --- files -------------------------------------------------------------------------------


def _xlsx_rows(path: Path, table: SeedTable) -> list[tuple[str, ...]]:
    workbook = load_workbook(path)
    assert workbook.sheetnames == [sheet_title(table)]
    sheet = workbook[sheet_title(table)]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.value is None or cell.data_type == "s"
    return [
        tuple("" if value is None else str(value) for value in row)
        for row in sheet.iter_rows(max_col=len(table.header), values_only=True)
    ]


@pytest.mark.parametrize("table", TABLES, ids=[t.name for t in TABLES])
def test_xlsx_reads_back_cell_for_cell(table: SeedTable, tmp_path: Path) -> None:
    path = write_xlsx(table, tmp_path / "table.xlsx")
    assert _xlsx_rows(path, table) == [table.header, *table.rows]


@pytest.mark.parametrize("table", TABLES, ids=[t.name for t in TABLES])
def test_xlsx_with_title_rows_above_the_header(table: SeedTable, tmp_path: Path) -> None:
    path = write_xlsx(table, tmp_path / "table.xlsx", title_rows=2)
    rows = _xlsx_rows(path, table)
    blank = ("",) * len(table.header)
    assert rows[0] == (table.name, *blank[1:])
    assert rows[1] == blank
    assert rows[2:] == [table.header, *table.rows]


def test_docx_reads_back_cell_for_cell(tmp_path: Path) -> None:
    path = write_docx(TABLES, tmp_path / "tables.docx")
    document = Document(str(path))
    headings = [
        p.text for p in document.paragraphs if p.style and p.style.name.startswith("Heading")
    ]
    assert headings == [table.name for table in TABLES]
    assert len(document.tables) == len(TABLES)
    for grid, table in zip(document.tables, TABLES, strict=True):
        read = [
            tuple("\n".join(p.text for p in cell.paragraphs) for cell in row.cells)
            for row in grid.rows
        ]
        assert read == [table.header, *table.rows], table.name
        for row in grid.rows:
            for cell in row.cells:
                texts = [p.text for p in cell.paragraphs]
                assert texts == [""] or all(texts), texts  # no empty paragraph in a cell


@pytest.mark.parametrize("table", TABLES, ids=[t.name for t in TABLES])
def test_csv_reads_back_cell_for_cell(table: SeedTable, tmp_path: Path) -> None:
    path = write_csv(table, tmp_path / "table.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        read = [tuple(row) for row in csv.reader(handle)]
    assert read == [table.header, *table.rows]
