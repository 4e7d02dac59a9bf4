"""QC: every ``qc/*-violation.rq`` returns zero rows on the built seed graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import PROJECT_ROOT

QC = sorted((PROJECT_ROOT / "qc").glob("*-violation.rq"))


def test_there_are_qc_queries() -> None:
    assert len(QC) >= 5


@pytest.mark.parametrize("path", QC, ids=[p.stem for p in QC])
def test_qc_query_returns_no_rows(built, path: Path) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Problem:"), "each QC query opens with Problem / Why / Fix"
    assert "# Why:" in text and "# Fix:" in text
    rows = built.select(text)
    assert rows == [], f"{path.name} found {len(rows)} offending rows, e.g. {rows[:5]}"


def test_qc_query_catches_what_it_is_for(built) -> None:  # type: ignore[no-untyped-def]
    """The label QC would fail on an unlabelled term: run it on a store holding one."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(
        b"<https://w3id.org/mea-kg/ontology#Orphan> "
        b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        b"<http://www.w3.org/2002/07/owl#Class> .",
        format=ox.RdfFormat.N_TRIPLES,
    )
    query = (PROJECT_ROOT / "qc" / "term-without-label-violation.rq").read_text()
    rows = list(store.query(query))  # type: ignore[call-overload]
    assert len(rows) == 1
