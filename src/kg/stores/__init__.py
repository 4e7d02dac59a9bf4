"""One store interface, three backends, chosen by ``KG_BACKEND``.

* ``oxigraph`` (default) — the embedded Oxigraph store on disk at ``KG_STORE``; query workers
  open it read-only. Fast: the figures in the README.
* ``memory`` — an rdflib dataset in memory, filled from the build's snapshot. For small
  graphs and tests.
* ``sparql`` — any SPARQL 1.1 server (``KG_SPARQL_QUERY``, ``KG_SPARQL_UPDATE``,
  ``KG_SPARQL_GSP``, optional credentials): the way out when one machine is not enough.

Every backend has the methods of :class:`kg.stores.base.GraphStore`, so the build, the
service, traversals and exports do not know which one they talk to.

- :mod:`kg.stores.base` — the interface, and the answer types the backends share;
- :mod:`kg.stores.oxigraph`, :mod:`kg.stores.memory`, :mod:`kg.stores.sparql` — the backends;
- :mod:`kg.stores.bulk_load` — loading N-Quads into Oxigraph fast, in parallel;
- :mod:`kg.stores.writes` — changing a graph as one step (readers never see half of it).

May import: :mod:`kg.settings`, :mod:`kg.sparql`, :mod:`kg.rdf`.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pyoxigraph as ox

from kg.settings import Settings
from kg.stores.base import (
    Boolean,
    GraphStore,
    Solutions,
    StoreError,
    StoreMissingError,
    Triples,
    is_boolean,
    is_solutions,
    is_triples,
)
from kg.stores.memory import MemoryStore
from kg.stores.oxigraph import load_directory, open_directory
from kg.stores.sparql import SparqlStore

__all__ = [
    "Boolean",
    "GraphStore",
    "MemoryStore",
    "Solutions",
    "SparqlStore",
    "StoreError",
    "StoreMissingError",
    "Triples",
    "is_boolean",
    "is_solutions",
    "is_triples",
    "load_snapshot",
    "open_store",
]


def sparql_store(settings: Settings) -> SparqlStore:
    """The configured remote server as a store."""
    if not settings.sparql_query:
        raise StoreError("KG_BACKEND=sparql needs KG_SPARQL_QUERY (the query endpoint's URL)")
    auth: httpx.Auth | None = None
    if settings.sparql_password is not None:
        secret = settings.sparql_password.get_secret_value()
        if settings.sparql_auth == "digest":
            auth = httpx.DigestAuth(settings.sparql_user or "", secret)
        elif settings.sparql_auth == "basic":
            auth = httpx.BasicAuth(settings.sparql_user or "", secret)
        else:
            auth = _Bearer(secret)
    return SparqlStore(
        settings.sparql_query,
        update_url=settings.sparql_update,
        gsp_url=settings.sparql_gsp,
        graph_prefix=settings.base_iri + "/graph/",
        auth=auth,
    )


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def open_store(
    settings: Settings, *, read_only: bool = True, location: Path | None = None
) -> GraphStore:
    """The configured store, ready to query.

    ``location`` overrides where an Oxigraph store is read from (a checkpoint generation);
    ``read_only`` only matters for Oxigraph (the memory store is a private copy, and a remote
    server decides for itself).
    """
    if settings.backend == "oxigraph":
        return open_directory(location or settings.store, read_only=read_only)
    if settings.backend == "memory":
        snapshot = settings.snapshot_nquads
        if not snapshot.exists():
            raise StoreMissingError(f"no snapshot at {snapshot}: run `kg build` first")
        store = MemoryStore()
        store.load(path=snapshot, format=ox.RdfFormat.N_QUADS)
        return store
    return sparql_store(settings)


def load_snapshot(settings: Settings, nquads: Path) -> None:
    """Make the configured store hold exactly the quads of ``nquads`` (the build's last step)."""
    if settings.backend == "oxigraph":
        load_directory(settings.store, nquads)
    elif settings.backend == "sparql":
        store = sparql_store(settings)
        try:
            for graph in list(store.named_graphs()):
                store.remove_graph(graph)
            store.load(path=nquads, format=ox.RdfFormat.N_QUADS)
        finally:
            store.close()
    # memory: nothing to keep; every open_store reads the snapshot.
