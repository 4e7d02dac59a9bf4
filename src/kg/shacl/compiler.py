"""Compile the project's SHACL shapes into SPARQL SELECT queries (one per constraint).

pySHACL (what :func:`kg.shacl.validate.validate` runs) walks the data graph in Python, one focus
node at a time; that takes seconds per thousand triples. This compiler turns each constraint of
the shapes graph into one SPARQL 1.1 SELECT query that finds *all* of its violations at once, so
a SPARQL engine (Oxigraph, see :mod:`kg.shacl.in_store`) can check millions of triples.

This module is the entry point (:func:`compile_shapes`) and walks the shapes; the parts it
composes share one :class:`kg.shacl.shapes_graph.ShapesGraph` (the shapes, fresh variable
names, the class hierarchy, the prefixes):

- :mod:`kg.shacl.targets`, :mod:`kg.shacl.focus` and :mod:`kg.shacl.parents` — the focus nodes
  of a shape, and how many times pySHACL reaches each;
- :mod:`kg.shacl.values` (value type, range, string, ``sh:in``, ``sh:hasValue``, property
  pair), :mod:`kg.shacl.counts` (cardinality, ``sh:qualifiedValueShape``) and
  :mod:`kg.shacl.sparql_based` (SHACL-SPARQL) — the queries of each family of constraint
  components, written with :mod:`kg.shacl.conditions` (node-level tests),
  :mod:`kg.shacl.paths`, :mod:`kg.shacl.sparql_text` and :mod:`kg.shacl.sparql_constraints`;
- :mod:`kg.shacl.model` — what they produce.

Every query selects ``?this`` (the focus node) and, per kind of constraint, ``?value`` (the
value node) or the variables of a SHACL-SPARQL constraint; :class:`ConstraintQuery` keeps what
is needed to turn a row into a validation result exactly as pySHACL does: source shape,
constraint component, severity, messages, path. pySHACL reports a property shape once per
node shape that uses it; ``ConstraintQuery.parents_sparql`` counts, for the few focus nodes
that break a rule, how many times they are reached.

The queries are written for Oxigraph's evaluator (all rewrites keep the meaning, and each is
explained where it is made): value rules start from the values that break them and test
focus membership on those rows only; missing values are anti-joins (MINUS, or FILTER NOT
EXISTS from few focus nodes); SHACL-SPARQL filters become one lazily evaluated chain.

The semantics follow pySHACL 0.40 as :func:`kg.shacl.validate.validate` calls it
(``inference="none"``, ``advanced=True``, ``allow_warnings=True``; the ontology's
``rdfs:subClassOf`` triples added to the data), including its quirks, which are commented where
they matter:

- ``sh:targetClass`` and ``sh:class`` use the ``rdfs:subClassOf`` closure of the data graph,
  which :func:`compile_shapes` takes as ``subclass_of`` pairs and writes into the queries as
  ``VALUES`` lists of classes (exact, and much faster than ``rdf:type/rdfs:subClassOf*``);
- a nested shape (``sh:qualifiedValueShape``) of severity ``sh:Warning`` or ``sh:Info``
  always conforms (pySHACL's ``allow_warnings``);
- SHACL-SPARQL constraints keep pySHACL's pre-binding of ``$this`` (as a join with the focus
  nodes), its de-duplication of rows per focus node and its ``{?var}`` message substitution.

Supported (everything ``shapes/*.ttl`` uses, and a little more): targets ``sh:targetClass``,
``sh:targetNode``, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``, implicit class targets and
SPARQL-based targets (``sh:target [ sh:select … ]``); ``sh:property`` (nested to any depth),
``sh:deactivated``, ``sh:severity``, ``sh:message``; property paths (predicate, inverse,
sequence, alternative, zero-or-more, one-or-more, zero-or-one); constraint components
``sh:class``, ``sh:datatype``, ``sh:nodeKind``, ``sh:minCount``, ``sh:maxCount``,
``sh:minInclusive``, ``sh:maxInclusive``, ``sh:minExclusive``, ``sh:maxExclusive``,
``sh:minLength``, ``sh:maxLength``, ``sh:pattern`` (with ``sh:flags``), ``sh:languageIn``,
``sh:in``, ``sh:hasValue``, ``sh:lessThanOrEquals``, ``sh:qualifiedValueShape`` with
``sh:qualifiedMinCount`` / ``sh:qualifiedMaxCount`` (the nested shape made of node-level
constraints) and ``sh:sparql`` (SELECT-based constraints). Anything else a shape uses
(``sh:node``, ``sh:or``, ``sh:and``, ``sh:not``, ``sh:xone``, ``sh:closed``, ``sh:equals``,
``sh:disjoint``, ``sh:lessThan``, ``sh:uniqueLang``, SHACL-SPARQL constraint components, ASK
validators, ``sh:rule``, ``sh:expression``, JavaScript) raises :class:`ShapeCompileError` at
compile time, naming the shape and the feature: nothing is skipped silently.

Known differences, on data unlike the project's: ``sh:pattern`` is evaluated as an XPath
regular expression, pySHACL's as a Python one (in Python ``$`` also matches before a final
newline); lexical forms rdflib accepts and XSD does not (``"5_0"^^xsd:integer``) are
ill-typed here; nested shapes other than node-level constraints are refused (above).

Specs: SHACL https://www.w3.org/TR/shacl/ (core constraint components §4, SHACL-SPARQL §5,
property paths §2.3.1); SPARQL 1.1 Query https://www.w3.org/TR/sparql11-query/.

>>> from rdflib import Graph
>>> shapes = Graph().parse(format="turtle", data='''
...     @prefix sh: <http://www.w3.org/ns/shacl#> .
...     @prefix ex: <http://example.org/> .
...     ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;
...         sh:property ex:name .
...     ex:name a sh:PropertyShape ; sh:path ex:name ; sh:minCount 1 ;
...         sh:message "Give the person a name" .
... ''')
>>> [q] = compile_shapes(shapes).queries
>>> q.shape.n3(), q.component.n3()
('<http://example.org/name>', '<http://www.w3.org/ns/shacl#MinCountConstraintComponent>')
>>> "MINUS" in q.sparql  # the focus nodes minus those with a name
True
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace

from rdflib import Graph
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kg.shacl.conditions import NodeConditions
from kg.shacl.counts import CountConstraints
from kg.shacl.focus import Focus, FocusNodes
from kg.shacl.model import (
    COMPANIONS,
    COMPONENTS,
    PROPERTY_ONLY,
    UNSUPPORTED,
    CompiledShapes,
    Constraint,
    ConstraintQuery,
    ShapeCompileError,
)
from kg.shacl.parents import ParentCounts
from kg.shacl.shapes_graph import ShapesGraph
from kg.shacl.sparql_based import SparqlBasedConstraints
from kg.shacl.targets import Targets
from kg.shacl.values import ValueConstraints

__all__ = ["ShapeCompiler", "compile_shapes", "subclass_closure"]

#: The parameters whose queries :class:`kg.shacl.counts.CountConstraints` writes.
_COUNTED = {SH.minCount, SH.maxCount, SH.qualifiedValueShape}


def subclass_closure(pairs: Iterable[tuple[Node, Node]]) -> dict[Node, frozenset[Node]]:
    """For each class, itself and every class below it by ``rdfs:subClassOf`` (transitively).

    >>> closure = subclass_closure([("B", "A"), ("C", "B")])
    >>> sorted(closure["A"]), sorted(closure["C"])
    (['A', 'B', 'C'], ['C'])
    """
    below: dict[Node, set[Node]] = defaultdict(set)
    for sub, sup in pairs:
        below[sup].add(sub)
    closure: dict[Node, frozenset[Node]] = {}
    for cls in set(below) | {s for subs in below.values() for s in subs}:
        seen = {cls}
        todo = [cls]
        while todo:
            for sub in below.get(todo.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
        closure[cls] = frozenset(seen)
    return closure


def compile_shapes(
    shapes: Graph,
    *,
    subclass_of: Iterable[tuple[Node, Node]] = (),
    class_sizes: Mapping[Node, int] | None = None,
) -> CompiledShapes:
    """Compile every active shape of ``shapes`` that has focus nodes into SPARQL queries.

    ``subclass_of`` are the ``(subclass, superclass)`` pairs of the data graph (pySHACL looks
    ``rdfs:subClassOf`` up in the data graph, to which :func:`kg.shacl.validate.validate` adds the
    ontology's): they decide which instances ``sh:targetClass`` and ``sh:class`` reach.
    ``class_sizes`` (instances per class in the data, if known) only choose between
    equivalent forms of a query: an anti-join from few focus nodes is written as FILTER NOT
    EXISTS (cheap per row), from many as MINUS (cheap per value).

    :raises ShapeCompileError: when a shape uses a feature that is not compiled.
    """
    compiler = ShapeCompiler(ShapesGraph(shapes, subclass_closure(subclass_of), class_sizes))
    queries = tuple(compiler.compile())
    return CompiledShapes(
        queries=queries, shapes_graph=shapes, focus_count_sparql=compiler.targets.focus_count()
    )


class ShapeCompiler:
    """Walks the shapes of ``shapes`` and hands each constraint to the part that writes its
    queries; every query gets the prefixes and, for a shape reached more than once, the
    query counting the ways (:mod:`kg.shacl.parents`)."""

    def __init__(self, shapes: ShapesGraph) -> None:
        self.shapes = shapes
        self.g = shapes.g
        self.targets = Targets(shapes)
        self.focus_nodes = FocusNodes(shapes, self.targets)
        self.parents = ParentCounts(shapes, self.targets)
        conditions = NodeConditions(shapes)
        self.values = ValueConstraints(shapes, conditions)
        self.counts = CountConstraints(shapes, conditions)
        self.sparql = SparqlBasedConstraints(shapes)

    def compile(self) -> Iterator[ConstraintQuery]:
        """The queries of every active shape that has focus nodes, shape by shape."""
        name = self.shapes.name
        if (None, RDF.type, SH.ConstraintComponent) in self.g:
            raise ShapeCompileError(
                "the shapes graph declares sh:ConstraintComponent(s): custom constraint "
                "components are not compiled"
            )
        for node in sorted(self.g.subjects(SH.select, None), key=str):
            self.shapes.collect_prefixes(node, node)
        for node in self.g.subjects(SH.ask, None):
            users = sorted(self.g.subjects(None, node), key=str) or [node]
            raise ShapeCompileError(
                f"shape {name(users[0])}: SPARQL ASK validators are not compiled"
            )
        for shape in self.shapes.all_shapes():
            if self.shapes.deactivated(shape):
                continue
            parameters = sorted(set(self.g.predicates(shape, None)), key=str)
            for parameter in parameters:
                if parameter in UNSUPPORTED:
                    raise ShapeCompileError(
                        f"shape {name(shape)} uses {UNSUPPORTED[parameter]}, which "
                        "kg.shacl.compiler does not compile"
                    )
            focus = Focus(self.focus_nodes, shape)
            if focus.enumerate is None:
                continue  # no targets and no parent: pySHACL never validates it on its own
            parents = self.parents.parents_query(shape)
            for parameter in parameters:
                if parameter in COMPONENTS:
                    for query in self.constraint(shape, parameter, focus):
                        prologue = self.shapes.prologue()
                        yield replace(
                            query,
                            sparql=prologue + query.sparql,
                            parents_sparql=None if parents is None else prologue + parents,
                        )
                elif parameter in COMPANIONS:
                    self.check_companion(shape, parameter)

    def check_companion(self, shape: Node, parameter: Node) -> None:
        needs = COMPANIONS[parameter]
        if (shape, needs, None) not in self.g:
            raise ShapeCompileError(
                f"shape {self.shapes.name(shape)}: {parameter.n3()} without {needs.n3()}"
            )

    def constraint(self, shape: Node, parameter: Node, focus: Focus) -> Iterator[ConstraintQuery]:
        """The queries of one constraint parameter of ``shape``, by its family.

        Value constraints on a property shape start from the values that break the rule
        and test focus membership on those rows only (``focus.test``); rules about missing
        values start from the focus nodes (``focus.enumerate``). Either way each row is one
        (focus node, value) pair, as pySHACL evaluates them."""
        path = self.shapes.path_of(shape)
        if parameter in PROPERTY_ONLY and path is None:
            if parameter == SH.qualifiedValueShape:
                return  # pySHACL ignores it on a node shape (a ConstraintLoadWarning)
            raise ShapeCompileError(
                f"shape {self.shapes.name(shape)}: {parameter.n3()} on a node shape"
            )
        severity = self.shapes.severity(shape)
        # SHACL-SPARQL constraints may go without sh:message; every other needs one
        messages = self.shapes.messages(shape, parameter)
        constraint = Constraint(shape, path, COMPONENTS[parameter], severity, messages)
        if parameter == SH.sparql:
            yield from self.sparql.compile(constraint, focus)
        elif parameter in _COUNTED:
            yield from self.counts.compile(constraint, parameter, focus)
        else:
            yield from self.values.compile(constraint, parameter, focus)
