"""A build's snapshot: one N-Quads file (sorted, so identical inputs give identical bytes)
and a manifest with the triples per named graph, the file's sha256 and the build time."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

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

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        return cls(**json.loads((directory / SNAPSHOT_MANIFEST).read_text(encoding="utf-8")))


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
    graphs: Mapping[str, Graph],
    *,
    base_iri: str,
    rejected: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Manifest:
    """Write ``graph.nq`` and ``manifest.json`` into ``directory`` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    counts: dict[str, int] = {}
    for name, graph in graphs.items():
        counts[name] = len(graph)
        lines.extend(nquads_lines(name, graph))
    lines.sort()
    data = "".join(lines).encode("utf-8")
    (directory / SNAPSHOT_NQUADS).write_bytes(data)
    built = (now or datetime.now(UTC)).replace(microsecond=0)
    manifest = Manifest(
        built_at=built.isoformat().replace("+00:00", "Z"),
        version_iri=f"{base_iri}/release/{built.date().isoformat()}",
        base_iri=base_iri,
        sha256=hashlib.sha256(data).hexdigest(),
        triples=len(lines),
        graphs=dict(sorted(counts.items())),
        rejected_sources=dict(sorted((rejected or {}).items())),
    )
    (directory / SNAPSHOT_MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return manifest
