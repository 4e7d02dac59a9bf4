"""``kg import`` and ``kg export-table`` as a secretariat officer runs them: malformed rows
reported with their row and column while the rest imports, a file that cannot be read
written nowhere, templates that import, and the diff against the source served now."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.cli import main
from kg.ingest.mapping import shipped_mappings
from kg.ingest.tables import read_grids
from kg.ingest.workbooks import Sheet, write_workbook
from kg.settings import Settings, get_settings
from tests.support import project_copy

HEADER = (
    "No.",
    "Timeframe",
    "Description of activity",
    "Expected outputs",
    "Implementation",
    "Budget (USD)",
)


def workbook(path: Path, rows: list[tuple[str, ...]], header: tuple[str, ...] = HEADER) -> Path:
    write_workbook(path, [Sheet(name="Workplan", header=header, rows=tuple(rows))])
    return path


def test_malformed_rows_are_reported_with_row_and_column_and_the_rest_imports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workbook(
        tmp_path / "plan.xlsx",
        [
            (
                "1.",
                "Jan – April 2009",
                "Liaison officers",
                "Officers named",
                "Interim Secretariat",
                "180,000",
            ),
            ("2.", "March 2009", "", "A report", "Interim Secretariat", ""),
            ("3.", "Dec. 2010 – Jan. 2009", "Regional meeting", "", "", ""),
            ("4.", "2010", "Training", "", "", "to be confirmed"),
            ("5.", "2010", "Outreach", "", "Host Government", "Host Government: 20,000 (in kind)"),
        ],
    )
    out, report = tmp_path / "plan.ttl", tmp_path / "report.json"
    status = main(
        [
            "import",
            str(path),
            "--mapping",
            "programme-of-work",
            "--key",
            "test-plan",
            "--out",
            str(out),
            "--report",
            str(report),
            "--quiet",
        ]
    )
    assert status == 1  # rows were left out
    errors = json.loads(report.read_text())["errors"]
    found = {(e["row"], e["column"]) for e in errors}
    assert found == {(3, "Description of activity"), (4, "Timeframe"), (5, "Budget (USD)")}
    messages = {e["row"]: e["message"] for e in errors}
    assert "required" in messages[3]
    assert "ends" in messages[4] and "before it starts" in messages[4]
    assert "'to be confirmed' is not an amount" in messages[5]
    for error in errors:
        assert error["locator"].startswith(
            f"plan.xlsx, sheet 'Workplan', row {error['row']}, column "
        )
    stderr = capsys.readouterr().err
    assert "ROW ERROR plan.xlsx, sheet 'Workplan', row 4, column Timeframe:" in stderr
    summary = json.loads(report.read_text())
    assert (summary["rows_read"], summary["rows_imported"]) == (5, 2)
    turtle = out.read_text()
    assert "activity:test-plan-1 " in turtle and "activity:test-plan-5 " in turtle
    assert "activity:test-plan-2 " not in turtle and "activity:test-plan-4 " not in turtle
    # "Host Government" is this document's: not the Tehran programme's of the same name.
    assert "orgid:test-plan-host-government" in turtle


def test_an_unknown_target_is_a_row_error(tmp_path: Path) -> None:
    header = ("Outcome", "KM-GBF Target(s)", "Relevant Headline / Component Indicators")
    path = workbook(
        tmp_path / "annex.xlsx",
        [
            ("Outcome 1: Capacity", "Target 20 (Cooperation)", "Indicator 20.1 – Support"),
            ("Outcome 2: Planning", "Target 31 (Unknown)", ""),
        ],
        header,
    )
    report = tmp_path / "r.json"
    status = main(
        [
            "import",
            str(path),
            "--mapping",
            "outcome-targets",
            "--key",
            "annex",
            "--out",
            str(tmp_path / "a.ttl"),
            "--report",
            str(report),
            "--quiet",
        ]
    )
    assert status == 1
    (error,) = json.loads(report.read_text())["errors"]
    assert (error["row"], error["column"]) == (3, "KM-GBF Target(s)")
    assert "targets 1 to 23" in error["message"]


def test_a_file_that_cannot_be_read_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "plan.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    out = tmp_path / "plan.ttl"
    status = main(["import", str(broken), "--mapping", "programme-of-work", "--out", str(out)])
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len([line for line in err if line.startswith("kg:")]) == 1
    assert "plan.xlsx" in err[-1] and "Traceback" not in "".join(err)
    assert not out.exists()


def test_a_table_without_the_mappings_columns_says_which_it_wanted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workbook(tmp_path / "other.xlsx", [("a", "b")], ("Name", "Colour"))
    status = main(["import", str(path), "--mapping", "events", "--out", str(tmp_path / "x.ttl")])
    assert status == 2
    assert "has the columns of the 'events' mapping" in capsys.readouterr().err


@pytest.mark.parametrize("mapping", [m.name for m in shipped_mappings()])
def test_each_template_names_its_columns_and_its_example_row_imports(
    mapping: str, tmp_path: Path
) -> None:
    template = tmp_path / f"{mapping}.xlsx"
    assert main(["import", "--template", mapping, str(template)]) == 0
    (sheet, about) = read_grids(template)
    headers = sheet.rows[0][1]
    assert len(headers) == len(next(m for m in shipped_mappings() if m.name == mapping).columns)
    assert "kg import" in about.rows[1][1][1]
    status = main(
        [
            "import",
            str(template),
            "--mapping",
            mapping,
            "--key",
            "example",
            "--out",
            str(tmp_path / "example.ttl"),
            "--quiet",
        ]
    )
    assert status == 0
    assert "example" in (tmp_path / "example.ttl").read_text()


def test_list_names_every_shipped_mapping(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "--list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == [m.name for m in shipped_mappings()]


@pytest.fixture
def private_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A project of this test's own: it replaces a source file, which the session's project
    copy must keep (other tests compare the build with it)."""
    root = project_copy(tmp_path / "project")
    monkeypatch.setenv("KG_PROJECT_DIR", str(root))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_export_then_diff_shows_only_the_corrected_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], private_project: Settings
) -> None:
    """The edit round trip: a source made by an import is exported, one budget corrected in
    the workbook, and ``kg import --diff`` shows that change and nothing else."""
    from openpyxl import load_workbook

    key = "tehran-pow-2009-2010"
    options = [
        "--mapping",
        "programme-of-work",
        "--key",
        key,
        "--agreement",
        "tehran",
        "--parties",
        "AZE,IRN,KAZ,RUS,TKM",
        "--quiet",
    ]
    exported = tmp_path / "tehran.xlsx"
    assert main(["export-table", key, "--mapping", "programme-of-work", str(exported)]) == 0
    served = private_project.sources_dir / f"{key}.ttl"
    assert str(served).startswith(str(tmp_path))
    assert main(["import", str(exported), *options, "--out", str(served)]) == 0
    assert main(["export-table", key, "--mapping", "programme-of-work", str(exported)]) == 0
    book = load_workbook(exported)
    sheet = book.worksheets[0]
    budget = next(c.column for c in sheet[1] if str(c.value).startswith("Budget"))
    assert sheet.cell(2, budget).value == "180,000"
    sheet.cell(2, budget).value = "190,000"
    book.save(exported)
    capsys.readouterr()
    assert (
        main(["import", str(exported), *options, "--diff", "--out", str(tmp_path / "t.ttl")]) == 0
    )
    shown = capsys.readouterr().out
    amount = f"<https://w3id.org/mea-kg/id/amount/{key}-1>"
    assert f"{key}: against the source served now: 0 entities added, 0 removed, 1 changed" in shown
    assert f'+ {amount} <https://w3id.org/mea-kg/ontology#amount> "190000"' in shown
    assert f'- {amount} <https://w3id.org/mea-kg/ontology#amount> "180000"' in shown


def test_publish_with_bad_rows_publishes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], private_project: Settings
) -> None:
    """Publishing the rows that were read would drop the others' entities from the version
    served: refused unless asked for."""
    path = workbook(
        tmp_path / "plan.xlsx",
        [("1.", "2010", "Liaison officers", "", "", "lots"), ("2.", "2010", "Report", "", "", "")],
    )
    sources = sorted(p.name for p in private_project.sources_dir.iterdir())
    status = main(
        [
            "import",
            str(path),
            "--mapping",
            "programme-of-work",
            "--key",
            "new-plan",
            "--publish",
            "--quiet",
        ]
    )
    assert status == 1
    assert "nothing was published: 1 cell(s) could not be read" in capsys.readouterr().err
    assert sorted(p.name for p in private_project.sources_dir.iterdir()) == sources


def test_a_date_cell_in_the_timeframe_column_is_that_day(tmp_path: Path) -> None:
    """Excel turns "March 2011" typed in a cell into the date 2011-03-01: read as that day,
    not refused with a value the officer never typed."""
    import datetime

    import openpyxl

    path = tmp_path / "plan.xlsx"
    book = openpyxl.Workbook()
    book.active.append(list(HEADER))
    book.active.append(["1.", datetime.date(2011, 3, 1), "Workshop", "", "", "5,000"])
    book.save(path)
    out = tmp_path / "plan.ttl"
    assert main(["import", str(path), "--mapping", "programme-of-work", "--key", "dated",
                 "--out", str(out), "--quiet"]) == 0  # fmt: skip
    turtle = out.read_text()
    assert 'mea:startDate "2011-03-01"' in turtle and 'mea:endDate "2011-03-01"' in turtle


def test_a_forgotten_number_or_a_heading_row_is_reported_not_folded_in(tmp_path: Path) -> None:
    """Found by a hostile review: a whole activity without its number was folded into the
    activity above (exit 0), and a heading row said only "is not a number"."""
    path = workbook(
        tmp_path / "plan.xlsx",
        [
            ("1.", "2010", "Liaison officers", "Officers named", "Interim Secretariat", "5,000"),
            ("", "2011", "Regional workshop", "Report", "UNEP", "8,000"),  # number forgotten
            ("", "", "", "and a second report", "", ""),  # the rest of the row above
            ("Section B: outreach", "", "", "", "", ""),
            ("2.", "2010", "Website", "", "", ""),
        ],
    )
    report = tmp_path / "r.json"
    out = str(tmp_path / "n.ttl")
    status = main(["import", str(path), "--mapping", "programme-of-work", "--key", "numbered",
                   "--out", out, "--report", str(report), "--quiet"])  # fmt: skip
    assert status == 1
    errors = {e["row"]: e["message"] for e in json.loads(report.read_text())["errors"]}
    assert "has no number" in errors[3]
    assert "like a heading" in errors[5]
    assert 4 not in errors  # a spilled line: joined to its row (row 3, itself refused)
    assert json.loads(report.read_text())["rows_imported"] == 2


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (["--agreement", "nosuch"], "no agreement 'nosuch' in the graph"),
        (["--parties", "AZE,XXX"], "'XXX' is no ISO 3166 alpha-3"),
        (["--date", "2009-13-45"], "is no date"),
        (["--by", "nobody"], "no organisation 'nobody'"),
    ],
)
def test_document_options_the_graph_does_not_know_are_refused(
    option: list[str], said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by a hostile review: they were written as dangling links that still conformed."""
    path = workbook(tmp_path / "plan.xlsx", [("1.", "2010", "Workshop", "", "", "")])
    out = tmp_path / "plan.ttl"
    status = main(["import", str(path), "--mapping", "programme-of-work", "--key", "opts",
                   "--out", str(out), "--quiet", *option])  # fmt: skip
    assert status == 2 and said in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize("label", ["{nosuch}", "{party.__class__}", "{key[0]}", "{unclosed"])
def test_a_mapping_with_a_bad_row_label_is_one_line(
    label: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by a hostile review: "{nosuch}" was a Python traceback."""
    mapping = tmp_path / "mine.yaml"
    mapping.write_text(
        "name: mine\ntitle: Mine\ntable: Mine\n"
        f"row: {{kind: activity, class: mea:Activity, label: '{label}'}}\n"
        "columns:\n  activity: {headers: [Activity], clean: text, required: true}\n"
        "  number: {headers: ['No.'], clean: ordinal}\n"
    )
    path = workbook(tmp_path / "plan.xlsx", [("1.", "2010", "Workshop", "", "", "")])
    status = main(
        ["import", str(path), "--mapping", str(mapping), "--out", str(tmp_path / "m.ttl")]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and "row label" in err[0] and "Traceback" not in err[0]


def test_a_timeframe_without_dates_is_kept_as_written_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by a hostile review: "ongoing" dropped the whole row."""
    path = workbook(tmp_path / "plan.xlsx", [("1.", "ongoing", "Helpdesk", "", "", "")])
    out, report = tmp_path / "plan.ttl", tmp_path / "r.json"
    status = main(["import", str(path), "--mapping", "programme-of-work", "--key", "ongoing",
                   "--out", str(out), "--report", str(report), "--quiet"])  # fmt: skip
    assert status == 0
    assert 'mea:timeframeText "ongoing"' in out.read_text()
    assert "startDate" not in out.read_text()
    (note,) = json.loads(report.read_text())["notes"]
    assert (note["row"], note["column"]) == (2, "Timeframe") and "gives no dates" in note["message"]
    assert (
        "ROW NOTE plan.xlsx, sheet 'Workplan', row 2, column Timeframe" in capsys.readouterr().err
    )
