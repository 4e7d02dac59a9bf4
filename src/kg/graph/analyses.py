"""Whole-graph analyses, computed once per projection and question (:meth:`cached
<kg.graph.projection.GraphProjection.cached>`): :func:`coverage` — for each GBF target and
headline indicator, who addresses it, and the gaps; :func:`centrality` — which decisions,
centres and organisations bridge conventions (with :func:`betweenness`);
:func:`convention_sizes` — how many nodes lie in each convention's scope."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import networkx as nx

from kg.graph.answers import (
    CentralityAnswer,
    CentralityRow,
    CoverageAnswer,
    CoverageRow,
    WrongKind,
    ref,
    refs,
)
from kg.graph.contribution import (
    HEADLINE,
    PARTY_LINKS,
    code_key,
    contribution_closure,
    contribution_walk,
    conventions_in,
    group_by_kind,
    parties_of,
)
from kg.graph.mea_tables import BOOKKEEPING_PREDICATES
from kg.graph.search import resolve

if TYPE_CHECKING:
    from kg.graph.projection import GraphProjection

__all__ = ["BRIDGE_KINDS", "betweenness", "centrality", "convention_sizes", "coverage"]

#: Kinds whose bridging role :func:`centrality` ranks.
BRIDGE_KINDS = ("Decision", "Centre", "Organisation", "Committee")


# ---------------------------------------------------------------------- coverage


def coverage(
    g: GraphProjection,
    *,
    party: str | None = None,
    convention: str | None = None,
    limit: int = 50,
) -> CoverageAnswer:
    """For each GBF target and headline indicator: the activities, workplans, centres,
    conventions and parties that address it, and the ones nobody addresses.

    ``party`` keeps only contributions made for that Party (by a centre that serves it, an
    activity in it ..., and what those contain); ``convention`` keeps only contributions in
    that convention's scope. ``limit`` caps each list (the counts are complete).
    """
    party_iri = resolve(g, party, kinds=("Country",)) if party else None
    convention_iri = resolve(g, convention, kinds=("Agreement",)) if convention else None
    if party_iri and not g.is_a(party_iri, "Country"):
        raise WrongKind(f"{g.label(party_iri)!r} is a {g.kind(party_iri)}, not a Party")
    if convention_iri and not g.is_a(convention_iri, "Agreement"):
        raise WrongKind(
            f"{g.label(convention_iri)!r} is a {g.kind(convention_iri)}, not a convention"
        )
    # The answer only changes with the snapshot: computed once per projection and question.
    answer: CoverageAnswer = g.cached(
        ("coverage", party_iri, convention_iri, limit),
        lambda: _coverage(g, party_iri, convention_iri, limit),
    )
    return answer


def _coverage(
    g: GraphProjection, party_iri: str | None, convention_iri: str | None, limit: int
) -> CoverageAnswer:
    allowed: set[str] | None = None
    if party_iri:
        allowed = set()
        for start in g.subjects(PARTY_LINKS, party_iri):
            allowed |= set(contribution_walk(g, start)[0])

    def scoped(closure: set[str]) -> set[str]:
        if allowed is not None:
            closure &= allowed
        if convention_iri:
            closure = {n for n in closure if convention_iri in g.conventions_of(n)}
        return closure

    closures = {t: scoped(contribution_closure(g, [t])) for t in g.nodes(kind="Target")}

    def row(item: str, closure: set[str], targets: list[str] | None = None) -> CoverageRow:
        groups = group_by_kind(g, closure)
        conventions = conventions_in(g, closure)
        parties = parties_of(g, closure)
        return CoverageRow(
            item=ref(g, item),
            addressed=bool(closure),
            targets=sorted((g.node(t).notation or "" for t in targets or []), key=code_key),
            counts={
                "activities": len(groups["activities"]),
                "outcomes": len(groups["outcomes"]),
                "workplans": len(groups["workplans"]),
                "centres": len(groups["centres"]),
                "conventions": len(conventions),
                "parties": len(parties),
            },
            activities=refs(g, groups["activities"], limit),
            workplans=refs(g, groups["workplans"], limit),
            centres=refs(g, groups["centres"], limit),
            conventions=refs(g, conventions, limit),
            parties=refs(g, parties, limit),
        )

    target_rows = [row(t, c) for t, c in closures.items()]
    target_rows.sort(key=lambda r: code_key(r.item.code or ""))
    indicator_rows = []
    headline = {i for t in g.nodes(kind="Target") for i in g.objects(t, HEADLINE)}
    for indicator in headline:
        via = [t for t in g.subjects(HEADLINE, indicator) if g.is_a(t, "Target")]
        closure = set().union(*(closures[t] for t in via)) if via else set()
        indicator_rows.append(row(indicator, closure, via))
    indicator_rows.sort(key=lambda r: code_key(r.item.code or ""))
    by_convention: dict[str, set[str]] = defaultdict(set)
    by_party: dict[str, set[str]] = defaultdict(set)
    for t, closure in closures.items():
        code = g.node(t).notation or t
        for c in conventions_in(g, closure):
            by_convention[c].add(code)
        for p in parties_of(g, closure):
            by_party[p].add(code)
    return CoverageAnswer(
        party=ref(g, party_iri) if party_iri else None,
        convention=ref(g, convention_iri) if convention_iri else None,
        targets=target_rows,
        indicators=indicator_rows,
        gaps={
            "targets": [r.item.code or r.item.iri for r in target_rows if not r.addressed],
            "indicators": [r.item.code or r.item.iri for r in indicator_rows if not r.addressed],
        },
        by_convention={k: sorted(v, key=code_key) for k, v in sorted(by_convention.items())},
        by_party={k: sorted(v, key=code_key) for k, v in sorted(by_party.items())},
    )


# ---------------------------------------------------------------------- centrality


def centrality(
    g: GraphProjection,
    *,
    kinds: Sequence[str] = BRIDGE_KINDS,
    limit: int = 20,
) -> CentralityAnswer:
    """Which decisions, centres and organisations bridge conventions: each node of
    ``kinds`` with the conventions it touches (its own, and those of its neighbours other
    than Parties, which belong to many conventions by nature) and its betweenness
    centrality on the undirected asserted graph without provenance links (estimated from
    random pivots on large graphs, see :func:`betweenness`). Ranked by
    conventions touched, then betweenness."""
    answer: CentralityAnswer = g.cached(
        ("centrality", tuple(kinds), limit), lambda: _centrality(g, kinds, limit)
    )
    return answer


def _centrality(g: GraphProjection, kinds: Sequence[str], limit: int) -> CentralityAnswer:
    between = betweenness(g)
    rows = []
    for kind in dict.fromkeys(kinds):
        for n in g.nodes(kind=kind):
            touched = set(g.conventions_of(n))
            degree = 0
            for step in g.edges_of(n, exclude=BOOKKEEPING_PREDICATES):
                degree += 1
                if not g.is_a(step.target, "Country"):
                    touched |= set(g.conventions_of(step.target))
            rows.append((n, touched, between.get(n, 0.0), degree))
    unique = {r[0]: r for r in rows}.values()
    ranked = sorted(unique, key=lambda r: (-len(r[1]), -r[2], g.label(r[0])))
    return CentralityAnswer(
        kinds=list(kinds),
        rows=[
            CentralityRow(
                node=ref(g, n),
                conventions=refs(g, {c for c in touched if c in g}),
                betweenness=round(b, 6),
                degree=d,
            )
            for n, touched, b, d in list(ranked)[:limit]
        ],
    )


def betweenness(
    g: GraphProjection,
    *,
    exclude: frozenset[str] = BOOKKEEPING_PREDICATES,
    work: float = 4e6,
    seed: int = 42,
) -> dict[str, float]:
    """Betweenness centrality on the undirected asserted graph (``exclude``d predicates
    left out): exact while nodes x edges stays within ``work``, else estimated from
    ``work / edges`` random pivots (Brandes 2001,
    https://doi.org/10.1080/0022250X.2001.9990249; Brandes & Pich 2007). Cached."""

    def compute() -> dict[str, float]:
        simple = nx.Graph()
        simple.add_nodes_from(g.nodes())
        simple.add_edges_from(
            (e.source, e.target)
            for e in g.edges()
            if e.predicate not in exclude and e.source != e.target
        )
        n, m = simple.number_of_nodes(), max(simple.number_of_edges(), 1)
        # Exact while n breadth-first searches fit the budget; else that many pivots.
        k = None if n * m <= work else max(8, min(n, int(work // m)))
        found: dict[str, float] = nx.betweenness_centrality(simple, k=k, seed=seed)
        return found

    return dict(g.cached(("betweenness", exclude, work, seed), compute))


# ---------------------------------------------------------------------- conventions


def convention_sizes(g: GraphProjection) -> dict[str, int]:
    """How many nodes lie in each convention's scope, by convention IRI, in the order of the
    conventions' labels; only the conventions that are nodes of the graph. Cached."""

    def compute() -> dict[str, int]:
        counts: dict[str, int] = {}
        for n in g.nodes():
            for c in g.conventions_of(n):
                counts[c] = counts.get(c, 0) + 1
        return {c: counts[c] for c in sorted(counts, key=g.label) if c in g}

    return dict(g.cached("convention-sizes", compute))
