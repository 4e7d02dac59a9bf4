"""The shapes graph as the SHACL compiler reads it, and the state its parts share.

:class:`ShapesGraph` answers what pySHACL would read of a shape (its single values, severity,
messages, path, the shapes that use it) and keeps what every part of the compiler
(:mod:`kg.shacl.compiler`) shares: fresh variable names, a key per shape, the class
hierarchy of the data and the SPARQL prefixes that SHACL-SPARQL text may use.

Spec: SHACL https://www.w3.org/TR/shacl/ (shapes §2.1, prefix declarations §5.2.1).
"""

from __future__ import annotations

from collections.abc import Mapping

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from kg.shacl.model import INTERNAL, ShapeCompileError

__all__ = ["ShapesGraph"]

_TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


class ShapesGraph:
    """The shapes graph being compiled (``g``), ``closure`` (each class and the classes
    below it in the data) and ``class_sizes`` (instances per class, if known)."""

    def __init__(
        self,
        shapes: Graph,
        closure: Mapping[Node, frozenset[Node]],
        class_sizes: Mapping[Node, int] | None = None,
    ) -> None:
        self.g = shapes
        self.closure = closure
        self.class_sizes = class_sizes
        self.counter = 0
        self.ids: dict[Node, int] = {}
        self.prefixes: dict[str, str] = {}

    def fresh(self, stem: str) -> str:
        """A variable no other part of any query uses (``?shq_<stem><n>``)."""
        self.counter += 1
        return f"?{INTERNAL}{stem}{self.counter}"

    def shape_id(self, shape: Node) -> int:
        return self.ids.setdefault(shape, len(self.ids))

    def name(self, shape: Node) -> str:
        return shape.n3()

    def one(self, shape: Node, predicate: URIRef) -> Node | None:
        values = list(self.g.objects(shape, predicate))
        if len(values) > 1:
            raise ShapeCompileError(
                f"shape {self.name(shape)} has {len(values)} values for {predicate.n3()}; "
                "pySHACL would pick one at random, so give exactly one"
            )
        return values[0] if values else None

    def deactivated(self, node: Node) -> bool:
        flag = self.one(node, SH.deactivated)
        return isinstance(flag, Literal) and bool(flag.value)

    def severity(self, shape: Node) -> URIRef:
        severity = self.one(shape, SH.severity)
        if severity is None:
            return SH.Violation
        if not isinstance(severity, URIRef):
            raise ShapeCompileError(f"shape {self.name(shape)}: sh:severity must be an IRI")
        return severity

    def path_of(self, shape: Node) -> Node | None:
        return self.one(shape, SH.path)

    def classes_below(self, cls: Node) -> list[Node]:
        found = self.closure.get(cls, frozenset({cls}))
        return sorted((c for c in found if isinstance(c, URIRef)), key=str)

    def all_shapes(self) -> list[Node]:
        found: set[Node] = set()
        for kind in (SH.NodeShape, SH.PropertyShape):
            found |= set(self.g.subjects(RDF.type, kind))
        for predicate in (*_TARGET_PREDICATES, SH.target, SH.path, SH.property):
            found |= set(self.g.subjects(predicate, None))
        found |= set(self.g.objects(None, SH.property))
        return sorted(found, key=lambda n: (isinstance(n, BNode), str(n)))

    def owners(self, shape: Node) -> list[Node]:
        """The active shapes that use ``shape`` through ``sh:property``."""
        found = (o for o in self.g.subjects(SH.property, shape) if not self.deactivated(o))
        return sorted(found, key=lambda n: (isinstance(n, BNode), str(n)))

    def check_depth(self, shape: Node, depth: int) -> None:
        if depth > 8:
            raise ShapeCompileError(f"shape {self.name(shape)}: sh:property nests too deep")

    def items(self, shape: Node, head: Node) -> list[Node]:
        try:
            return list(Collection(self.g, head))
        except Exception as err:  # a malformed RDF list
            raise ShapeCompileError(f"shape {self.name(shape)}: malformed RDF list") from err

    def messages(self, shape: Node, parameter: Node) -> tuple[Literal, ...]:
        messages = tuple(
            sorted(
                (m for m in self.g.objects(shape, SH.message) if isinstance(m, Literal)), key=str
            )
        )
        if not messages and parameter != SH.sparql:
            raise ShapeCompileError(
                f"shape {self.name(shape)} has no sh:message: pySHACL would generate one "
                "(not reproduced here); give the shape an sh:message"
            )
        return messages

    # ---------------------------------------------------------------- prefixes

    def collect_prefixes(self, shape: Node, node: Node) -> None:
        """Add the prefixes a SHACL-SPARQL text may use (SHACL §5.2.1), as pySHACL does."""
        found = {
            "rdf": str(RDF),
            "rdfs": str(RDFS),
            "owl": str(OWL),
        }
        ontologies = set(self.g.subjects(RDF.type, OWL.Ontology))
        everywhere = {d for o in ontologies for d in self.g.objects(o, SH.declare)}
        for holder in self.g.objects(node, SH.prefixes):
            own = set(self.g.objects(holder, SH.declare))
            declares = own if (own and holder in ontologies) else everywhere | own
            for declare in declares:
                prefix = self.g.value(declare, SH.prefix)
                namespace = self.g.value(declare, SH.namespace)
                if prefix is None or namespace is None:
                    raise ShapeCompileError(
                        f"shape {self.name(shape)}: sh:declare needs sh:prefix and sh:namespace"
                    )
                found[str(prefix)] = str(namespace)
        for name, iri in found.items():
            known = self.prefixes.setdefault(name, iri)
            if known != iri:
                raise ShapeCompileError(
                    f"shape {self.name(shape)}: prefix {name}: is declared as both "
                    f"<{known}> and <{iri}>"
                )

    def prologue(self) -> str:
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(self.prefixes.items()))
