"""A shape's own targets (SHACL §2.1.3) as SPARQL groups, for the SHACL compiler.

``sh:targetClass`` (and implicit class targets) reach the instances of the class and of every
class below it, written as a ``VALUES`` list of classes (exact, and much faster than
``rdf:type/rdfs:subClassOf*``); ``sh:targetNode``, ``sh:targetSubjectsOf``,
``sh:targetObjectsOf`` and SPARQL-based targets (``sh:target [ sh:select … ]``, SHACL-AF
§5.1) become groups of their own. The focus nodes a shape gets from the shapes that use it
are :mod:`kg.shacl.focus`'s.

Spec: SHACL targets https://www.w3.org/TR/shacl/#targets; SHACL-AF SPARQL-based targets
https://www.w3.org/TR/shacl-af/#SPARQLTarget.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdflib import Literal
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from kg.shacl.model import INTERNAL, ShapeCompileError
from kg.shacl.shapes_graph import ShapesGraph
from kg.shacl.sparql_constraints import refuse_keywords, strip_comments
from kg.shacl.sparql_text import sparql_term

__all__ = ["Targets"]


class Targets:
    """The targets of the shapes of ``shapes``."""

    def __init__(self, shapes: ShapesGraph) -> None:
        self.shapes = shapes
        self.g = shapes.g

    def is_class(self, node: Node) -> bool:
        """pySHACL's implicit class target: the shape is typed rdfs:Class (or a subclass of
        it declared in the shapes graph)."""
        classes = set(self.g.subjects(RDFS.subClassOf, RDFS.Class)) | {RDFS.Class}
        return bool(set(self.g.objects(node, RDF.type)) & classes)

    def target_classes(self, shape: Node) -> set[Node]:
        """The classes whose instances ``sh:targetClass`` (or an implicit class target)
        reaches: the targets and every class below them."""
        classes = list(self.g.objects(shape, SH.targetClass))
        if self.is_class(shape):  # implicit class target (SHACL §2.1.3.3)
            classes.append(shape)
        return {c for cls in classes for c in self.shapes.classes_below(cls)}

    def other_targets(self, shape: Node, this: str) -> list[str]:
        """SPARQL groups binding ``this`` to the shape's targets other than classes."""
        groups: list[str] = []
        for node in sorted(self.g.objects(shape, SH.targetNode), key=str):
            groups.append(f"{{ BIND({sparql_term(node)} AS {this}) }}")
        for predicate in sorted(self.g.objects(shape, SH.targetSubjectsOf), key=str):
            groups.append(f"{{ {this} {sparql_term(predicate)} [] }}")
        for predicate in sorted(self.g.objects(shape, SH.targetObjectsOf), key=str):
            groups.append(f"{{ [] {sparql_term(predicate)} {this} }}")
        for target in sorted(self.g.objects(shape, SH.target), key=str):
            groups.append(self.sparql_target(shape, target, this))
        return groups

    def class_group(self, classes: Iterable[Node], this: str) -> str:
        values = " ".join(sparql_term(c) for c in sorted(classes, key=str))
        cls = self.shapes.fresh("cls")
        return f"{{ VALUES {cls} {{ {values} }} {this} a {cls} }}"

    def own_targets(self, shape: Node, this: str) -> list[str]:
        """SPARQL groups binding ``this`` to the shape's own targets (SHACL §2.1.3)."""
        classes = self.target_classes(shape)
        groups = [self.class_group(classes, this)] if classes else []
        return groups + self.other_targets(shape, this)

    def sparql_target(self, shape: Node, target: Node, this: str) -> str:
        """A SPARQL-based target (SHACL-AF §5.1): the SELECT as a sub-query."""
        selects = list(self.g.objects(target, SH.select))
        if len(selects) != 1 or not isinstance(selects[0], Literal):
            raise ShapeCompileError(
                f"shape {self.shapes.name(shape)}: only SPARQL-based targets (sh:target "
                "[ sh:select … ]) are compiled, with exactly one sh:select"
            )
        text = re.sub(r"\$this\b", "?this", strip_comments(str(selects[0])))
        refuse_keywords(shape, text, ("SERVICE", "PREFIX", "BASE"))
        if INTERNAL in text:
            raise ShapeCompileError(
                f"shape {self.shapes.name(shape)}: variables must not start with ?shq_"
            )
        if this == "?this":
            return f"{{ {text} }}"
        return f"{{ SELECT (?this AS {this}) WHERE {{ {{ {text} }} }} }}"

    def focus_count(self) -> str:
        """A query counting the distinct focus nodes of all shapes with targets."""
        groups = []
        for shape in self.shapes.all_shapes():
            if not self.shapes.deactivated(shape) and self.own_targets(shape, "?this"):
                groups.extend(self.own_targets(shape, "?this"))
        union = " UNION ".join(groups) if groups else "{}"
        return self.shapes.prologue() + f"SELECT (COUNT(DISTINCT ?this) AS ?n) WHERE {{ {union} }}"
