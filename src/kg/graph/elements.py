"""The projection's value types: a node as the projection knows it, a drawn edge, a step of a
walk, and how the projection was made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Edge", "NodeInfo", "ProjectionInfo", "Step"]


@dataclass(frozen=True)
class NodeInfo:
    """What the projection knows about one node."""

    iri: str
    label: str
    kind: str
    kinds: frozenset[str]
    types: tuple[str, ...]
    conventions: tuple[str, ...]
    notation: str | None
    literals: Mapping[str, tuple[str, ...]]

    def is_a(self, kind: str) -> bool:
        """Whether the node has the class named ``kind`` (local name) among its types."""
        return kind in self.kinds


@dataclass(frozen=True)
class Edge:
    """One drawn fact: ``source predicate target`` (predicate as a CURIE)."""

    source: str
    predicate: str
    target: str
    inferred: bool = False


@dataclass(frozen=True)
class Step:
    """One hop of a walk: from ``source`` to ``target`` over ``edge`` (which may point the
    other way when the walk went against its direction)."""

    edge: Edge
    source: str
    target: str

    @property
    def forward(self) -> bool:
        return self.edge.source == self.source


@dataclass
class ProjectionInfo:
    """How a projection was made (``/api/graph/info``, the benchmark)."""

    nodes: int = 0
    edges: int = 0
    inferred_edges: int = 0
    quads_read: int = 0
    build_seconds: float = 0.0
    base_iri: str = ""
    snapshot: str | None = None
    kinds: dict[str, int] = field(default_factory=dict)
