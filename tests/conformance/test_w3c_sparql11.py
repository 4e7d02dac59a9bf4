"""The W3C SPARQL 1.1 protocol (34), service-description (3) and graph-store (14) tests,
against a live server on loopback with writes enabled by a bearer token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conformance.w3c import Runner, W3CTest, load_manifest, service_description_checks
from tests.support import live_server

SUITE = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "w3c-sparql11"
TOKEN = "conformance-test-token"
pytestmark = pytest.mark.skipif(
    not SUITE.is_dir(), reason="../shared/conformance/w3c-sparql11 is not beside the project"
)


def _tests(manifest: str) -> list[W3CTest]:
    return load_manifest(SUITE / manifest) if SUITE.is_dir() else []


PROTOCOL = _tests("protocol/manifest.ttl")
GRAPH_STORE = _tests("graph-store-protocol/manifest.ttl")
SERVICE_DESCRIPTION = ["has-endpoint-triple", "returns-rdf", "conforms-to-schema"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store_dir = tmp_path_factory.mktemp("w3c") / "store"
    store = ox.Store(str(store_dir))
    store.flush()
    del store
    env = {"KG_STORE": str(store_dir), "KG_SNAPSHOT_DIR": str(store_dir.parent / "snapshot")}
    with live_server({**env, "KG_WRITE_TOKEN": TOKEN}) as base:
        yield base


def test_the_suites_have_the_expected_size() -> None:
    assert len(PROTOCOL) == 34
    assert len(GRAPH_STORE) == 14


@pytest.mark.parametrize("test", PROTOCOL, ids=[t.iri.rsplit("#", 1)[-1] for t in PROTOCOL])
def test_protocol(server: str, test: W3CTest) -> None:
    failures = Runner(server, TOKEN).run(test)
    assert not failures, f"{test.name}:\n" + "\n".join(failures)


@pytest.mark.parametrize("test", GRAPH_STORE, ids=[t.name[:60] for t in GRAPH_STORE])
def test_graph_store(server: str, test: W3CTest) -> None:
    failures = Runner(server, TOKEN).run(test)
    assert not failures, f"{test.name}:\n" + "\n".join(failures)


@pytest.mark.parametrize("check", SERVICE_DESCRIPTION)
def test_service_description(server: str, check: str) -> None:
    assert service_description_checks(server)[check] == []
