"""What the SHACL compiler produces and what it accepts: :class:`ConstraintQuery`,
:class:`CompiledShapes`, :class:`ShapeCompileError`, the constraint parameters it compiles
(:data:`COMPONENTS`) or refuses (:data:`UNSUPPORTED`), the variable names it adds to queries,
and :class:`Constraint`, a constraint being compiled.

The compiler itself is :mod:`kg.shacl.compiler`; :mod:`kg.shacl.in_store` runs its queries.

Spec: SHACL https://www.w3.org/TR/shacl/ (validation results §3.6.2, core constraint
components §4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

__all__ = [
    "COMPANIONS",
    "COMPONENTS",
    "FOCUS_VALUES",
    "INTERNAL",
    "OTHER",
    "PARENT",
    "PROPERTY_ONLY",
    "UNSUPPORTED",
    "CompiledShapes",
    "Constraint",
    "ConstraintQuery",
    "ShapeCompileError",
]


class ShapeCompileError(ValueError):
    """A shape uses something this compiler cannot turn into SPARQL with pySHACL's meaning."""


#: Variable names the compiler adds to queries; SHACL-SPARQL text must not use this prefix.
INTERNAL = "shq_"
PARENT = f"{INTERNAL}parent"
#: Where :meth:`ConstraintQuery.parents_sparql` takes the VALUES clause of its focus nodes.
FOCUS_VALUES = "#FOCUS_VALUES#\n"
OTHER = f"{INTERNAL}other"

#: The constraint components this compiler implements, by the parameter that triggers them.
COMPONENTS: dict[Node, URIRef] = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH.qualifiedValueShape: SH.QualifiedMinCountConstraintComponent,  # or …MaxCount…
    SH.sparql: SH.SPARQLConstraintComponent,
}

#: Parameters that are read together with another one (no constraint of their own), and
#: that one.
COMPANIONS: dict[Node, URIRef] = {
    SH.flags: SH.pattern,
    SH.qualifiedMinCount: SH.qualifiedValueShape,
    SH.qualifiedMaxCount: SH.qualifiedValueShape,
}

#: Parameters pySHACL would act on that this compiler refuses, with the reason.
UNSUPPORTED: dict[Node, str] = {
    SH.node: "sh:node (nested node shapes are not compiled)",
    SH["or"]: "sh:or (logical constraints are not compiled)",
    SH["and"]: "sh:and (logical constraints are not compiled)",
    SH["not"]: "sh:not (logical constraints are not compiled)",
    SH.xone: "sh:xone (logical constraints are not compiled)",
    SH.closed: "sh:closed",
    SH.ignoredProperties: "sh:ignoredProperties",
    SH.equals: "sh:equals",
    SH.disjoint: "sh:disjoint",
    SH.lessThan: "sh:lessThan",
    SH.uniqueLang: "sh:uniqueLang",
    SH.qualifiedValueShapesDisjoint: "sh:qualifiedValueShapesDisjoint",
    SH.rule: "sh:rule (SHACL rules)",
    SH.expression: "sh:expression (SHACL-AF node expressions)",
    SH.js: "sh:js (SHACL-JS)",
}

#: Components that only mean something on a property shape (pySHACL refuses or ignores them
#: on a node shape).
PROPERTY_ONLY = {SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.lessThanOrEquals}


@dataclass(frozen=True)
class ConstraintQuery:
    """One compiled constraint: the SPARQL query that finds its violations, and how to report
    each row as a SHACL validation result (SHACL §3.6.2).

    Rows have ``?this`` (the focus node); core constraints also ``?value`` where pySHACL
    reports a value node (and ``?shq_other`` for ``sh:lessThanOrEquals``, one result per pair
    of values). For a SHACL-SPARQL constraint (``is_sparql``), the other selected variables
    are the constraint's own, and ``this_selected`` says whether it selects ``$this`` itself.
    ``parents_sparql`` (None when every focus node is reached once) counts how many times
    pySHACL validates each focus node listed where :data:`FOCUS_VALUES` stands.
    """

    shape: Node
    component: URIRef
    severity: URIRef
    messages: tuple[Literal, ...]
    path: Node | None
    sparql: str
    is_sparql: bool = False
    source_constraint: Node | None = None
    extra_messages: tuple[Literal, ...] = ()
    this_selected: bool = True
    reports_value: bool = False
    parents_sparql: str | None = None

    @property
    def is_property_shape(self) -> bool:
        return self.path is not None


@dataclass(frozen=True)
class Constraint:
    """One constraint parameter of a shape, being compiled: what each of its queries reports
    (the compiler's parts turn query text into :class:`ConstraintQuery` through it)."""

    shape: Node
    path: Node | None
    component: URIRef
    severity: URIRef
    messages: tuple[Literal, ...]

    def query(
        self, sparql: str, component: URIRef | None = None, reports_value: bool = True
    ) -> ConstraintQuery:
        """The query ``sparql``, reported as this constraint (or as ``component``)."""
        return ConstraintQuery(
            shape=self.shape,
            component=self.component if component is None else component,
            severity=self.severity,
            messages=self.messages,
            path=self.path,
            sparql=sparql,
            reports_value=reports_value,
        )


@dataclass(frozen=True)
class CompiledShapes:
    """The queries for a shapes graph, and the graph (result paths and SPARQL constraints are
    copied from it into the report)."""

    queries: tuple[ConstraintQuery, ...]
    shapes_graph: Graph = field(repr=False)
    #: ``SELECT (COUNT(DISTINCT ?this) AS ?n)`` over the focus nodes of every shape with targets.
    focus_count_sparql: str = field(default="SELECT (0 AS ?n) WHERE {}", repr=False)

    def components(self) -> set[URIRef]:
        """The constraint components the queries check."""
        return {q.component for q in self.queries}
