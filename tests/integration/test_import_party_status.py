"""A status-of-ratification table imported and published fills InforMEA's CountryProfiles,
which the feed left empty while the graph had no entry-into-force dates; a row whose
ratification comes after the entry into force is refused by the shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from kg.build.publish import publish
from kg.ingest.context import graph_names, source_validator
from kg.ingest.importer import DocumentInfo, import_file
from kg.ingest.mapping import load_mapping
from kg.ingest.workbooks import Sheet, write_workbook
from kg.rdf.read import rebase_triples
from kg.settings import Settings
from tests.support import writable_project

HEADER = (
    "Agreement",
    "Party",
    "Status",
    "Signature",
    "Ratification, acceptance (A), approval (AA), accession (a)",
    "Entry into force",
)


def status_table(path: Path, rows: list[tuple[str, ...]]) -> Path:
    write_workbook(path, [Sheet(name="Parties", header=HEADER, rows=tuple(rows))])
    return path


def imported(path: Path, settings: Settings, key: str) -> Any:
    names = graph_names(settings, replacing=key)
    document = DocumentInfo(key=key, title="Status of ratification (test table)", file=path.name)
    return import_file(path, [load_mapping("party-status")], document, names)


def test_party_statuses_publish_and_fill_country_profiles(
    built: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in writable_project(
        tmp_path / "project", built.settings.store, built.settings.snapshot_dir
    ).items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    table = status_table(
        tmp_path / "status.xlsx",
        [
            ("Basel Convention", "Uzbekistan", "Party", "", "7 February 1996 a", "7 May 1996"),
            ("basel", "Kyrgyz Republic", "Party", "", "13/08/1996 a", "11/11/1996"),
            ("Basel Convention", "Kazakhstan", "Signatory", "22 March 1989", "", ""),
        ],
    )
    done = imported(table, settings, "party-status-test")
    assert done.errors == [] and done.rows_imported == 3
    report = source_validator(settings).validate_triples(
        rebase_triples(done.triples, settings.base_iri)
    )
    assert report.conforms, report.to_text()
    published = publish(settings, "party-status-test", done.turtle(), who="test")
    assert published.manifest is not None

    with TestClient(create_app(settings)) as client:
        body = client.get("/informea/v1/CountryProfiles").json()
    records = {(r["treaty"], r["country"]): r for r in body["value"]}
    assert records[("basel", "UZB")] == {
        "country": "UZB",
        "treaty": "basel",
        "entryIntoForce": "1996-05-07",
        "entryIntoForceStatus": "accession",
        "statusDate": "1996-02-07",
        **{k: v for k, v in records[("basel", "UZB")].items() if k == "updated"},
    }
    assert records[("basel", "KGZ")]["entryIntoForce"] == "1996-11-11"
    assert ("basel", "KAZ") not in records  # a signatory: no entry into force to send


def test_ratification_after_entry_into_force_is_refused(tmp_path: Path) -> None:
    settings = Settings()
    table = status_table(
        tmp_path / "status.xlsx",
        [("Basel Convention", "Uzbekistan", "Party", "", "7 February 1997 a", "7 May 1996")],
    )
    done = imported(table, settings, "party-status-bad")
    report = source_validator(settings).validate_triples(
        rebase_triples(done.triples, settings.base_iri)
    )
    assert not report.conforms
    (finding,) = report.violations()
    assert "entry into force comes on or after ratification" in finding.message


def test_unknown_agreement_and_country_are_row_errors(tmp_path: Path) -> None:
    settings = Settings()
    table = status_table(
        tmp_path / "status.xlsx",
        [
            ("Atlantis Treaty", "Uzbekistan", "Party", "", "", ""),
            ("Basel Convention", "Narnia", "Party", "", "", ""),
            ("Basel Convention", "Uzbekistan", "Party", "", "sometime a", ""),
        ],
    )
    done = imported(table, settings, "party-status-errors")
    assert [(e.row, e.column) for e in done.errors] == [
        (2, "Agreement"),
        (3, "Party"),
        (4, "Ratification, acceptance (A), approval (AA), accession (a)"),
    ]
    assert "not an agreement in the graph" in done.errors[0].message
    assert "not a country this tool knows" in done.errors[1].message


def test_date_cells_are_read_as_days(tmp_path: Path) -> None:
    """Found by a hostile review: Excel date cells (which the reader writes as 2011-03-01,
    with a time when one is set) were refused in the date, consent and timeframe columns."""
    import datetime

    import openpyxl

    path = tmp_path / "dates.xlsx"
    book = openpyxl.Workbook()
    book.active.append(list(HEADER))
    book.active.append(
        ["Basel Convention", "Uzbekistan", "Party", datetime.date(1989, 3, 22),
         datetime.datetime(1996, 2, 7, 10, 30), datetime.date(1996, 5, 7)]
    )  # fmt: skip
    book.save(path)
    done = imported(path, Settings(), "party-status-dates")
    assert done.errors == []
    facts = {(t.predicate.value.rsplit("#", 1)[-1], t.object.value) for t in done.triples}
    assert {("signatureDate", "1989-03-22"), ("consentDate", "1996-02-07"),
            ("entryIntoForce", "1996-05-07")} <= facts  # fmt: skip
