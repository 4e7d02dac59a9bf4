"""Constraints on how many values a focus node has, as SPARQL queries, for the SHACL compiler:
cardinality (``sh:minCount``, ``sh:maxCount``) and the shape-based ``sh:qualifiedValueShape``
(how many values conform to a nested shape, against ``sh:qualifiedMinCount`` /
``sh:qualifiedMaxCount``).

Rules about missing values start from the focus nodes (an anti-join); rules about too many
values start from the subjects that have them and test focus membership on those rows only.

Spec: SHACL core constraint components https://www.w3.org/TR/shacl/#core-components (§4.2
cardinality, §4.7.3 sh:qualifiedValueShape).
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import Literal
from rdflib.namespace import SH
from rdflib.term import Node

from kg.shacl.conditions import NodeConditions
from kg.shacl.focus import Focus
from kg.shacl.model import INTERNAL, Constraint, ConstraintQuery, ShapeCompileError
from kg.shacl.paths import simple_path, sparql_path
from kg.shacl.shapes_graph import ShapesGraph

__all__ = ["CountConstraints"]


class CountConstraints:
    """Queries for the counting constraints of the shapes of ``shapes``."""

    def __init__(self, shapes: ShapesGraph, conditions: NodeConditions) -> None:
        self.shapes = shapes
        self.conditions = conditions
        self.g = shapes.g

    def compile(
        self, constraint: Constraint, parameter: Node, focus: Focus
    ) -> Iterator[ConstraintQuery]:
        """The queries of the constraint ``parameter`` of a property shape."""
        shape, path = constraint.shape, constraint.path
        if parameter == SH.minCount:
            count = _count(shape, self.shapes.one(shape, SH.minCount))
            if count > 0:
                text = self.count_query(focus, path, shape, "<", count)
                yield constraint.query(text, reports_value=False)
        elif parameter == SH.maxCount:
            count = _count(shape, self.shapes.one(shape, SH.maxCount))
            text = self.count_query(focus, path, shape, ">", count)
            yield constraint.query(text, reports_value=False)
        elif parameter == SH.qualifiedValueShape:
            yield from self.qualified(constraint, focus)

    def count_query(
        self,
        focus: Focus,
        path: Node | None,
        shape: Node,
        op: str,
        count: int,
        condition: str = "",
    ) -> str:
        """Focus nodes with fewer (``<``) or more (``>``) distinct values than ``count``
        (counting only values for which ``condition`` on ``?shq_a`` holds, if given).

        Missing values: the focus nodes MINUS those that have them (an anti-join; Oxigraph
        runs FILTER NOT EXISTS once per row, much slower at scale). Too many values: a
        self-join or grouped count over all subjects, then the focus test on the few rows."""
        assert path is not None
        path_text = sparql_path(self.g, shape, path)
        a, b = f"?{INTERNAL}a", f"?{INTERNAL}b"
        ok_a = condition or "true"
        ok_b = condition.replace(a, b) if condition else "true"
        head = "SELECT DISTINCT ?this WHERE { "
        if op == "<":
            if count == 1:
                rest = f"?this {path_text} {a} ." + (f" FILTER({condition})" if condition else "")
                return head + focus.missing(rest) + " }"
            n = f"?{INTERNAL}n"
            counts = (
                f"SELECT ?this (COUNT(DISTINCT {a}) AS {n}) WHERE {{ ?this {path_text} {a} . "
                f"FILTER({ok_a}) }} GROUP BY ?this"
            )
            return (
                head
                + f"{focus.enumerate} OPTIONAL {{ {counts} }} FILTER(COALESCE({n}, 0) < {count}) }}"
            )
        if not simple_path(self.g, path):  # too many values, on a path that needs the focus first
            n = f"?{INTERNAL}n"
            counts = (
                f"SELECT ?this (COUNT(DISTINCT {a}) AS {n}) WHERE {{ {focus.enumerate} "
                f"?this {path_text} {a} . FILTER({ok_a}) }} GROUP BY ?this"
            )
            return head + f"{{ {counts} }} FILTER({n} > {count}) }}"
        if count == 0:
            candidates = f"?this {path_text} {a} . FILTER({ok_a})"
            return head + focus.only(candidates, "?this") + " }"
        # Subjects with more than `count` values of any kind (a grouped count), then, where
        # a condition applies, those with more than `count` values that meet it.
        n = f"?{INTERNAL}n"
        x = f"?{INTERNAL}x"
        crowded = (
            f"{{ SELECT ?this WHERE {{ ?this {path_text} {x} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT {x}) > {count}) }}"
        )
        if not condition:
            return head + focus.only(crowded, "?this") + " }"
        if count == 1:
            candidates = (
                f"{crowded} ?this {path_text} {a} , {b} . "
                f"FILTER(IF(!sameTerm({a}, {b}), IF({ok_a}, {ok_b}, false), false))"
            )
            return head + focus.only(candidates, "?this") + " }"
        counts = (
            f"SELECT ?this WHERE {{ {crowded} ?this {path_text} {a} . FILTER({ok_a}) }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT {a}) > {count})"
        )
        return head + focus.only(f"{{ {counts} }}", "?this") + " }"

    def qualified(self, constraint: Constraint, focus: Focus) -> Iterator[ConstraintQuery]:
        """``sh:qualifiedValueShape`` (SHACL §4.7.3): how many values conform to the nested
        shape, against ``sh:qualifiedMinCount`` / ``sh:qualifiedMaxCount``."""
        shape, path = constraint.shape, constraint.path
        name = self.shapes.name(shape)
        nested = self.shapes.one(shape, SH.qualifiedValueShape)
        assert nested is not None
        minimum = self.shapes.one(shape, SH.qualifiedMinCount)
        maximum = self.shapes.one(shape, SH.qualifiedMaxCount)
        if minimum is None and maximum is None:
            raise ShapeCompileError(
                f"shape {name}: sh:qualifiedValueShape needs sh:qualifiedMinCount or "
                "sh:qualifiedMaxCount"
            )
        ok = self.conditions.conforms(nested, f"?{INTERNAL}a")
        if maximum is not None:
            count = _count(shape, maximum)
            text = self.count_query(focus, path, shape, ">", count, ok)
            yield constraint.query(text, SH.QualifiedMaxCountConstraintComponent, False)
        if minimum is not None:
            count = _count(shape, minimum)
            if count > 0:
                text = self.count_query(focus, path, shape, "<", count, ok)
                yield constraint.query(text, SH.QualifiedMinCountConstraintComponent, False)


def _count(shape: Node, value: Node | None) -> int:
    if not isinstance(value, Literal) or not isinstance(value.value, int) or value.value < 0:
        raise ShapeCompileError(f"shape {shape.n3()}: a count must be an integer >= 0")
    return int(value.value)
