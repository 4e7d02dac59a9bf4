"""The contribution questions: :func:`indicators` — which official GBF headline indicators
will show the effect of this activity, outcome, workplan or centre, through which paths, and
how the document's own indicator claims reconcile with the framework; :func:`contributors` —
the reverse: activities, centres, conventions and parties behind a target or an indicator.

The contribution walk follows exactly the property chains of the ontology
(``ontology/README.md``): a thing contributes to the targets of what it reaches through
``hasWorkplan``, ``hasOutcome``, ``hasActivity`` and ``contributesToOutcome``, and a target's
headline indicators are its ``hasHeadlineIndicator`` values. It walks asserted edges only, so
every path it shows is stated by a document or the reference data, and its answers equal the
build's inferred ``mea:tracksHeadlineIndicator`` (a test proves it on the seed graph).
The walks and groupings here serve :mod:`kg.graph.analyses` (coverage) too.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from kg.graph.answers import (
    ContributorsAnswer,
    HeadlineIndicator,
    IndicatorClaim,
    IndicatorsAnswer,
    SuggestedLink,
    WrongKind,
    path_of,
    ref,
    refs,
)
from kg.graph.elements import Edge, Step
from kg.graph.search import resolve
from kg.graph.walks import walks_back

if TYPE_CHECKING:
    from kg.graph.projection import GraphProjection

__all__ = [
    "CONTRIBUTION_STEPS",
    "HEADLINE",
    "PARTY_LINKS",
    "code_key",
    "contribution_closure",
    "contribution_walk",
    "contributors",
    "conventions_in",
    "group_by_kind",
    "indicators",
    "parties_of",
]

#: Steps of the contribution walk, as the ontology's property chains declare them.
CONTRIBUTION_STEPS = (
    "mea:hasWorkplan",
    "mea:hasOutcome",
    "mea:hasActivity",
    "mea:contributesToOutcome",
)
CONTRIBUTES_TO_TARGET = "mea:contributesToTarget"
HEADLINE = "mea:hasHeadlineIndicator"
HAS_INDICATOR = "mea:hasIndicator"
#: Links from an actor or activity to a Party (or country) it serves, works in or with.
PARTY_LINKS = (
    "mea:serves",
    "mea:country",
    "mea:implementedBy",
    "mea:lead",
    "mea:partner",
    "mea:participant",
    "mea:hostedBy",
    "mea:fundedBy",
)
#: Kinds an indicators question starts from.
CONTRIBUTOR_KINDS = (
    "Activity",
    "Outcome",
    "Workplan",
    "Centre",
    "Organisation",
    "Project",
    "Event",
    "Output",
)


def contribution_walk(
    g: GraphProjection, start: str
) -> tuple[dict[str, int], dict[str, list[Step]]]:
    """Breadth-first along the contribution steps: distance and shortest ways into each
    node reached (``start`` included)."""
    dist = {start: 0}
    parents: dict[str, list[Step]] = defaultdict(list)
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for predicate in CONTRIBUTION_STEPS:
            for nxt in g.objects(node, predicate):
                step = Step(g.canonical_edge(node, predicate, nxt), node, nxt)
                seen = dist.get(nxt)
                if seen is None:
                    dist[nxt] = dist[node] + 1
                    parents[nxt].append(step)
                    queue.append(nxt)
                elif seen == dist[node] + 1:
                    parents[nxt].append(step)
    return dist, parents


def _way_counts(dist: dict[str, int], parents: dict[str, list[Step]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node in sorted(dist, key=dist.__getitem__):
        counts[node] = 1 if dist[node] == 0 else sum(counts[s.source] for s in parents[node])
    return counts


# ---------------------------------------------------------------------- indicators


#: A suggested target for an entity: (target IRI, score, method, matched words).
Suggested = tuple[str, float, str, tuple[str, ...]]


def indicators(
    g: GraphProjection,
    entity: str,
    *,
    max_paths: int = 5,
    suggested: Mapping[str, Sequence[Suggested]] | None = None,
) -> IndicatorsAnswer:
    """The official GBF headline indicators reached from ``entity`` (an activity, outcome,
    workplan, centre ...) with the paths that reach them, and the indicator claims of
    everything on the way, reconciled. With ``suggested`` (entity IRI -> its suggested
    targets), also the headline indicators of the targets suggested for anything on the way
    that no asserted path reaches, each marked as suggested with its evidence.
    """
    iri = resolve(g, entity, kinds=CONTRIBUTOR_KINDS)
    info = g.node(iri)
    if any(info.is_a(k) for k in ("Target", "Goal", "Indicator")):
        raise WrongKind(
            f"{info.label!r} is a {info.kind}: indicators are reached from an activity, "
            "outcome, workplan or centre (ask the reverse question for a target)"
        )
    dist, parents = contribution_walk(g, iri)
    counts = _way_counts(dist, parents)
    reached: dict[str, list[tuple[str, str]]] = defaultdict(list)  # indicator -> (via, target)
    for node in dist:
        for target in g.objects(node, CONTRIBUTES_TO_TARGET):
            for indicator in g.objects(target, HEADLINE):
                reached[indicator].append((node, target))
    answers = []
    for indicator, ways in reached.items():
        found: list[list[Step]] = []
        for via, target in ways:
            for prefix in walks_back(iri, via, parents, max_paths):
                found.append(
                    [
                        *prefix,
                        Step(Edge(via, CONTRIBUTES_TO_TARGET, target), via, target),
                        Step(Edge(target, HEADLINE, indicator), target, indicator),
                    ]
                )
        found.sort(key=lambda p: (len(p), [g.label(s.target) for s in p]))
        info = g.node(indicator)
        answers.append(
            HeadlineIndicator(
                code=info.notation or "",
                title=(info.literals.get("skos:prefLabel") or (info.label,))[0],
                iri=indicator,
                targets=refs(g, {t for _, t in ways}),
                paths=[path_of(g, iri, p) for p in found[:max_paths]],
                path_count=sum(counts[via] for via, _ in ways),
            )
        )
    if suggested:
        answers += _suggested_indicators(g, dist, suggested, set(reached))
    answers.sort(key=lambda a: code_key(a.code))
    claims = _claims(g, dist)
    by_status: dict[str, int] = defaultdict(int)
    for claim in claims:
        by_status[claim.status] += 1
    return IndicatorsAnswer(
        entity=ref(g, iri),
        indicators=answers,
        claims=claims,
        claims_by_status=dict(sorted(by_status.items())),
    )


def _suggested_indicators(
    g: GraphProjection,
    reached_nodes: Iterable[str],
    suggested: Mapping[str, Sequence[Suggested]],
    asserted: set[str],
) -> list[HeadlineIndicator]:
    """The headline indicators of the targets suggested for the nodes on the way, that no
    asserted path reaches."""
    links: dict[str, list[SuggestedLink]] = defaultdict(list)
    for node in reached_nodes:
        for target, score, method, evidence in suggested.get(node, ()):
            if target not in g:
                continue
            for indicator in g.objects(target, HEADLINE):
                if indicator not in asserted:
                    links[indicator].append(
                        SuggestedLink(
                            entity=ref(g, node),
                            target=ref(g, target),
                            score=score,
                            method=method,
                            evidence=list(evidence),
                        )
                    )
    answers = []
    for indicator, found in links.items():
        info = g.node(indicator)
        found.sort(key=lambda link: -link.score)
        answers.append(
            HeadlineIndicator(
                code=info.notation or "",
                title=(info.literals.get("skos:prefLabel") or (info.label,))[0],
                iri=indicator,
                targets=refs(g, {link.target.iri for link in found}),
                paths=[],
                path_count=0,
                suggested=True,
                suggestions=found,
            )
        )
    return answers


def code_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sort GBF codes naturally: 1.1 < 2.1 < 21.1 < A.1.

    >>> sorted(["A.1", "21.1", "2.1", "1.1"], key=code_key)
    ['1.1', '2.1', '21.1', 'A.1']
    """
    parts = code.split(".")
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def _claims(g: GraphProjection, scope: Iterable[str]) -> list[IndicatorClaim]:
    out = []
    for holder in scope:
        for claim in g.objects(holder, "mea:claimsIndicator"):
            node = g.node(claim)
            status = g.objects(claim, "mea:reconciliationStatus")
            official = g.objects(claim, "mea:matchesIndicator")
            target = g.objects(claim, "mea:claimedForTarget")
            official_node = g.node(official[0]) if official else None
            out.append(
                IndicatorClaim(
                    iri=claim,
                    code=_first(node.literals, "mea:claimedCode"),
                    claimed_title=_first(node.literals, "mea:claimedTitle"),
                    status=g.label(status[0]) if status else "not reconciled",
                    status_iri=status[0] if status else None,
                    official=ref(g, official[0]) if official else None,
                    official_title=_first(official_node.literals, "skos:prefLabel")
                    if official_node
                    else None,
                    claimed_by=ref(g, holder),
                    for_target=ref(g, target[0]) if target else None,
                )
            )
    out.sort(key=lambda c: (code_key(c.code or ""), c.claimed_title or "", c.iri))
    return out


def _first(literals: Mapping[str, tuple[str, ...]], key: str) -> str | None:
    values = literals.get(key)
    return values[0] if values else None


# ---------------------------------------------------------------------- reverse


def _targets_of(g: GraphProjection, iri: str) -> list[str]:
    info = g.node(iri)
    if info.is_a("Target") or info.is_a("Goal"):
        return [iri]
    if info.is_a("Indicator"):
        role = HEADLINE if g.subjects(HEADLINE, iri) else HAS_INDICATOR
        return g.subjects(g.with_subproperties(role), iri)
    raise WrongKind(
        f"{info.label!r} is a {info.kind}: ask the reverse question of a GBF target, goal or "
        "indicator (ask for the indicators of an activity, workplan or centre)"
    )


def contribution_closure(g: GraphProjection, targets: Iterable[str]) -> set[str]:
    """Everything that contributes to one of ``targets``: the reverse contribution walk."""
    seen: set[str] = set()
    queue: deque[str] = deque()
    for target in targets:
        for node in g.subjects(CONTRIBUTES_TO_TARGET, target):
            if node not in seen:
                seen.add(node)
                queue.append(node)
    while queue:
        node = queue.popleft()
        for parent in g.subjects(CONTRIBUTION_STEPS, node):
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return seen


def parties_of(g: GraphProjection, nodes: Iterable[str]) -> set[str]:
    """The Parties that ``nodes`` serve, work in or with (:data:`PARTY_LINKS`)."""
    return {p for n in nodes for p in g.objects(n, PARTY_LINKS) if g.is_a(p, "Country")}


def conventions_in(g: GraphProjection, nodes: Iterable[str]) -> set[str]:
    """The conventions whose scope one of ``nodes`` is in."""
    return {c for n in nodes for c in g.conventions_of(n) if c in g}


def group_by_kind(g: GraphProjection, nodes: Iterable[str]) -> dict[str, list[str]]:
    """``nodes`` by the list of an answer they go in (``activities``, ``outcomes`` ...)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for n in nodes:
        if g.is_a(n, "Activity") or g.is_a(n, "Event"):
            groups["activities"].append(n)
        elif g.is_a(n, "Outcome"):
            groups["outcomes"].append(n)
        elif g.is_a(n, "Workplan"):
            groups["workplans"].append(n)
        elif g.is_a(n, "Centre"):
            groups["centres"].append(n)
        elif g.is_a(n, "Organisation"):
            groups["organisations"].append(n)
        else:
            groups["other"].append(n)
    return groups


def contributors(g: GraphProjection, entity: str, *, limit: int = 500) -> ContributorsAnswer:
    """The activities, outcomes, workplans, centres, conventions and parties behind a GBF
    target, goal or indicator (for an indicator: behind its goals/targets). Each list stops
    at ``limit`` entries (by label); ``counts`` are complete."""
    iri = resolve(g, entity, kinds=("Target", "Goal", "GBFIndicator"))
    targets = _targets_of(g, iri)
    closure = contribution_closure(g, targets)
    groups = group_by_kind(g, closure)
    groups["conventions"] = list(conventions_in(g, closure))
    groups["parties"] = list(parties_of(g, closure))
    names = (
        "activities",
        "outcomes",
        "workplans",
        "centres",
        "organisations",
        "other",
        "conventions",
        "parties",
    )
    return ContributorsAnswer(
        entity=ref(g, iri),
        targets=refs(g, targets),
        counts={name: len(groups[name]) for name in names},
        **{name: refs(g, groups[name], limit) for name in names},
    )
