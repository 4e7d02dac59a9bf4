"""SHACL-SPARQL constraints (``sh:sparql [ sh:select … ]``) as SPARQL queries over every focus
node at once, for the SHACL compiler.

pySHACL runs a constraint's SELECT once per focus node with ``$this`` pre-bound; here the
WHERE group is joined with the focus nodes instead (or, when the group binds ``$this`` in a
triple pattern itself, filtered by the focus test), keeping pySHACL's de-duplication of rows
per focus node. ``$PATH`` and ``$currentShape`` are substituted; the group is rewritten by
:func:`kg.shacl.sparql_constraints.optimise_body`. Features that cannot keep pySHACL's
meaning this way raise :class:`kg.shacl.model.ShapeCompileError`.

Spec: SHACL-SPARQL https://www.w3.org/TR/shacl/#sparql-constraints (§5.3, pre-binding §5.3.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rdflib import Literal
from rdflib.namespace import SH
from rdflib.term import Node

from kg.shacl.focus import Focus
from kg.shacl.model import INTERNAL, Constraint, ConstraintQuery, ShapeCompileError
from kg.shacl.paths import sparql_path
from kg.shacl.shapes_graph import ShapesGraph
from kg.shacl.sparql_constraints import (
    group_elements,
    optimise_body,
    refuse_keywords,
    split_select,
    strip_comments,
)
from kg.shacl.sparql_text import sparql_term

__all__ = ["SparqlBasedConstraints"]


class SparqlBasedConstraints:
    """Queries for the SHACL-SPARQL constraints of the shapes of ``shapes``."""

    def __init__(self, shapes: ShapesGraph) -> None:
        self.shapes = shapes
        self.g = shapes.g

    def compile(self, constraint: Constraint, focus: Focus) -> Iterator[ConstraintQuery]:
        """One query per active ``sh:sparql`` constraint of the shape."""
        for node in sorted(self.g.objects(constraint.shape, SH.sparql), key=str):
            compiled = self.sparql_constraint(constraint, node, focus)
            if compiled is not None:
                yield compiled

    def sparql_constraint(
        self, constraint: Constraint, node: Node, focus: Focus
    ) -> ConstraintQuery | None:
        """The SHACL-SPARQL constraint ``node`` of a shape (SHACL §5.3) with ``$this``
        pre-bound to every focus node at once: its WHERE group joined with the focus nodes
        (or, when the group itself binds ``$this`` in a triple pattern, filtered by the
        focus test)."""
        shape, path = constraint.shape, constraint.path
        name = self.shapes.name(shape)
        if self.shapes.deactivated(node):
            return None
        if (node, SH.ask, None) in self.g:
            raise ShapeCompileError(f"shape {name}: SPARQL ASK constraints are not compiled")
        selects = list(self.g.objects(node, SH.select))
        if len(selects) != 1 or not isinstance(selects[0], Literal):
            raise ShapeCompileError(f"shape {name}: a SPARQL constraint needs one sh:select")
        text = strip_comments(str(selects[0]))
        refuse_keywords(shape, text, ("MINUS", "VALUES", "SERVICE", "PREFIX", "BASE"))
        if INTERNAL in text:
            raise ShapeCompileError(f"shape {name}: variables must not start with ?shq_")
        if re.search(r"[$?]shapesGraph\b", text):
            raise ShapeCompileError(f"shape {name}: $shapesGraph is not supported (nor by pySHACL)")
        if re.search(r"[$?]PATH\b", text):
            if path is None:
                raise ShapeCompileError(f"shape {name}: $PATH in a shape without sh:path")
            path_text = sparql_path(self.g, shape, path)
            text = re.sub(r"[$?]PATH\b", lambda _m: path_text, text)
        text = re.sub(r"[$?]currentShape\b", lambda _m: sparql_term(shape), text)
        text = re.sub(r"\$this\b", "?this", text)
        projection, body, rest = split_select(shape, text)
        if rest.strip():
            raise ShapeCompileError(
                f"shape {name}: solution modifiers (GROUP BY, ORDER BY, LIMIT …) after the "
                "WHERE clause of a SPARQL constraint are not compiled"
            )
        if re.search(r"\bSELECT\b", body, re.IGNORECASE):
            raise ShapeCompileError(
                f"shape {name}: sub-queries in SPARQL constraints are not compiled"
            )
        modifier = re.match(r"\s*(DISTINCT|REDUCED)\b", projection, re.IGNORECASE)
        if modifier:
            projection = projection[modifier.end() :]
        if projection.strip() == "*":
            raise ShapeCompileError(
                f"shape {name}: SELECT * in a SPARQL constraint is not compiled"
            )
        if re.search(r"\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(", projection, re.I):
            raise ShapeCompileError(
                f"shape {name}: aggregates in SPARQL constraints are not compiled"
            )
        this_selected = re.search(r"\?this\b", projection) is not None
        extra = "" if this_selected else " ?this"
        elements = group_elements(shape, body)
        binds_this = elements is not None and any(
            kind == "triples" and re.search(r"\?this\b", chunk) for kind, chunk in elements
        )
        optimised = optimise_body(shape, body, self.shapes.fresh)
        # When the group finds ?this itself, test focus membership on its rows.
        where = focus.only(optimised) if binds_this else f"{focus.enumerate} {optimised}"
        sparql = f"SELECT DISTINCT{extra} {projection.strip()} WHERE {{ {where} }}"
        extra_messages = tuple(
            sorted(
                (m for m in self.g.objects(node, SH.message) if isinstance(m, Literal)),
                key=str,
            )
        )
        return ConstraintQuery(
            shape=shape,
            component=SH.SPARQLConstraintComponent,
            severity=constraint.severity,
            messages=constraint.messages,
            path=path,
            sparql=sparql,
            is_sparql=True,
            source_constraint=node,
            extra_messages=extra_messages,
            this_selected=this_selected,
        )
