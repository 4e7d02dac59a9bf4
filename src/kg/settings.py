"""Settings: one class, overridable by environment variables prefixed ``KG_``.

>>> Settings(base_iri="https://example.org/kg/").base_iri
'https://example.org/kg'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.namespaces import CANONICAL_BASE

#: The project root: ``src/kg/settings.py`` -> ``../..``.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Where the graph lives and how it is served. ``KG_STORE=/srv/kg kg build`` etc."""

    model_config = SettingsConfigDict(env_prefix="KG_", extra="ignore")

    #: Base of every entity and named-graph IRI (``<base>/id/<kind>/<key>``).
    base_iri: str = CANONICAL_BASE
    #: Which store holds the graph: the embedded Oxigraph store on disk (``oxigraph``), an
    #: rdflib dataset in memory filled from the snapshot (``memory``: small graphs, tests), or
    #: any SPARQL 1.1 server (``sparql``: see "Beyond one machine" in the README).
    backend: Literal["oxigraph", "memory", "sparql"] = "oxigraph"
    #: Directory of the embedded Oxigraph store.
    store: Path = PROJECT_ROOT / ".kg" / "store"
    #: Where query workers of the ``oxigraph`` backend read: the store on disk (``disk``), or
    #: an in-memory copy loaded once at start and shared by every worker (``memory``: joins
    #: 3-6 times faster; about 0.4 GB of RAM per million triples; read-only).
    serve_from: Literal["disk", "memory"] = "disk"
    #: Directory the build writes its snapshot (N-Quads + manifest) to.
    snapshot_dir: Path = PROJECT_ROOT / ".kg" / "snapshot"
    ontology_dir: Path = PROJECT_ROOT / "ontology"
    shapes_dir: Path = PROJECT_ROOT / "shapes"
    data_dir: Path = PROJECT_ROOT / "data"
    queries_dir: Path = PROJECT_ROOT / "queries"
    host: str = "127.0.0.1"
    port: int = 8000
    #: One line per request on standard output (uvicorn's access log); off saves ~0.2 ms a
    #: request where a reverse proxy already logs.
    access_log: bool = True
    #: Server-side ceiling of a query's run time, in seconds; a request may only lower it.
    query_timeout: float = 30.0
    #: Most rows (or triples) an answer returns; a capped answer says so in a header.
    max_rows: int = 10_000
    #: Longest query or update text accepted, in bytes (UTF-8); longer ones get 413.
    max_query_bytes: int = 1_048_576
    #: Put each query's triple patterns in join order, smallest match count first, before
    #: Oxigraph runs it (:mod:`kg.join_order`); off runs every query exactly as written.
    join_order: bool = True
    #: Query worker processes kept warm, and the most started when all are busy.
    query_workers: int = 2
    max_query_workers: int = 8
    #: Bearer token that enables SPARQL Update and Graph Store writes; unset = read-only.
    write_token: SecretStr | None = None
    #: The ``sparql`` backend: query endpoint, update endpoint, Graph Store Protocol endpoint
    #: (used for loading when set), and credentials (``digest``, ``basic`` or ``bearer``, where
    #: the password is the token).
    sparql_query: str | None = None
    sparql_update: str | None = None
    sparql_gsp: str | None = None
    sparql_user: str | None = None
    sparql_password: SecretStr | None = None
    sparql_auth: Literal["digest", "basic", "bearer"] = "digest"

    @field_validator("base_iri")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("KG_BASE_IRI must be an http(s) IRI, e.g. https://w3id.org/mea-kg")
        return value.rstrip("/")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests build their own ``Settings``)."""
    return Settings()
