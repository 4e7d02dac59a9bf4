"""One suite, every backend: the same checks on the embedded Oxigraph store, the rdflib
memory store, and a SPARQL 1.1 server reached over HTTP (our own ``kg serve`` on loopback by
default; Virtuoso with ``make test-virtuoso``).

Each backend holds the seed build's snapshot, loaded through the backend's own loader
(:func:`kg.stores.load_snapshot`), and must answer exactly as the reference does: the
manifest's counts, the query catalogue's expected results, the same quads for a pattern, the
same traversal answers, the same errors and the same changes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from pydantic import SecretStr

from kg.build.snapshot import Manifest
from kg.graph import contribution
from kg.graph.projection import GraphProjection
from kg.query.catalogue import read_catalogue
from kg.query.results import write_results
from kg.settings import Settings
from kg.stores import (
    GraphStore,
    MemoryStore,
    SparqlStore,
    StoreError,
    is_boolean,
    is_solutions,
    is_triples,
    load_snapshot,
    open_store,
)
from tests.support import PROJECT_ROOT, live_server

QUERIES = PROJECT_ROOT / "queries"
ID = "https://w3id.org/mea-kg/id/"
WORKPLAN = ID + "workplan/iucn-ca-tsc-workplan-2025-2026"
TOKEN = "backend-suite-token"
BACKENDS = [
    "oxigraph",
    "memory",
    "sparql",
    pytest.param("virtuoso", marks=pytest.mark.virtuoso),
]


def _catalogue() -> list[tuple[str, Path, Path]]:
    return sorted(
        (e.name, e.query_file, e.result_file)
        for e in read_catalogue(QUERIES)
        if e.result_file is not None
    )


CATALOGUE = _catalogue()


def sparql_settings(built: Any, query_url: str, **extra: Any) -> Settings:
    return built.settings.model_copy(
        update={"backend": "sparql", "sparql_query": query_url, **extra}
    )


@pytest.fixture(scope="module")
def own_server(built: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """``kg serve`` with an empty store and writes on: the ``sparql`` backend's target."""
    root = tmp_path_factory.mktemp("sparql-backend")
    empty = ox.Store(str(root / "store"))
    empty.flush()
    del empty
    # Its own base IRI: the graphs loaded into it are then not its source documents (which
    # change only by publishing) but free graphs, as in any SPARQL store.
    env = {
        "KG_STORE": str(root / "store"),
        "KG_SNAPSHOT_DIR": str(root / "snapshot"),
        "KG_BASE_IRI": "https://backend.example.org/kg",
    }
    with live_server({**env, "KG_WRITE_TOKEN": TOKEN}) as base:
        settings = sparql_settings(
            built,
            f"{base}/sparql",
            sparql_update=f"{base}/sparql",
            sparql_gsp=f"{base}/gsp",
            sparql_auth="bearer",
            sparql_password=SecretStr(TOKEN),
        )
        load_snapshot(settings, built.settings.snapshot_nquads)
        yield settings


@pytest.fixture(scope="module", params=BACKENDS)
def store(request: pytest.FixtureRequest, built: Any) -> Iterator[GraphStore]:
    """The seed graph in each backend, loaded by that backend's own loader."""
    if request.param == "oxigraph":
        yield built.store
    elif request.param == "memory":
        yield open_store(built.settings.model_copy(update={"backend": "memory"}))
    elif request.param == "sparql":
        settings = request.getfixturevalue("own_server")
        remote = open_store(settings)
        yield remote
        assert isinstance(remote, SparqlStore)
        remote.close()
    else:
        settings = request.getfixturevalue("sparql_settings")  # tests/virtuoso/conftest.py
        load_snapshot(settings, built.settings.snapshot_nquads)
        remote = open_store(settings)
        yield remote
        assert isinstance(remote, SparqlStore)
        remote.close()


def csv_rows(data: bytes | str) -> list[list[str]]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return [row for row in csv.reader(io.StringIO(text)) if row]


# ----------------------------------------------------------------------------- contents


def test_graphs_and_counts_are_the_manifests(store: GraphStore, built: Any) -> None:
    manifest = Manifest.read(built.settings.snapshot_dir)
    assert sorted(g.value for g in store.named_graphs()) == sorted(manifest.graphs)
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert {r["g"].value: int(r["n"].value) for r in rows} == manifest.graphs
    assert len(store) == manifest.triples


def test_union_default_graph_and_dataset_parameters(store: GraphStore, built: Any) -> None:
    manifest = Manifest.read(built.settings.snapshot_dir)
    # Whether the union keeps duplicates is the engine's business (Oxigraph's does): compare
    # distinct subjects, which every backend must agree on.
    subjects = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"
    union = next(iter(store.query(subjects, use_default_graph_as_union=True)))["n"]
    assert int(union.value) == len({q.subject for q in store.quads_for_pattern(None, None, None)})
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    graph = next(iter(sorted(manifest.graphs)))
    only = next(iter(store.query(count, default_graph=[ox.NamedNode(graph)])))["n"]
    assert int(only.value) == manifest.graphs[graph]


@pytest.mark.parametrize(("name", "query", "expected"), CATALOGUE, ids=[e[0] for e in CATALOGUE])
def test_query_catalogue(store: GraphStore, name: str, query: Path, expected: Path) -> None:
    results = store.query(query.read_text(encoding="utf-8"), use_default_graph_as_union=True)
    got = csv_rows(write_results(results, "text/csv", max_rows=100_000).body)
    want = csv_rows(expected.read_text(encoding="utf-8"))
    assert got[0] == want[0], "columns differ"
    assert got[1:] == want[1:], f"{name}: {len(got) - 1} rows, expected {len(want) - 1}"


def test_quads_for_pattern_match_the_reference(store: GraphStore, built: Any) -> None:
    node = ox.NamedNode(WORKPLAN)
    for pattern in ((node, None, None), (None, None, node)):
        got = set(store.quads_for_pattern(*pattern))
        want = set(built.store.quads_for_pattern(*pattern))
        assert got == want and len(want) > 5
    graph = ox.NamedNode(built.settings.base_iri + "/graph/ontology")
    assert store.contains_named_graph(graph)
    assert set(store.quads_for_pattern(None, None, None, graph)) == set(
        built.store.quads_for_pattern(None, None, None, graph)
    )


def test_answer_forms(store: GraphStore) -> None:
    ask = store.query(f"ASK {{ <{WORKPLAN}> ?p ?o }}", use_default_graph_as_union=True)
    assert is_boolean(ask) and bool(ask)
    construct = store.query(
        f"CONSTRUCT {{ <{WORKPLAN}> ?p ?o }} WHERE {{ <{WORKPLAN}> ?p ?o }}",
        use_default_graph_as_union=True,
    )
    assert is_triples(construct)
    triples = list(construct)
    assert triples and all(t.subject == ox.NamedNode(WORKPLAN) for t in triples)
    select = store.query("SELECT ?x WHERE { VALUES ?x { 1 } }")
    assert is_solutions(select) and [v.value for v in select.variables] == ["x"]


def test_a_syntax_error_is_a_syntax_error(store: GraphStore) -> None:
    with pytest.raises(SyntaxError):
        store.query("SELECT WHERE {", use_default_graph_as_union=True)


# ----------------------------------------------------------------------------- traversal


def test_traversal_over_the_store(store: GraphStore, built: Any) -> None:
    projection = GraphProjection.from_store(store, base_iri=built.settings.base_iri)
    answer = contribution.indicators(projection, WORKPLAN)
    assert [i.code for i in answer.indicators] == [
        "1.1", "2.1", "3.1", "21.1", "A.1", "A.2", "A.3", "A.4", "B.1",
    ]  # fmt: skip


# ----------------------------------------------------------------------------- changes


def writable(store: GraphStore, built: Any) -> GraphStore:
    """The store itself, or for the shared read-only Oxigraph reference, a copy in memory."""
    if isinstance(store, ox.Store):
        store = ox.Store()
        store.load(path=str(built.settings.snapshot_nquads), format=ox.RdfFormat.N_QUADS)
    return store


def test_changes_round_trip(store: GraphStore, built: Any) -> None:
    store = writable(store, built)
    scratch = ox.NamedNode(built.settings.base_iri + "/graph/scratch-backend-suite")
    quad = ox.Quad(ox.NamedNode(ID + "x"), ox.NamedNode(ID + "p"), ox.Literal('é "q"\n'), scratch)
    before = len(store)
    try:
        store.add(quad)
        assert list(store.quads_for_pattern(None, None, None, scratch)) == [quad]
        store.update(f"INSERT DATA {{ GRAPH <{scratch.value}> {{ <{ID}y> <{ID}p> 2 }} }}")
        assert len(store) == before + 2
        store.load(f"<{ID}z> <{ID}p> <{ID}x> .\n", ox.RdfFormat.N_TRIPLES, to_graph=scratch)
        assert len(list(store.quads_for_pattern(None, None, None, scratch))) == 3
        store.remove(quad)
        assert len(store) == before + 2
        store.clear_graph(scratch)
        assert not list(store.quads_for_pattern(None, None, None, scratch))
    finally:
        store.remove_graph(scratch)
    assert len(store) == before


def test_bad_input_changes_nothing(store: GraphStore, built: Any) -> None:
    store = writable(store, built)
    before = len(store)
    with pytest.raises((SyntaxError, ValueError)):
        store.load(b"<a> <b> .", ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(ID + "g"))
    assert len(store) == before


# ----------------------------------------------------------------------------- errors


def test_an_unreachable_server_is_a_clear_error(built: Any) -> None:
    from tests.support import free_port

    settings = sparql_settings(built, f"http://127.0.0.1:{free_port()}/sparql")
    with pytest.raises(StoreError, match="cannot be reached"):
        open_store(settings).query("ASK {}")


def test_a_refused_write_names_the_settings(own_server: Settings) -> None:
    anonymous = own_server.model_copy(update={"sparql_password": None})
    with pytest.raises(StoreError, match="KG_SPARQL_USER"):
        open_store(anonymous).update("CLEAR SILENT GRAPH <https://example.org/nothing>")


def test_memory_backend_needs_a_snapshot(tmp_path: Path) -> None:
    settings = Settings(backend="memory", snapshot_dir=tmp_path, store=tmp_path / "s")
    with pytest.raises(StoreError, match="kg build"):
        open_store(settings)


def test_memory_store_is_the_rdflib_dataset() -> None:
    store = MemoryStore()
    store.update("PREFIX : <https://example.org/> INSERT DATA { GRAPH :g { :a :b 1.50 } }")
    (row,) = store.query("SELECT ?o { GRAPH ?g { ?s ?p ?o } }")
    assert row["o"].datatype.value == "http://www.w3.org/2001/XMLSchema#decimal"
    assert float(row["o"].value) == 1.5


# ----------------------------------------------------------------------------- datasets

COUNTRIES = "https://w3id.org/mea-kg/graph/reference/countries"
AGREEMENTS = "https://w3id.org/mea-kg/graph/reference/agreements"
#: The same question asked with FROM, FROM NAMED, GRAPH, and over the union: what the
#: endpoint's workers run (kg.serve.jobs.run_job), answers compared across backends.
DATASET_QUERIES = {
    "from": f"SELECT (COUNT(*) AS ?n) FROM <{COUNTRIES}> WHERE {{ ?s ?p ?o }}",
    "from-two": f"SELECT (COUNT(*) AS ?n) FROM <{COUNTRIES}> FROM <{AGREEMENTS}> "
    "WHERE { ?s a ?type }",
    "from-named": f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{COUNTRIES}> FROM NAMED <{AGREEMENTS}> "
    "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "from-named-default-empty": f"SELECT (COUNT(*) AS ?n) FROM NAMED <{COUNTRIES}> "
    "WHERE { ?s ?p ?o }",
    "graph": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{COUNTRIES}> {{ ?s ?p ?o }} }}",
    "union-distinct": "SELECT (COUNT(DISTINCT *) AS ?n) WHERE { ?s ?p ?o }",
    "union-label": "SELECT ?label WHERE { <https://w3id.org/mea-kg/id/agreement/basel> "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label",
}


def _job_rows(store: GraphStore, query: str, **dataset: Any) -> list[list[str]]:
    from kg.serve.jobs import OK, QueryJob, run_job
    from kg.sparql.guard import inspect_query

    inspection = inspect_query(query)
    job = QueryJob(
        query=query,
        media_type="text/csv",
        max_rows=100_000,
        own_dataset=bool(inspection.from_graphs or inspection.from_named_graphs),
        **dataset,
    )
    outcome = run_job(store, job)
    assert outcome.status == OK, outcome.message
    assert outcome.answer is not None
    return csv_rows(outcome.answer.body)


@pytest.fixture(scope="module")
def reference_answers(built: Any) -> dict[str, list[list[str]]]:
    """The answers of rdflib's engine on the in-memory backend: the reference."""
    memory = open_store(built.settings.model_copy(update={"backend": "memory"}))
    return {name: _job_rows(memory, query) for name, query in DATASET_QUERIES.items()}


@pytest.mark.parametrize("name", DATASET_QUERIES)
def test_the_querys_dataset_is_honoured_on_every_backend(
    store: GraphStore, name: str, reference_answers: dict[str, list[list[str]]]
) -> None:
    """FROM / FROM NAMED define the dataset (Oxigraph's workers passed the union flag, which
    overrode them: FROM <countries> counted all 10,089 triples)."""
    assert _job_rows(store, DATASET_QUERIES[name]) == reference_answers[name]


def test_the_protocols_dataset_overrides_the_querys(store: GraphStore) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{AGREEMENTS}> WHERE {{ ?s ?p ?o }}"
    rows = _job_rows(store, query, default_graphs=(COUNTRIES,))
    assert rows[1] == ["182"]
    assert _job_rows(store, query)[1] == ["106"]
