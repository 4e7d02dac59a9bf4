"""The SPARQL endpoint as a client meets it, on a live server on loopback: negotiation,
safety (no outbound requests), deadlines, row cap, errors, writes behind a token, and a
real client library (SPARQLWrapper)."""

from __future__ import annotations

import threading
import time

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg.serve.framing import INLINE_BYTES
from kg.serve.jobs import FAILED, OK, QueryJob
from kg.serve.pool import QueryPool
from kg.settings import Settings
from tests.support import Canary, live_server

COUNT_SERVED = "SELECT (COUNT(*) AS ?n) WHERE { ?p <https://w3id.org/mea-kg/ontology#servedBy> ?c }"
# A cross product big enough to run for minutes on the seed graph.
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def sparql(server: str, query: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{server}/sparql", params={"query": query}, headers=headers, timeout=30)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.2, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_is_negotiated_with_q_values(server: str, accept: str, media: str) -> None:
    r = sparql(server, COUNT_SERVED, accept=accept)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    assert "Accept" in [v.strip() for v in r.headers["vary"].split(",")]
    assert "9" in r.text


@pytest.mark.parametrize(
    ("accept", "parser"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
    ],
)
def test_construct_is_negotiated(server: str, accept: str, parser: str) -> None:
    query = (
        "CONSTRUCT { ?p <urn:servedBy> ?c } WHERE "
        "{ ?p <https://w3id.org/mea-kg/ontology#servedBy> ?c }"
    )
    r = sparql(server, query, accept=accept)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(accept)
    assert len(Graph().parse(data=r.text, format=parser)) == 9


def test_nothing_acceptable_is_406(server: str) -> None:
    r = sparql(server, COUNT_SERVED, accept="image/png")
    assert r.status_code == 406
    assert "text/csv" in r.text


def test_row_cap_is_flagged_in_a_header(server: str) -> None:
    r = sparql(server, "SELECT * WHERE { ?s ?p ?o }", accept="text/csv")
    assert r.status_code == 200
    assert r.headers["x-sparql-maxrows"] == "50"
    assert len(r.text.strip().splitlines()) == 51  # header + 50 rows
    small = sparql(server, COUNT_SERVED)
    assert "x-sparql-maxrows" not in small.headers
    # A query's own LIMIT above the cap is still cut at the cap; one within it is not flagged.
    over = sparql(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 100", accept="text/csv")
    assert over.headers["x-sparql-maxrows"] == "50"
    assert len(over.text.strip().splitlines()) == 51
    within = sparql(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 20", accept="text/csv")
    assert "x-sparql-maxrows" not in within.headers
    assert len(within.text.strip().splitlines()) == 21


def test_answers_bigger_than_one_pipe_message_arrive_whole(server: str) -> None:
    """The worker sends a big answer's body apart from its outcome, read in a thread: the
    pipe must still be in blocking mode after the event loop watched it (uvloop leaves it
    non-blocking)."""
    # One row, but bigger than a socket's buffer: the worker writes it in several goes.
    query = "SELECT (GROUP_CONCAT(STR(?s)) AS ?all) WHERE { ?s ?p ?o }"
    for _ in range(3):  # each worker at least once
        r = sparql(server, query, accept="application/sparql-results+json")
        assert r.status_code == 200, r.text
        assert len(r.content) > 50 * INLINE_BYTES
        assert r.json()["results"]["bindings"][0]["all"]["value"].count("https://") > 5000


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { BIND(<http://127.0.0.1:{port}/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }",
        "PREFIX c: <http://127.0.0.1:{port}/> SELECT * WHERE { SERVICE c:sparql { ?s ?p ?o } }",
        "select * where { service <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
        "SELECT * FROM <http://127.0.0.1:{port}/graph.ttl> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://127.0.0.1:{port}/graph.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    ],
)
def test_no_outbound_request_is_made_for_a_user(server: str, canary: Canary, query: str) -> None:
    r = sparql(server, query.replace("{port}", str(canary.port)), accept="application/json")
    assert r.status_code == 400
    assert r.json()["error"] in ("refused", "unknown_graph")
    time.sleep(0.3)
    assert canary.connections == 0


def test_load_is_refused_even_with_writes_enabled(built, canary: Canary, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {
        "KG_STORE": str(built.settings.store),
        "KG_SNAPSHOT_DIR": str(tmp_path / "snapshot"),
        "KG_WRITE_TOKEN": "t0ken",
    }
    # A copy is not needed: the update is refused before it runs, so the store is untouched.
    with live_server(env) as base:
        r = httpx.post(
            f"{base}/sparql",
            content=f"LOAD <http://127.0.0.1:{canary.port}/data.ttl>",
            headers={"content-type": "application/sparql-update", "authorization": "Bearer t0ken"},
        )
        assert r.status_code == 400
        assert "LOAD is not allowed" in r.text
    time.sleep(0.3)
    assert canary.connections == 0


@pytest.mark.parametrize("serve_from", ["disk", "memory"])
def test_query_workers_reach_nothing_even_past_the_guard(  # type: ignore[no-untyped-def]
    built, canary: Canary, serve_from: str
) -> None:
    """Defence in depth under the guard: a SERVICE query handed straight to the worker pool
    (as if the guard had misread it) connects to nothing. In this process the same query
    does reach the canary, so the test would see a connection if the workers made one."""
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{canary.port}/sparql> {{ ?s ?p ?o }} }}"
    with pytest.raises(OSError):
        list(ox.Store().query(query))  # type: ignore[arg-type]
    time.sleep(0.3)
    assert canary.connections >= 1
    before = canary.connections
    settings = Settings(
        store=built.settings.store, snapshot_dir=built.settings.snapshot_dir, serve_from=serve_from
    )
    pool = QueryPool(settings, min_workers=1)
    try:
        if not pool.network_isolated:
            pytest.skip("this machine allows no network namespaces (needs root or user namespaces)")
        outcome = pool.run(QueryJob(query, "application/sparql-results+json", max_rows=10), 20)
        # The worker still answers queries that need no network.
        assert pool.run(QueryJob("ASK {}", "application/json", max_rows=10), 20).status == OK
    finally:
        pool.close()
    assert outcome.status == FAILED and "OSError" not in outcome.message
    time.sleep(0.3)
    assert canary.connections == before


def test_a_query_out_of_time_gets_503_and_no_partial_body(server: str) -> None:
    started = time.monotonic()
    r = httpx.get(
        f"{server}/sparql",
        params={"query": HEAVY, "timeout": "1"},
        headers={"accept": "application/json"},
        timeout=30,
    )
    elapsed = time.monotonic() - started
    assert r.status_code == 503
    body = r.json()
    assert body["request_id"] == r.headers["x-request-id"]
    assert {**body, "request_id": None} == {
        "error": "timeout",
        "message": "The query ran out of time (1 s)",
        "request_id": None,
    }
    assert elapsed < 5


def test_a_request_cannot_raise_the_server_deadline(server: str) -> None:
    r = httpx.get(f"{server}/sparql", params={"query": "ASK {}", "timeout": "9999"}, timeout=30)
    assert r.status_code == 200
    bad = httpx.get(f"{server}/sparql", params={"query": "ASK {}", "timeout": "soon"}, timeout=30)
    assert bad.status_code == 400


def test_a_cheap_query_is_not_held_up_by_a_heavy_one(server: str) -> None:
    heavy = threading.Thread(
        target=lambda: httpx.get(
            f"{server}/sparql", params={"query": HEAVY, "timeout": "4"}, timeout=30
        )
    )
    heavy.start()
    time.sleep(0.3)
    timings = []
    for _ in range(10):
        started = time.monotonic()
        assert sparql(server, COUNT_SERVED).status_code == 200
        timings.append(time.monotonic() - started)
    heavy.join()
    # Not a performance assert: the heavy query runs for 4 s, and all ten cheap ones must
    # have finished well inside that window rather than queueing behind it.
    assert sum(timings) < 3.5


def test_errors_are_short_typed_and_never_a_trace(server: str) -> None:
    as_json = sparql(server, "SELECT ?x WHERE { ?x ", accept="application/json")
    assert as_json.status_code == 400
    assert as_json.json()["error"] == "bad_query"
    as_text = sparql(server, "SELECT ?x WHERE { ?x ", accept="text/plain")
    assert as_text.headers["content-type"].startswith("text/plain")
    for r in (as_json, as_text):
        assert "Traceback" not in r.text and "/work" not in r.text and ".py" not in r.text


def test_updates_and_graph_store_writes_are_off_without_a_token(server: str) -> None:
    update = httpx.post(
        f"{server}/sparql",
        content="CLEAR ALL",
        headers={"content-type": "application/sparql-update"},
    )
    assert update.status_code == 403
    put = httpx.put(
        f"{server}/gsp",
        params={"graph": "urn:x"},
        content="<urn:a> <urn:b> <urn:c> .",
        headers={"content-type": "application/n-triples"},
    )
    assert put.status_code == 403
    read = httpx.get(
        f"{server}/gsp",
        params={"graph": "https://w3id.org/mea-kg/graph/tehran-pow-2009-2010"},
        headers={"accept": "application/n-triples"},
    )
    assert read.status_code == 200
    assert len(Graph().parse(data=read.text, format="nt")) > 500


def test_writes_need_the_right_bearer_token_and_bad_uploads_change_nothing(built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    store = tmp_path / "store"
    shutil.copytree(built.settings.store, store)
    env = {
        "KG_STORE": str(store),
        "KG_SNAPSHOT_DIR": str(tmp_path / "snapshot"),
        "KG_WRITE_TOKEN": "s3cret",
    }
    auth = {"authorization": "Bearer s3cret"}
    with live_server(env) as base:
        graph = {"graph": "https://example.org/uploads/1"}
        nt = {"content-type": "application/n-triples"}
        wrong = httpx.put(
            f"{base}/gsp",
            params=graph,
            content="<urn:a> <urn:b> <urn:c> .",
            headers={**nt, "authorization": "Bearer nope"},
        )
        assert wrong.status_code == 401
        assert wrong.headers["www-authenticate"].startswith("Bearer")
        ok = httpx.put(
            f"{base}/gsp", params=graph, content="<urn:a> <urn:b> <urn:c> .", headers={**nt, **auth}
        )
        assert ok.status_code == 201
        bad = httpx.put(
            f"{base}/gsp", params=graph, content="<urn:a> <urn:b> broken", headers={**nt, **auth}
        )
        assert bad.status_code == 400
        after = httpx.get(f"{base}/gsp", params=graph, headers={"accept": "application/n-triples"})
        assert after.text.strip() == "<urn:a> <urn:b> <urn:c> ."
        # The change is visible to queries, which run in worker processes.
        ask = httpx.get(f"{base}/sparql", params={"query": "ASK { <urn:a> <urn:b> <urn:c> }"})
        assert ask.json()["boolean"] is True


def test_service_description_states_the_union_default_graph(server: str) -> None:
    r = httpx.get(f"{server}/sparql", headers={"accept": "text/turtle"})
    graph = Graph().parse(data=r.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    from rdflib import URIRef

    assert (None, URIRef(sd + "feature"), URIRef(sd + "UnionDefaultGraph")) in graph
    names = set(graph.objects(None, URIRef(sd + "name")))
    assert URIRef("https://w3id.org/mea-kg/graph/brs-tap-2022-2025") in names


def test_void_counts_triples_per_named_graph(server: str, built) -> None:  # type: ignore[no-untyped-def]
    r = httpx.get(f"{server}/void", headers={"accept": "text/turtle"})
    assert r.status_code == 200
    graph = Graph().parse(data=r.text, format="turtle")
    rows = graph.query(
        "SELECT ?g ?n WHERE { ?d <http://rdfs.org/ns/void#subset> ?g . "
        "?g <http://rdfs.org/ns/void#triples> ?n }"
    )
    counts = {str(g): int(n) for g, n in rows}
    assert counts == built.result.manifest.graphs


def test_sparqlwrapper_works_unchanged(server: str) -> None:
    from SPARQLWrapper import CSV, JSON, XML, SPARQLWrapper

    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(COUNT_SERVED)
    client.setReturnFormat(JSON)
    assert client.query().convert()["results"]["bindings"][0]["n"]["value"] == "9"
    client.setReturnFormat(XML)
    document = client.query().convert()
    assert document.getElementsByTagName("literal")[0].firstChild.data == "9"
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().splitlines() == ["n", "9"]
    client.setQuery(
        "CONSTRUCT { ?p <urn:servedBy> ?c } WHERE "
        "{ ?p <https://w3id.org/mea-kg/ontology#servedBy> ?c }"
    )
    client.setReturnFormat(XML)  # RDF/XML, which SPARQLWrapper turns into an rdflib Graph
    graph = client.queryAndConvert()
    assert isinstance(graph, Graph) and len(graph) == 9
