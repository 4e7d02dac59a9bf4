"""The built snapshot in Virtuoso: the bulk loader keeps every named graph and triple, and the
query catalogue (``queries/*.rq``) gives its expected results (``queries/*.csv``) over the
SPARQL 1.1 Protocol, with the default graph = the union of our named graphs.

Virtuoso's default graph also holds its own system graphs, so every query is sent with each of
our graphs as ``default-graph-uri`` and ``named-graph-uri``
(https://www.w3.org/TR/sparql11-protocol/#dataset), the dataset the project assumes.
Answers are read as SPARQL 1.1 Query Results JSON and compared cell by cell with the CSV
files, the way ``tests/integration/test_queries.py`` compares Oxigraph's CSV.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx
import pytest

from kg.query.catalogue import read_catalogue
from tests.support import PROJECT_ROOT
from tests.virtuoso.conftest import Loaded
from tests.virtuoso.server import Virtuoso

pytestmark = pytest.mark.virtuoso

XSD = "http://www.w3.org/2001/XMLSchema#"
QUERIES = PROJECT_ROOT / "queries"
#: Catalogue queries Virtuoso 7.2.5 cannot answer, and why (each checked by hand). Empty:
#: query 21 used to start a UNION with a branch that is only an inline VALUES block, which
#: Virtuoso 7.2.5 answers with no solutions (emptying the whole UNION); it now BINDs instead.
#: The catalogue through the ``sparql`` backend is in tests/stores/test_backends.py.
DIALECT_GAPS: dict[str, str] = {}


def catalogue() -> list[tuple[str, Path, Path]]:
    return sorted(
        (e.name, e.query_file, e.result_file)
        for e in read_catalogue(QUERIES)
        if e.result_file is not None
    )


ENTRIES = catalogue()


def csv_cell(term: dict[str, Any] | None) -> str:
    """A SPARQL JSON term as a SPARQL 1.1 CSV cell
    (https://www.w3.org/TR/sparql11-results-csv-tsv/#csv-terms).

    Normalisations, each a difference of serialisation only, never of value:

    * ``xsd:boolean`` — Virtuoso keeps booleans as integers and writes the lexical forms
      ``1`` / ``0``; XML Schema maps them to the same values as the canonical ``true`` /
      ``false`` that Oxigraph writes (https://www.w3.org/TR/xmlschema11-2/#boolean). Only
      literals typed ``xsd:boolean`` are rewritten; a plain integer 1 stays ``1``.
    * ``"type": "typed-literal"`` — Virtuoso's pre-1.1 spelling of ``"literal"`` with a
      datatype; CSV shows the lexical form either way.

    >>> csv_cell({"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"})
    'true'
    >>> csv_cell({"type": "typed-literal", "datatype": XSD + "integer", "value": "1"})
    '1'
    >>> csv_cell(None), csv_cell({"type": "uri", "value": "urn:x"})
    ('', 'urn:x')
    """
    if term is None:
        return ""
    value = str(term["value"])
    if term["type"] == "bnode":
        return "_:" + value
    if term.get("datatype") == XSD + "boolean":
        return {"1": "true", "0": "false"}.get(value, value)
    return value


def csv_rows(text: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text)) if row]


def select(virtuoso: Virtuoso, query: str, graphs: list[str]) -> list[list[str]]:
    """Header and rows of a SELECT over the union of ``graphs``, as CSV cells."""
    answer = httpx.post(
        virtuoso.query_url,
        data={"query": query, "default-graph-uri": graphs, "named-graph-uri": graphs},
        headers={"Accept": "application/sparql-results+json"},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text[:2000]
    document = answer.json()
    names = document["head"]["vars"]
    return [names] + [[csv_cell(b.get(n)) for n in names] for b in document["results"]["bindings"]]


def catalogue_params() -> list[Any]:
    params = []
    for name, query, expected in ENTRIES:
        gap = DIALECT_GAPS.get(name)
        marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
        params.append(pytest.param(name, query, expected, id=name, marks=marks))
    return params


# ---------------------------------------------------------------------- loading


def test_bulk_loader_keeps_every_graph_and_triple(virtuoso: Virtuoso, loaded: Loaded) -> None:
    rows = select(
        virtuoso,
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        loaded.graphs,
    )
    counts = {g: int(n) for g, n in rows[1:]}
    assert counts == loaded.manifest.graphs
    assert sum(counts.values()) == loaded.manifest.triples == 10108
    assert len(counts) == 13


def test_virtuosos_own_default_graph_is_not_ours(virtuoso: Virtuoso, loaded: Loaded) -> None:
    """Why every query names its dataset: without it Virtuoso's default graph is every graph
    it holds, its system graphs included."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    ours = select(virtuoso, query, loaded.graphs)[1][0]
    answer = httpx.post(
        virtuoso.query_url,
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    everything = answer.json()["results"]["bindings"][0]["n"]["value"]
    assert int(ours) == loaded.manifest.triples
    assert int(everything) > int(ours)


# ---------------------------------------------------------------------- the catalogue


def test_catalogue_has_every_query() -> None:
    assert len(ENTRIES) == 24
    assert set(DIALECT_GAPS) <= {name for name, _, _ in ENTRIES}


@pytest.mark.parametrize(("name", "query", "expected"), catalogue_params())
def test_query_gives_expected_result(
    virtuoso: Virtuoso, loaded: Loaded, name: str, query: Path, expected: Path
) -> None:
    got = select(virtuoso, query.read_text(encoding="utf-8"), loaded.graphs)
    want = csv_rows(expected.read_text(encoding="utf-8"))
    assert got[0] == want[0], "columns differ"
    assert got[1:] == want[1:], f"{name}: {len(got) - 1} rows, expected {len(want) - 1}"
