"""What the traversal questions answer with: the errors they raise (each with its HTTP
status), the pydantic models the API serves as JSON and the ``kg`` command prints, and the
pieces of an answer made from the projection (:func:`ref`, :func:`graph_node`,
:func:`graph_edge`, :func:`path_of`, :func:`refs`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from kg.graph.elements import Edge, Step
from kg.graph.naming import edge_id

if TYPE_CHECKING:
    from kg.graph.projection import GraphProjection

__all__ = [
    "AmbiguousEntity",
    "CentralityAnswer",
    "CentralityRow",
    "ContributorsAnswer",
    "CoverageAnswer",
    "CoverageRow",
    "EntityNotFound",
    "GraphEdge",
    "GraphNode",
    "HeadlineIndicator",
    "IndicatorClaim",
    "IndicatorsAnswer",
    "NodeRef",
    "Path",
    "PathsAnswer",
    "Subgraph",
    "TraversalError",
    "WrongKind",
    "graph_edge",
    "graph_node",
    "path_of",
    "ref",
    "refs",
]


# ---------------------------------------------------------------------- errors


class TraversalError(ValueError):
    """A question the graph cannot answer as asked; ``status`` is its HTTP status."""

    status = 400


class EntityNotFound(TraversalError):
    status = 404


class WrongKind(TraversalError):
    status = 422


class AmbiguousEntity(TraversalError):
    """A label that names several entities; ``candidates`` lists them."""

    status = 409

    def __init__(self, message: str, candidates: list[NodeRef]) -> None:
        super().__init__(message)
        self.candidates = candidates


# ---------------------------------------------------------------------- answer models


class NodeRef(BaseModel):
    """An entity: its IRI, label, kind and (for GBF concepts) code."""

    iri: str
    label: str
    kind: str
    code: str | None = None


class GraphNode(NodeRef):
    """A node of a drawn subgraph."""

    kinds: list[str] = Field(default_factory=list, description="all its classes (local names)")
    conventions: list[str] = Field(default_factory=list, description="agreement IRIs")
    distance: int | None = Field(default=None, description="hops from the centre, if any")


class GraphEdge(BaseModel):
    """An edge of a drawn subgraph (``id`` is stable across answers and exports)."""

    id: str
    source: str
    target: str
    predicate: str = Field(description="CURIE, e.g. mea:hasOutcome")
    label: str = Field(description="the predicate's label, e.g. 'has outcome'")
    inferred: bool = False


class Path(BaseModel):
    """A walk: ``edges[i]`` joins ``nodes[i]`` and ``nodes[i+1]`` (pointing backwards when
    the walk went against the edge's direction)."""

    nodes: list[NodeRef]
    edges: list[GraphEdge]

    def text(self) -> str:
        """The walk on one line, e.g. ``A -[has outcome]-> B <-[serves]- C``."""
        if not self.nodes:
            return ""
        parts = [self.nodes[0].label]
        for node, edge in zip(self.nodes[1:], self.edges, strict=True):
            arrow = f"-[{edge.label}]->" if edge.target == node.iri else f"<-[{edge.label}]-"
            parts += [arrow, node.label]
        return " ".join(parts)


class SuggestedLink(BaseModel):
    """A target suggested for an entity on the way (``include=suggested``): no document
    asserts it (``kg suggest``, ``docs/suggest.md``)."""

    entity: NodeRef = Field(description="the entity whose words were matched")
    target: NodeRef
    score: float = Field(description="the method's score (BM25 for lexical)")
    method: str
    evidence: list[str] = Field(description="the entity's words that matched the target")


class HeadlineIndicator(BaseModel):
    """An official GBF headline indicator reached from the entity asked about."""

    code: str
    title: str
    iri: str
    targets: list[NodeRef] = Field(description="the goals/targets it is reached through")
    paths: list[Path] = Field(description="shortest paths first, at most max_paths")
    path_count: int = Field(description="how many paths reach it in all")
    suggested: bool = Field(
        default=False,
        description="reached only through suggested targets (include=suggested): no document "
        "asserts the link; `suggestions` says which, with the evidence",
    )
    suggestions: list[SuggestedLink] = Field(default_factory=list)


class IndicatorClaim(BaseModel):
    """An indicator the document cites, reconciled with the monitoring framework."""

    iri: str
    code: str | None
    claimed_title: str | None
    status: str = Field(description="official | title differs | not in the framework")
    status_iri: str | None
    official: NodeRef | None = Field(description="the official indicator with that code")
    official_title: str | None
    claimed_by: NodeRef
    for_target: NodeRef | None


class IndicatorsAnswer(BaseModel):
    """``GET /api/indicators`` and ``kg indicators``."""

    entity: NodeRef
    indicators: list[HeadlineIndicator]
    claims: list[IndicatorClaim]
    claims_by_status: dict[str, int]


class ContributorsAnswer(BaseModel):
    """``GET /api/reverse`` and ``kg reverse``: who is behind a target or indicator."""

    entity: NodeRef
    targets: list[NodeRef] = Field(description="the goals/targets considered")
    counts: dict[str, int] = Field(description="complete counts (the lists stop at limit)")
    activities: list[NodeRef]
    outcomes: list[NodeRef]
    workplans: list[NodeRef]
    centres: list[NodeRef]
    organisations: list[NodeRef]
    other: list[NodeRef]
    conventions: list[NodeRef]
    parties: list[NodeRef]


class PathsAnswer(BaseModel):
    """``GET /api/path`` and ``kg path``."""

    source: NodeRef
    target: NodeRef
    hops: int | None = Field(description="length of the shortest path; null if none")
    max_hops: int
    paths: list[Path]


class Subgraph(BaseModel):
    """``GET /api/neighbours`` and ``kg neighbours``: nodes and the edges among them."""

    center: NodeRef | None
    depth: int
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool = False


class CoverageRow(BaseModel):
    """Who addresses one GBF target or headline indicator."""

    item: NodeRef
    addressed: bool
    targets: list[str] = Field(default_factory=list, description="codes (indicator rows)")
    counts: dict[str, int]
    activities: list[NodeRef]
    workplans: list[NodeRef]
    centres: list[NodeRef]
    conventions: list[NodeRef]
    parties: list[NodeRef]


class CoverageAnswer(BaseModel):
    """``GET /api/coverage`` and ``kg coverage``."""

    party: NodeRef | None
    convention: NodeRef | None
    targets: list[CoverageRow]
    indicators: list[CoverageRow]
    gaps: dict[str, list[str]] = Field(description="codes of targets/indicators nobody addresses")
    by_convention: dict[str, list[str]] = Field(description="convention IRI -> target codes")
    by_party: dict[str, list[str]] = Field(description="party IRI -> target codes")


class CentralityRow(BaseModel):
    node: NodeRef
    conventions: list[NodeRef] = Field(description="the conventions it touches")
    betweenness: float
    degree: int


class CentralityAnswer(BaseModel):
    """``GET /api/centrality`` and ``kg centrality``."""

    kinds: list[str]
    rows: list[CentralityRow]


# ---------------------------------------------------------------------- answer pieces


def ref(g: GraphProjection, iri: str) -> NodeRef:
    info = g.node(iri)
    return NodeRef(iri=iri, label=info.label, kind=info.kind, code=info.notation)


def graph_node(g: GraphProjection, iri: str, distance: int | None = None) -> GraphNode:
    info = g.node(iri)
    return GraphNode(
        iri=iri,
        label=info.label,
        kind=info.kind,
        code=info.notation,
        kinds=sorted(info.kinds),
        conventions=list(info.conventions),
        distance=distance,
    )


def graph_edge(g: GraphProjection, edge: Edge) -> GraphEdge:
    return GraphEdge(
        id=edge_id(edge.source, edge.predicate, edge.target),
        source=edge.source,
        target=edge.target,
        predicate=edge.predicate,
        label=g.predicate_label(edge.predicate),
        inferred=edge.inferred,
    )


def path_of(g: GraphProjection, start: str, steps: Sequence[Step]) -> Path:
    """The walk from ``start`` along ``steps`` as an answer's path."""
    nodes = [ref(g, start)] + [ref(g, s.target) for s in steps]
    return Path(nodes=nodes, edges=[graph_edge(g, s.edge) for s in steps])


def refs(g: GraphProjection, iris: Iterable[str], limit: int | None = None) -> list[NodeRef]:
    """The first ``limit`` of ``iris`` by label (each once), as entities."""
    ordered = sorted(set(iris), key=lambda i: (g.label(i).casefold(), i))
    return [ref(g, i) for i in ordered[:limit]]
