"""From quads to the projection's networkx graph: which quads are read (a store scan or the
snapshot file), sorting them into types, literal attributes and canonically directed edges,
and assembling the nodes and edges (a sub-property edge hiding its super-properties, see
:mod:`kg.graph.projection` for the rules)."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

from kg.graph.attributes import NodeAttributes
from kg.graph.conventions import assign_conventions
from kg.graph.elements import ProjectionInfo
from kg.graph.mea_tables import LINK_PREDICATES
from kg.graph.naming import RDF_TYPE, curie
from kg.graph.schema import Schema
from kg.stores.base import GraphStore

__all__ = ["Parts", "assemble", "data_quads", "ingest"]


def data_quads(store: GraphStore, ontology: ox.NamedNode, nquads: Path | None) -> Iterator[ox.Quad]:
    """The quads a projection reads: the snapshot file ``nquads`` when given, else every named
    graph of ``store`` but the ontology graph."""
    if nquads is not None:
        yield from ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    else:
        for graph in store.named_graphs():
            if graph != ontology:
                yield from store.quads_for_pattern(None, None, None, graph)


@dataclass
class Parts:
    """What :func:`ingest` collects from the data quads."""

    types: dict[str, set[str]]
    literals: dict[str, dict[str, list[tuple[str, str | None]]]]
    edges: dict[tuple[str, str, str], bool]  # (s, canonical p, o) -> inferred
    quads: int


def ingest(quads: Iterable[ox.Quad], *, schema: Schema, ontology: str, inferred: str) -> Parts:
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
        if p_iri == RDF_TYPE:
            types[s].add(o)
            continue
        p = pred_curie.get(p_iri) or pred_curie.setdefault(p_iri, curie(p_iri))
        if p in LINK_PREDICATES:
            literals[s][p].append((o, None))
            continue
        canonical = canonical_inverse.get(p)
        key = (o, canonical, s) if canonical else (s, p, o)
        edges[key] = edges.get(key, True) and graph == inferred
    return Parts(types=types, literals=literals, edges=edges, quads=count)


def assemble(
    *, schema: Schema, parts: Parts, info: ProjectionInfo, started: float
) -> nx.MultiDiGraph:
    """The graph of ``parts``: a node per resource (schema terms left out) with its attributes
    and conventions, an edge per fact once the folding rules are applied. Fills in the counts
    and timing of ``info`` (the build began at ``started``, a ``perf_counter`` reading)."""
    g = nx.MultiDiGraph()
    edges = parts.edges
    nodes: set[str] = set(parts.types) | set(parts.literals)
    for s, _p, o in edges:
        nodes.add(s)
        nodes.add(o)
    nodes -= schema.terms
    attributes = NodeAttributes(schema)
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
    assign_conventions(g)
    info.nodes = g.number_of_nodes()
    info.edges = len(batch)
    info.inferred_edges = sum(1 for *_, d in batch if d["inferred"])
    counts: dict[str, int] = defaultdict(int)
    for _, kind in g.nodes(data="kind"):
        counts[kind] += 1
    info.kinds = dict(sorted(counts.items()))
    info.build_seconds = time.perf_counter() - started
    return g
