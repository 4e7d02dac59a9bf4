"""Settings: one class, overridable by environment variables prefixed ``KG_``.

>>> Settings(base_iri="https://example.org/kg/").base_iri
'https://example.org/kg'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.rdf.namespaces import CANONICAL_BASE


class Settings(BaseSettings):
    """Where the graph lives and how it is served. ``KG_STORE=/srv/kg kg build`` etc."""

    model_config = SettingsConfigDict(env_prefix="KG_", extra="ignore")

    #: The project folder: where ``ontology/``, ``shapes/``, ``data/``, ``queries/`` and ``ui/``
    #: are read and ``.kg/`` is built. Every relative path below is taken from it. The working
    #: directory unless set, so the library is not tied to where its source lives.
    project_dir: Path = Field(default_factory=Path.cwd)
    #: Base of every entity and named-graph IRI (``<base>/id/<kind>/<key>``).
    base_iri: str = CANONICAL_BASE
    #: Which store holds the graph: the embedded Oxigraph store on disk (``oxigraph``), an
    #: rdflib dataset in memory filled from the snapshot (``memory``: small graphs, tests), or
    #: any SPARQL 1.1 server (``sparql``: see "Beyond one machine" in the README).
    backend: Literal["oxigraph", "memory", "sparql"] = "oxigraph"
    #: Directory of the embedded Oxigraph store.
    store: Path = Path(".kg", "store")
    #: Where query workers of the ``oxigraph`` backend read: the store on disk (``disk``), or
    #: an in-memory copy loaded once at start and shared by every worker (``memory``: joins
    #: 3-6 times faster; about 0.4 GB of RAM per million triples; read-only).
    serve_from: Literal["disk", "memory"] = "disk"
    #: Directory the build writes its snapshot (N-Quads + manifest) to.
    snapshot_dir: Path = Path(".kg", "snapshot")
    ontology_dir: Path = Path("ontology")
    shapes_dir: Path = Path("shapes")
    data_dir: Path = Path("data")
    queries_dir: Path = Path("queries")
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
    #: Largest RDF upload accepted (Graph Store writes, ``POST /validate``), in bytes; counted
    #: while the body is read, so a larger one (chunked or not) is a 413 without being
    #: buffered. 16 MiB: about 150,000 triples of N-Triples.
    max_upload_bytes: int = 16 * 2**20
    #: Slow clients: seconds for a request's headers to arrive (408 after, and the connection
    #: closed), and for its body; the most connections served at once (503 beyond).
    header_timeout: float = 10.0
    body_timeout: float = 60.0
    max_connections: int = 512
    #: Per-client budgets (:mod:`kg.serve.budgets`): per client address and window of
    #: seconds, the query-seconds and the failed or timed-out queries allowed (429 past
    #: either); loopback clients are exempt unless ``budget_loopback``.
    budget_window: float = 60.0
    budget_query_seconds: float = 120.0
    budget_failures: int = 30
    budget_loopback: bool = False
    #: Put each query's triple patterns in join order, smallest match count first, before
    #: Oxigraph runs it (:mod:`kg.sparql.join_order`); off runs every query exactly as written.
    join_order: bool = True
    #: The most memory a query may take: how much its worker may grow while it runs (its
    #: resident set, watched every 50 ms). Past it the worker is killed and replaced, and
    #: the query answered 503 (one cross product with ORDER BY grew the server 596 MiB).
    query_memory_bytes: int = 1024 * 2**20
    #: Query worker processes kept warm, and the most started when all are busy.
    query_workers: int = 2
    max_query_workers: int = 8
    #: A bearer token that enables writes, known by the name ``KG_WRITE_TOKEN`` (one shared
    #: secret: prefer named tokens, ``kg token add NAME``, kept in :attr:`tokens_file`). With
    #: neither, the server is read-only.
    write_token: SecretStr | None = None
    #: The named write tokens: a JSON file of name -> sha256 of the token (``kg token add``).
    tokens_file: Path = Path(".kg", "tokens.json")
    #: How many versions before the one served are kept for ``kg restore``.
    keep_versions: int = Field(default=10, ge=0)
    #: A publish's parsing, validation and reasoning run in a child process, stopped past
    #: this many seconds or this many bytes of memory; the live graph is left as it was.
    publish_timeout: float = 300.0
    publish_memory_bytes: int = 4 * 2**30
    #: The ``sparql`` backend: query endpoint, update endpoint, Graph Store Protocol endpoint
    #: (used for loading when set), and credentials (``digest``, ``basic`` or ``bearer``, where
    #: the password is the token).
    sparql_query: str | None = None
    sparql_update: str | None = None
    sparql_gsp: str | None = None
    sparql_user: str | None = None
    sparql_password: SecretStr | None = None
    sparql_auth: Literal["digest", "basic", "bearer"] = "digest"
    #: The InforMEA treaty id of the Tehran Convention (``KG_INFORMEA_TEHRAN_ID``). The reference
    #: sources give none, so by default Tehran records are left out of the InforMEA feed and
    #: reported; set it only to an id InforMEA has actually assigned.
    informea_tehran_id: str | None = None
    #: The licence IRI the RDF dump's description states (``KG_EXPORT_LICENSE``). CC BY 4.0
    #: by default: the licence of the ontology and of the KMGBF data the graph reuses (CC BY
    #: 4.0 IGO); the software's own licence (MIT) does not cover the data.
    export_license: str = "https://creativecommons.org/licenses/by/4.0/"

    @field_validator("base_iri")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("KG_BASE_IRI must be an http(s) IRI, e.g. https://w3id.org/mea-kg")
        return value.rstrip("/")

    @field_validator("informea_tehran_id")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        """An empty or blank value means unset, so that ``KG_INFORMEA_TEHRAN_ID=`` in an
        environment file switches the id off rather than sending ``""`` as a treaty id.

        >>> Settings(informea_tehran_id="").informea_tehran_id is None
        True
        """
        return value if value is not None and value.strip() else None

    @model_validator(mode="after")
    def _under_project(self) -> Settings:
        """Relative folders are the project folder's (``KG_STORE=.kg/other``)."""
        self.project_dir = self.project_dir.resolve()
        for name in _PROJECT_PATHS:
            path = getattr(self, name)
            if not path.is_absolute():
                object.__setattr__(self, name, self.project_dir / path)
        return self

    @property
    def snapshot_nquads(self) -> Path:
        """The built graph, every named graph in one N-Quads file."""
        return self.snapshot_dir / SNAPSHOT_NQUADS

    @property
    def snapshot_manifest(self) -> Path:
        """The built graph's manifest (counts, sha256, graphs)."""
        return self.snapshot_dir / SNAPSHOT_MANIFEST

    @property
    def build_journal(self) -> Path:
        """The journal of a build's switch to its new snapshot and store
        (:mod:`kg.build.switch`): present only while a switch is under way."""
        return self.snapshot_dir.with_name(self.snapshot_dir.name + ".switch")

    @property
    def versions_dir(self) -> Path:
        """The versions kept before the one served, one folder each (:mod:`kg.build.versions`)."""
        return self.snapshot_dir.with_name("versions")

    @property
    def sources_dir(self) -> Path:
        """The sources, one file per document (``data/sources``)."""
        return self.data_dir / "sources"

    @property
    def ui_modules_dir(self) -> Path:
        """Where ``npm ci`` installs the browser libraries (``ui/node_modules``)."""
        return self.project_dir / "ui" / "node_modules"


#: The snapshot's two files inside ``snapshot_dir``: the graph as N-Quads, and its manifest.
SNAPSHOT_NQUADS, SNAPSHOT_MANIFEST = "graph.nq", "manifest.json"

#: The settings that name folders, taken from :attr:`Settings.project_dir` when relative.
_PROJECT_PATHS = (
    "store",
    "snapshot_dir",
    "ontology_dir",
    "shapes_dir",
    "data_dir",
    "queries_dir",
    "tokens_file",
)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests build their own ``Settings``)."""
    return Settings()
