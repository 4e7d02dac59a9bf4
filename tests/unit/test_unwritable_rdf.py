"""RDF that some syntax cannot carry (RDF 1.2 triple terms in JSON-LD; predicates and text
RDF/XML cannot write), and RDF the graph projection must take in its stride."""

from __future__ import annotations

import json
import xml.dom.minidom
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg.graph.export import READERS, export
from kg.graph.projection import EXAMPLE_NQUADS, GraphProjection
from kg.publish.entity import serialize
from kg.query.results import write_results
from kg.rdf.syntax_limits import (
    UnwritableGraph,
    check_writable,
    xml_local_name,
    xml_safe_blank_nodes,
)

N = ox.NamedNode
A, B, C = N("http://a"), N("http://b"), N("http://c")
TERM = ox.Triple(A, B, C)
BASE = "https://w3id.org/mea-kg"
ONTOLOGY = N(BASE + "/graph/ontology")


def well_formed(data: bytes) -> bool:
    try:
        xml.dom.minidom.parseString(data)
    except Exception:  # expat's error class
        return False
    return True


@pytest.mark.parametrize(
    "iri",
    [
        "http://www.w3.org/2000/01/rdf-schema#label",
        "http://b#",
        "http://example.org/123",
        "http://example.org/",
        "http://example.org/x#1",
        "urn:isbn:123",
        "urn:x",
        "http://example.org/a%20b",
        "http://example.org/%41",
        "http://example.org/-a",
        "http://example.org/a.b",
        "http://example.org/é",
        "http://example.org/a:b",
        "http://example.org/_x",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    ],
)
def test_xml_local_name_predicts_what_oxigraph_writes(iri: str) -> None:
    data = ox.serialize([ox.Triple(A, N(iri), C)], format=ox.RdfFormat.RDF_XML) or b""
    assert bool(xml_local_name(iri)) == well_formed(data), data


def test_a_long_iri_is_split_in_linear_time() -> None:
    assert xml_local_name("http://example.org/" + "a" * 200_000 + "%") == ""


def test_jsonld_refuses_triple_terms_nested_or_not() -> None:
    nested = ox.Triple(A, B, ox.Triple(A, B, TERM))
    for triples in ([ox.Triple(A, B, TERM)], [ox.Triple(C, B, C), nested]):
        with pytest.raises(UnwritableGraph, match="triple terms, which JSON-LD cannot carry"):
            check_writable(triples, ox.RdfFormat.JSON_LD)
        check_writable(triples, ox.RdfFormat.TURTLE)
        check_writable(triples, ox.RdfFormat.RDF_XML)  # RDF/XML 1.2: parseType="Triple"


def test_rdfxml_looks_inside_triple_terms() -> None:
    inner = ox.Triple(A, B, ox.Triple(A, N("http://b#"), C))
    with pytest.raises(UnwritableGraph) as caught:
        check_writable([inner], ox.RdfFormat.RDF_XML, what="This graph")
    assert str(caught.value) == (
        "This graph uses the predicate <http://b#>, which RDF/XML cannot write (the IRI does "
        "not end in an XML name); ask for Turtle, N-Triples, N-Quads or TriG"
    )
    text = ox.Triple(A, B, ox.Triple(A, B, ox.Literal("bell\x07")))
    with pytest.raises(UnwritableGraph, match=r"characters XML 1\.0 forbids"):
        check_writable([text], ox.RdfFormat.RDF_XML)


def test_the_message_names_only_what_the_caller_offers() -> None:
    with pytest.raises(UnwritableGraph, match=r"; ask for Turtle or N-Triples$"):
        check_writable(
            [ox.Triple(A, B, TERM)],
            ox.RdfFormat.JSON_LD,
            offered=(ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE),
        )


def test_blank_nodes_are_relabelled_for_rdfxml_only_when_needed() -> None:
    fine = [ox.Triple(ox.BlankNode("b1"), B, ox.BlankNode("b2"))]
    assert xml_safe_blank_nodes(fine) is fine
    bad = [
        ox.Triple(ox.BlankNode("1a"), B, ox.BlankNode("x")),
        ox.Triple(ox.BlankNode("x"), B, ox.Literal("y")),
    ]
    data = ox.serialize(xml_safe_blank_nodes(bad), format=ox.RdfFormat.RDF_XML) or b""
    graph = Graph().parse(data=data.decode(), format="xml")  # rdflib checks rdf:nodeID
    assert len(graph) == 2 and len(set(graph.subjects())) == 2


def test_construct_answers_raise_unwritable_graph() -> None:
    store = ox.Store()
    query = (
        "CONSTRUCT { <http://a> <http://b> ?t } "
        "WHERE { BIND(TRIPLE(<http://a>, <http://b>, <http://c>) AS ?t) }"
    )
    with pytest.raises(UnwritableGraph, match=r"^This answer holds RDF 1\.2 triple terms"):
        write_results(store.query(query), "application/ld+json", max_rows=10)
    answer = write_results(store.query(query), "text/turtle", max_rows=10)
    assert b"<<(" in answer.body
    bad = "CONSTRUCT { <http://a> <http://example.org/123> <http://c> } WHERE {}"
    with pytest.raises(UnwritableGraph, match=r"JSON-LD$"):
        write_results(store.query(bad), "application/rdf+xml", max_rows=10)
    blank = "CONSTRUCT { <http://a> <http://b> [ <http://b> 1 ] } WHERE {}"
    answer = write_results(store.query(blank), "application/rdf+xml", max_rows=10)
    assert len(Graph().parse(data=answer.body.decode(), format="xml")) == 2


def test_entity_jsonld_writes_base_direction_expanded() -> None:
    t = ox.Triple(A, B, ox.Literal("x", language="en", direction=ox.BaseDirection.LTR))
    doc = json.loads(serialize([t], "jsonld"))
    assert doc[0]["http://b"][0] == {"@language": "en", "@direction": "ltr", "@value": "x"}


# ---------------------------------------------------------------------- the projection

ODD_TURTLE = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:w> rdfs:comment <<( <urn:a> <urn:b> <urn:c> )>> .
<urn:w> a <<( <urn:a> <urn:b> <urn:c> )>> .
<< <urn:w> <urn:b> <urn:o> >> <urn:says> <urn:w> .
<urn:w> rdfs:label "bell\\u0007 \\uFFFF"@en--ltr .
<urn:w> <urn:n> "abc"^^xsd:integer , "{}"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON> .
<urn:w> <http://b#> <urn:o> .
"""


def _store() -> ox.Store:
    store = ox.Store()
    store.load(input=EXAMPLE_NQUADS, format=ox.RdfFormat.N_QUADS)
    store.load(input=ODD_TURTLE, format=ox.RdfFormat.TURTLE, to_graph=N("urn:g"))
    store.load(input="<urn:d> <urn:p> <urn:q> .", format=ox.RdfFormat.TURTLE)  # default graph
    store.add(ox.Quad(N("urn:x"), N("urn:p"), TERM, ONTOLOGY))
    return store


def _check(g: GraphProjection) -> None:
    assert "urn:a" not in g and "urn:d" not in g
    w = g.node("urn:w")
    assert w.kind == "Workplan"
    assert "bell\x07 \uffff" in w.literals["rdfs:label"]
    assert w.literals["urn:n"] == ("abc", "{}")
    assert {(e.predicate, e.target) for e in g.out_edges("urn:w")} == {
        ("http://b#", "urn:o"),
        ("mea:hasOutcome", "urn:o"),
    }
    # The reifier is a blank node with its own link; its rdf:reifies gives no edge.
    [says] = g.in_edges("urn:w")
    assert says.predicate == "urn:says" and says.source.startswith("_:")
    assert g.out_edges(says.source) == [says]


def test_the_projection_leaves_triple_terms_and_the_default_graph_out() -> None:
    _check(GraphProjection.from_store(_store(), base_iri=BASE))


def test_the_projection_reads_a_snapshot_file_the_same_way(tmp_path: Path) -> None:
    store = _store()
    nquads = tmp_path / "snapshot.nq"
    store.dump(output=str(nquads), format=ox.RdfFormat.N_QUADS)
    _check(GraphProjection.from_store(store, base_iri=BASE, nquads=nquads))


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_xml_exports_of_the_projection_stay_well_formed(fmt: str) -> None:
    g = GraphProjection.from_store(_store(), base_iri=BASE)
    data = export(g, fmt)
    assert well_formed(data)
    assert READERS[fmt](data).nodes["urn:w"]["rdfs:label"].startswith("Workplan W; bell\ufffd")
