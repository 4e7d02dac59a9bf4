"""What the graph says about one resource: the data behind an entity page (Linked Data
dereferencing, https://www.w3.org/TR/cooluris/).

:func:`describe` gathers an IRI's outgoing and incoming triples with the named graphs they come
from, a human label for every IRI it mentions, its provenance (``mea:fromDocument`` +
``mea:sourceLocator`` and the document's title and symbols) and a capped neighbourhood for a
picture. :func:`entity_triples` and :func:`serialize` give the same resource as RDF: the
symmetric concise bounded description (every triple with the IRI as subject or object, plus
the description of blank nodes reached from it).

Reads use Oxigraph's pattern index (``quads_for_pattern``) directly: no query text is built
from a user-supplied IRI, so nothing can be injected, and an IRI is validated by
``pyoxigraph.NamedNode`` before anything is read.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> g = ox.NamedNode("https://example.org/kg/graph/doc")
>>> a = ox.NamedNode("https://example.org/kg/id/activity/doc-1")
>>> label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
>>> store.add(ox.Quad(a, label, ox.Literal("Survey", language="en"), g))
>>> describe(store, a.value).label
'Survey'
>>> describe(store, "https://example.org/kg/id/activity/none") is None
True
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

from kg.rdf.formats import rdf_format_named
from kg.rdf.namespaces import MEA, PREFIXES
from kg.rdf.syntax_limits import check_writable
from kg.stores.base import GraphStore

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
SKOS_PREF_LABEL = PREFIXES["skos"] + "prefLabel"
DCTERMS_TITLE = PREFIXES["dcterms"] + "title"
DCTERMS_DATE = PREFIXES["dcterms"] + "date"
DCTERMS_SOURCE = PREFIXES["dcterms"] + "source"
FROM_DOCUMENT = str(MEA.fromDocument)
SOURCE_LOCATOR = str(MEA.sourceLocator)
UN_SYMBOL = str(MEA.unSymbol)
SOURCE_FILE = str(MEA.sourceFile)

#: Label properties, best first: a short name, then a SKOS preferred label, then a title.
LABEL_PROPERTIES = (RDFS_LABEL, SKOS_PREF_LABEL, DCTERMS_TITLE)

TermKind = Literal["iri", "literal", "blank"]


class InvalidIRIError(ValueError):
    """The text is not an absolute IRI (RFC 3987); ``str(err)`` is a short message."""


@dataclass(frozen=True)
class Node:
    """An RDF term as a page shows it.

    ``label`` is the best human label of an IRI (or the lexical form of a literal);
    ``language`` and ``datatype`` are set for literals only.
    """

    value: str
    kind: TermKind
    label: str
    language: str | None = None
    datatype: str | None = None

    @property
    def is_iri(self) -> bool:
        return self.kind == "iri"


@dataclass(frozen=True)
class Statement:
    """One link of the entity: ``predicate`` and the node at the other end (the object of an
    outgoing triple, the subject of an incoming one), with the named graphs asserting it."""

    predicate: Node
    node: Node
    graphs: tuple[str, ...]

    def only_in(self, graph: str) -> bool:
        """Whether every graph asserting it is ``graph`` (e.g. only inferred)."""
        return all(g == graph for g in self.graphs)


@dataclass(frozen=True)
class Document:
    """A source document an entity was taken from, with what identifies it to a reader."""

    node: Node
    title: str | None
    symbols: tuple[str, ...]
    date: str | None
    source_file: str | None


@dataclass(frozen=True)
class Provenance:
    """Where the facts about an entity come from: documents (``mea:fromDocument``), places in
    them (``mea:sourceLocator``), free-text source notes (``dcterms:source``) and the named
    graphs holding its own (outgoing) triples, with triple counts."""

    documents: tuple[Document, ...]
    locators: tuple[str, ...]
    notes: tuple[str, ...]
    graphs: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Link:
    """A neighbour in the picture and every property linking it to the entity on its side."""

    predicates: tuple[Node, ...]
    node: Node

    @property
    def label(self) -> str:
        """The properties' labels, e.g. ``country, serves``."""
        return ", ".join(p.label for p in self.predicates)


@dataclass(frozen=True)
class Neighbourhood:
    """The entity's IRI neighbours for a picture: each neighbour once, on the side of its
    asserted links (incoming or outgoing) before inferred ones, at most ``limit`` per side;
    ``more_*`` count what was left out."""

    centre: Node
    outgoing: tuple[Link, ...]
    incoming: tuple[Link, ...]
    more_outgoing: int = 0
    more_incoming: int = 0


@dataclass
class Entity:
    """Everything an entity page shows about one IRI."""

    iri: str
    label: str
    types: list[Node]
    outgoing: list[Statement]
    incoming: list[Statement]
    provenance: Provenance
    #: Triples that use the IRI as their predicate (for properties of the ontology).
    predicate_uses: int = 0


def named_node(iri: str) -> ox.NamedNode:
    """``iri`` as an Oxigraph node; :class:`InvalidIRIError` if it is not an absolute IRI.

    >>> named_node("https://w3id.org/mea-kg/id/party/UZB").value
    'https://w3id.org/mea-kg/id/party/UZB'
    >>> named_node("<script>")
    Traceback (most recent call last):
    ...
    kg.publish.entity.InvalidIRIError: not an absolute IRI
    """
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise InvalidIRIError("not an absolute IRI") from None


def short_name(iri: str) -> str:
    """A compact name for an IRI that has no label: a prefixed name, else its last segment.

    >>> short_name("http://www.w3.org/2000/01/rdf-schema#label")
    'rdfs:label'
    >>> short_name("https://example.org/kg/id/party/UZB")
    'UZB'
    """
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    tail = iri.rstrip("/#")
    cut = max(tail.rfind("/"), tail.rfind("#"))
    return tail[cut + 1 :] or iri


def exists(store: GraphStore, iri: str) -> bool:
    """Whether ``iri`` occurs in any named graph, as subject, predicate or object."""
    node = named_node(iri)
    return any(
        next(iter(store.quads_for_pattern(*pattern)), None) is not None
        for pattern in ((node, None, None), (None, None, node), (None, node, None))
    )


def _labels(store: GraphStore, iris: Iterable[str]) -> dict[str, str]:
    """The best label of each IRI that has one: label property order first, then English,
    then no language tag, then any."""

    def rank(prop_index: int, literal: ox.Literal) -> tuple[int, int, str]:
        lang = literal.language or ""
        lang_rank = 0 if lang.startswith("en") else 1 if not lang else 2
        return (prop_index, lang_rank, literal.value)

    out: dict[str, str] = {}
    for iri in set(iris):
        best: tuple[int, int, str] | None = None
        node = ox.NamedNode(iri)
        for index, prop in enumerate(LABEL_PROPERTIES):
            for quad in store.quads_for_pattern(node, ox.NamedNode(prop), None):
                if isinstance(quad.object, ox.Literal):
                    candidate = rank(index, quad.object)
                    if best is None or candidate < best:
                        best = candidate
            if best is not None:  # a better property never loses to a worse one
                break
        if best is not None:
            out[iri] = best[2]
    return out


def _node(term: object, labels: dict[str, str]) -> Node:
    if isinstance(term, ox.NamedNode):
        return Node(term.value, "iri", labels.get(term.value) or short_name(term.value))
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        return Node(
            term.value,
            "literal",
            term.value,
            language=term.language,
            datatype=None if term.language or datatype.endswith("#string") else datatype,
        )
    if isinstance(term, ox.BlankNode):
        return Node(term.value, "blank", f"_:{term.value}")
    return Node(str(term), "literal", str(term))  # RDF-star triples: shown as text


def _grouped(
    quads: Iterable[ox.Quad], other_end: Callable[[ox.Quad], object]
) -> dict[tuple[object, object], list[str]]:
    """(predicate, other end) -> graph names, in first-seen order, graphs sorted later."""
    grouped: dict[tuple[object, object], list[str]] = defaultdict(list)
    for quad in quads:
        graph = quad.graph_name
        name = graph.value if isinstance(graph, ox.NamedNode) else ""
        grouped[(quad.predicate, other_end(quad))].append(name)
    return grouped


def _statement_order(statement: Statement) -> tuple[int, str, str]:
    first = {RDF_TYPE: 0, RDFS_LABEL: 1, SKOS_PREF_LABEL: 2, DCTERMS_TITLE: 3}
    return (
        first.get(statement.predicate.value, 9),
        statement.predicate.label.lower(),
        statement.node.label.lower(),
    )


def _literals(store: GraphStore, subject: ox.NamedNode, prop: str) -> list[str]:
    values = {
        q.object.value
        for q in store.quads_for_pattern(subject, ox.NamedNode(prop), None)
        if isinstance(q.object, ox.Literal)
    }
    return sorted(values)


def _document(store: GraphStore, node: Node) -> Document:
    subject = ox.NamedNode(node.value)
    titles = _literals(store, subject, DCTERMS_TITLE)
    dates = _literals(store, subject, DCTERMS_DATE)
    files = _literals(store, subject, SOURCE_FILE)
    return Document(
        node=node,
        title=titles[0] if titles else None,
        symbols=tuple(_literals(store, subject, UN_SYMBOL)),
        date=dates[0] if dates else None,
        source_file=files[0] if files else None,
    )


def describe(store: GraphStore, iri: str) -> Entity | None:
    """The description of ``iri``, or ``None`` when the store does not mention it.

    Raises :class:`InvalidIRIError` when ``iri`` is not an absolute IRI.
    """
    node = named_node(iri)
    out_quads = list(store.quads_for_pattern(node, None, None))
    in_quads = list(store.quads_for_pattern(None, None, node))
    predicate_uses = sum(1 for _ in store.quads_for_pattern(None, node, None))
    if not out_quads and not in_quads and not predicate_uses:
        return None

    outgoing_groups = _grouped(out_quads, lambda q: q.object)
    incoming_groups = _grouped(in_quads, lambda q: q.subject)
    mentioned = {iri}
    for groups in (outgoing_groups, incoming_groups):
        for predicate, other in groups:
            mentioned.add(predicate.value)  # type: ignore[attr-defined]
            if isinstance(other, ox.NamedNode):
                mentioned.add(other.value)
    labels = _labels(store, mentioned)

    def statements(groups: dict[tuple[object, object], list[str]]) -> list[Statement]:
        made = [
            Statement(_node(p, labels), _node(o, labels), tuple(sorted(set(graphs))))
            for (p, o), graphs in groups.items()
        ]
        return sorted(made, key=_statement_order)

    outgoing = statements(outgoing_groups)
    incoming = statements(incoming_groups)
    types = [s.node for s in outgoing if s.predicate.value == RDF_TYPE and s.node.is_iri]

    documents = tuple(
        _document(store, s.node)
        for s in outgoing
        if s.predicate.value == FROM_DOCUMENT and s.node.is_iri
    )
    graph_counts: dict[str, int] = defaultdict(int)
    for quad in out_quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            graph_counts[quad.graph_name.value] += 1
    provenance = Provenance(
        documents=documents,
        locators=tuple(_literals(store, node, SOURCE_LOCATOR)),
        notes=tuple(_literals(store, node, DCTERMS_SOURCE)),
        graphs=tuple(sorted(graph_counts.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
    return Entity(
        iri=iri,
        label=labels.get(iri) or short_name(iri),
        types=types,
        outgoing=outgoing,
        incoming=incoming,
        provenance=provenance,
        predicate_uses=predicate_uses,
    )


def neighbourhood(entity: Entity, *, limit: int = 12, inferred_graph: str = "") -> Neighbourhood:
    """The IRI neighbours of ``entity`` for a picture.

    ``rdf:type`` links are left out (the page lists types). Each neighbour appears once, with
    all its properties: on the side (outgoing or incoming) where a link is asserted, not only
    inferred in ``inferred_graph``; outgoing wins a tie. Each side keeps at most ``limit``
    neighbours, taking the properties in turn so that every kind of link shows.
    """
    candidates: dict[str, list[tuple[int, int, Statement]]] = {}
    for side, statements in enumerate((entity.outgoing, entity.incoming)):
        for s in statements:
            if s.node.is_iri and s.predicate.value != RDF_TYPE and s.node.value != entity.iri:
                inferred = int(bool(inferred_graph) and s.only_in(inferred_graph))
                candidates.setdefault(s.node.value, []).append((inferred, side, s))

    # Per side: (primary property, link), the primary property being the first asserted one.
    links: tuple[list[tuple[str, Link]], list[tuple[str, Link]]] = ([], [])
    for found in candidates.values():
        found.sort(key=lambda c: (c[0], c[1], _statement_order(c[2])))
        inferred, side = found[0][0], found[0][1]
        # Only the asserted properties when there are any: the inferred ones repeat them.
        on_side = [c[2] for c in found if c[1] == side and c[0] == inferred]
        predicates: list[Node] = []
        for s in on_side:
            if s.predicate not in predicates:
                predicates.append(s.predicate)
        links[side].append((predicates[0].value, Link(tuple(predicates), on_side[0].node)))

    kept: list[list[Link]] = []
    left_out: list[int] = []
    for side_links in links:
        side_links.sort(key=lambda pl: (pl[1].predicates[0].label.lower(), pl[1].node.label))
        groups: dict[str, list[Link]] = {}
        for primary, link in side_links:
            groups.setdefault(primary, []).append(link)
        # Round-robin over the properties: one objective, one target, one party … before a
        # second of any kind.
        rounds = max((len(g) for g in groups.values()), default=0)
        picked = [g[i] for i in range(rounds) for g in groups.values() if i < len(g)]
        order = {id(link): n for n, (_, link) in enumerate(side_links)}
        kept.append(sorted(picked[:limit], key=lambda link: order[id(link)]))
        left_out.append(max(0, len(picked) - limit))
    return Neighbourhood(
        centre=Node(entity.iri, "iri", entity.label),
        outgoing=tuple(kept[0]),
        incoming=tuple(kept[1]),
        more_outgoing=left_out[0],
        more_incoming=left_out[1],
    )


def entity_triples(store: GraphStore, iri: str) -> list[ox.Triple]:
    """The symmetric concise bounded description of ``iri`` over the union of the named
    graphs: its outgoing and incoming triples, and (recursively) the outgoing triples of blank
    nodes reached from it. Each triple once, in a stable order."""
    node = named_node(iri)
    seen: set[ox.Triple] = set()
    triples: list[ox.Triple] = []

    def add(quads: Iterable[ox.Quad]) -> list[ox.BlankNode]:
        blanks = []
        for q in quads:
            triple = ox.Triple(q.subject, q.predicate, q.object)
            if triple not in seen:
                seen.add(triple)
                triples.append(triple)
                if isinstance(q.object, ox.BlankNode):
                    blanks.append(q.object)
        return blanks

    pending = add(store.quads_for_pattern(node, None, None))
    add(store.quads_for_pattern(None, None, node))
    visited: set[ox.BlankNode] = set()
    while pending:
        blank = pending.pop()
        if blank not in visited:
            visited.add(blank)
            pending.extend(add(store.quads_for_pattern(blank, None, None)))
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


#: Serialisation formats of :func:`serialize`: name -> media type.
RDF_MEDIA_TYPES = {
    name: syntax.media_type
    for name in ("ttl", "jsonld", "nt")
    if (syntax := rdf_format_named(name)) is not None
}


def serialize(triples: list[ox.Triple], fmt: str) -> bytes:
    """``triples`` as Turtle (``ttl``), N-Triples (``nt``) or JSON-LD (``jsonld``, compacted
    with the project's prefixes as an inline ``@context``: no remote context to fetch).

    JSON-LD cannot carry RDF 1.2 triple terms (``<<( s p o )>>``, which a writer may have
    uploaded): then :class:`kg.rdf.syntax_limits.UnwritableGraph` (a ``ValueError``) with a message
    for
    the client naming Turtle and N-Triples, which can. Literals with a base direction
    (``"x"@en--ltr``), which rdflib cannot read, are written by Oxigraph instead: the same
    JSON-LD, expanded (no ``@context``).

    >>> t = ox.Triple(ox.NamedNode("https://example.org/a"),
    ...               ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("A"))
    >>> serialize([t], "nt")
    b'<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "A" .\\n'
    >>> serialize([ox.Triple(t.subject, t.predicate, t)], "jsonld")
    Traceback (most recent call last):
    ...
    kg.rdf.syntax_limits.UnwritableGraph: This description holds RDF 1.2 triple terms, ... N-Triples
    """
    if fmt == "ttl":
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
    if fmt == "nt":
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    if fmt == "jsonld":
        check_writable(
            triples,
            ox.RdfFormat.JSON_LD,
            what="This description",
            offered=(ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES),
        )
        if any(isinstance(t.object, ox.Literal) and t.object.direction for t in triples):
            return ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b""
        from rdflib import Graph  # rdflib compacts JSON-LD with a context; Oxigraph expands
        from rdflib.exceptions import ParserError

        ntriples = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        try:
            graph = Graph().parse(data=ntriples.decode("utf-8"), format="nt")
        except ParserError:  # RDF 1.2 that rdflib cannot read yet: Oxigraph's JSON-LD
            return ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b""
        text = graph.serialize(format="json-ld", context=dict(PREFIXES), auto_compact=True)
        return text.encode("utf-8")
    raise ValueError(f"unknown RDF format {fmt!r}: use one of {', '.join(RDF_MEDIA_TYPES)}")
