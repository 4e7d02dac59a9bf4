"""Test helpers: a live ``kg serve`` on loopback."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

#: The checkout the tests run in (its data, queries and fixtures).
PROJECT_ROOT = Path(__file__).resolve().parents[1]

#: Eight levels of entities, each ten of the one before: 10^8 copies of "lol" once expanded.
ENTITY_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
        for i in range(1, 9)
    )
    + b']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    b'xmlns:e="http://example.org/"><rdf:Description rdf:about="http://example.org/x">'
    b"<e:p>&lol8;</e:p></rdf:Description></rdf:RDF>"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(env: dict[str, str], *, startup: float = 30.0) -> Iterator[str]:
    """Run ``kg serve`` on 127.0.0.1 with ``env`` added; yield its base URL."""
    with live_server_process(env, startup=startup) as (base, _process):
        yield base


@contextmanager
def live_server_process(
    env: dict[str, str], *, startup: float = 30.0
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """:func:`live_server`, yielding the server's process too (for tests that kill it)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup
        while True:
            try:
                httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    stderr = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"kg serve did not start: {stderr[-2000:]}") from None
                time.sleep(0.1)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class Canary:
    """A loopback listener that counts the connections made to it: a test that a request
    must reach nothing asserts ``connections`` stayed 0."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def project_copy(root: Path) -> Path:
    """A project folder at ``root`` for tests that may publish: its own ``data/`` (a publish
    switches ``data/sources``), the checkout's ontology, shapes, queries and UI linked."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    for name in ("ontology", "shapes", "queries", "ui"):
        (root / name).symlink_to(PROJECT_ROOT / name, target_is_directory=True)
    return root


def writable_project(root: Path, store: Path, snapshot: Path) -> dict[str, str]:
    """The environment of a server that may write and publish on a project of its own at
    ``root``: a copy of the project (:func:`project_copy`) and of a built store and snapshot,
    so that its publishes change nothing another test or the checkout reads."""
    project_copy(root)
    shutil.copytree(store, root / ".kg" / "store")
    shutil.copytree(snapshot, root / ".kg" / "snapshot")
    return {
        "KG_PROJECT_DIR": str(root),
        "KG_STORE": str(root / ".kg" / "store"),
        "KG_SNAPSHOT_DIR": str(root / ".kg" / "snapshot"),
        "KG_DATA_DIR": str(root / "data"),
        # live_checksum reads every quad in one answer: no row cap below the graph's size.
        "KG_MAX_ROWS": "1000000",
    }


def live_checksum(base: str) -> str:
    """sha256 of every quad the server at ``base`` serves, sorted: equal checksums, the same
    graph, graph names included. Refuses a capped answer (the server needs ``KG_MAX_ROWS``
    above the graph's size, as :func:`writable_project` sets)."""
    r = httpx.post(
        f"{base}/sparql",
        content=b"SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
        headers={
            "content-type": "application/sparql-query",
            "accept": "text/tab-separated-values",
        },
        timeout=60,
    )
    assert r.status_code == 200, r.text
    assert "x-sparql-maxrows" not in r.headers, "the answer was capped: raise KG_MAX_ROWS"
    rows = r.content.splitlines()[1:]  # after the header line
    return hashlib.sha256(b"\n".join(sorted(rows))).hexdigest()
