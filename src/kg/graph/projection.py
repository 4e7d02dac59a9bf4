"""The graph projection: the store as a typed, labelled property graph (networkx behind a small
interface of our own, so traversal code and tests never touch networkx directly).

What becomes what
-----------------
* **Nodes** are the IRIs (and blank nodes) that occur as subject or object of a data triple.
  Each has a ``label`` (``rdfs:label``, else ``skos:prefLabel``, ``dcterms:title``,
  ``skos:notation``; English first), a ``kind`` (the most specific ``rdf:type``, e.g.
  ``TSCSupportCentre`` or ``GBFIndicator``), all its types, the ``conventions`` it belongs to
  (see :data:`AGREEMENT_LINKS`) and its literal-valued properties (``literals``).
* **Literal-valued triples** become node attributes, never nodes; ``rdf:type`` becomes the
  ``types`` / ``kind`` attributes, never an edge.
* **Edges** carry the predicate as a CURIE (``mea:hasOutcome``); a node pair has at most one
  edge per predicate (networkx ``MultiDiGraph`` keyed by predicate).
* **RDF 1.2 triple terms are left out**: a triple whose object is a triple term
  (``<<( s p o )>>``, e.g. the ``rdf:reifies`` of a reifier) states something about a
  statement, not a link between two resources, so it gives no edge and no node (a reifier's
  other triples are kept, the reifier being a blank node). Nor do triples of the default
  graph count: a projection reads the named graphs.
* **Schema-level triples are left out**: the ontology graph (``<base>/graph/ontology``) gives
  no edges and no nodes. It is read for what the projection needs to know about the model
  (inverse pairs, sub-properties, the class hierarchy, labels of predicates and of the
  controlled values such as ``mea:NotInFramework`` that data triples point at).

Asserted and inferred edges
---------------------------
Edges come from the asserted triples **plus** the inferred graph, folded so that each fact is
drawn once:

1. An inverse pair is drawn in one direction only, the one the ontology declares with
   ``owl:inverseOf`` (``hasOutcome``, not ``outcomeOf``; ``partyTo``, not ``hasParty``).
   An asserted ``x mea:outcomeOf w`` is drawn as ``w mea:hasOutcome x``.
2. Between the same two nodes, a super-property edge is dropped when a sub-property edge is
   there (``mea:hasHeadlineIndicator`` hides the inferred ``mea:hasIndicator``;
   ``mea:fromDocument`` hides ``prov:wasDerivedFrom``).
3. What is left of the inferred graph are the shortcuts of the property chains and the
   transitive closure (``tracksHeadlineIndicator``, a centre's ``contributesToTarget``, ...).
   They are kept with ``inferred=True``. Traversals walk the asserted edges (so every path
   they show is something a document or the reference data says) unless asked otherwise;
   exports and the browser view leave the shortcuts out by default.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.load(input=EXAMPLE_NQUADS, format=ox.RdfFormat.N_QUADS)
>>> g = GraphProjection.from_store(store, base_iri="https://w3id.org/mea-kg")
>>> g.node_count, g.edge_count
(3, 3)
>>> g.node("urn:w").label, g.node("urn:w").kind
('Workplan W', 'Workplan')
>>> [(e.source, e.predicate, e.target) for e in g.out_edges("urn:w")]
[('urn:w', 'mea:hasOutcome', 'urn:o')]
>>> g.objects("urn:o", "mea:outcomeOf")  # the inverse is answered from the canonical edge
['urn:w']
>>> g.objects("urn:w", "mea:contributesToTarget"), g.objects(
...     "urn:w", "mea:contributesToTarget", inferred=True)
([], ['urn:t'])
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from kg.rdf.namespaces import PREFIXES, graph_iri
from kg.reason.materialise import close_parents
from kg.settings import Settings
from kg.stores.base import GraphStore, is_solutions

__all__ = [
    "AGREEMENT_LINKS",
    "BOOKKEEPING_PREDICATES",
    "Edge",
    "GraphProjection",
    "NodeInfo",
    "ProjectionInfo",
    "Step",
    "edge_id",
    "graph_sizes",
    "load_projection",
]

#: Prefixes used to write predicates and types as CURIEs (the project's own, plus the
#: vocabularies the ontology aligns with).
CURIE_PREFIXES: dict[str, str] = {
    **PREFIXES,
    "schema": "https://schema.org/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "time": "http://www.w3.org/2006/time#",
}
_RDF_TYPE = PREFIXES["rdf"] + "type"
_RDFS = PREFIXES["rdfs"]
_OWL = PREFIXES["owl"]
_SKOS = PREFIXES["skos"]
_DCTERMS = PREFIXES["dcterms"]

#: Literal properties that name a node, best first.
LABEL_PROPERTIES = (
    _RDFS + "label",
    _SKOS + "prefLabel",
    _DCTERMS + "title",
    _SKOS + "notation",
)
LABEL_CURIES = ("rdfs:label", "skos:prefLabel", "dcterms:title", "skos:notation")
#: Literal properties searched by :meth:`GraphProjection.find`: labels, alternative labels
#: and the codes people type (``UZB``, ``BC-14/18``, ``3.1``).
SEARCH_PROPERTIES = (
    *LABEL_PROPERTIES,
    _SKOS + "altLabel",
    PREFIXES["mea"] + "iso3166Alpha3",
    PREFIXES["mea"] + "decisionCode",
)

#: Kinds listed first when several nodes match a search (the things people ask about).
SEARCH_KIND_ORDER = (
    "Agreement",
    "Centre",
    "Workplan",
    "Decision",
    "Meeting",
    "Party",
    "Country",
    "Organisation",
    "Committee",
    "Goal",
    "Target",
    "GBFIndicator",
    "Activity",
    "Outcome",
    "Project",
    "Event",
    "Output",
)

#: Types that mark a subject of the ontology graph as a schema term (never a node).
_SCHEMA_TYPES = frozenset(
    _OWL + t
    for t in (
        "Class",
        "ObjectProperty",
        "DatatypeProperty",
        "AnnotationProperty",
        "Ontology",
        "TransitiveProperty",
        "SymmetricProperty",
    )
) | {_RDFS + "Class", PREFIXES["rdf"] + "Property"}

#: Predicates that say where a fact came from or which scheme a concept is in: true, but
#: they join everything in a document (or the whole GBF) through one hub, so shortest paths
#: and centrality leave them out unless asked.
BOOKKEEPING_PREDICATES = frozenset(
    {
        "mea:fromDocument",
        "prov:wasDerivedFrom",
        "skos:inScheme",
        "skos:topConceptOf",
        "skos:hasTopConcept",
        "dcterms:source",
        "rdfs:seeAlso",
    }
)

#: Predicates whose IRI objects are links to web pages, kept as node attributes (like
#: literals), not as nodes.
LINK_PREDICATES = frozenset({"rdfs:seeAlso", "foaf:page", "foaf:homepage"})

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

EXAMPLE_NQUADS = """\
<urn:w> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> \
<https://w3id.org/mea-kg/ontology#Workplan> <urn:g> .
<urn:w> <http://www.w3.org/2000/01/rdf-schema#label> "Workplan W"@en <urn:g> .
<urn:o> <https://w3id.org/mea-kg/ontology#outcomeOf> <urn:w> <urn:g> .
<urn:o> <https://w3id.org/mea-kg/ontology#contributesToTarget> <urn:t> <urn:g> .
<urn:w> <https://w3id.org/mea-kg/ontology#hasOutcome> <urn:o> \
<https://w3id.org/mea-kg/graph/inferred> .
<urn:w> <https://w3id.org/mea-kg/ontology#contributesToTarget> <urn:t> \
<https://w3id.org/mea-kg/graph/inferred> .
<https://w3id.org/mea-kg/ontology#hasOutcome> <http://www.w3.org/2002/07/owl#inverseOf> \
<https://w3id.org/mea-kg/ontology#outcomeOf> <https://w3id.org/mea-kg/graph/ontology> .
"""


def curie(iri: str) -> str:
    """``iri`` as a CURIE with a known prefix, else unchanged.

    >>> curie("https://w3id.org/mea-kg/ontology#hasOutcome")
    'mea:hasOutcome'
    >>> curie("urn:x")
    'urn:x'
    """
    for prefix, namespace in CURIE_PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def expand(name: str) -> str:
    """A CURIE with a known prefix as a full IRI, else unchanged.

    >>> expand("kmgbf:target_3")
    'http://metadata.cbd.int/kmgbf/target_3'
    """
    prefix, sep, local = name.partition(":")
    if sep and prefix in CURIE_PREFIXES and not local.startswith("//"):
        return CURIE_PREFIXES[prefix] + local
    return name


def local_name(iri: str) -> str:
    """The part of an IRI after its last ``#`` or ``/`` (a trailing ``/`` ignored).

    >>> local_name("https://w3id.org/mea-kg/ontology#TSCSupportCentre")
    'TSCSupportCentre'
    >>> local_name("https://www.ecolex.org/details/treaty/TRE-001003/")
    'TRE-001003'
    """
    trimmed = iri.rstrip("/") or iri
    return trimmed.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def edge_id(source: str, predicate: str, target: str) -> str:
    """A short, stable id of an edge (the same in every answer, export and the browser view).

    >>> edge_id("urn:a", "mea:hasOutcome", "urn:b")
    'ea9c3b874c58bf4ae'
    """
    digest = hashlib.sha1(f"{source} {predicate} {target}".encode(), usedforsecurity=False)
    return "e" + digest.hexdigest()[:16]


@dataclass(frozen=True)
class NodeInfo:
    """What the projection knows about one node."""

    iri: str
    label: str
    kind: str
    kinds: frozenset[str]
    types: tuple[str, ...]
    conventions: tuple[str, ...]
    notation: str | None
    literals: Mapping[str, tuple[str, ...]]

    def is_a(self, kind: str) -> bool:
        """Whether the node has the class named ``kind`` (local name) among its types."""
        return kind in self.kinds


@dataclass(frozen=True)
class Edge:
    """One drawn fact: ``source predicate target`` (predicate as a CURIE)."""

    source: str
    predicate: str
    target: str
    inferred: bool = False


@dataclass(frozen=True)
class Step:
    """One hop of a walk: from ``source`` to ``target`` over ``edge`` (which may point the
    other way when the walk went against its direction)."""

    edge: Edge
    source: str
    target: str

    @property
    def forward(self) -> bool:
        return self.edge.source == self.source


@dataclass
class ProjectionInfo:
    """How a projection was made (``/api/graph/info``, the benchmark)."""

    nodes: int = 0
    edges: int = 0
    inferred_edges: int = 0
    quads_read: int = 0
    build_seconds: float = 0.0
    base_iri: str = ""
    snapshot: str | None = None
    kinds: dict[str, int] = field(default_factory=dict)


@dataclass
class _Schema:
    """What the projection reads from the ontology graph."""

    canonical_inverse: dict[str, str] = field(default_factory=dict)  # non-canonical -> canon
    superproperties: dict[str, set[str]] = field(default_factory=dict)  # p -> strict supers
    superclasses: dict[str, set[str]] = field(default_factory=dict)  # c -> strict supers
    labels: dict[str, str] = field(default_factory=dict)
    types: dict[str, set[str]] = field(default_factory=dict)
    terms: set[str] = field(default_factory=set)

    def subproperties(self) -> dict[str, set[str]]:
        subs: dict[str, set[str]] = defaultdict(set)
        for prop, supers in self.superproperties.items():
            for sup in supers:
                subs[sup].add(prop)
        return subs


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


def _term_id(term: Any) -> str:
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term.value)


def _read_schema(store: GraphStore, ontology: ox.NamedNode) -> _Schema:
    schema = _Schema()
    inverse_decl: list[tuple[str, str]] = []
    sub_prop: dict[str, set[str]] = defaultdict(set)
    sub_class: dict[str, set[str]] = defaultdict(set)
    for quad in store.quads_for_pattern(None, None, None, ontology):
        s, p, o = _term_id(quad.subject), quad.predicate.value, quad.object
        if isinstance(o, ox.Literal):
            if p in LABEL_PROPERTIES[:2] and (o.language in (None, "en")):
                schema.labels.setdefault(s, o.value)
            continue
        if isinstance(o, ox.Triple):  # a statement about a statement: nothing the model says
            continue
        ov = _term_id(o)
        if p == _RDF_TYPE:
            schema.types.setdefault(s, set()).add(ov)
            if ov in _SCHEMA_TYPES:
                schema.terms.add(s)
        elif p == _OWL + "inverseOf":
            inverse_decl.append((s, ov))
        elif p in (_RDFS + "subPropertyOf", _OWL + "equivalentProperty"):
            sub_prop[s].add(ov)
            if p == _OWL + "equivalentProperty":
                sub_prop[ov].add(s)
        elif p in (_RDFS + "subClassOf", _OWL + "equivalentClass"):
            sub_class[s].add(ov)
            if p == _OWL + "equivalentClass":
                sub_class[ov].add(s)
    for canonical, other in inverse_decl:
        # The subject of the declaration is the direction drawn; a pair declared both ways
        # keeps whichever declaration came first.
        if canonical not in schema.canonical_inverse and canonical != other:
            schema.canonical_inverse.setdefault(curie(other), curie(canonical))
    schema.superproperties = {
        curie(k): {curie(v) for v in vs} for k, vs in close_parents(sub_prop).items() if vs
    }
    schema.superclasses = close_parents(sub_class)
    return schema


@dataclass
class _Parts:
    """What :func:`_ingest` collects from the data quads."""

    types: dict[str, set[str]]
    literals: dict[str, dict[str, list[tuple[str, str | None]]]]
    edges: dict[tuple[str, str, str], bool]  # (s, canonical p, o) -> inferred
    quads: int


def _ingest(quads: Iterable[ox.Quad], *, schema: _Schema, ontology: str, inferred: str) -> _Parts:
    """Sort the data quads into types, literal attributes and (canonically directed) edges.

    The hot loop of a projection: one pass, locals only, one string object per IRI.
    """
    intern: dict[str, str] = {}
    iid = intern.setdefault
    types: dict[str, set[str]] = defaultdict(set)
    literals: dict[str, dict[str, list[tuple[str, str | None]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    edges: dict[tuple[str, str, str], bool] = {}
    pred_curie: dict[str, str] = {}
    canonical_inverse = schema.canonical_inverse
    terms = schema.terms
    named, blank, literal = ox.NamedNode, ox.BlankNode, ox.Literal
    count = 0
    for quad in quads:
        graph_name = quad.graph_name
        if graph_name.__class__ is ox.DefaultGraph:
            # Only named graphs are projected (a store scan reads nothing else); a snapshot
            # file holding default-graph lines is read the same way.
            continue
        graph = graph_name.value  # type: ignore[union-attr]
        if graph == ontology:
            continue
        count += 1
        subject = quad.subject
        kind = subject.__class__
        if kind is named:
            s = subject.value  # type: ignore[union-attr]
        elif kind is blank:
            s = "_:" + subject.value  # type: ignore[union-attr]
        else:  # not in RDF 1.2, which allows triple terms as objects only; never a node
            continue
        s = iid(s, s)
        if s in terms:
            continue
        p_iri = quad.predicate.value
        obj = quad.object
        cls_ = obj.__class__
        if cls_ is literal:
            # Any literal, whatever its datatype (ill-typed, rdf:JSON, a base direction ...),
            # is kept by its lexical form and language tag: an attribute, never a node.
            p = pred_curie.get(p_iri) or pred_curie.setdefault(p_iri, curie(p_iri))
            literals[s][p].append((obj.value, obj.language))  # type: ignore[union-attr]
            continue
        if cls_ is named:
            o = obj.value  # type: ignore[union-attr]
        elif cls_ is blank:
            o = "_:" + obj.value  # type: ignore[union-attr]
        else:
            # An RDF 1.2 triple term (``<<( s p o )>>``, also what a reifier's
            # ``rdf:reifies`` points at): a statement about a statement, not a resource. The
            # projection is of resources and their links, so the statement is left out; the
            # reifier's own links, if any, stay (it is a node like any blank node).
            continue
        o = iid(o, o)
        if p_iri == _RDF_TYPE:
            types[s].add(o)
            continue
        p = pred_curie.get(p_iri) or pred_curie.setdefault(p_iri, curie(p_iri))
        if p in LINK_PREDICATES:
            literals[s][p].append((o, None))
            continue
        canonical = canonical_inverse.get(p)
        key = (o, canonical, s) if canonical else (s, p, o)
        edges[key] = edges.get(key, True) and graph == inferred
    return _Parts(types=types, literals=literals, edges=edges, quads=count)


class GraphProjection:
    """A read-only property graph over one snapshot of the store.

    Build it with :meth:`from_store`; ask it with :meth:`node`, :meth:`objects`,
    :meth:`subjects`, :meth:`edges_of`, :meth:`find`, :meth:`shortest_paths`; hand it to the
    exporters with :meth:`to_networkx`.
    """

    def __init__(
        self,
        graph: nx.MultiDiGraph,
        *,
        schema: _Schema,
        info: ProjectionInfo,
    ) -> None:
        self._g = graph
        self._schema = schema
        self._sub = {p: {p, *subs} for p, subs in schema.subproperties().items()}
        self.info = info
        self._search: dict[str, list[str]] | None = None
        self._cache: dict[Any, Any] = {}
        self._splits: dict[str | tuple[str, ...], tuple[frozenset[str], frozenset[str]]] = {}

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_store(
        cls,
        store: GraphStore,
        *,
        base_iri: str,
        snapshot: str | None = None,
        nquads: Path | None = None,
    ) -> GraphProjection:
        """Project every named graph of ``store`` except the ontology graph (see module doc).

        ``nquads``, the snapshot file the store was loaded from, is read instead of scanning
        the store when given: the same quads, and parsing them is several times faster than
        Oxigraph decoding them from disk (1M quads: about 4 s against 30 s).
        :func:`load_projection` passes it only when the store holds exactly the snapshot's
        graphs and triple counts.
        """
        started = time.perf_counter()
        ontology = ox.NamedNode(graph_iri(base_iri, "ontology"))
        schema = _read_schema(store, ontology)
        if nquads is not None:
            quads: Iterable[ox.Quad] = ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        else:
            quads = (
                quad
                for graph in store.named_graphs()
                if graph != ontology
                for quad in store.quads_for_pattern(None, None, None, graph)
            )
        parts = _ingest(
            quads,
            schema=schema,
            ontology=ontology.value,
            inferred=graph_iri(base_iri, "inferred"),
        )
        return cls._assemble(
            schema=schema,
            parts=parts,
            info=ProjectionInfo(
                quads_read=parts.quads, base_iri=base_iri.rstrip("/"), snapshot=snapshot
            ),
            started=started,
        )

    @classmethod
    def _assemble(
        cls,
        *,
        schema: _Schema,
        parts: _Parts,
        info: ProjectionInfo,
        started: float,
    ) -> GraphProjection:
        g = nx.MultiDiGraph()
        edges = parts.edges
        nodes: set[str] = set(parts.types) | set(parts.literals)
        for s, _p, o in edges:
            nodes.add(s)
            nodes.add(o)
        nodes -= schema.terms
        attributes = _Attributes(schema)
        for node in nodes:
            all_types = parts.types.get(node, set()) | schema.types.get(node, set())
            g.add_node(node, **attributes(node, all_types, parts.literals.get(node)))
        # Rule 2: between the same two nodes, a sub-property edge hides its super-properties.
        by_pair: dict[tuple[str, str], list[str]] = defaultdict(list)
        for s, p, o in edges:
            by_pair[(s, o)].append(p)
        batch = []
        for (s, o), preds in by_pair.items():
            if s not in nodes or o not in nodes:
                continue
            if len(preds) == 1:
                batch.append((s, o, preds[0], {"inferred": edges[(s, preds[0], o)]}))
                continue
            present = set(preds)
            hidden: set[str] = set()
            for p in preds:
                hidden |= schema.superproperties.get(p, set())
            for p in preds:
                if p in hidden:
                    continue
                # Asserted if it, or any edge it hides, was asserted.
                folded = present & schema.superproperties.get(p, set())
                flag = edges[(s, p, o)] and all(edges[(s, q, o)] for q in folded)
                batch.append((s, o, p, {"inferred": flag}))
        g.add_edges_from(batch)
        _assign_conventions(g)
        info.nodes = g.number_of_nodes()
        info.edges = len(batch)
        info.inferred_edges = sum(1 for *_, d in batch if d["inferred"])
        counts: dict[str, int] = defaultdict(int)
        for _, kind in g.nodes(data="kind"):
            counts[kind] += 1
        info.kinds = dict(sorted(counts.items()))
        info.build_seconds = time.perf_counter() - started
        return cls(g, schema=schema, info=info)

    # ------------------------------------------------------------------ nodes

    @property
    def node_count(self) -> int:
        return int(self._g.number_of_nodes())

    @property
    def edge_count(self) -> int:
        return int(self._g.number_of_edges())

    def __contains__(self, iri: object) -> bool:
        return iri in self._g

    def node(self, iri: str) -> NodeInfo:
        """The node ``iri`` (``KeyError`` if it is not in the projection)."""
        data = self._g.nodes[iri]
        return NodeInfo(
            iri=iri,
            label=data["label"],
            kind=data["kind"],
            kinds=data["kinds"],
            types=data["types"],
            conventions=data["conventions"],
            notation=data["notation"],
            literals=data["literals"],
        )

    def label(self, iri: str) -> str:
        return str(self._g.nodes[iri]["label"])

    def kind(self, iri: str) -> str:
        return str(self._g.nodes[iri]["kind"])

    def is_a(self, iri: str, kind: str) -> bool:
        return kind in self._g.nodes[iri]["kinds"]

    def conventions_of(self, iri: str) -> tuple[str, ...]:
        return tuple(self._g.nodes[iri]["conventions"])

    def nodes(self, *, kind: str | None = None) -> Iterator[str]:
        """IRIs of all nodes, or of those that have the class ``kind`` (local name)."""
        if kind is None:
            yield from self._g.nodes
        else:
            for iri, kinds in self._g.nodes(data="kinds"):
                if kind in kinds:
                    yield iri

    def predicate_label(self, predicate: str) -> str:
        """The ontology's label of a predicate CURIE (``has outcome``), else its local name."""
        return self._schema.labels.get(expand(predicate)) or local_name(expand(predicate))

    # ------------------------------------------------------------------ edges

    def _canonical(self, predicate: str) -> tuple[str, bool]:
        canonical = self._schema.canonical_inverse.get(predicate)
        return (canonical, True) if canonical else (predicate, False)

    def canonical_edge(self, source: str, predicate: str, target: str) -> Edge:
        """The edge drawn for ``source predicate target`` (an inverse is drawn reversed)."""
        canonical, flipped = self._canonical(predicate)
        return Edge(target, canonical, source) if flipped else Edge(source, predicate, target)

    def with_subproperties(self, predicate: str) -> frozenset[str]:
        """``predicate`` and every sub-property of it the ontology declares."""
        return frozenset(self._sub.get(predicate, {predicate}))

    def _follow(
        self, adjacency: Any, iri: str, predicates: frozenset[str], inferred: bool
    ) -> list[str]:
        out = []
        for other, keys in adjacency[iri].items():
            for key, data in keys.items():
                if key in predicates and (inferred or not data["inferred"]):
                    out.append(other)
                    break
        return out

    def objects(
        self, iri: str, predicate: str | Iterable[str], *, inferred: bool = False
    ) -> list[str]:
        """Nodes ``x`` with ``iri predicate x`` (either direction of an inverse pair works).

        ``inferred=False`` (the default) walks asserted edges only.
        """
        if iri not in self._g:
            return []
        forward, backward = self._split(predicate)
        out = self._follow(self._g.succ, iri, forward, inferred) if forward else []
        if backward:
            out += self._follow(self._g.pred, iri, backward, inferred)
        return out

    def subjects(
        self, predicate: str | Iterable[str], iri: str, *, inferred: bool = False
    ) -> list[str]:
        """Nodes ``x`` with ``x predicate iri``."""
        if iri not in self._g:
            return []
        forward, backward = self._split(predicate)
        out = self._follow(self._g.pred, iri, forward, inferred) if forward else []
        if backward:
            out += self._follow(self._g.succ, iri, backward, inferred)
        return out

    def _split(self, predicate: str | Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
        """The drawn predicates to follow forwards and backwards for ``predicate``(s)."""
        key = predicate if isinstance(predicate, str) else tuple(predicate)
        known = self._splits.get(key)
        if known is None:
            forward: set[str] = set()
            backward: set[str] = set()
            for p in [key] if isinstance(key, str) else key:
                canonical, flipped = self._canonical(p)
                (backward if flipped else forward).add(canonical)
            known = self._splits[key] = (frozenset(forward), frozenset(backward))
        return known

    def out_edges(self, iri: str, *, inferred: bool = False) -> list[Edge]:
        """Edges leaving ``iri``, sorted by predicate then target."""
        found = [
            Edge(iri, key, target, bool(data["inferred"]))
            for target, keys in self._g.succ[iri].items()
            for key, data in keys.items()
            if inferred or not data["inferred"]
        ]
        return sorted(found, key=lambda e: (e.predicate, e.target))

    def in_edges(self, iri: str, *, inferred: bool = False) -> list[Edge]:
        """Edges arriving at ``iri``, sorted by predicate then source."""
        found = [
            Edge(source, key, iri, bool(data["inferred"]))
            for source, keys in self._g.pred[iri].items()
            for key, data in keys.items()
            if inferred or not data["inferred"]
        ]
        return sorted(found, key=lambda e: (e.predicate, e.source))

    def edges_of(
        self,
        iri: str,
        *,
        inferred: bool = False,
        exclude: frozenset[str] = frozenset(),
    ) -> Iterator[Step]:
        """Every edge touching ``iri`` as a step away from it, in either direction."""
        for target, keys in self._g.succ[iri].items():
            for key, data in keys.items():
                if key not in exclude and (inferred or not data["inferred"]):
                    yield Step(Edge(iri, key, target, bool(data["inferred"])), iri, target)
        for source, keys in self._g.pred[iri].items():
            for key, data in keys.items():
                if key not in exclude and (inferred or not data["inferred"]):
                    yield Step(Edge(source, key, iri, bool(data["inferred"])), iri, source)

    def edges(self, *, inferred: bool = False) -> Iterator[Edge]:
        for s, o, key, data in self._g.edges(keys=True, data=True):
            if inferred or not data["inferred"]:
                yield Edge(s, key, o, bool(data["inferred"]))

    # ------------------------------------------------------------------ search

    def _search_index(self) -> dict[str, list[str]]:
        if self._search is None:
            index: dict[str, list[str]] = defaultdict(list)
            for iri, literals in self._g.nodes(data="literals"):
                seen = set()
                for prop in SEARCH_PROPERTIES:
                    for value in literals.get(curie(prop), ()):
                        text = normalise(value)
                        if text and text not in seen:
                            seen.add(text)
                            index[text].append(iri)
            self._search = dict(index)
        return self._search

    def find(self, text: str, *, kinds: Iterable[str] = (), limit: int = 50) -> list[str]:
        """Nodes whose label matches ``text``, best matches first: an IRI or CURIE names its
        node; else exact labels (``rdfs:label``, ``skos:prefLabel``, ``dcterms:title``,
        ``skos:altLabel``, case and spacing ignored), else labels that start with ``text``
        as a whole word, else labels that contain it. ``kinds`` keeps only nodes of those
        classes (when any match).
        """
        query = text.strip()
        for candidate in (query, expand(query), self.info.base_iri + "/id/" + query.strip("/")):
            if candidate in self._g:
                return [candidate]
        wanted = tuple(kinds)
        index = self._search_index()
        needle = normalise(query)
        if not needle:
            return []

        def keep(found: Iterable[str]) -> list[str]:
            unique = list(dict.fromkeys(found))
            if wanted:
                typed = [i for i in unique if any(self.is_a(i, k) for k in wanted)]
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
        kinds = self._g.nodes[iri]["kinds"]
        rank = next((i for i, k in enumerate(SEARCH_KIND_ORDER) if k in kinds), 99)
        return (rank, len(self.label(iri)), iri)

    # ------------------------------------------------------------------ walks

    def shortest_paths(
        self,
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
                for step in self.edges_of(node, inferred=inferred, exclude=exclude):
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
        self,
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
            for step in self.edges_of(node, inferred=inferred, exclude=exclude):
                if step.target not in dist:
                    if limit is not None and len(dist) >= limit:
                        truncated = True
                        return dist, truncated
                    dist[step.target] = dist[node] + 1
                    queue.append(step.target)
        return dist, truncated

    def edges_among(self, iris: Iterable[str], *, inferred: bool = False) -> list[Edge]:
        """Edges whose two ends are both in ``iris``."""
        keep = set(iris)
        out: list[Edge] = []
        for s in keep:
            for o, keys in self._g.succ[s].items():
                if o in keep:
                    out.extend(
                        Edge(s, key, o, bool(data["inferred"]))
                        for key, data in keys.items()
                        if inferred or not data["inferred"]
                    )
        return sorted(out, key=lambda e: (e.source, e.predicate, e.target))

    def betweenness(
        self,
        *,
        exclude: frozenset[str] = BOOKKEEPING_PREDICATES,
        work: float = 4e6,
        seed: int = 42,
    ) -> dict[str, float]:
        """Betweenness centrality on the undirected asserted graph (``exclude``d predicates
        left out): exact while nodes x edges stays within ``work``, else estimated from
        ``work / edges`` random pivots (Brandes 2001,
        https://doi.org/10.1080/0022250X.2001.9990249; Brandes & Pich 2007). Cached."""
        key = ("betweenness", exclude, work, seed)
        if key not in self._cache:
            simple = nx.Graph()
            simple.add_nodes_from(self._g.nodes)
            simple.add_edges_from(
                (s, o)
                for s, o, k, inferred in self._g.edges(keys=True, data="inferred")
                if not inferred and k not in exclude and s != o
            )
            n, m = simple.number_of_nodes(), max(simple.number_of_edges(), 1)
            # Exact while n breadth-first searches fit the budget; else that many pivots.
            k = None if n * m <= work else max(8, min(n, int(work // m)))
            self._cache[key] = nx.betweenness_centrality(simple, k=k, seed=seed)
        return dict(self._cache[key])

    def cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        """A value computed once per projection (analyses that do not change per request)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    # ------------------------------------------------------------------ export

    def to_networkx(
        self, *, nodes: Iterable[str] | None = None, inferred: bool = False
    ) -> nx.MultiDiGraph:
        """A copy as a networkx ``MultiDiGraph`` (node ids = IRIs, edge keys = predicate
        CURIEs) with the projection's attributes; exporters flatten them per format."""
        keep = set(self._g.nodes) if nodes is None else {n for n in nodes if n in self._g}
        out = nx.MultiDiGraph()
        for iri in sorted(keep):
            data = self._g.nodes[iri]
            out.add_node(iri, **data)
        chosen = sorted(
            (s, key, o, bool(data["inferred"]))
            for s, o, key, data in self._g.edges(keys=True, data=True)
            if s in keep and o in keep and (inferred or not data["inferred"])
        )
        for s, key, o, is_inferred in chosen:
            out.add_edge(s, o, key=key, predicate=key, inferred=is_inferred)
        return out


def load_projection(settings: Settings, store: GraphStore | None = None) -> GraphProjection:
    """The projection of the built store named by ``settings`` (opened if not given).

    When the snapshot beside it (``KG_SNAPSHOT_DIR``) is the one the store was loaded from
    (same named graphs, same triples in each, by the manifest), its N-Quads file is read
    instead of scanning the store, and the projection is tagged with its sha256.
    """
    from kg.build.snapshot import Manifest
    from kg.stores import open_store

    store = store if store is not None else open_store(settings)
    try:
        manifest: Manifest | None = Manifest.read(settings.snapshot_dir)
    except (OSError, ValueError, TypeError):
        manifest = None
    nquads = settings.snapshot_nquads
    use_file = (
        manifest is not None
        and manifest.base_iri == settings.base_iri
        and nquads.is_file()
        and graph_sizes(store) == manifest.graphs
    )
    return GraphProjection.from_store(
        store,
        base_iri=settings.base_iri,
        snapshot=manifest.sha256 if use_file and manifest else None,
        nquads=nquads if use_file else None,
    )


def graph_sizes(store: GraphStore) -> dict[str, int]:
    """Triples per named graph of the store (an index count: no terms decoded)."""
    answer = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert is_solutions(answer)
    return {row["g"].value: int(row["n"].value) for row in answer}


def normalise(text: str) -> str:
    """Text for label matching: case-folded, dashes unified, spacing collapsed.

    >>> normalise("  Outcome 2 – Strengthened   Policy ")
    'outcome 2 - strengthened policy'
    """
    text = text.casefold().replace("–", "-").replace("—", "-")
    return " ".join(text.split())


def _best_label(values: list[tuple[str, str | None]]) -> str | None:
    for wanted in ("en", None):
        for value, lang in values:
            if lang == wanted:
                return value
    return values[0][0] if values else None


class _Attributes:
    """Node attributes, with the type-dependent part computed once per set of types (most
    nodes share theirs)."""

    def __init__(self, schema: _Schema) -> None:
        self.schema = schema
        self.by_types: dict[frozenset[str], tuple[str, frozenset[str], tuple[str, ...]]] = {}

    def kinds(self, types: frozenset[str]) -> tuple[str, frozenset[str], tuple[str, ...]]:
        known = self.by_types.get(types)
        if known is None:
            supers = self.schema.superclasses
            closure = set(types)
            for t in types:
                closure |= supers.get(t, set())
            most_specific = [t for t in closure if not any(t in supers.get(o, ()) for o in closure)]
            # A class of the project's own model names the kind before an aligned one's.
            most_specific.sort(key=lambda t: (not t.startswith(PREFIXES["mea"]), t))
            kind = sys.intern(local_name(most_specific[0])) if most_specific else "Resource"
            known = (
                kind,
                frozenset(local_name(t) for t in closure),
                tuple(sorted(curie(t) for t in closure)),
            )
            self.by_types[types] = known
        return known

    def __call__(
        self,
        iri: str,
        types: set[str],
        literals: Mapping[str, list[tuple[str, str | None]]] | None,
    ) -> dict[str, Any]:
        # RDF has no order: sort, so every build of a snapshot gives the same attributes.
        literals = {
            p: sorted(vs, key=lambda v: (v[0], v[1] or ""))
            for p, vs in sorted((literals or {}).items())
        }
        label = None
        for prop in LABEL_CURIES:
            values = literals.get(prop)
            if values:
                label = _best_label(values)
                break
        if not label:
            label = self.schema.labels.get(iri) or local_name(iri)
        kind, kinds, curies = self.kinds(frozenset(types))
        notation = literals.get("skos:notation")
        return {
            "label": label,
            "kind": kind,
            "kinds": kinds,
            "types": curies,
            "notation": notation[0][0] if notation else None,
            "literals": {p: tuple(v for v, _ in vs) for p, vs in literals.items()},
            "conventions": (),
        }


def _assign_conventions(g: nx.MultiDiGraph) -> None:
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
