"""Finding nodes by what people type: the label index behind
:meth:`~kg.graph.projection.GraphProjection.find`, and :func:`resolve`, which turns a name
into one entity or says why it cannot."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from kg.graph.answers import AmbiguousEntity, EntityNotFound, ref
from kg.graph.mea_tables import SEARCH_KIND_ORDER
from kg.graph.naming import SEARCH_CURIES, expand, normalise

if TYPE_CHECKING:
    from kg.graph.projection import GraphProjection

__all__ = ["LabelIndex", "resolve"]


class LabelIndex:
    """The normalised labels and codes (:data:`~kg.graph.naming.SEARCH_CURIES`) of every node
    of a projection, for :meth:`find`."""

    def __init__(self, g: GraphProjection) -> None:
        self.g = g
        index: dict[str, list[str]] = defaultdict(list)
        for iri in g.nodes():
            literals = g.node(iri).literals
            seen = set()
            for prop in SEARCH_CURIES:
                for value in literals.get(prop, ()):
                    text = normalise(value)
                    if text and text not in seen:
                        seen.add(text)
                        index[text].append(iri)
        self.labels = dict(index)

    def find(self, text: str, *, kinds: Iterable[str] = (), limit: int = 50) -> list[str]:
        """Nodes whose label matches ``text``, best matches first: an IRI or CURIE names its
        node; else exact labels (``rdfs:label``, ``skos:prefLabel``, ``dcterms:title``,
        ``skos:altLabel``, case and spacing ignored), else labels that start with ``text``
        as a whole word, else labels that contain it. ``kinds`` keeps only nodes of those
        classes (when any match).
        """
        g = self.g
        query = text.strip()
        for candidate in (query, expand(query), g.info.base_iri + "/id/" + query.strip("/")):
            if candidate in g:
                return [candidate]
        wanted = tuple(kinds)
        index = self.labels
        needle = normalise(query)
        if not needle:
            return []

        def keep(found: Iterable[str]) -> list[str]:
            unique = list(dict.fromkeys(found))
            if wanted:
                typed = [i for i in unique if any(g.is_a(i, k) for k in wanted)]
                return typed
            return unique

        exact = keep(index.get(needle, ()))
        if exact:
            return sorted(exact, key=self._rank)[:limit]
        prefix: list[str] = []
        contains: list[str] = []
        for label, iris in index.items():
            if label.startswith(needle):
                rest = label[len(needle) : len(needle) + 1]
                (prefix if not rest.isalnum() else contains).extend(iris)
            elif needle in label:
                contains.extend(iris)
        for group in (prefix, contains):
            found = keep(group)
            if found:
                return sorted(found, key=self._rank)[:limit]
        return []

    def _rank(self, iri: str) -> tuple[int, int, str]:
        rank = next((i for i, k in enumerate(SEARCH_KIND_ORDER) if self.g.is_a(iri, k)), 99)
        return (rank, len(self.g.label(iri)), iri)


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
