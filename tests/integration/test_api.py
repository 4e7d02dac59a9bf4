"""The API's SPARQL endpoint, in-process and on a live uvicorn server on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?p <https://w3id.org/mea-kg/ontology#servedBy> ?c }"


@pytest.fixture(scope="module")
def client(built) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(built.settings)) as c:
        yield c


def test_get_select_answers_sparql_results_json(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": COUNT})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "9"


def test_post_form_and_direct_post(client: TestClient) -> None:
    form = client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"})
    assert form.status_code == 200 and form.json()["boolean"] is True
    direct = client.post(
        "/sparql", content=COUNT, headers={"content-type": "application/sparql-query"}
    )
    assert direct.status_code == 200


def test_malformed_query_is_400_without_a_trace(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELEC x"})
    assert r.status_code == 400
    assert "Traceback" not in r.text and "/work" not in r.text


def test_wrong_media_type_is_415(client: TestClient) -> None:
    r = client.post("/sparql", content="x", headers={"content-type": "text/plain"})
    assert r.status_code == 415


def test_csv_by_accept(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": COUNT}, headers={"accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines() == ["n", "9"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.integration
def test_live_server_on_loopback(built) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()
    env = {**os.environ, "KG_STORE": str(built.settings.store)}
    server = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}/sparql"
        for _ in range(100):
            try:
                r = httpx.get(url, params={"query": COUNT}, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not start")
        assert r.status_code == 200
        assert r.json()["results"]["bindings"][0]["n"]["value"] == "9"
    finally:
        server.terminate()
        server.wait(timeout=10)
