"""Traversals and analyses over the graph projection: the questions users come with.

* :func:`indicators` — which official GBF headline indicators will show the effect of this
  activity, outcome, workplan or centre, through which paths; and how the document's own
  indicator claims reconcile with the framework.
* :func:`contributors` — the reverse: activities, centres, conventions and parties behind a
  target or an indicator.
* :func:`paths` — shortest paths between two entities, with their predicates.
* :func:`neighbours` — an entity's neighbourhood to a depth, filtered by kind.
* :func:`coverage` — for each GBF target and headline indicator, who addresses it; the gaps.
* :func:`centrality` — which decisions, centres and organisations bridge conventions.

The contribution walk follows exactly the property chains of the ontology
(``ontology/README.md``): a thing contributes to the targets of what it reaches through
``hasWorkplan``, ``hasOutcome``, ``hasActivity`` and ``contributesToOutcome``, and a target's
headline indicators are its ``hasHeadlineIndicator`` values. It walks asserted edges only, so
every path it shows is stated by a document or the reference data, and its answers equal the
build's inferred ``mea:tracksHeadlineIndicator`` (a test proves it on the seed graph).

Every function takes a :class:`~kg.graph.projection.GraphProjection` and returns a pydantic model
that
the API serves as JSON and the ``kg`` command prints.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from kg.graph.projection import (
    BOOKKEEPING_PREDICATES,
    Edge,
    GraphProjection,
    Step,
    edge_id,
    walks_back,
)

__all__ = [
    "AmbiguousEntity",
    "EntityNotFound",
    "TraversalError",
    "WrongKind",
    "centrality",
    "contributors",
    "coverage",
    "indicators",
    "neighbours",
    "paths",
    "resolve",
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
#: Kinds whose bridging role :func:`centrality` ranks.
BRIDGE_KINDS = ("Decision", "Centre", "Organisation", "Committee")
MAX_HOPS = 8
MAX_DEPTH = 3


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


class HeadlineIndicator(BaseModel):
    """An official GBF headline indicator reached from the entity asked about."""

    code: str
    title: str
    iri: str
    targets: list[NodeRef] = Field(description="the goals/targets it is reached through")
    paths: list[Path] = Field(description="shortest paths first, at most max_paths")
    path_count: int = Field(description="how many paths reach it in all")


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


# ---------------------------------------------------------------------- helpers


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


def _path(g: GraphProjection, start: str, steps: Sequence[Step]) -> Path:
    nodes = [ref(g, start)] + [ref(g, s.target) for s in steps]
    return Path(nodes=nodes, edges=[graph_edge(g, s.edge) for s in steps])


def _refs(g: GraphProjection, iris: Iterable[str], limit: int | None = None) -> list[NodeRef]:
    ordered = sorted(set(iris), key=lambda i: (g.label(i).casefold(), i))
    return [ref(g, i) for i in ordered[:limit]]


def resolve(g: GraphProjection, text: str, *, kinds: Sequence[str] = ()) -> str:
    """The IRI ``text`` names (an IRI, a CURIE, ``kind/key`` or a label).

    Raises :class:`EntityNotFound` when nothing matches and :class:`AmbiguousEntity`, with
    the candidates, when a label matches several entities.
    """
    if not text or not text.strip():
        raise EntityNotFound("give an IRI or a label")
    found = g.find(text, kinds=kinds, limit=21)
    if not found and kinds:
        found = g.find(text, limit=21)
    if not found:
        raise EntityNotFound(f"nothing in the graph is called {text.strip()!r}")
    if len(found) > 1:
        shown = found[:20]
        more = "" if len(found) <= 20 else " (first 20 shown)"
        raise AmbiguousEntity(
            f"{text.strip()!r} names {len(found)} entities{more}: give one of their IRIs",
            [ref(g, i) for i in shown],
        )
    return found[0]


def _contribution_walk(
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


def indicators(g: GraphProjection, entity: str, *, max_paths: int = 5) -> IndicatorsAnswer:
    """The official GBF headline indicators reached from ``entity`` (an activity, outcome,
    workplan, centre ...) with the paths that reach them, and the indicator claims of
    everything on the way, reconciled.
    """
    iri = resolve(g, entity, kinds=CONTRIBUTOR_KINDS)
    info = g.node(iri)
    if any(info.is_a(k) for k in ("Target", "Goal", "Indicator")):
        raise WrongKind(
            f"{info.label!r} is a {info.kind}: indicators are reached from an activity, "
            "outcome, workplan or centre (ask the reverse question for a target)"
        )
    dist, parents = _contribution_walk(g, iri)
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
                targets=_refs(g, {t for _, t in ways}),
                paths=[_path(g, iri, p) for p in found[:max_paths]],
                path_count=sum(counts[via] for via, _ in ways),
            )
        )
    answers.sort(key=lambda a: _code_key(a.code))
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


def _code_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sort GBF codes naturally: 1.1 < 2.1 < 21.1 < A.1.

    >>> sorted(["A.1", "21.1", "2.1", "1.1"], key=_code_key)
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
    out.sort(key=lambda c: (_code_key(c.code or ""), c.claimed_title or "", c.iri))
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


def _contribution_closure(g: GraphProjection, targets: Iterable[str]) -> set[str]:
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


def _parties(g: GraphProjection, nodes: Iterable[str]) -> set[str]:
    return {p for n in nodes for p in g.objects(n, PARTY_LINKS) if g.is_a(p, "Country")}


def _conventions(g: GraphProjection, nodes: Iterable[str]) -> set[str]:
    return {c for n in nodes for c in g.conventions_of(n) if c in g}


def _group(g: GraphProjection, nodes: Iterable[str]) -> dict[str, list[str]]:
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
    closure = _contribution_closure(g, targets)
    groups = _group(g, closure)
    groups["conventions"] = list(_conventions(g, closure))
    groups["parties"] = list(_parties(g, closure))
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
        targets=_refs(g, targets),
        counts={name: len(groups[name]) for name in names},
        **{name: _refs(g, groups[name], limit) for name in names},
    )


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
    found = g.shortest_paths(
        a, b, max_hops=max_hops, limit=limit, exclude=exclude, inferred=inferred
    )
    return PathsAnswer(
        source=ref(g, a),
        target=ref(g, b),
        hops=len(found[0]) if found else None,
        max_hops=max_hops,
        paths=[_path(g, a, p) for p in found],
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
    dist, truncated = g.neighbourhood(
        center, depth=depth, inferred=inferred, exclude=exclude, limit=limit
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
            allowed |= set(_contribution_walk(g, start)[0])

    def scoped(closure: set[str]) -> set[str]:
        if allowed is not None:
            closure &= allowed
        if convention_iri:
            closure = {n for n in closure if convention_iri in g.conventions_of(n)}
        return closure

    closures = {t: scoped(_contribution_closure(g, [t])) for t in g.nodes(kind="Target")}

    def row(item: str, closure: set[str], targets: list[str] | None = None) -> CoverageRow:
        groups = _group(g, closure)
        conventions = _conventions(g, closure)
        parties = _parties(g, closure)
        return CoverageRow(
            item=ref(g, item),
            addressed=bool(closure),
            targets=sorted((g.node(t).notation or "" for t in targets or []), key=_code_key),
            counts={
                "activities": len(groups["activities"]),
                "outcomes": len(groups["outcomes"]),
                "workplans": len(groups["workplans"]),
                "centres": len(groups["centres"]),
                "conventions": len(conventions),
                "parties": len(parties),
            },
            activities=_refs(g, groups["activities"], limit),
            workplans=_refs(g, groups["workplans"], limit),
            centres=_refs(g, groups["centres"], limit),
            conventions=_refs(g, conventions, limit),
            parties=_refs(g, parties, limit),
        )

    target_rows = [row(t, c) for t, c in closures.items()]
    target_rows.sort(key=lambda r: _code_key(r.item.code or ""))
    indicator_rows = []
    headline = {i for t in g.nodes(kind="Target") for i in g.objects(t, HEADLINE)}
    for indicator in headline:
        via = [t for t in g.subjects(HEADLINE, indicator) if g.is_a(t, "Target")]
        closure = set().union(*(closures[t] for t in via)) if via else set()
        indicator_rows.append(row(indicator, closure, via))
    indicator_rows.sort(key=lambda r: _code_key(r.item.code or ""))
    by_convention: dict[str, set[str]] = defaultdict(set)
    by_party: dict[str, set[str]] = defaultdict(set)
    for t, closure in closures.items():
        code = g.node(t).notation or t
        for c in _conventions(g, closure):
            by_convention[c].add(code)
        for p in _parties(g, closure):
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
        by_convention={k: sorted(v, key=_code_key) for k, v in sorted(by_convention.items())},
        by_party={k: sorted(v, key=_code_key) for k, v in sorted(by_party.items())},
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
    random pivots on large graphs, see :meth:`GraphProjection.betweenness`). Ranked by
    conventions touched, then betweenness."""
    answer: CentralityAnswer = g.cached(
        ("centrality", tuple(kinds), limit), lambda: _centrality(g, kinds, limit)
    )
    return answer


def _centrality(g: GraphProjection, kinds: Sequence[str], limit: int) -> CentralityAnswer:
    between = g.betweenness()
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
                conventions=_refs(g, {c for c in touched if c in g}),
                betweenness=round(b, 6),
                degree=d,
            )
            for n, touched, b, d in list(ranked)[:limit]
        ],
    )


#: Output formats the ``kg`` graph subcommands offer.
OutputFormat = Literal["table", "json"]
