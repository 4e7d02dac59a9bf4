"""Node-level constraints as SPARQL expressions, for the SHACL compiler.

:meth:`NodeConditions.value_condition` writes one constraint (``sh:class``, ``sh:datatype``,
``sh:nodeKind``, the ranges, the lengths, ``sh:pattern``, ``sh:languageIn``, ``sh:in``,
``sh:hasValue``) as an expression that is true iff a value node satisfies it, as pySHACL
decides it; :meth:`NodeConditions.conforms` joins them for a nested shape
(``sh:qualifiedValueShape``).

Spec: SHACL core constraint components https://www.w3.org/TR/shacl/#core-components (§4).
"""

from __future__ import annotations

from rdflib import BNode, Literal
from rdflib.namespace import SH
from rdflib.term import Node

from kg.shacl.model import COMPONENTS, PROPERTY_ONLY, UNSUPPORTED, ShapeCompileError
from kg.shacl.shapes_graph import ShapesGraph
from kg.shacl.sparql_text import (
    datatype_condition,
    is_string,
    literal_order,
    sparql_string,
    sparql_term,
)

__all__ = ["NodeConditions"]

_SEVERITIES_ALLOWED = {SH.Warning, SH.Info}  # allow_warnings=True: these never fail a nested check


class NodeConditions:
    """Node-level constraints of the shapes of ``shapes`` as SPARQL expressions."""

    def __init__(self, shapes: ShapesGraph) -> None:
        self.shapes = shapes
        self.g = shapes.g

    def value_condition(self, shape: Node, parameter: Node, value: Node, var: str) -> str:
        """A SPARQL expression that is true iff the value node ``var`` satisfies the
        node-level constraint ``parameter value`` (as pySHACL decides it)."""
        name = self.shapes.name(shape)
        if parameter == SH["class"]:
            classes = (
                " ".join(sparql_term(c) for c in self.shapes.classes_below(value)) or "<urn:x-none>"
            )
            t = self.shapes.fresh("t")
            return f"(!isLiteral({var}) && EXISTS {{ VALUES {t} {{ {classes} }} {var} a {t} }})"
        if parameter == SH.datatype:
            return datatype_condition(value, var)
        if parameter == SH.nodeKind:
            kinds = {
                SH.IRI: f"isIRI({var})",
                SH.BlankNode: f"isBlank({var})",
                SH.Literal: f"isLiteral({var})",
                SH.BlankNodeOrIRI: f"(isIRI({var}) || isBlank({var}))",
                SH.BlankNodeOrLiteral: f"(isBlank({var}) || isLiteral({var}))",
                SH.IRIOrLiteral: f"(isIRI({var}) || isLiteral({var}))",
            }
            if value not in kinds:
                raise ShapeCompileError(f"shape {name}: unknown sh:nodeKind {value.n3()}")
            return kinds[value]  # type: ignore[index]
        if parameter in (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive):
            if not isinstance(value, Literal) or isinstance(value.value, str):
                raise ShapeCompileError(
                    f"shape {name}: {parameter.n3()} is compiled for non-string literals only"
                )
            operators: dict[Node, str] = {
                SH.minInclusive: ">=",
                SH.maxInclusive: "<=",
                SH.minExclusive: ">",
                SH.maxExclusive: "<",
            }
            operator = operators[parameter]
            # pySHACL: IRIs, blank nodes and strings never pass; other literals are ordered
            # as rdflib orders them.
            order = literal_order(var, sparql_term(value), operator)
            return f"(isLiteral({var}) && !{is_string(var)} && {order})"
        if parameter in (SH.minLength, SH.maxLength):
            if not isinstance(value, Literal) or not isinstance(value.value, int):
                raise ShapeCompileError(f"shape {name}: {parameter.n3()} needs an integer")
            if parameter == SH.minLength and value.value == 0:
                return "true"
            operator = ">=" if parameter == SH.minLength else "<="
            return f"(!isBlank({var}) && STRLEN(STR({var})) {operator} {value.value})"
        if parameter == SH.pattern:
            flags = self.shapes.one(shape, SH.flags)
            # pySHACL compiles the pattern with Python's re and honours only the i and m flags.
            used = "".join(f for f in "im" if flags is not None and f in str(flags).lower())
            regex = f"REGEX(STR({var}), {sparql_string(str(value))}, {sparql_string(used)})"
            return f"(!isBlank({var}) && COALESCE({regex}, false))"
        if parameter == SH.languageIn:
            wanted = sorted({str(lang).lower() for lang in self.shapes.items(shape, value)})
            if "*" in wanted:
                return f'(isLiteral({var}) && LANG({var}) != "")'
            if not wanted:
                return "false"
            # pySHACL: the whole tag, or its part before the first "-", is in the list (case
            # ignored). For a listed tag without "-" that is langMatches (RFC 4647 basic
            # filtering); a listed tag with "-" must equal the whole tag.
            tests = [
                f"langMatches(LANG({var}), {sparql_string(w)})"
                if "-" not in w
                else f"LCASE(LANG({var})) = {sparql_string(w)}"
                for w in wanted
            ]
            return f"IF(isLiteral({var}), {' || '.join(tests)}, false)"
        if parameter == SH["in"]:
            members = self.shapes.items(shape, value)
            if any(isinstance(m, BNode) for m in members):
                raise ShapeCompileError(f"shape {name}: sh:in with blank nodes is not compiled")
            if not members:
                return "false"
            return "(" + " || ".join(f"sameTerm({var}, {sparql_term(m)})" for m in members) + ")"
        if parameter == SH.hasValue:  # on a node shape: the focus node is the value
            return f"sameTerm({var}, {sparql_term(value)})"
        raise ShapeCompileError(f"shape {name}: {parameter.n3()} is not compiled")

    def conforms(self, shape: Node, var: str, depth: int = 0) -> str:
        """A SPARQL expression true iff ``var`` conforms to the nested node shape ``shape``
        (used by ``sh:qualifiedValueShape``)."""
        name = self.shapes.name(shape)
        if depth > 8:
            raise ShapeCompileError(f"shape {name}: nested shapes nest too deep")
        if self.shapes.deactivated(shape):
            return "true"
        if self.shapes.severity(shape) in _SEVERITIES_ALLOWED:
            return "true"  # pySHACL with allow_warnings: such a shape never fails
        if self.shapes.path_of(shape) is not None or (shape, SH.property, None) in self.g:
            raise ShapeCompileError(
                f"shape {name}: a nested shape with property constraints is not compiled"
            )
        parts: list[str] = []
        for parameter, value in sorted(self.g.predicate_objects(shape), key=str):
            if parameter in UNSUPPORTED:
                raise ShapeCompileError(f"shape {name}: {UNSUPPORTED[parameter]}")
            if parameter == SH.sparql:
                raise ShapeCompileError(
                    f"shape {name}: SPARQL constraints in a nested shape are not compiled"
                )
            if parameter in PROPERTY_ONLY:
                raise ShapeCompileError(f"shape {name}: {parameter.n3()} on a node shape")
            if parameter in COMPONENTS:
                parts.append(self.value_condition(shape, parameter, value, var))
        return "(" + " && ".join(parts) + ")" if parts else "true"
