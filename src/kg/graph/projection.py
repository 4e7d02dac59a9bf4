"""The graph projection: the store as a typed, labelled property graph (networkx behind a small
interface of our own, so traversal code and tests never touch networkx directly).

What becomes what
-----------------
* **Nodes** are the IRIs (and blank nodes) that occur as subject or object of a data triple.
  Each has a ``label`` (``rdfs:label``, else ``skos:prefLabel``, ``dcterms:title``,
  ``skos:notation``; English first), a ``kind`` (the most specific ``rdf:type``, e.g.
  ``TSCSupportCentre`` or ``GBFIndicator``), all its types, the ``conventions`` it belongs to
  (see :mod:`kg.graph.conventions`) and its literal-valued properties (``literals``).
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
  controlled values such as ``mea:NotInFramework`` that data triples point at;
  :mod:`kg.graph.schema`).

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

The quads are read and folded by :mod:`kg.graph.ingest`; this module holds the projection
itself (its nodes, edges and lookups) and how it is loaded for a built store.

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

import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from kg.graph.elements import Edge, NodeInfo, ProjectionInfo, Step
from kg.graph.ingest import assemble, data_quads, ingest
from kg.graph.naming import expand, local_name
from kg.graph.schema import Schema, read_schema
from kg.graph.search import LabelIndex
from kg.rdf.namespaces import graph_iri
from kg.settings import Settings
from kg.stores.base import GraphStore, is_solutions

__all__ = ["EXAMPLE_NQUADS", "GraphProjection", "graph_sizes", "load_projection"]

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


class GraphProjection:
    """A read-only property graph over one snapshot of the store.

    Build it with :meth:`from_store`; ask it with :meth:`node`, :meth:`objects`,
    :meth:`subjects`, :meth:`edges_of`, :meth:`find`; walk it with :mod:`kg.graph.walks`;
    hand it to the exporters with :meth:`to_networkx`.
    """

    def __init__(
        self,
        graph: nx.MultiDiGraph,
        *,
        schema: Schema,
        info: ProjectionInfo,
    ) -> None:
        self._g = graph
        self._schema = schema
        self._sub = {p: {p, *subs} for p, subs in schema.subproperties().items()}
        self.info = info
        self._labels: LabelIndex | None = None
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
        schema = read_schema(store, ontology)
        parts = ingest(
            data_quads(store, ontology, nquads),
            schema=schema,
            ontology=ontology.value,
            inferred=graph_iri(base_iri, "inferred"),
        )
        info = ProjectionInfo(
            quads_read=parts.quads, base_iri=base_iri.rstrip("/"), snapshot=snapshot
        )
        graph = assemble(schema=schema, parts=parts, info=info, started=started)
        return cls(graph, schema=schema, info=info)

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

    # ------------------------------------------------------------------ search

    def find(self, text: str, *, kinds: Iterable[str] = (), limit: int = 50) -> list[str]:
        """Nodes whose label matches ``text``, best matches first (see
        :meth:`LabelIndex.find <kg.graph.search.LabelIndex.find>`); the index is built on
        first use."""
        if self._labels is None:
            self._labels = LabelIndex(self)
        return self._labels.find(text, kinds=kinds, limit=limit)

    # ------------------------------------------------------------------ analyses

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
