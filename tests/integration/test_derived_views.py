"""Every view the server derives from the graph and keeps (the traversal projection, the
InforMEA feed, the RDF dump and its description, VoID) is fresh after a write: the service
keeps them per state of the store (:class:`kg.serve.views.DerivedViews`).

Each test asks for a view, deletes every decision with SPARQL Update, and asks again. Before
the views had one cache keyed on the store's state, the InforMEA feed still served the 17
decisions after such a write.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from api.app import create_app
from tests.conftest import make_settings

TOKEN = "s3cret"
MEA = "https://w3id.org/mea-kg/ontology#"
DELETE_DECISIONS = f"""DELETE {{ GRAPH ?g {{ ?d ?p ?o }} }}
WHERE {{ GRAPH ?g {{ ?d ?p ?o }} GRAPH ?h {{ ?d a <{MEA}Decision> }} }}"""
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"


@pytest.fixture
def client(built: Any, tmp_path: Path) -> Iterator[TestClient]:
    """A writable server on a copy of the seed build."""
    shutil.copytree(built.settings.store, tmp_path / "store")
    shutil.copytree(built.settings.snapshot_dir, tmp_path / "snapshot")
    app = create_app(make_settings(tmp_path, write_token=TOKEN))
    with TestClient(app) as test_client:
        yield test_client


def delete_every_decision(client: TestClient) -> None:
    answer = client.post(
        "/sparql",
        data={"update": DELETE_DECISIONS},
        headers={"authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 204, answer.text


def decisions_in_feed(client: TestClient) -> int:
    answer = client.get("/informea/v1/Decisions", params={"$count": "true", "$top": "0"})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["@odata.count"])


def test_informea_feed_is_fresh_after_a_write(client: TestClient) -> None:
    assert decisions_in_feed(client) == 17
    delete_every_decision(client)
    assert decisions_in_feed(client) == 0


def test_projection_is_fresh_after_a_write(client: TestClient) -> None:
    before = client.get("/api/graph/info").json()
    assert before["kinds"].get("Decision", 0) > 0
    delete_every_decision(client)
    after = client.get("/api/graph/info").json()
    assert after["kinds"].get("Decision", 0) == 0
    assert after["edges"] < before["edges"]


def _decisions_in_dump(client: TestClient) -> int:
    answer = client.get("/export/rdf", params={"format": "nt"})
    assert answer.status_code == 200, answer.text
    typed = f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{MEA}Decision>"
    return sum(1 for line in answer.text.splitlines() if typed in line)


def _dump_triples(client: TestClient) -> int:
    answer = client.get("/export/description", params={"format": "nt"})
    assert answer.status_code == 200, answer.text
    graph = Graph().parse(data=answer.text, format="nt")
    return max(int(o) for o in graph.objects(predicate=_uri(VOID_TRIPLES)))


def test_rdf_dump_and_its_description_are_fresh_after_a_write(client: TestClient) -> None:
    assert _decisions_in_dump(client) > 0
    total = _dump_triples(client)
    delete_every_decision(client)
    assert _decisions_in_dump(client) == 0
    assert _dump_triples(client) < total


def _void_triples(client: TestClient) -> int:
    answer = client.get("/void", headers={"accept": "application/n-triples"})
    assert answer.status_code == 200, answer.text
    graph = Graph().parse(data=answer.text, format="nt")
    return max(int(o) for o in graph.objects(predicate=_uri(VOID_TRIPLES)))


def test_void_is_fresh_after_a_write(client: TestClient) -> None:
    total = _void_triples(client)
    delete_every_decision(client)
    assert _void_triples(client) < total


def _uri(iri: str) -> Any:
    from rdflib import URIRef

    return URIRef(iri)
