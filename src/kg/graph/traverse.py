"""The walking questions: :func:`paths` — shortest paths between two entities, with their
predicates; :func:`neighbours` — an entity's neighbourhood to a depth, filtered by kind; and
:func:`export_scope` — the subgraph an export asks for (a neighbourhood, a path set or one
convention).

Every question takes a :class:`~kg.graph.projection.GraphProjection` and returns a pydantic
model (:mod:`kg.graph.answers`) that the API serves as JSON and the ``kg`` command prints;
the contribution questions are in :mod:`kg.graph.contribution`, coverage and centrality in
:mod:`kg.graph.analyses`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kg.graph.answers import (
    EntityNotFound,
    PathsAnswer,
    Subgraph,
    TraversalError,
    WrongKind,
    graph_edge,
    graph_node,
    path_of,
    ref,
)
from kg.graph.mea_tables import BOOKKEEPING_PREDICATES
from kg.graph.search import resolve
from kg.graph.walks import neighbourhood, shortest_paths

if TYPE_CHECKING:
    from kg.graph.projection import GraphProjection

__all__ = [
    "MAX_DEPTH",
    "MAX_HOPS",
    "convention_nodes",
    "export_scope",
    "neighbours",
    "path_subgraph",
    "paths",
]

MAX_HOPS = 8
MAX_DEPTH = 3


# ---------------------------------------------------------------------- paths


def paths(
    g: GraphProjection,
    source: str,
    target: str,
    *,
    max_hops: int = 6,
    limit: int = 10,
    include_bookkeeping: bool = False,
    inferred: bool = False,
) -> PathsAnswer:
    """The shortest paths (edges walked in either direction) between two entities, at most
    ``max_hops`` long. Provenance and scheme links (``mea:fromDocument``, ``skos:inScheme``
    ...) join everything through one hub, so they are left out unless
    ``include_bookkeeping``."""
    if not 1 <= max_hops <= MAX_HOPS:
        raise TraversalError(f"max hops must be between 1 and {MAX_HOPS}")
    a = resolve(g, source)
    b = resolve(g, target)
    exclude = frozenset() if include_bookkeeping else BOOKKEEPING_PREDICATES
    found = shortest_paths(
        g, a, b, max_hops=max_hops, limit=limit, exclude=exclude, inferred=inferred
    )
    return PathsAnswer(
        source=ref(g, a),
        target=ref(g, b),
        hops=len(found[0]) if found else None,
        max_hops=max_hops,
        paths=[path_of(g, a, p) for p in found],
    )


# ---------------------------------------------------------------------- neighbourhood


def neighbours(
    g: GraphProjection,
    entity: str,
    *,
    depth: int = 1,
    kinds: Sequence[str] = (),
    inferred: bool = False,
    include_bookkeeping: bool = True,
    limit: int = 300,
) -> Subgraph:
    """The nodes within ``depth`` hops of ``entity`` (edges in either direction) and the
    edges among them. ``kinds`` keeps only nodes of those classes (the walk still passes
    through the others); ``limit`` caps the node count (``truncated`` then says so)."""
    if not 0 <= depth <= MAX_DEPTH:
        raise TraversalError(f"depth must be between 0 and {MAX_DEPTH}")
    center = resolve(g, entity)
    exclude = frozenset() if include_bookkeeping else BOOKKEEPING_PREDICATES
    dist, truncated = neighbourhood(
        g, center, depth=depth, inferred=inferred, exclude=exclude, limit=limit
    )
    keep = [n for n in dist if n == center or not kinds or any(g.is_a(n, k) for k in kinds)]
    keep.sort(key=lambda n: (dist[n], g.kind(n), g.label(n)))
    return Subgraph(
        center=ref(g, center),
        depth=depth,
        nodes=[graph_node(g, n, dist[n]) for n in keep],
        edges=[
            graph_edge(g, e)
            for e in g.edges_among(keep, inferred=inferred)
            if e.predicate not in exclude
        ],
        truncated=truncated,
    )


def path_subgraph(g: GraphProjection, answer: PathsAnswer) -> set[str]:
    """The nodes of a paths answer (for exporting a path set)."""
    return {n.iri for p in answer.paths for n in p.nodes} | {
        answer.source.iri,
        answer.target.iri,
    }


def convention_nodes(g: GraphProjection, convention: str) -> set[str]:
    """The nodes in a convention's scope, plus the unaffiliated nodes next to them (GBF
    targets, documents, parties ...), for a one-convention view or export."""
    iri = resolve(g, convention, kinds=("Agreement",))
    if not g.is_a(iri, "Agreement"):
        raise WrongKind(f"{g.label(iri)!r} is a {g.kind(iri)}, not a convention")
    members = {n for n in g.nodes() if iri in g.conventions_of(n)}
    around = {
        step.target
        for n in members
        for step in g.edges_of(n, exclude=BOOKKEEPING_PREDICATES)
        if not g.conventions_of(step.target)
    }
    return members | around


def export_scope(
    g: GraphProjection,
    *,
    around: str | None = None,
    depth: int = 1,
    source: str | None = None,
    target: str | None = None,
    max_hops: int = 6,
    convention: str | None = None,
) -> set[str] | None:
    """The nodes of the subgraph an export asks for: a neighbourhood (``around``, ``depth``),
    a path set (``source``, ``target``) or one convention; ``None`` for the whole graph."""
    asked = [around is not None, source is not None or target is not None, bool(convention)]
    if sum(asked) > 1:
        raise TraversalError("choose one subgraph: a neighbourhood, a path set or a convention")
    if around is not None:
        return {n.iri for n in neighbours(g, around, depth=depth, limit=1_000_000).nodes}
    if source is not None or target is not None:
        if source is None or target is None:
            raise TraversalError("a path set needs both ends (from and to)")
        answer = paths(g, source, target, max_hops=max_hops, limit=100)
        if answer.hops is None:
            raise EntityNotFound(
                f"no path of at most {max_hops} hops between {answer.source.label!r} and "
                f"{answer.target.label!r}"
            )
        return path_subgraph(g, answer)
    if convention:
        return convention_nodes(g, convention)
    return None
