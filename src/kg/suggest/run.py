"""One run of the suggester over a graph: the targets of its GBF reference graph, the
entities no document aligns, and their suggestions (``kg suggest``; the server's
``include=suggested``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import pyoxigraph as ox

from kg.rdf.namespaces import graph_iri
from kg.suggest.corpus import Item, gbf_targets, items_to_align
from kg.suggest.curation import rejected_pairs
from kg.suggest.lexical import LexicalSuggester, Suggestion


@dataclass(frozen=True)
class SuggestionRun:
    items: list[Item]
    suggestions: list[Suggestion]

    @cached_property
    def by_subject(self) -> dict[str, list[Suggestion]]:
        found: dict[str, list[Suggestion]] = {}
        for s in self.suggestions:
            found.setdefault(s.subject, []).append(s)
        return found


def suggest_graph(
    quads: Iterable[ox.Quad], base: str, *, top: int = 3, min_score: float = 1.0
) -> SuggestionRun:
    """Suggestions for every entity of ``quads`` (the whole graph, inferred links included)
    that no document links to a target."""
    quads = list(quads)
    rejected = rejected_pairs(q.triple for q in quads)
    gbf = graph_iri(base, "reference/gbf")
    targets = gbf_targets(q.triple for q in quads if q.graph_name == ox.NamedNode(gbf))
    items = items_to_align([q.triple for q in quads])
    if not targets:  # a graph without the GBF reference data: nothing to suggest
        return SuggestionRun(items, [])
    suggester = LexicalSuggester(targets)
    suggestions = [
        s
        for item in items
        for s in suggester.suggest(item, top=top, min_score=min_score, skip=rejected)
    ]
    return SuggestionRun(items, suggestions)
