"""Uploads on a live server on loopback (issue 14's input defences and ``POST /validate``):
hostile bodies are refused with a 4xx that says why, the server keeps answering, and the
graph is exactly as it was.

Each defence failed before its fix: the 684-byte RDF/XML entity bomb aborted the server
process; uploads had no size cap (a chunked body was read whole first); blank nodes nested
400 deep were stored, and the entity page's JSON-LD then failed.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kg.shacl.validate import load_shapes, validate
from tests.support import (
    ENTITY_BOMB,
    PROJECT_ROOT,
    live_checksum,
    live_server,
    live_server_process,
    writable_project,
)

TOKEN = "s3cret"
AUTH = {"authorization": f"Bearer {TOKEN}"}
LIMIT = 1 << 20  # KG_MAX_UPLOAD_BYTES of the server under test
UPLOADS = "https://example.org/uploads/1"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def server(built: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A writable server on a copy of the seed build, uploads capped at 1 MiB."""
    root = Path(tmp_path_factory.mktemp("uploads"))
    env = {
        **writable_project(root, built.settings.store, built.settings.snapshot_dir),
        "KG_WRITE_TOKEN": TOKEN,
        "KG_MAX_UPLOAD_BYTES": str(LIMIT),
    }
    with live_server(env) as base:
        yield base


def gsp_write(
    base: str,
    graph: str,
    body: bytes | Iterator[bytes],
    content_type: str,
    *,
    method: str = "PUT",
    timeout: float = 60,
) -> httpx.Response:
    """A Graph Store write of ``body`` to ``graph``, with the write token."""
    return httpx.request(
        method,
        f"{base}/gsp",
        params={"graph": graph},
        content=body,
        headers={**AUTH, "content-type": content_type, "accept": "application/json"},
        timeout=timeout,
    )


def answers_quickly(base: str) -> bool:
    started = time.monotonic()
    r = httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=10)
    return r.status_code == 200 and time.monotonic() - started < 5


def assert_refused(r: httpx.Response, status: int, words: str) -> None:
    assert r.status_code == status, r.text
    assert words in r.text, r.text
    for leak in ("Traceback", ".py", "/work"):
        assert leak not in r.text


# ------------------------------------------------------------------ entity bombs


def test_an_entity_bomb_is_refused_and_the_server_answers_on(server: str) -> None:
    assert len(ENTITY_BOMB) < 1000
    before = live_checksum(server)
    started = time.monotonic()
    r = gsp_write(server, UPLOADS, ENTITY_BOMB, "application/rdf+xml")
    assert_refused(r, 400, "DTD")
    assert time.monotonic() - started < 1
    assert answers_quickly(server)
    assert live_checksum(server) == before


def test_an_entity_bomb_sent_for_validation_is_refused(server: str) -> None:
    r = httpx.post(
        f"{server}/validate",
        content=ENTITY_BOMB,
        headers={"content-type": "application/rdf+xml"},
        timeout=30,
    )
    assert_refused(r, 400, "DTD")
    assert answers_quickly(server)


# ------------------------------------------------------------------ size


def test_an_upload_past_the_cap_is_a_413_with_or_without_a_length(server: str) -> None:
    before = live_checksum(server)
    line = b"<urn:x:s> <urn:x:p> " + b'"' + b"x" * 200 + b'" .\n'
    big = line * (2 * LIMIT // len(line))
    r = gsp_write(server, UPLOADS, big, "application/n-triples")
    assert_refused(r, 413, "at most 1,048,576")

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted while read
        for _ in range(4):
            yield big

    try:
        r = gsp_write(server, UPLOADS, chunked(), "application/n-triples")
        assert_refused(r, 413, "more than")
    except httpx.WriteError:
        pass  # the server answered 413 and closed while the client was still sending
    assert answers_quickly(server)
    assert live_checksum(server) == before


# ------------------------------------------------------------------ nesting


def test_blank_nodes_nested_too_deep_are_refused(server: str) -> None:
    before = live_checksum(server)
    deep = b"<urn:x:a> <urn:x:p> " + b"[ <urn:x:p> " * 400 + b"1" + b" ]" * 400 + b" ."
    r = gsp_write(server, UPLOADS, deep, "text/turtle")
    assert_refused(r, 400, "nested 400 levels deep")
    assert live_checksum(server) == before
    shallow = b"<urn:x:a> <urn:x:p> [ <urn:x:p> [ <urn:x:p> 1 ] ] ."
    r = gsp_write(server, UPLOADS, shallow, "text/turtle")
    assert r.status_code in (201, 204), r.text


# ------------------------------------------------------------------ POST /validate


def test_validate_reports_what_to_fix_as_pyshacl_does(server: str, built: Any) -> None:
    """A decision code in the wrong format: the report kg validate gives, nothing written."""
    path = PROJECT_ROOT / "tests" / "data" / "cli" / "bad-decision-code.ttl"
    before = live_checksum(server)
    r = httpx.post(
        f"{server}/validate",
        content=path.read_bytes(),
        headers={"content-type": "text/turtle", "accept": "application/json"},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["conforms"] is False and report["violations"] >= 1
    from rdflib import Graph

    from kg.build.inputs import load_inputs
    from kg.rdf.terms import rdflib_graph

    inputs = load_inputs(built.settings)
    expected = validate(
        Graph().parse(path),
        shapes=load_shapes(),
        ontology=inputs.ontology,
        context=rdflib_graph(inputs.reference_union()),
    )
    assert sorted((f["focus"], f["severity"], f["message"]) for f in report["findings"]) == sorted(
        (f.focus, f.severity, f.message) for f in expected.findings
    )
    assert live_checksum(server) == before


def test_validate_answers_a_conforming_seed_source_in_every_report_syntax(server: str) -> None:
    seed = (PROJECT_ROOT / "data" / "sources" / "tehran-pow-2009-2010.ttl").read_bytes()
    turtle = {"content-type": "text/turtle"}
    as_json = httpx.post(f"{server}/validate", content=seed, headers=turtle, timeout=60)
    assert as_json.status_code == 200 and as_json.json()["conforms"] is True
    as_turtle = httpx.post(
        f"{server}/validate", content=seed, headers={**turtle, "accept": "text/turtle"}, timeout=60
    )
    assert as_turtle.headers["content-type"].startswith("text/turtle")
    assert "sh:ValidationReport" in as_turtle.text
    as_html = httpx.post(
        f"{server}/validate", content=seed, headers={**turtle, "accept": "text/html"}, timeout=60
    )
    assert as_html.headers["content-type"].startswith("text/html")
    assert "Conforms: yes" in as_html.text
    assert 'class="finding info"' in as_html.text  # the seed's infos, by severity
    assert "shape:" in as_html.text  # IRIs written short, as kg validate writes them


def test_validate_escapes_what_the_document_says_in_its_html_report(server: str) -> None:
    hostile = (
        b"@prefix mea: <https://w3id.org/mea-kg/ontology#> .\n"
        b"<https://w3id.org/mea-kg/id/decision/x> a mea:Decision ;\n"
        b"  mea:underAgreement <https://w3id.org/mea-kg/id/agreement/basel> ;\n"
        b'  mea:decisionCode "<script>alert(1)</script>" .'
    )
    r = httpx.post(
        f"{server}/validate",
        content=hostile,
        headers={"content-type": "text/turtle", "accept": "text/html"},
        timeout=60,
    )
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;" in r.text


def test_validate_refuses_what_it_cannot_read(server: str) -> None:
    r = httpx.post(f"{server}/validate", content=b"a,b\n1,2", headers={"content-type": "text/csv"})
    assert_refused(r, 415, "text/turtle")
    r = httpx.post(
        f"{server}/validate", content=b"<urn:a> <urn:b> .", headers={"content-type": "text/turtle"}
    )
    assert_refused(r, 400, "not valid RDF")
    r = httpx.post(
        f"{server}/validate",
        content=b"<urn:a> <urn:b> <urn:c> .",
        headers={"content-type": "text/turtle", "accept": "image/png"},
    )
    assert_refused(r, 406, "application/json")


# ------------------------------------------------------------------ replacing a graph


def _ntriples(tag: str, count: int) -> bytes:
    return b"".join(f'<urn:x:s{i}> <urn:x:version> "{tag}" .\n'.encode() for i in range(count))


def _graph_lines(base: str, graph: str) -> list[bytes]:
    r = httpx.get(
        f"{base}/gsp",
        params={"graph": graph},
        headers={"accept": "application/n-triples"},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    return [line for line in r.content.splitlines() if line.strip()]


def test_readers_see_a_graph_whole_while_it_is_replaced(server: str) -> None:
    """Four readers while one writer replaces a graph again and again: every read is the old
    graph or the new one. (Clearing, then adding, showed readers an empty graph.)"""
    graph = "https://example.org/uploads/versions"
    versions = {b"A": _ntriples("A", 20_000), b"B": _ntriples("B", 25_000)}
    sizes = {b"A": 20_000, b"B": 25_000}
    r = gsp_write(server, graph, versions[b"A"], "application/n-triples")
    assert r.status_code in (201, 204), r.text
    stop = time.monotonic() + 8
    seen: list[tuple[int, set[bytes]]] = []
    errors: list[str] = []

    def read() -> None:
        while time.monotonic() < stop:
            lines = _graph_lines(server, graph)
            tags = {line.rsplit(b'"', 2)[1] for line in lines}
            seen.append((len(lines), tags))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    writes = 0
    while time.monotonic() < stop:
        tag = b"B" if writes % 2 == 0 else b"A"
        r = gsp_write(server, graph, versions[tag], "application/n-triples")
        if r.status_code != 204:
            errors.append(r.text)
        writes += 1
    for reader in readers:
        reader.join()
    assert not errors and writes >= 2
    assert len(seen) >= 8
    mixed = [(n, tags) for n, tags in seen if len(tags) != 1 or n != sizes[next(iter(tags))]]
    assert not mixed, mixed[:3]


@pytest.mark.slow
def test_a_server_killed_while_it_replaces_a_graph_keeps_the_old_one(
    built: Any, tmp_path: Path
) -> None:
    """kill -9 during a big PUT, the moment a reader sees the graph empty (or after 4 s if
    it never does): after a restart the graph is the old or the new, never empty. (The PUT
    cleared the graph, then added the new triples: a kill between the two lost the graph.)"""
    env = {
        **writable_project(tmp_path, built.settings.store, built.settings.snapshot_dir),
        "KG_WRITE_TOKEN": TOKEN,
        "KG_MAX_UPLOAD_BYTES": str(64 << 20),
    }
    graph = "https://example.org/uploads/big"
    with live_server_process(env) as (base, process):
        r = gsp_write(base, graph, _ntriples("old", 1_000), "application/n-triples")
        assert r.status_code in (201, 204), r.text

        def put_big() -> None:
            with contextlib.suppress(httpx.TransportError):  # killed under it
                big = _ntriples("new", 200_000)
                gsp_write(base, graph, big, "application/n-triples", timeout=120)

        writer = threading.Thread(target=put_big)
        writer.start()
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline and len(_graph_lines(base, graph)) != 0:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        writer.join(timeout=130)
    with live_server_process(env) as (base, _process):
        assert len(_graph_lines(base, graph)) in (1_000, 200_000)


# ------------------------------------------------------------------ validated writes

BASE = "https://w3id.org/mea-kg"
TEHRAN = PROJECT_ROOT / "data" / "sources" / "tehran-pow-2009-2010.ttl"
#: The first activity of the Tehran programme now ends before it starts: a violation.
ENDS_BEFORE_START = (
    b"\n<https://w3id.org/mea-kg/id/activity/tehran-pow-2009-2010-1> "
    b"<https://w3id.org/mea-kg/ontology#endDate> "
    b'"2001-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
)


def test_a_source_graph_that_would_not_conform_is_refused_with_its_findings(
    server: str,
) -> None:
    graph = f"{BASE}/graph/tehran-pow-2009-2010"
    before = live_checksum(server)
    for method in ("PUT", "POST"):
        body = TEHRAN.read_bytes() + ENDS_BEFORE_START if method == "PUT" else ENDS_BEFORE_START
        r = gsp_write(server, graph, body, "text/turtle", method=method)
        assert r.status_code == 422, r.text
        body_json = r.json()
        assert body_json["error"] == "does_not_conform"
        assert "not published" in body_json["message"]
        assert body_json["diff"]["counts"]["added_facts"] >= 1
        assert any(
            f["severity"] == "Violation" and f["focus"].endswith("tehran-pow-2009-2010-1")
            for f in body_json["findings"]
        )
        assert live_checksum(server) == before
    # The document as it is conforms, and is written.
    r = gsp_write(server, graph, TEHRAN.read_bytes(), "text/turtle")
    assert r.status_code == 204, r.text


def test_an_update_that_touches_a_source_document_is_refused_naming_the_route(
    server: str,
) -> None:
    """SPARQL Update is tried on a copy first; one that changes a source graph, conforming
    or not, is refused naming the route that publishes the document (validated, versioned)."""
    graph = f"{BASE}/graph/tehran-pow-2009-2010"
    before = live_checksum(server)
    update = f"INSERT DATA {{ GRAPH <{graph}> {{ {ENDS_BEFORE_START.decode().strip()} }} }}"
    r = httpx.post(
        f"{server}/sparql",
        content=update.encode(),
        headers={**AUTH, "content-type": "application/sparql-update", "accept": "application/json"},
        timeout=60,
    )
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "publish_instead"
    assert "PUT /sources/tehran-pow-2009-2010" in r.json()["message"]
    assert live_checksum(server) == before
    scratch = "INSERT DATA { GRAPH <https://example.org/scratch> { <urn:x:a> <urn:x:b> 1 } }"
    r = httpx.post(
        f"{server}/sparql",
        content=scratch.encode(),
        headers={**AUTH, "content-type": "application/sparql-update"},
        timeout=60,
    )
    assert r.status_code == 204, r.text
