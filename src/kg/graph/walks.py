"""Walks over the projection, edges followed in either direction: all shortest walks between
two nodes (bidirectional breadth-first search), a node's neighbourhood to a depth, and
unwinding the walks a breadth-first search recorded."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Mapping
from typing import TYPE_CHECKING

from kg.graph.elements import Step
from kg.graph.mea_tables import BOOKKEEPING_PREDICATES

if TYPE_CHECKING:
    from kg.graph.projection import GraphProjection

__all__ = ["neighbourhood", "shortest_paths", "walks_back"]


def walks_back(
    start: str, node: str, parents: Mapping[str, list[Step]], limit: int
) -> list[list[Step]]:
    """Up to ``limit`` walks from ``start`` to ``node`` through the parent steps a
    breadth-first search recorded, in a stable order."""
    out: list[list[Step]] = []

    def unwind(current: str, tail: list[Step]) -> None:
        if len(out) >= limit:
            return
        if current == start:
            out.append(list(reversed(tail)))
            return
        for step in sorted(parents[current], key=lambda s: (s.edge.predicate, s.source)):
            unwind(step.source, [*tail, step])

    unwind(node, [])
    return out


def shortest_paths(
    g: GraphProjection,
    source: str,
    target: str,
    *,
    max_hops: int,
    limit: int = 10,
    exclude: frozenset[str] = BOOKKEEPING_PREDICATES,
    inferred: bool = False,
) -> list[list[Step]]:
    """All shortest walks (edges in either direction) from ``source`` to ``target`` of at
    most ``max_hops`` hops, up to ``limit`` of them; ``[]`` if none is that short.

    Bidirectional breadth-first search, a whole level at a time from the side with the
    smaller frontier, so hubs (a Party, a GBF target) are crossed at most once per side.
    """
    if source == target:
        return [[]]
    sides: list[tuple[dict[str, int], defaultdict[str, list[Step]], list[str]]] = [
        ({source: 0}, defaultdict(list), [source]),
        ({target: 0}, defaultdict(list), [target]),
    ]
    depth = [0, 0]
    meets: list[str] = []
    while not meets and depth[0] + depth[1] < max_hops:
        side = 0 if len(sides[0][2]) <= len(sides[1][2]) else 1
        dist, parents, frontier = sides[side]
        if not frontier:
            return []
        depth[side] += 1
        nxt: list[str] = []
        for node in frontier:
            for step in g.edges_of(node, inferred=inferred, exclude=exclude):
                other = step.target
                seen = dist.get(other)
                if seen is None:
                    dist[other] = depth[side]
                    nxt.append(other)
                    parents[other].append(step)
                elif seen == depth[side]:
                    parents[other].append(step)
        sides[side] = (dist, parents, nxt)
        other_dist = sides[1 - side][0]
        meets = [n for n in nxt if n in other_dist]
    if not meets:
        return []
    from_source, from_target = sides[0][1], sides[1][1]
    paths: list[list[Step]] = []

    for meet in sorted(meets):
        heads = walks_back(source, meet, from_source, limit)
        tails = [
            [Step(s.edge, s.target, s.source) for s in reversed(walk)]
            for walk in walks_back(target, meet, from_target, limit)
        ]
        for head in heads:
            for tail in tails:
                if len(paths) >= limit:
                    return paths
                paths.append(head + tail)
    return paths


def neighbourhood(
    g: GraphProjection,
    center: str,
    *,
    depth: int,
    inferred: bool = False,
    exclude: frozenset[str] = frozenset(),
    limit: int | None = None,
) -> tuple[dict[str, int], bool]:
    """Nodes within ``depth`` hops of ``center`` (either direction) -> their distance;
    and whether ``limit`` cut the walk short."""
    dist = {center: 0}
    queue = deque([center])
    truncated = False
    while queue:
        node = queue.popleft()
        if dist[node] >= depth:
            continue
        for step in g.edges_of(node, inferred=inferred, exclude=exclude):
            if step.target not in dist:
                if limit is not None and len(dist) >= limit:
                    truncated = True
                    return dist, truncated
                dist[step.target] = dist[node] + 1
                queue.append(step.target)
    return dist, truncated
