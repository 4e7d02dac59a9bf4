"""SELECT answers written by :mod:`kg.query.results` read back, by rdflib's result parsers, as the
same terms Oxigraph found: awkward characters, languages, datatypes, blank nodes, unbound
variables and repeated terms, in every tabular format, whether our writer or Oxigraph's (for
a query whose own LIMIT is within the cap) wrote them; and the row cap is kept."""

from __future__ import annotations

import io

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.query import Result

from kg.query.results import write_results

QUERY = """
SELECT ?s ?label ?n WHERE {
  VALUES (?s ?label ?n) {
    (<urn:x:1> "plain \\"quoted\\", with comma\\nand newline\\ttab" 1)
    (<urn:x:2> "Convention sur la diversité biologique"@fr 2.5)
    (<urn:x:1> "plain \\"quoted\\", with comma\\nand newline\\ttab" UNDEF)
    (<urn:x:3> UNDEF "2026-11-22"^^<http://www.w3.org/2001/XMLSchema#date>)
    (<urn:x:4> "<tag> & 'amp'" "x"^^<urn:x:type>)
  }
}
"""
EXPECTED = [
    (URIRef("urn:x:1"), Literal('plain "quoted", with comma\nand newline\ttab'), Literal(1)),
    (
        URIRef("urn:x:2"),
        Literal("Convention sur la diversité biologique", lang="fr"),
        Literal("2.5", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")),
    ),
    (URIRef("urn:x:1"), Literal('plain "quoted", with comma\nand newline\ttab'), None),
    (
        URIRef("urn:x:3"),
        None,
        Literal("2026-11-22", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date")),
    ),
    (URIRef("urn:x:4"), Literal("<tag> & 'amp'"), Literal("x", datatype=URIRef("urn:x:type"))),
]


#: ``limit=None``: our writer; a LIMIT within the cap: Oxigraph's.
WRITERS = pytest.mark.parametrize("limit", [None, 100], ids=["ours", "oxigraph"])


def answer(media_type: str, limit: int | None) -> bytes:
    return write_results(ox.Store().query(QUERY), media_type, max_rows=100, limit=limit).body


@WRITERS
@pytest.mark.parametrize(
    ("media_type", "parser"),
    [("application/sparql-results+json", "json"), ("application/sparql-results+xml", "xml")],
)
def test_typed_formats_keep_every_term(media_type: str, parser: str, limit: int | None) -> None:
    result = Result.parse(io.BytesIO(answer(media_type, limit)), format=parser)
    assert [str(v) for v in result.vars] == ["s", "label", "n"]
    assert [tuple(row) for row in result] == EXPECTED


@WRITERS
def test_csv_keeps_every_value_as_text(limit: int | None) -> None:
    result = Result.parse(io.BytesIO(answer("text/csv", limit)), format="csv")
    assert [tuple(None if v is None else str(v) for v in row) for row in result] == [
        tuple(None if v is None else str(v) for v in row) for row in EXPECTED
    ]


@WRITERS
def test_tsv_keeps_every_term(limit: int | None) -> None:
    result = Result.parse(io.BytesIO(answer("text/tab-separated-values", limit)), format="tsv")
    assert [tuple(row) for row in result] == EXPECTED


def test_blank_nodes_are_written_consistently() -> None:
    store = ox.Store()
    b = ox.BlankNode("b1")
    store.add(ox.Quad(b, ox.NamedNode("urn:x:p"), ox.NamedNode("urn:x:o")))
    store.add(ox.Quad(b, ox.NamedNode("urn:x:q"), ox.NamedNode("urn:x:o")))
    body = write_results(
        store.query("SELECT ?b ?p WHERE { ?b ?p ?o } ORDER BY ?p"),
        "application/sparql-results+json",
        max_rows=10,
    ).body
    rows = list(Result.parse(io.BytesIO(body), format="json"))
    assert rows[0][0] == rows[1][0] and isinstance(rows[0][0], BNode)


@pytest.mark.parametrize("limit", [None, 3], ids=["no LIMIT", "LIMIT above the cap"])
def test_the_row_cap_is_kept_and_flagged(limit: int | None) -> None:
    """A query whose own LIMIT exceeds the cap is still cut by our writer."""
    written = write_results(
        ox.Store().query(QUERY), "application/sparql-results+json", max_rows=2, limit=limit
    )
    assert written.truncated and written.rows == 2
    assert [tuple(r) for r in Result.parse(io.BytesIO(written.body), format="json")] == EXPECTED[:2]
