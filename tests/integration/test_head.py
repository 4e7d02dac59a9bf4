"""HEAD is answered wherever GET is, with GET's status and headers and no body, on a live
server (uvicorn) as on the in-process client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support import live_server


@pytest.fixture(scope="module")
def server(built) -> Iterator[str]:  # type: ignore[no-untyped-def]
    env = {
        "KG_STORE": str(built.settings.store),
        "KG_SNAPSHOT_DIR": str(built.settings.snapshot_dir),
    }
    with live_server(env) as url:
        yield url


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/sparql", {}),  # the service description
        ("/sparql", {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"}),
        ("/void", {}),
        ("/", {}),
        ("/api/indicators", {"for": "centre/iucn-ca-tsc"}),
    ],
)
def test_head_has_get_s_status_and_headers_and_no_body(
    server: str, path: str, params: dict[str, str]
) -> None:
    get = httpx.get(server + path, params=params, timeout=30)
    head = httpx.head(server + path, params=params, timeout=30)
    assert get.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))


def test_head_of_what_is_not_there_is_404_and_of_a_bad_query_400(server: str) -> None:
    assert httpx.head(server + "/no/such/page", timeout=30).status_code == 404
    refused = httpx.head(server + "/sparql", params={"query": "SELEC"}, timeout=30)
    assert refused.status_code == 400 and refused.content == b""
