"""RDF 1.2 triple terms, and other RDF a syntax cannot carry, uploaded by a writer: the graph
endpoints keep working, and an answer asked for in a syntax that cannot carry what it holds
is a 406 naming the syntaxes that can (never a 500, never a Python class name).

One writable app on a private copy of the seed store; everything is uploaded through the
Graph Store Protocol before the first ``/api`` request builds the projection.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from api.app import create_app
from tests.conftest import make_settings

TOKEN = "s3cret"
ID = "https://w3id.org/mea-kg/id/"
UZB = ID + "party/UZB"
UPLOADS = "https://example.org/uploads/"
TRIPLE_TERMS = UPLOADS + "triple-terms"

#: A triple term as an object (``<<( s p o )>>``) and a reified triple (``<< s p o >>``: a
#: blank node reifier whose ``rdf:reifies`` is a triple term), on a seed entity.
TRIPLE_TERMS_TTL = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix mea: <https://w3id.org/mea-kg/ontology#> .
<{UZB}> rdfs:comment <<( <{UZB}> mea:partyTo <{ID}agreement/cbd> )>> .
<< <{UZB}> mea:partyTo <{ID}agreement/cbd> >> rdfs:comment "checked by a reviewer" .
<http://e> rdfs:comment <<( <http://a> <http://b> <http://c> )>> .
"""
#: Graphs RDF/XML cannot write: predicates that do not end in an XML name, and text XML 1.0
#: forbids.
XML_UNFRIENDLY = {
    UPLOADS + "predicate-hash": ("<http://s> <http://b#> <http://o> .", "<http://b#>"),
    UPLOADS + "predicate-digits": (
        "<http://s> <http://example.org/123> <http://o> .",
        "<http://example.org/123>",
    ),
    UPLOADS + "control-character": (
        '<http://s> <http://example.org/note> "bell\\u0007" .',
        "characters XML 1.0 forbids",
    ),
}
BLANK_NODES = UPLOADS + "blank-nodes"

JSONLD_MESSAGE = "holds RDF 1.2 triple terms, which JSON-LD cannot carry; ask for Turtle"
CONSTRUCT_TRIPLE_TERM = (
    "CONSTRUCT { <http://a> <http://b> ?t } "
    "WHERE { BIND(TRIPLE(<http://a>, <http://b>, <http://c>) AS ?t) }"
)
#: A Python class name or a trace in a response body.
PYTHON = re.compile(r"Traceback|\b\w+(Error|Exception)\b|UnwritableGraph|pyoxigraph")


def clean(r: httpx.Response) -> None:
    assert r.status_code != 500
    assert not PYTHON.search(r.text), r.text


@pytest.fixture(scope="module")
def client(built: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("triple-terms")
    shutil.copytree(built.settings.store, root / "store")
    shutil.copytree(built.settings.snapshot_dir, root / "snapshot")
    settings = make_settings(root, write_token=TOKEN)
    auth = {"authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(settings)) as c:
        uploads = [(TRIPLE_TERMS, "text/turtle", TRIPLE_TERMS_TTL)]
        uploads += [(g, "application/n-triples", nt) for g, (nt, _) in XML_UNFRIENDLY.items()]
        uploads.append(
            (
                BLANK_NODES,
                "application/n-triples",
                '_:1a <http://example.org/p> _:b2 .\n_:b2 <http://example.org/q> "x" .',
            )
        )
        for graph, media, body in uploads:
            r = c.put(
                "/gsp",
                params={"graph": graph},
                content=body.encode(),
                headers={**auth, "content-type": media},
            )
            assert r.status_code == 201, r.text
        yield c


# ---------------------------------------------------------------------- the projection


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/graph/info", {}),
        ("/api/neighbours", {"for": UZB}),
        ("/api/coverage", {"party": "UZB"}),
        ("/api/path", {"from": UZB, "to": ID + "agreement/cbd"}),
        ("/api/graph/search", {"q": "Uzbekistan"}),
        ("/api/centrality", {}),
        ("/api/graph/export", {"format": "graphml"}),
        ("/api/graph/export", {"format": "gexf", "for": UZB}),
    ],
)
def test_graph_endpoints_keep_working(
    client: TestClient, path: str, params: dict[str, str]
) -> None:
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text


def test_triple_terms_give_no_nodes_and_the_reifier_keeps_its_links(client: TestClient) -> None:
    # The statement inside a triple term is not a link between resources.
    assert client.get("/api/neighbours", params={"for": "http://a"}).status_code == 404
    nb = client.get("/api/neighbours", params={"for": UZB}).json()
    assert all(not n["iri"].startswith("http://a") for n in nb["nodes"])
    # The seed links of the entity are all still there.
    assert ID + "agreement/cbd" in {n["iri"] for n in nb["nodes"]}


# ---------------------------------------------------------------------- entity pages


def test_entity_jsonld_is_406_naming_turtle_and_ntriples(client: TestClient) -> None:
    for headers, params in (
        ({"accept": "application/ld+json"}, {}),
        ({"accept": "application/json"}, {"format": "jsonld"}),
    ):
        r = client.get("/id/party/UZB", params=params, headers=headers)
        assert r.status_code == 406
        clean(r)
        body = r.json()
        assert body["error"] == "not_acceptable"
        assert body["message"] == (
            "This description holds RDF 1.2 triple terms, which JSON-LD cannot carry; "
            "ask for Turtle or N-Triples"
        )


def test_entity_falls_back_to_the_next_acceptable_syntax(client: TestClient) -> None:
    r = client.get("/id/party/UZB", headers={"accept": "application/ld+json, text/turtle;q=0.5"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")


@pytest.mark.parametrize("fmt", ["ttl", "nt"])
def test_entity_turtle_and_ntriples_carry_the_triple_term(client: TestClient, fmt: str) -> None:
    r = client.get("/id/party/UZB", params={"format": fmt})
    assert r.status_code == 200
    assert "<<(" in r.text


def test_entity_html_page_shows_it(client: TestClient) -> None:
    r = client.get("/id/party/UZB", headers={"accept": "text/html"})
    assert r.status_code == 200


# ---------------------------------------------------------------------- the RDF dump


def test_export_jsonld_is_406(client: TestClient) -> None:
    r = client.get("/export/rdf", params={"format": "jsonld"})
    assert r.status_code == 406
    clean(r)
    assert (
        "This graph holds RDF 1.2 triple terms, which JSON-LD cannot carry; "
        "ask for Turtle, N-Triples, N-Quads or TriG"
    ) in r.text


@pytest.mark.parametrize("fmt", ["ttl", "nt", "nq", "trig"])
def test_export_other_formats_carry_the_triple_term(client: TestClient, fmt: str) -> None:
    r = client.get("/export/rdf", params={"format": fmt})
    assert r.status_code == 200
    assert "<<(" in r.text


# ---------------------------------------------------------------------- Graph Store Protocol


def test_gsp_jsonld_is_406(client: TestClient) -> None:
    r = client.get(
        "/gsp", params={"graph": TRIPLE_TERMS}, headers={"accept": "application/ld+json"}
    )
    assert r.status_code == 406
    clean(r)
    assert (
        "This graph holds RDF 1.2 triple terms, which JSON-LD cannot carry; "
        "ask for Turtle, N-Triples, N-Quads, TriG or RDF/XML"
    ) in r.text


def test_gsp_falls_back_to_the_next_acceptable_syntax(client: TestClient) -> None:
    r = client.get(
        "/gsp",
        params={"graph": TRIPLE_TERMS},
        headers={"accept": "application/ld+json, application/n-triples;q=0.5"},
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/n-triples")
    assert "<<( <http://a> <http://b> <http://c> )>>" in r.text


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples"])
def test_gsp_turtle_and_ntriples_carry_it(client: TestClient, accept: str) -> None:
    r = client.get("/gsp", params={"graph": TRIPLE_TERMS}, headers={"accept": accept})
    assert r.status_code == 200
    assert "<<(" in r.text


@pytest.mark.parametrize("graph", sorted(XML_UNFRIENDLY))
def test_gsp_rdfxml_of_what_xml_cannot_write_is_406(client: TestClient, graph: str) -> None:
    r = client.get("/gsp", params={"graph": graph}, headers={"accept": "application/rdf+xml"})
    assert r.status_code == 406
    clean(r)
    assert XML_UNFRIENDLY[graph][1] in r.text
    assert "RDF/XML" in r.text and "ask for Turtle, N-Triples, N-Quads, TriG or JSON-LD" in r.text
    # JSON-LD carries it.
    ok = client.get("/gsp", params={"graph": graph}, headers={"accept": "application/ld+json"})
    assert ok.status_code == 200


def test_gsp_rdfxml_relabels_blank_nodes_that_are_not_xml_names(client: TestClient) -> None:
    r = client.get("/gsp", params={"graph": BLANK_NODES}, headers={"accept": "application/rdf+xml"})
    assert r.status_code == 200
    assert len(Graph().parse(data=r.text, format="xml")) == 2  # rdflib checks rdf:nodeID


# ---------------------------------------------------------------------- SPARQL


def test_construct_as_jsonld_is_refused_with_the_message(client: TestClient) -> None:
    for query in (
        CONSTRUCT_TRIPLE_TERM,
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{TRIPLE_TERMS}> {{ ?s ?p ?o }} }}",
    ):
        r = client.get(
            "/sparql", params={"query": query}, headers={"accept": "application/ld+json"}
        )
        assert r.status_code == 406
        clean(r)
        assert "This answer " + JSONLD_MESSAGE in r.text


def test_construct_as_turtle_carries_the_triple_term(client: TestClient) -> None:
    r = client.get(
        "/sparql", params={"query": CONSTRUCT_TRIPLE_TERM}, headers={"accept": "text/turtle"}
    )
    assert r.status_code == 200
    assert "<<( <http://a> <http://b> <http://c> )>>" in r.text


def test_construct_as_rdfxml_with_an_unwritable_predicate_is_refused(client: TestClient) -> None:
    r = client.get(
        "/sparql",
        params={"query": "CONSTRUCT { <http://a> <http://b#> <http://c> } WHERE {}"},
        headers={"accept": "application/rdf+xml"},
    )
    assert r.status_code == 406
    clean(r)
    assert "the predicate <http://b#>, which RDF/XML cannot write" in r.text


def test_the_projection_and_the_dump_follow_writes(client: TestClient) -> None:
    """The traversal projection and the RDF dump are made again after a write, not kept
    from before it."""
    before = client.get("/api/graph/info").json()["nodes"]
    assert "zz-written-later" not in client.get("/export/rdf", params={"format": "nt"}).text
    party = "https://w3id.org/mea-kg/id/party/zz-written-later"
    body = (
        f"<{party}> a <https://w3id.org/mea-kg/ontology#Party> ; "
        '<http://www.w3.org/2000/01/rdf-schema#label> "Written later" .'
    )
    r = client.put(
        "/gsp",
        params={"graph": "https://example.org/uploads/later"},
        content=body.encode(),
        headers={"authorization": f"Bearer {TOKEN}", "content-type": "text/turtle"},
    )
    assert r.status_code == 201
    assert client.get("/api/graph/info").json()["nodes"] == before + 1
    found = client.get("/api/graph/search", params={"q": "Written later"}).json()
    assert party in str(found)
    assert party in client.get("/export/rdf", params={"format": "nt"}).text
