"""Which conventions each node of the projection belongs to: the links that put a node in an
agreement's scope and the containment links along which membership flows down."""

from __future__ import annotations

from collections import defaultdict, deque

import networkx as nx

__all__ = ["AGREEMENT_LINKS", "CONTAINMENT_LINKS", "DECISION_LINKS", "assign_conventions"]

#: node -> agreement links that put a node into an agreement's (convention's) scope.
AGREEMENT_LINKS = frozenset(
    {"mea:underAgreement", "mea:secretariatOf", "mea:partyTo", "dcterms:references"}
)
#: node -> decision links: a node citing a decision is in the decision's convention.
DECISION_LINKS = frozenset({"mea:citesDecision", "dcterms:references"})
#: parent -> child links along which convention membership flows down.
CONTAINMENT_LINKS = frozenset(
    {
        "mea:hasWorkplan",
        "mea:hasOutcome",
        "mea:hasActivity",
        "mea:hasOutput",
        "mea:producesOutput",
        "mea:hasStatusEntry",
        "mea:hasRisk",
        "mea:hasObjective",
        "mea:claimsIndicator",
        "mea:measuredBy",
        "mea:indicativeBudget",
    }
)


def assign_conventions(g: nx.MultiDiGraph) -> None:
    """Give each node the conventions whose scope it is in (``conventions``, agreement IRIs):
    an agreement is in its own (a protocol in its convention's); a node linked to an
    agreement (:data:`AGREEMENT_LINKS`) or citing a decision (:data:`DECISION_LINKS`) is in
    that agreement's; and membership flows from a container to what it contains
    (:data:`CONTAINMENT_LINKS`: centre -> workplan -> outcome, activity -> output ...)."""
    agreements = {n for n, kinds in g.nodes(data="kinds") if "Agreement" in kinds}

    def top(agreement: str) -> str:
        seen = {agreement}
        while True:
            parents = [
                o
                for o, keys in g.succ[agreement].items()
                if "mea:protocolTo" in keys and o in agreements and o not in seen
            ]
            if not parents:
                return agreement
            agreement = parents[0]
            seen.add(agreement)

    member: dict[str, set[str]] = defaultdict(set)
    for a in agreements:
        member[a].add(top(a))
    for s, o, key in g.edges(keys=True):
        if key in AGREEMENT_LINKS and o in agreements:
            member[s].add(top(o))
    decisions = {n for n, kinds in g.nodes(data="kinds") if "Decision" in kinds}
    for s, o, key in g.edges(keys=True):
        if key in DECISION_LINKS and o in decisions and s not in decisions:
            member[s] |= member.get(o, set())
    queue = deque(n for n, conv in member.items() if conv)
    while queue:
        node = queue.popleft()
        for child, keys in g.succ[node].items():
            if any(k in CONTAINMENT_LINKS for k in keys) and not member[node] <= member[child]:
                member[child] |= member[node]
                queue.append(child)
    for node, conv in member.items():
        if conv:
            g.nodes[node]["conventions"] = tuple(sorted(conv))
