"""A version of the graph: its snapshot, one N-Quads file (sorted, so identical inputs give
identical bytes), and a manifest with the triples per named graph, the file's sha256, the
version number, who made it, when, and what changed (:mod:`kg.build.versions` keeps the
versions before it)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kg.settings import SNAPSHOT_MANIFEST, SNAPSHOT_NQUADS, Settings


@dataclass(frozen=True)
class Manifest:
    """What a snapshot holds (``manifest.json``)."""

    built_at: str
    version_iri: str
    base_iri: str
    sha256: str
    triples: int
    graphs: dict[str, int] = field(default_factory=dict)
    rejected_sources: dict[str, str] = field(default_factory=dict)
    #: The version's number: one more than the version it replaced (0: built before
    #: versions were numbered).
    version: int = 0
    #: Who made it: the write token's name for a publish, the system user for ``kg build``.
    published_by: str = ""
    #: What made it, in a sentence ("kg build", "published tehran-pow-2009-2010", ...).
    change: str = ""
    #: Source key -> "added", "replaced" or "removed", for the sources this version changed.
    changed_sources: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        data = json.loads((directory / SNAPSHOT_MANIFEST).read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class SnapshotMissing(RuntimeError):
    """No snapshot manifest where the settings say: nothing was built there. What is made
    from the snapshot's version and date (the InforMEA feed, the RDF dump) needs one."""


def read_manifest(settings: Settings) -> Manifest:
    """The manifest of the build ``settings`` point at; :class:`SnapshotMissing` if none."""
    if not settings.snapshot_manifest.exists():
        raise SnapshotMissing("no build snapshot (manifest.json): run `kg build` first")
    return Manifest.read(settings.snapshot_dir)


def nquads_lines(graph_name: str, graph: Graph) -> list[str]:
    """N-Quads lines of ``graph`` in the named graph ``graph_name`` (unsorted)."""
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    suffix = f" <{graph_name}> .\n"
    return [line[: -len(" .")] + suffix for line in text.splitlines() if line.strip()]


def write_snapshot(
    directory: Path,
    graphs: Mapping[str, Iterable[ox.Triple]],
    *,
    base_iri: str,
    rejected: Mapping[str, str] | None = None,
    now: datetime | None = None,
    version: int = 0,
    published_by: str = "",
    change: str = "",
    changed_sources: Mapping[str, str] | None = None,
) -> Manifest:
    """Write ``graph.nq`` and ``manifest.json`` into ``directory`` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    lines: list[bytes] = []
    counts: dict[str, int] = {}
    for name, triples in graphs.items():
        graph = ox.NamedNode(name)
        quads = {ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples}
        counts[name] = len(quads)
        text = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
        lines.extend(text.splitlines(keepends=True))
    lines.sort()  # UTF-8 bytes sort as their characters: the order of the text
    data = b"".join(lines)
    (directory / SNAPSHOT_NQUADS).write_bytes(data)
    built = (now or datetime.now(UTC)).replace(microsecond=0)
    manifest = Manifest(
        built_at=built.isoformat().replace("+00:00", "Z"),
        version_iri=f"{base_iri}/release/{version}",
        base_iri=base_iri,
        sha256=hashlib.sha256(data).hexdigest(),
        triples=len(lines),
        graphs=dict(sorted(counts.items())),
        rejected_sources=dict(sorted((rejected or {}).items())),
        version=version,
        published_by=published_by,
        change=change,
        changed_sources=dict(sorted((changed_sources or {}).items())),
    )
    (directory / SNAPSHOT_MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def snapshot_graph(directory: Path, name: str) -> list[ox.Triple]:
    """The triples of the named graph ``name`` of the snapshot in ``directory`` (none if it
    has no such graph), found in its sorted N-Quads by the graph's name, so the rest of the
    graph is not parsed."""
    path = directory / SNAPSHOT_NQUADS
    if not path.exists():
        return []
    suffix = f" <{name}> .\n".encode()
    with open(path, "rb") as handle:
        lines = [line for line in handle if line.endswith(suffix)]
    return [q.triple for q in ox.parse(b"".join(lines), format=ox.RdfFormat.N_QUADS)]
