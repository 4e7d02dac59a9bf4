"""The endpoint answers what SPARQL 1.1 says, on a live read-only server: the query's
dataset (FROM / FROM NAMED) and the protocol's, sorts that used to abort a worker, and
requests that are wrong in ways that used to be a 200 or a 500 (issue: endpoint
correctness)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import live_server, live_server_process

COUNTRIES = "https://w3id.org/mea-kg/graph/reference/countries"
JSON = {"accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def server(built: Any) -> Iterator[str]:
    env = {
        "KG_STORE": str(built.settings.store),
        "KG_SNAPSHOT_DIR": str(built.settings.snapshot_dir),
    }
    with live_server(env) as base:
        yield base


def ask(base: str, query: str, **params: str | list[str]) -> httpx.Response:
    return httpx.get(f"{base}/sparql", params={"query": query, **params}, headers=JSON, timeout=60)


def count(base: str, query: str, **params: str | list[str]) -> int:
    r = ask(base, query, **params)
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def answers_promptly(base: str) -> bool:
    r = httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=10)
    return r.status_code == 200


def test_from_scopes_the_query_to_its_graphs(server: str, built: Any) -> None:
    """FROM was ignored: the workers' union flag overrode it (10,089 instead of 182)."""
    only = count(server, f"SELECT (COUNT(*) AS ?n) FROM <{COUNTRIES}> WHERE {{ ?s ?p ?o }}")
    assert only == built.result.manifest.graphs[COUNTRIES] == 182
    named = count(
        server,
        f"SELECT (COUNT(*) AS ?n) FROM NAMED <{COUNTRIES}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    )
    assert named == 182
    assert (
        count(server, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{COUNTRIES}> WHERE {{ ?s ?p ?o }}") == 0
    )
    assert count(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") > 10_000


def test_the_protocols_dataset_overrides_the_querys(server: str) -> None:
    query = (
        "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/mea-kg/graph/ontology> WHERE { ?s ?p ?o }"
    )
    assert count(server, query, **{"default-graph-uri": COUNTRIES}) == 182


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_an_unknown_graph_in_the_protocols_dataset_is_a_400_naming_it(
    server: str, parameter: str
) -> None:
    r = ask(
        server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", **{parameter: "https://example.org/nothing"}
    )
    assert r.status_code == 400, r.text
    assert parameter in r.text and "https://example.org/nothing" in r.text


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) } ORDER BY ?o LIMIT 3",
        "SELECT ?o WHERE { ?s ?p ?o } ORDER BY DESC(?o) LIMIT 3",
        "SELECT ?s ?o WHERE { ?s !<http://x> ?o } ORDER BY ?o ?s LIMIT 3",
        "SELECT ?o WHERE { { SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o LIMIT 50 } } LIMIT 3",
    ],
)
def test_sorting_terms_of_every_kind_answers_and_kills_no_worker(server: str, query: str) -> None:
    """pyoxigraph 0.5.13 aborted the worker sorting integers with strings (a 500 on every
    server); the workers now sort by group first (kg.sparql.order_keys)."""
    r = ask(server, query)
    assert r.status_code == 200, r.text
    assert len(r.json()["results"]["bindings"]) == 3
    assert answers_promptly(server)


def test_a_sort_over_mixed_literals_puts_numbers_before_strings(server: str) -> None:
    r = ask(server, "SELECT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) } ORDER BY ?o LIMIT 1")
    (row,) = r.json()["results"]["bindings"]
    assert row["o"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"


def test_an_unknown_function_is_a_400(server: str) -> None:
    r = ask(server, "SELECT (<http://example.org/fn>(1) AS ?x) WHERE {}")
    assert r.status_code == 400, r.text
    assert "http://example.org/fn" in r.text
    assert answers_promptly(server)


@pytest.mark.parametrize("encoded", ["%FF", "%C3%28", "%ED%A0%80"])
def test_invalid_utf8_in_a_query_is_a_400(server: str, encoded: str) -> None:
    """Percent-encoded bytes that are not UTF-8 became U+FFFD and the query ran."""
    url = f"{server}/sparql?query=SELECT%20%2A%20WHERE%20%7B%20%3Fs%20%3Fp%20%22{encoded}%22%20%7D"
    r = httpx.get(url, headers=JSON, timeout=30)
    assert r.status_code == 400, r.text
    assert "UTF-8" in r.text
    form = httpx.post(
        f"{server}/sparql",
        content=f"query=ASK%20%7B%20%3Fs%20%3Fp%20%22{encoded}%22%20%7D".encode(),
        headers={**JSON, "content-type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert form.status_code == 400, form.text


# ------------------------------------------------------------------ operations


def test_health_and_ready(server: str, built: Any) -> None:
    assert httpx.get(f"{server}/health", timeout=10).json() == {"status": "ok"}
    ready = httpx.get(f"{server}/ready", timeout=10)
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["store"] == body["workers"] == "ok"
    assert body["version"] == built.result.manifest.version


def test_reads_are_open_to_any_origin_and_writes_are_not(server: str) -> None:
    origin = {"origin": "https://notebook.example.org"}
    r = httpx.get(f"{server}/sparql", params={"query": "ASK {}"}, headers={**origin, **JSON})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    preflight = {**origin, "access-control-request-method": "POST"}
    query = httpx.options(
        f"{server}/sparql",
        headers={**preflight, "access-control-request-headers": "content-type"},
    )
    assert query.status_code == 200, query.text
    # A write needs the token's Authorization header, or PUT / DELETE: not cross-origin.
    token = httpx.options(
        f"{server}/sparql",
        headers={**preflight, "access-control-request-headers": "authorization"},
    )
    assert token.status_code == 400
    put = httpx.options(f"{server}/gsp", headers={**origin, "access-control-request-method": "PUT"})
    assert put.status_code == 400


def test_every_answer_has_a_request_id_and_errors_carry_it(server: str) -> None:
    ok = httpx.get(f"{server}/sparql", params={"query": "ASK {}"}, headers=JSON)
    assert len(ok.headers["x-request-id"]) == 16
    bad = httpx.get(
        f"{server}/sparql", params={"query": "SELEKT *"}, headers={"accept": "application/json"}
    )
    assert bad.status_code == 400
    assert bad.json()["request_id"] == bad.headers["x-request-id"]
    text = httpx.get(
        f"{server}/sparql", params={"query": "SELEKT *"}, headers={"accept": "text/plain"}
    )
    assert text.headers["x-request-id"] in text.text


def test_an_unexpected_failure_is_a_500_in_the_error_shape_with_its_id(built: Any) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.deps import get_service

    app = create_app(built.settings)

    def broken() -> None:
        raise RuntimeError("a bug somewhere, with /srv/secret/paths in its message")

    app.dependency_overrides[get_service] = broken
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/void", headers={"accept": "application/json"})
    assert r.status_code == 500
    body = r.json()
    assert body["error"] == "internal_error" and body["request_id"]
    assert "secret" not in r.text and "Traceback" not in r.text


# ------------------------------------------------------------------ prefixes and errors


def test_the_projects_prefixes_need_no_declaration(server: str) -> None:
    query = "SELECT ?label WHERE { id:agreement/basel rdfs:label ?label . } LIMIT 1"
    r = ask(
        server, query.replace("id:agreement/basel", "<https://w3id.org/mea-kg/id/agreement/basel>")
    )
    assert r.status_code == 200, r.text
    n = count(server, "SELECT (COUNT(*) AS ?n) WHERE { ?w a mea:Workplan }")
    assert n >= 5
    # A query that declares a prefix keeps its own.
    own = ask(
        server, "PREFIX mea: <urn:x:nothing#> SELECT (COUNT(*) AS ?n) WHERE { ?w a mea:Workplan }"
    )
    assert own.json()["results"]["bindings"][0]["n"]["value"] == "0"


def test_the_service_description_lists_the_prefixes(server: str) -> None:
    r = httpx.get(f"{server}/sparql", headers={"accept": "text/turtle"}, timeout=30)
    assert "https://w3id.org/mea-kg/ontology#" in r.text and '"mea"' in r.text


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("SELECT * WHERE { ?s foo:p ?o }", "The prefix foo: is not declared"),
        ("SELECT * WHERE { ?s ?p ?o ", "Syntax error at line 1, column"),
        ("SELECT * WHERE { ?s ?p ?o } ORDER ?s", "expected BY"),
    ],
)
def test_a_syntax_error_is_one_readable_line(server: str, query: str, words: str) -> None:
    r = httpx.get(f"{server}/sparql", params={"query": query}, headers=JSON)
    assert r.status_code == 400, r.text
    message = r.json()["message"]
    assert words in message
    assert "\\u{" not in message and "..=" not in message and len(message.splitlines()) == 1


# ------------------------------------------------------------------ slow and greedy clients


@pytest.fixture(scope="module")
def strict_server(built: Any) -> Iterator[str]:
    """A server with one-second header and body deadlines."""
    env = {
        "KG_STORE": str(built.settings.store),
        "KG_SNAPSHOT_DIR": str(built.settings.snapshot_dir),
        "KG_HEADER_TIMEOUT": "1",
        "KG_BODY_TIMEOUT": "1",
    }
    with live_server(env) as base:
        yield base


def raw_exchange(base: str, data: bytes, *, wait: float = 20) -> tuple[bytes, float]:
    """Send ``data`` on a new connection; (what came back until the server closed, seconds)."""
    port = int(base.rsplit(":", 1)[1])
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer, time.monotonic() - started


def test_an_over_long_url_is_a_414(strict_server: str) -> None:
    answer, _ = raw_exchange(
        strict_server, b"GET /sparql?query=" + b"A" * 1_000_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 414"), answer[:100]
    assert b"POST" in answer
    assert answers_promptly(strict_server)


def test_trickled_headers_are_cut_off(strict_server: str) -> None:
    answer, seconds = raw_exchange(strict_server, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost")
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert seconds < 5


def test_a_trickled_body_is_cut_off(strict_server: str) -> None:
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 100\r\nAccept: application/json\r\n\r\nASK"
    )
    answer, seconds = raw_exchange(strict_server, head)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert b"request_timeout" in answer and seconds < 5


def test_half_open_connections_are_closed_and_others_are_served(strict_server: str) -> None:
    port = int(strict_server.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(100)]
    try:
        assert answers_promptly(strict_server)
        time.sleep(2.5)
        closed = 0
        for sock in idle:
            try:
                data = sock.recv(1024)
            except OSError:
                data = b""
            closed += data == b"" or data.startswith(b"HTTP/1.1 408")
        assert closed == len(idle)
    finally:
        for sock in idle:
            sock.close()


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_a_chunked_query_body_past_the_cap_is_a_413_and_is_not_held(built: Any) -> None:
    """A chunked 100 MiB body was buffered before the cap applied (the server grew from 276
    to 445 MiB); the cap now applies while it is read."""
    env = {
        "KG_STORE": str(built.settings.store),
        "KG_SNAPSHOT_DIR": str(built.settings.snapshot_dir),
    }
    with live_server_process(env) as (base, process):
        before = _rss_mib(process.pid)

        def body() -> Iterator[bytes]:
            for _ in range(100):
                yield b"#" * (1 << 20)

        r = httpx.post(
            f"{base}/sparql",
            content=body(),
            headers={"content-type": "application/sparql-query", **JSON},
            timeout=60,
        )
        assert r.status_code == 413
        assert _rss_mib(process.pid) - before < 30
        assert answers_promptly(base)


# ------------------------------------------------------------------ budgets


def test_a_client_past_its_budget_gets_429_and_others_are_served(built: Any) -> None:
    """Budgets per client address: loopback is exempt by default, so this server counts
    loopback (KG_BUDGET_LOOPBACK) and allows three failed queries a minute."""
    env = {
        "KG_STORE": str(built.settings.store),
        "KG_SNAPSHOT_DIR": str(built.settings.snapshot_dir),
        "KG_BUDGET_LOOPBACK": "true",
        "KG_BUDGET_FAILURES": "3",
    }
    with live_server(env) as base:
        heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        statuses = [ask(base, heavy, timeout="0.000001").status_code for _ in range(3)]
        assert statuses == [503, 503, 503]
        spent = ask(base, "ASK {}")
        assert spent.status_code == 429, spent.text
        assert 1 <= int(spent.headers["retry-after"]) <= 60
        assert spent.json()["error"] == "budget_spent"
        # Another client (another address: 127.0.0.2, loopback too on Linux) is unaffected.
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(transport=transport, timeout=10) as other:
            assert other.get(f"{base}/sparql", params={"query": "ASK {}"}).status_code == 200


def test_loopback_clients_have_no_budget_by_default(server: str) -> None:
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    for _ in range(35):  # more than the default 30 failures a minute
        assert ask(server, heavy, timeout="0.000001").status_code == 503
    assert answers_promptly(server)


def test_a_query_past_its_memory_is_a_503_and_its_worker_is_replaced(built: Any) -> None:
    """One cross product with ORDER BY grew the server by 596 MiB before its deadline."""
    env = {
        "KG_STORE": str(built.settings.store),
        "KG_SNAPSHOT_DIR": str(built.settings.snapshot_dir),
        "KG_QUERY_MEMORY_BYTES": str(64 << 20),
    }
    with live_server(env) as base:
        r = ask(base, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f", timeout="60")
        assert r.status_code == 503, r.text[:300]
        assert r.json()["error"] == "out_of_memory" and "MiB" in r.json()["message"]
        assert answers_promptly(base)
        assert count(base, "SELECT (COUNT(*) AS ?n) WHERE { ?s a mea:Workplan }") >= 5
