"""An entity page and its error pages (404, 400, 406): what ``entity.html`` and
``error.html`` show, prepared from a :class:`~kg.publish.entity.Entity`.

The templates escape every value from the graph; links point at other entity pages on this
server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from api.templates.environment import render
from api.templates.neighbourhood import layout
from kg.publish.entity import Entity, Node, Provenance, Statement, neighbourhood

#: Most incoming links listed in the table (the neighbourhood picture has its own cap).
INCOMING_ROWS = 200

#: ``?format=`` value -> label of the alternate-format link.
FORMAT_LABELS = {"ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples"}
#: ``?format=`` value -> media type, for the ``<link rel="alternate">`` of the page's head.
ALTERNATES = {"ttl": "text/turtle", "jsonld": "application/ld+json", "nt": "application/n-triples"}


@dataclass(frozen=True)
class PageContext:
    """What the page needs besides the entity: the base IRI (for local links), the IRI of the
    inferred graph (to mark inferred links) and this page's own path with its query, if any,
    without ``format`` (for links to the other formats)."""

    base_iri: str
    inferred_graph: str
    self_path: str
    self_query: dict[str, str]

    def format_href(self, fmt: str) -> str:
        return f"{self.self_path}?{urlencode({**self.self_query, 'format': fmt})}"


@dataclass(frozen=True)
class SourceDocument:
    """A document the entity comes from, with what to say about it besides its label: pairs
    of (``"text"``, ``"code"`` or ``"seed file"``, the text)."""

    node: Node
    details: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class GraphCount:
    """A named graph holding some of the entity's own triples, ``name`` shortened under the
    base."""

    iri: str
    name: str
    triples: int


@dataclass(frozen=True)
class ProvenanceView:
    """The provenance section; false when it has nothing to show."""

    documents: tuple[SourceDocument, ...]
    locators: tuple[str, ...]
    notes: tuple[str, ...]
    graphs: tuple[GraphCount, ...]

    def __bool__(self) -> bool:
        return bool(self.documents or self.locators or self.notes or self.graphs)


@dataclass(frozen=True)
class PropertyRow:
    """One row of the outgoing table: a property and its values, ``inline`` when they are
    many links (listed across the row rather than one a line)."""

    predicate: Node
    statements: tuple[Statement, ...]

    @property
    def inline(self) -> bool:
        return len(self.statements) > 4 and all(s.node.is_iri for s in self.statements)


def _graph_name(graph: str, base_iri: str) -> str:
    prefix = base_iri.rstrip("/") + "/graph/"
    return graph[len(prefix) :] if graph.startswith(prefix) else graph


def provenance_view(prov: Provenance, ctx: PageContext) -> ProvenanceView:
    """The provenance section: documents with the details their label does not already say,
    named graphs by size with the inferred graph last."""
    documents = []
    for doc in prov.documents:
        details = [("text", doc.title)] if doc.title and doc.title != doc.node.label else []
        details += [("code", s) for s in doc.symbols]
        if doc.date:
            details.append(("text", doc.date))
        if doc.source_file:
            details.append(("seed file", doc.source_file))
        documents.append(SourceDocument(doc.node, tuple(details)))
    graphs = sorted(prov.graphs, key=lambda gn: (gn[0] == ctx.inferred_graph, -gn[1]))
    return ProvenanceView(
        documents=tuple(documents),
        locators=prov.locators,
        notes=prov.notes,
        graphs=tuple(GraphCount(g, _graph_name(g, ctx.base_iri), n) for g, n in graphs),
    )


def property_rows(statements: list[Statement]) -> list[PropertyRow]:
    """One row per property, its values in the row (the statements come sorted)."""
    groups: dict[str, list[Statement]] = {}
    for s in statements:
        groups.setdefault(s.predicate.value, []).append(s)
    return [PropertyRow(group[0].predicate, tuple(group)) for group in groups.values()]


@dataclass(frozen=True)
class SuggestedTarget:
    """A GBF target suggested for the entity (``kg suggest``), never asserted by a document."""

    iri: str
    label: str
    score: float
    method: str
    evidence: tuple[str, ...]


def render_entity(
    entity: Entity, ctx: PageContext, suggested: Sequence[SuggestedTarget] = ()
) -> str:
    """The entity page (with the targets suggested for it, marked apart, if any)."""
    hood = neighbourhood(entity, inferred_graph=ctx.inferred_graph)
    return render(
        "entity.html",
        entity=entity,
        ctx=ctx,
        formats=FORMAT_LABELS.items(),
        alternates=ALTERNATES.items(),
        provenance=provenance_view(entity.provenance, ctx),
        picture=layout(hood) if hood.outgoing or hood.incoming else None,
        property_rows=property_rows(entity.outgoing),
        incoming_rows=entity.incoming[:INCOMING_ROWS],
        incoming_more=max(0, len(entity.incoming) - INCOMING_ROWS),
        suggested=suggested,
    )


def render_error(title: str, message: str, iri: str | None) -> str:
    """An error page (404, 400, 406): what went wrong and which IRI was asked for."""
    return render("error.html", title=title, message=message, iri=iri)
