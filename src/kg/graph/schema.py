"""What the projection reads from the ontology graph: inverse pairs (which direction is
drawn), the sub-property and class hierarchies closed transitively, labels of predicates and
controlled values, and which subjects are schema terms (never nodes)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pyoxigraph as ox

from kg.graph.naming import LABEL_PROPERTIES, RDF_TYPE, curie, expand
from kg.stores.base import GraphStore

__all__ = ["Schema", "ancestors", "read_schema", "term_id"]

#: Types that mark a subject of the ontology graph as a schema term (never a node).
SCHEMA_TYPES = frozenset(
    expand(t)
    for t in (
        "owl:Class",
        "owl:ObjectProperty",
        "owl:DatatypeProperty",
        "owl:AnnotationProperty",
        "owl:Ontology",
        "owl:TransitiveProperty",
        "owl:SymmetricProperty",
        "rdfs:Class",
        "rdf:Property",
    )
)
_INVERSE_OF = expand("owl:inverseOf")
_SUB_PROPERTY_OF = expand("rdfs:subPropertyOf")
_EQUIVALENT_PROPERTY = expand("owl:equivalentProperty")
_SUB_CLASS_OF = expand("rdfs:subClassOf")
_EQUIVALENT_CLASS = expand("owl:equivalentClass")


@dataclass
class Schema:
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


def term_id(term: Any) -> str:
    """A node's id: the IRI, or ``_:`` and the label of a blank node."""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term.value)


def ancestors(parents: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """Each node's ancestors at any depth (itself excluded, even on a cycle), from its direct
    parents.

    >>> {node: sorted(up) for node, up in ancestors({"a": {"b"}, "b": {"c", "a"}}).items()}
    {'a': ['b', 'c'], 'b': ['a', 'c']}
    """
    up = nx.DiGraph((child, parent) for child, ps in parents.items() for parent in ps)
    up.add_nodes_from(parents)
    return {node: nx.descendants(up, node) for node in parents}


def read_schema(store: GraphStore, ontology: ox.NamedNode) -> Schema:
    """What the ontology graph ``ontology`` of ``store`` says the projection needs."""
    schema = Schema()
    inverse_decl: list[tuple[str, str]] = []
    sub_prop: dict[str, set[str]] = defaultdict(set)
    sub_class: dict[str, set[str]] = defaultdict(set)
    for quad in store.quads_for_pattern(None, None, None, ontology):
        s, p, o = term_id(quad.subject), quad.predicate.value, quad.object
        if isinstance(o, ox.Literal):
            if p in LABEL_PROPERTIES[:2] and (o.language in (None, "en")):
                schema.labels.setdefault(s, o.value)
            continue
        if isinstance(o, ox.Triple):  # a statement about a statement: nothing the model says
            continue
        ov = term_id(o)
        if p == RDF_TYPE:
            schema.types.setdefault(s, set()).add(ov)
            if ov in SCHEMA_TYPES:
                schema.terms.add(s)
        elif p == _INVERSE_OF:
            inverse_decl.append((s, ov))
        elif p in (_SUB_PROPERTY_OF, _EQUIVALENT_PROPERTY):
            sub_prop[s].add(ov)
            if p == _EQUIVALENT_PROPERTY:
                sub_prop[ov].add(s)
        elif p in (_SUB_CLASS_OF, _EQUIVALENT_CLASS):
            sub_class[s].add(ov)
            if p == _EQUIVALENT_CLASS:
                sub_class[ov].add(s)
    for canonical, other in inverse_decl:
        # The subject of the declaration is the direction drawn; a pair declared both ways
        # keeps whichever declaration came first.
        if canonical not in schema.canonical_inverse and canonical != other:
            schema.canonical_inverse.setdefault(curie(other), curie(canonical))
    schema.superproperties = {
        curie(k): {curie(v) for v in vs} for k, vs in ancestors(sub_prop).items() if vs
    }
    schema.superclasses = ancestors(sub_class)
    return schema
