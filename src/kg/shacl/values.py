"""Constraints on each value node as SPARQL queries, for the SHACL compiler: value type
(``sh:class``, ``sh:datatype``, ``sh:nodeKind``), value range, string (``sh:minLength``,
``sh:maxLength``, ``sh:pattern``, ``sh:languageIn``), ``sh:in``, ``sh:hasValue`` and the
property pair ``sh:lessThanOrEquals``.

On a property shape whose path can be scanned, a query starts from the values that break
the rule and tests focus membership on those rows only (:meth:`kg.shacl.focus.Focus.only`);
otherwise it enumerates the focus nodes first. Either way each row is one (focus node, value)
pair, as pySHACL evaluates them. The conditions themselves are :mod:`kg.shacl.conditions`'.

Spec: SHACL core constraint components https://www.w3.org/TR/shacl/#core-components (§4.1
value type, §4.3 value range, §4.4 string based, §4.5 property pair, §4.8 other).
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from kg.shacl.conditions import NodeConditions
from kg.shacl.focus import Focus
from kg.shacl.model import INTERNAL, OTHER, Constraint, ConstraintQuery, ShapeCompileError
from kg.shacl.paths import simple_path, sparql_path
from kg.shacl.shapes_graph import ShapesGraph
from kg.shacl.sparql_text import less_or_equal, sparql_term

__all__ = ["ValueConstraints"]


class ValueConstraints:
    """Queries for the constraints on each value node of the shapes of ``shapes``."""

    def __init__(self, shapes: ShapesGraph, conditions: NodeConditions) -> None:
        self.shapes = shapes
        self.conditions = conditions
        self.g = shapes.g

    def compile(
        self, constraint: Constraint, parameter: Node, focus: Focus
    ) -> Iterator[ConstraintQuery]:
        """The queries of the constraint ``parameter`` of a shape (one per value of the
        parameter where pySHACL reports each apart)."""
        shape, path = constraint.shape, constraint.path
        name = self.shapes.name(shape)
        values = list(self.g.objects(shape, parameter))
        if parameter == SH.hasValue:
            for value in sorted(values, key=str):
                if path is None:
                    where = f"{focus.enumerate} FILTER(!sameTerm(?this, {sparql_term(value)}))"
                else:
                    pattern = f"?this {sparql_path(self.g, shape, path)} {sparql_term(value)}"
                    where = focus.missing(pattern)
                yield constraint.query(
                    f"SELECT DISTINCT ?this WHERE {{ {where} }}", reports_value=False
                )
        elif parameter == SH.lessThanOrEquals:
            for other in sorted(values, key=str):
                if not isinstance(other, URIRef):
                    raise ShapeCompileError(f"shape {name}: sh:lessThanOrEquals needs an IRI")
                pair = f"?this {sparql_term(other)} ?{OTHER} ."
                # one result per (value, other value) pair that is not in order, as pySHACL
                condition = less_or_equal("?value", f"?{OTHER}")
                yield constraint.query(
                    self.values_breaking(constraint, focus, condition, pair, f" ?{OTHER}")
                )
        elif parameter == SH["class"]:
            for cls in sorted(values, key=str):
                yield constraint.query(self.class_query(constraint, focus, cls))
        elif parameter in (SH.datatype, SH.nodeKind, SH.pattern, SH.languageIn, SH["in"]):
            if len(values) > 1:
                raise ShapeCompileError(f"shape {name}: more than one {parameter.n3()}")
            condition = self.conditions.value_condition(shape, parameter, values[0], "?value")
            yield constraint.query(self.values_breaking(constraint, focus, condition))
        else:  # one result per value of the parameter: ranges, lengths
            for value in sorted(values, key=str):
                condition = self.conditions.value_condition(shape, parameter, value, "?value")
                yield constraint.query(self.values_breaking(constraint, focus, condition))

    def values_breaking(
        self, constraint: Constraint, focus: Focus, condition: str, extra: str = "", other: str = ""
    ) -> str:
        """Rows (?this, ?value) where ``condition`` (true when the value is fine) fails."""
        shape, path = constraint.shape, constraint.path
        if simple_path(self.g, path):
            assert path is not None
            candidates = (
                f"?this {sparql_path(self.g, shape, path)} ?value . {extra} "
                f"FILTER(!COALESCE({condition}, false))"
            )
            return f"SELECT DISTINCT ?this ?value{other} WHERE {{ {focus.only(candidates)} }}"
        values_of = self.values_of(shape, path)
        return (
            f"SELECT DISTINCT ?this ?value{other} WHERE {{ {focus.enumerate} {values_of} "
            f"{extra} FILTER(!COALESCE({condition}, false)) }}"
        )

    def class_query(self, constraint: Constraint, focus: Focus, cls: Node) -> str:
        """Rows (?this, ?value) where the value is not an instance of ``cls`` (sh:class)."""
        shape, path = constraint.shape, constraint.path
        # Literals never match; other values need a type below the class. MINUS is
        # an anti-join on ?value (Oxigraph runs FILTER NOT EXISTS once per row).
        below = " ".join(sparql_term(c) for c in self.shapes.classes_below(cls))
        types = f"MINUS {{ VALUES ?{INTERNAL}t {{ {below} }} ?value a ?{INTERNAL}t }}"
        if simple_path(self.g, path):
            assert path is not None
            candidates = f"?this {sparql_path(self.g, shape, path)} ?value . {types}"
            return f"SELECT DISTINCT ?this ?value WHERE {{ {focus.only(candidates)} }}"
        values_of = self.values_of(shape, path)
        where = f"{focus.enumerate} {values_of} {types}"
        return f"SELECT DISTINCT ?this ?value WHERE {{ {where} }}"

    def values_of(self, shape: Node, path: Node | None) -> str:
        """A pattern binding ``?value`` to each value node of a bound ``?this``: the values
        of the path, or on a node shape the focus node itself."""
        if path is None:
            return "BIND(?this AS ?value)"
        return f"?this {sparql_path(self.g, shape, path)} ?value ."
