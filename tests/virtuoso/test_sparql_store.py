"""The ``sparql`` backend (``kg.stores.SparqlStore``) against Virtuoso: loading the snapshot by
each route docs/scale-out.md describes, what needs the SPARQL_UPDATE grant, and the answer
forms Virtuoso serialises its own way.

Every loading test replaces our graphs with the same snapshot, so the order of the tests (and
of the other modules, which read the same data) does not matter.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from pydantic import SecretStr

from kg.graph.projection import graph_sizes
from kg.settings import Settings
from kg.stores import SparqlStore, StoreError, is_boolean, is_triples, load_snapshot, open_store
from tests.virtuoso.conftest import Loaded
from tests.virtuoso.server import Virtuoso

pytestmark = pytest.mark.virtuoso

RECONCILIATION = "https://w3id.org/mea-kg/graph/reconciliation"


def routes(virtuoso: Virtuoso, base: Settings) -> dict[str, Settings]:
    """The three ways to give the backend write access to Virtuoso."""
    url = virtuoso.base_url
    return {
        # After GRANT SPARQL_UPDATE TO "SPARQL": anonymous update and Graph Store writes.
        "open graph store": base,
        # No grant needed: dba's digest credentials on the -auth endpoints.
        "digest graph store": base.model_copy(
            update={
                "sparql_update": f"{url}/sparql-auth",
                "sparql_gsp": f"{url}/sparql-graph-crud-auth",
                "sparql_user": virtuoso.user,
                "sparql_password": SecretStr(virtuoso.password),
                "sparql_auth": "digest",
            }
        ),
        # No Graph Store endpoint: INSERT DATA in chunks.
        "update only": base.model_copy(update={"sparql_gsp": None}),
    }


@pytest.fixture
def store(sparql_settings: Settings, loaded: Loaded) -> Iterator[SparqlStore]:
    opened = open_store(sparql_settings)
    assert isinstance(opened, SparqlStore)
    try:
        yield opened
    finally:
        opened.close()


@pytest.mark.parametrize("route", ["open graph store", "digest graph store", "update only"])
def test_load_snapshot_replaces_our_graphs(
    virtuoso: Virtuoso, sparql_settings: Settings, loaded: Loaded, route: str
) -> None:
    settings = routes(virtuoso, sparql_settings)[route]
    load_snapshot(settings, loaded.nquads)
    store = open_store(settings)
    try:
        assert graph_sizes(store) == loaded.manifest.graphs
        assert len(store) == loaded.manifest.triples
    finally:
        store.close()  # type: ignore[attr-defined]


def test_anonymous_writes_need_the_grant(virtuoso: Virtuoso, store: SparqlStore) -> None:
    """Without ``GRANT SPARQL_UPDATE TO "SPARQL"`` Virtuoso refuses anonymous SPARQL Update
    (500, SR186) and Graph Store writes (403): the backend says so and changes nothing."""
    virtuoso.isql('REVOKE SPARQL_UPDATE FROM "SPARQL"')
    graph = ox.NamedNode(RECONCILIATION)
    quad = ox.Quad(ox.NamedNode("urn:kg-test:s"), ox.NamedNode("urn:kg-test:p"), ox.Literal("x"))
    try:
        with pytest.raises(StoreError):
            store.update(f"CLEAR GRAPH <{RECONCILIATION}>")
        with pytest.raises(StoreError, match="403"):
            store.load(
                ox.serialize([quad.triple], format=ox.RdfFormat.N_TRIPLES),
                format=ox.RdfFormat.N_TRIPLES,
                to_graph=graph,
            )
    finally:
        virtuoso.grant_update()
    assert graph_sizes(store)[RECONCILIATION] == 15


def test_select_over_the_union_graph(store: SparqlStore) -> None:
    rows = list(
        store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    )
    assert int(rows[0]["n"].value) == 10108


def test_quads_for_pattern_keeps_graph_names(store: SparqlStore) -> None:
    graph = ox.NamedNode(RECONCILIATION)
    quads = list(store.quads_for_pattern(None, None, None, graph))
    assert len(quads) == 15
    assert {q.graph_name for q in quads} == {graph}


def test_booleans_come_back_canonical(store: SparqlStore) -> None:
    rows = list(
        store.query(
            "SELECT ?needed WHERE { <https://w3id.org/mea-kg/id/activity/brs-synergies-S13> "
            "<https://w3id.org/mea-kg/ontology#voluntaryFundingNeeded> ?needed }",
            use_default_graph_as_union=True,
        )
    )
    assert [row["needed"] for row in rows] == [ox.Literal(True)]


def test_ask_is_a_boolean(store: SparqlStore) -> None:
    yes = store.query(f"ASK {{ GRAPH <{RECONCILIATION}> {{ ?s ?p ?o }} }}")
    no = store.query("ASK { ?s <urn:kg-test:nothing> ?o }", use_default_graph_as_union=True)
    assert is_boolean(yes) and is_boolean(no)
    assert bool(yes) is True and bool(no) is False


def test_construct_gives_triples(store: SparqlStore) -> None:
    answer = store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{RECONCILIATION}> {{ ?s ?p ?o }} }}"
    )
    assert is_triples(answer)
    triples = list(answer)
    assert len(triples) == 15 and all(isinstance(t, ox.Triple) for t in triples)


def test_blank_nodes_in_answers(virtuoso: Virtuoso, loaded: Loaded) -> None:
    """Blank nodes loaded over the Graph Store Protocol come back as usable terms (a graph
    of our own under ``urn:kg-test:``, outside the project's graphs)."""
    graph = "urn:kg-test:blank-nodes"
    store = SparqlStore(
        virtuoso.query_url,
        update_url=virtuoso.update_url,
        gsp_url=virtuoso.gsp_url,
        graph_prefix="urn:kg-test:",
    )
    try:
        store.load(
            b"_:a <urn:kg-test:p> _:b .\n",
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=ox.NamedNode(graph),
        )
        [quad] = list(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        assert isinstance(quad.subject, ox.BlankNode) and isinstance(quad.object, ox.BlankNode)
        assert quad.subject != quad.object
    finally:
        store.remove_graph(ox.NamedNode(graph))
        store.close()
