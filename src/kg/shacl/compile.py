"""Compile the project's SHACL shapes into SPARQL SELECT queries (one per constraint).

pySHACL (what :func:`kg.shacl.validate.validate` runs) walks the data graph in Python, one focus
node
at a time; that takes seconds per thousand triples. This module turns each constraint of the
shapes graph into one SPARQL 1.1 SELECT query that finds *all* of its violations at once, so a
SPARQL engine (Oxigraph, see :mod:`kg.shacl.in_store`) can check millions of triples.

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
(``inference="none"``,
``advanced=True``, ``allow_warnings=True``; the ontology's ``rdfs:subClassOf`` triples added to
the data), including its quirks, which are commented where they matter:

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

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

__all__ = [
    "COMPONENTS",
    "CompiledShapes",
    "ConstraintQuery",
    "ShapeCompileError",
    "compile_shapes",
    "subclass_closure",
]


class ShapeCompileError(ValueError):
    """A shape uses something this compiler cannot turn into SPARQL with pySHACL's meaning."""


#: Variable names the compiler adds to queries; SHACL-SPARQL text must not use this prefix.
_INTERNAL = "shq_"
PARENT = f"{_INTERNAL}parent"
#: Up to this many focus nodes, an anti-join is run as FILTER NOT EXISTS rather than MINUS.
FEW = 20_000
#: Where :meth:`ConstraintQuery.parents_sparql` takes the VALUES clause of its focus nodes.
FOCUS_VALUES = "#FOCUS_VALUES#\n"
OTHER = f"{_INTERNAL}other"

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

#: Parameters that are read together with another one (no constraint of their own).
_COMPANIONS = {SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount}

#: Parameters pySHACL would act on that this compiler refuses, with the reason.
_UNSUPPORTED: dict[Node, str] = {
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
_PROPERTY_ONLY = {SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.lessThanOrEquals}

#: Literal datatypes whose lexical form pySHACL (through rdflib) checks, and the SPARQL cast
#: that succeeds exactly on well-formed ones (SHACL §4.1.2: ill-typed literals do not match).
_CHECKED_DATATYPES = {
    XSD.integer,
    XSD.decimal,
    XSD.float,
    XSD.double,
    XSD.boolean,
    XSD.date,
    XSD.dateTime,
    XSD.time,
}

_SEVERITIES_ALLOWED = {SH.Warning, SH.Info}  # allow_warnings=True: these never fail a nested check

_TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


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
    compiler = _Compiler(shapes, subclass_closure(subclass_of), class_sizes)
    queries = tuple(compiler.compile())
    return CompiledShapes(
        queries=queries, shapes_graph=shapes, focus_count_sparql=compiler.focus_count()
    )


# --------------------------------------------------------------------------- the compiler


class _QueryMaker(Protocol):
    def __call__(
        self, text: str, comp: URIRef = ..., reports_value: bool = ...
    ) -> ConstraintQuery: ...


class _Focus:
    """The focus nodes of one shape, as a group that enumerates them (``enumerate``, binding
    ``?this``) and as a test of a bound ``?this`` (``test``)."""

    def __init__(self, compiler: _Compiler, shape: Node) -> None:
        self.enumerate = compiler.enumerate_focus(shape)
        self.test = compiler.member(shape, "?this") if self.enumerate is not None else "false"
        self.few = compiler.few_focus_nodes(shape)

    def only(self, candidates: str, variables: str = "*") -> str:
        """The solutions of the group ``candidates`` whose ``?this`` is a focus node. The
        group is a sub-query so that Oxigraph finds the (few) candidates first and runs the
        per-row membership test on them only, not on every triple it scans."""
        return f"{{ SELECT {variables} WHERE {{ {candidates} }} }} FILTER({self.test})"

    def missing(self, pattern: str) -> str:
        """Keep the focus nodes for which ``pattern`` has no solution: FILTER NOT EXISTS
        when there are few of them (Oxigraph evaluates it once per row), else MINUS (a hash
        anti-join over all of the pattern's solutions). Both mean the same here, as
        ``?this`` is always bound."""
        if self.few:
            return f"{self.enumerate} FILTER NOT EXISTS {{ {pattern} }}"
        return f"{self.enumerate} MINUS {{ {pattern} }}"


class _Compiler:
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

    # ---------------------------------------------------------------- helpers

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"?{_INTERNAL}{stem}{self.counter}"

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

    def is_class(self, node: Node) -> bool:
        """pySHACL's implicit class target: the shape is typed rdfs:Class (or a subclass of
        it declared in the shapes graph)."""
        classes = set(self.g.subjects(RDFS.subClassOf, RDFS.Class)) | {RDFS.Class}
        return bool(set(self.g.objects(node, RDF.type)) & classes)

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

    # ---------------------------------------------------------------- focus nodes

    def target_classes(self, shape: Node) -> set[Node]:
        """The classes whose instances ``sh:targetClass`` (or an implicit class target)
        reaches: the targets and every class below them."""
        classes = list(self.g.objects(shape, SH.targetClass))
        if self.is_class(shape):  # implicit class target (SHACL §2.1.3.3)
            classes.append(shape)
        return {c for cls in classes for c in self.classes_below(cls)}

    def other_targets(self, shape: Node, this: str) -> list[str]:
        """SPARQL groups binding ``this`` to the shape's targets other than classes."""
        groups: list[str] = []
        for node in sorted(self.g.objects(shape, SH.targetNode), key=str):
            groups.append(f"{{ BIND({_sparql_term(node)} AS {this}) }}")
        for predicate in sorted(self.g.objects(shape, SH.targetSubjectsOf), key=str):
            groups.append(f"{{ {this} {_sparql_term(predicate)} [] }}")
        for predicate in sorted(self.g.objects(shape, SH.targetObjectsOf), key=str):
            groups.append(f"{{ [] {_sparql_term(predicate)} {this} }}")
        for target in sorted(self.g.objects(shape, SH.target), key=str):
            groups.append(self.sparql_target(shape, target, this))
        return groups

    def class_group(self, classes: Iterable[Node], this: str) -> str:
        values = " ".join(_sparql_term(c) for c in sorted(classes, key=str))
        cls = self.fresh("cls")
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
                f"shape {self.name(shape)}: only SPARQL-based targets (sh:target [ sh:select "
                "… ]) are compiled, with exactly one sh:select"
            )
        text = re.sub(r"\$this\b", "?this", _strip_comments(str(selects[0])))
        _refuse_keywords(shape, text, ("SERVICE", "PREFIX", "BASE"))
        if _INTERNAL in text:
            raise ShapeCompileError(
                f"shape {self.name(shape)}: variables must not start with ?shq_"
            )
        if this == "?this":
            return f"{{ {text} }}"
        return f"{{ SELECT (?this AS {this}) WHERE {{ {{ {text} }} }} }}"

    def owners(self, shape: Node) -> list[Node]:
        """The active shapes that use ``shape`` through ``sh:property``."""
        found = (o for o in self.g.subjects(SH.property, shape) if not self.deactivated(o))
        return sorted(found, key=lambda n: (isinstance(n, BNode), str(n)))

    def check_depth(self, shape: Node, depth: int) -> None:
        if depth > 8:
            raise ShapeCompileError(f"shape {self.name(shape)}: sh:property nests too deep")

    def focus_parts(self, shape: Node, this: str, depth: int = 0) -> tuple[set[Node], list[str]]:
        """The focus nodes of ``shape`` (pySHACL's targets, and the value nodes of every shape
        that uses it through ``sh:property``) as target classes and other groups."""
        self.check_depth(shape, depth)
        if self.deactivated(shape):
            return set(), []
        classes = self.target_classes(shape)
        groups = self.other_targets(shape, this)
        for owner in self.owners(shape):
            owner_path = self.path_of(owner)
            if owner_path is None:  # a node shape: its value node is the focus node itself
                owner_classes, owner_groups = self.focus_parts(owner, this, depth + 1)
                classes |= owner_classes
                groups += owner_groups
                continue
            f = self.fresh("f")
            owner_focus = self.enumerate_focus(owner, f, depth + 1)
            if owner_focus is not None:
                path = self.sparql_path(owner, owner_path)
                groups.append(f"{{ {owner_focus} {f} {path} {this} . }}")
        return classes, groups

    def enumerate_focus(self, shape: Node, this: str = "?this", depth: int = 0) -> str | None:
        """A group binding ``this`` once to each focus node of ``shape``; None if none."""
        classes, groups = self.focus_parts(shape, this, depth)
        if classes:
            groups.insert(0, self.class_group(classes, this))
        if not groups:
            return None
        return f"{{ SELECT DISTINCT {this} WHERE {{ {' UNION '.join(groups)} }} }}"

    def member(self, shape: Node, var: str, depth: int = 0) -> str:
        """A SPARQL expression true iff ``var`` (bound) is a focus node of ``shape``: tested
        row by row with EXISTS, so that queries can start from the few candidate violations
        instead of enumerating every focus node."""
        self.check_depth(shape, depth)
        classes, tests = self.member_parts(shape, var, depth)
        if classes:
            values = " ".join(_sparql_term(c) for c in sorted(classes, key=str))
            cls = self.fresh("cls")
            tests.insert(0, f"EXISTS {{ VALUES {cls} {{ {values} }} {var} a {cls} }}")
        return "(" + " || ".join(tests) + ")" if tests else "false"

    def member_parts(self, shape: Node, var: str, depth: int) -> tuple[set[Node], list[str]]:
        if self.deactivated(shape):
            return set(), []
        classes = self.target_classes(shape)
        tests: list[str] = []
        for node in sorted(self.g.objects(shape, SH.targetNode), key=str):
            tests.append(f"sameTerm({var}, {_sparql_term(node)})")
        for predicate in sorted(self.g.objects(shape, SH.targetSubjectsOf), key=str):
            tests.append(f"EXISTS {{ {var} {_sparql_term(predicate)} [] }}")
        for predicate in sorted(self.g.objects(shape, SH.targetObjectsOf), key=str):
            tests.append(f"EXISTS {{ [] {_sparql_term(predicate)} {var} }}")
        for target in sorted(self.g.objects(shape, SH.target), key=str):
            t = self.fresh("t")
            tests.append(
                f"EXISTS {{ {self.sparql_target(shape, target, t)} FILTER(sameTerm({t}, {var})) }}"
            )
        for owner in self.owners(shape):
            owner_path = self.path_of(owner)
            if owner_path is None:
                owner_classes, owner_tests = self.member_parts(owner, var, depth + 1)
                classes |= owner_classes
                tests += owner_tests
                continue
            f = self.fresh("f")
            path = self.sparql_path(owner, owner_path)
            owner_test = self.member(owner, f, depth + 1)
            tests.append(f"EXISTS {{ {f} {path} {var} . FILTER({owner_test}) }}")
        return classes, tests

    def focus_count(self) -> str:
        """A query counting the distinct focus nodes of all shapes with targets."""
        groups = []
        for shape in self.all_shapes():
            if not self.deactivated(shape) and self.own_targets(shape, "?this"):
                groups.extend(self.own_targets(shape, "?this"))
        union = " UNION ".join(groups) if groups else "{}"
        return self.prologue() + f"SELECT (COUNT(DISTINCT ?this) AS ?n) WHERE {{ {union} }}"

    def few_focus_nodes(self, shape: Node) -> bool:
        """Whether the data has at most :data:`FEW` focus nodes for ``shape``, as far as
        the class sizes tell (False when they do not)."""
        if self.class_sizes is None:
            return False
        classes, groups = self.focus_parts(shape, "?x")
        if groups:
            return False
        return sum(self.class_sizes.get(c, 0) for c in classes) <= FEW

    def reached_once(self, shape: Node) -> bool:
        """Whether pySHACL validates each focus node of ``shape`` once: only one way leads
        to the shape (its own targets, or one node shape that is itself reached once)."""
        ways = (1 if self.own_targets(shape, "?x") else 0) + len(self.owners(shape))
        if ways != 1:
            return ways == 0
        owners = self.owners(shape)
        if not owners:
            return True
        owner = owners[0]
        return self.path_of(owner) is None and self.reached_once(owner)

    def focus_group(
        self, shape: Node, this: str, parent: str, restrict: str = "", depth: int = 0
    ) -> str | None:
        """A group binding ``this`` to every focus node of ``shape`` and ``parent`` to a key of
        the way it got there (pySHACL validates a property shape once per node shape that
        uses it, and once per (focus, value) pair of a property shape that uses it).
        ``restrict`` (a VALUES clause on ``this``) is put where ``this`` is first bound."""
        self.check_depth(shape, depth)
        if self.deactivated(shape):
            return None
        branches: list[str] = []
        own = self.own_targets(shape, this)
        if own:
            key = _sparql_string(str(self.shape_id(shape)))
            union = " UNION ".join(own)
            branches.append(
                f"{{ SELECT DISTINCT {this} ({key} AS {parent}) "
                f"WHERE {{ {restrict} {{ {union} }} }} }}"
            )
        for owner in self.owners(shape):
            tag = _sparql_string(f">{self.shape_id(owner)}")
            p = self.fresh("p")
            owner_path = self.path_of(owner)
            if owner_path is None:  # a node shape: its value node is the focus node itself
                group = self.focus_group(owner, this, p, restrict, depth + 1)
                if group is not None:
                    branches.append(
                        f"{{ SELECT {this} (CONCAT({p}, {tag}) AS {parent}) WHERE {group} }}"
                    )
                continue
            f = self.fresh("f")
            group = self.focus_group(owner, f, p, "", depth + 1)
            if group is not None:
                path = self.sparql_path(owner, owner_path)
                branches.append(
                    f"{{ SELECT DISTINCT {this} "
                    f'(CONCAT({p}, {tag}, "@", STR({f})) AS {parent}) '
                    f"WHERE {{ {restrict} {group} {f} {path} {this} . }} }}"
                )
        if not branches:
            return None
        return "{ " + " UNION ".join(branches) + " }"

    def parents_query(self, shape: Node) -> str | None:
        """For a shape some focus nodes may reach more than once: how many times each one
        in ``FOCUS_VALUES`` (replaced by a VALUES clause on ``?this``) is reached."""
        if self.reached_once(shape):
            return None
        group = self.focus_group(shape, "?this", f"?{PARENT}", FOCUS_VALUES)
        if group is None:
            return None
        return (
            f"SELECT ?this (COUNT(DISTINCT ?{PARENT}) AS ?{_INTERNAL}n) "
            f"WHERE {{ {group} }} GROUP BY ?this"
        )

    # ---------------------------------------------------------------- paths

    def sparql_path(self, shape: Node, path: Node, depth: int = 0) -> str:
        """A SHACL property path (SHACL §2.3.1) in SPARQL property-path syntax."""
        if depth > 16:
            raise ShapeCompileError(f"shape {self.name(shape)}: property path nests too deep")
        if isinstance(path, URIRef):
            return _sparql_term(path)
        if isinstance(path, Literal):
            raise ShapeCompileError(f"shape {self.name(shape)}: a literal is no property path")
        unary = {
            SH.inversePath: "^({})",
            SH.zeroOrMorePath: "({})*",
            SH.oneOrMorePath: "({})+",
            SH.zeroOrOnePath: "({})?",
        }
        for predicate, template in unary.items():
            inner = self.g.value(path, predicate)
            if inner is not None:
                return template.format(self.sparql_path(shape, inner, depth + 1))
        alternatives = self.g.value(path, SH.alternativePath)
        if alternatives is not None:
            parts = [
                self.sparql_path(shape, p, depth + 1) for p in Collection(self.g, alternatives)
            ]
            return "(" + "|".join(parts) + ")"
        if self.g.value(path, RDF.first) is not None:
            parts = [self.sparql_path(shape, p, depth + 1) for p in Collection(self.g, path)]
            return "(" + "/".join(parts) + ")"
        raise ShapeCompileError(f"shape {self.name(shape)}: unknown kind of property path")

    # ---------------------------------------------------------------- conditions

    def value_condition(self, shape: Node, parameter: Node, value: Node, var: str) -> str:
        """A SPARQL expression that is true iff the value node ``var`` satisfies the
        node-level constraint ``parameter value`` (as pySHACL decides it)."""
        name = self.name(shape)
        if parameter == SH["class"]:
            classes = " ".join(_sparql_term(c) for c in self.classes_below(value)) or "<urn:x-none>"
            t = self.fresh("t")
            return f"(!isLiteral({var}) && EXISTS {{ VALUES {t} {{ {classes} }} {var} a {t} }})"
        if parameter == SH.datatype:
            return _datatype_condition(value, var)
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
            order = _literal_order(var, _sparql_term(value), operator)
            return f"(isLiteral({var}) && !{_is_string(var)} && {order})"
        if parameter in (SH.minLength, SH.maxLength):
            if not isinstance(value, Literal) or not isinstance(value.value, int):
                raise ShapeCompileError(f"shape {name}: {parameter.n3()} needs an integer")
            if parameter == SH.minLength and value.value == 0:
                return "true"
            operator = ">=" if parameter == SH.minLength else "<="
            return f"(!isBlank({var}) && STRLEN(STR({var})) {operator} {value.value})"
        if parameter == SH.pattern:
            flags = self.one(shape, SH.flags)
            # pySHACL compiles the pattern with Python's re and honours only the i and m flags.
            used = "".join(f for f in "im" if flags is not None and f in str(flags).lower())
            regex = f"REGEX(STR({var}), {_sparql_string(str(value))}, {_sparql_string(used)})"
            return f"(!isBlank({var}) && COALESCE({regex}, false))"
        if parameter == SH.languageIn:
            wanted = sorted({str(lang).lower() for lang in self.items(shape, value)})
            if "*" in wanted:
                return f'(isLiteral({var}) && LANG({var}) != "")'
            if not wanted:
                return "false"
            # pySHACL: the whole tag, or its part before the first "-", is in the list (case
            # ignored). For a listed tag without "-" that is langMatches (RFC 4647 basic
            # filtering); a listed tag with "-" must equal the whole tag.
            tests = [
                f"langMatches(LANG({var}), {_sparql_string(w)})"
                if "-" not in w
                else f"LCASE(LANG({var})) = {_sparql_string(w)}"
                for w in wanted
            ]
            return f"IF(isLiteral({var}), {' || '.join(tests)}, false)"
        if parameter == SH["in"]:
            members = self.items(shape, value)
            if any(isinstance(m, BNode) for m in members):
                raise ShapeCompileError(f"shape {name}: sh:in with blank nodes is not compiled")
            if not members:
                return "false"
            return "(" + " || ".join(f"sameTerm({var}, {_sparql_term(m)})" for m in members) + ")"
        if parameter == SH.hasValue:  # on a node shape: the focus node is the value
            return f"sameTerm({var}, {_sparql_term(value)})"
        raise ShapeCompileError(f"shape {name}: {parameter.n3()} is not compiled")

    def items(self, shape: Node, head: Node) -> list[Node]:
        try:
            return list(Collection(self.g, head))
        except Exception as err:  # a malformed RDF list
            raise ShapeCompileError(f"shape {self.name(shape)}: malformed RDF list") from err

    def conforms(self, shape: Node, var: str, depth: int = 0) -> str:
        """A SPARQL expression true iff ``var`` conforms to the nested node shape ``shape``
        (used by ``sh:qualifiedValueShape``)."""
        name = self.name(shape)
        if depth > 8:
            raise ShapeCompileError(f"shape {name}: nested shapes nest too deep")
        if self.deactivated(shape):
            return "true"
        if self.severity(shape) in _SEVERITIES_ALLOWED:
            return "true"  # pySHACL with allow_warnings: such a shape never fails
        if self.path_of(shape) is not None or (shape, SH.property, None) in self.g:
            raise ShapeCompileError(
                f"shape {name}: a nested shape with property constraints is not compiled"
            )
        parts: list[str] = []
        for parameter, value in sorted(self.g.predicate_objects(shape), key=str):
            if parameter in _UNSUPPORTED:
                raise ShapeCompileError(f"shape {name}: {_UNSUPPORTED[parameter]}")
            if parameter == SH.sparql:
                raise ShapeCompileError(
                    f"shape {name}: SPARQL constraints in a nested shape are not compiled"
                )
            if parameter in _PROPERTY_ONLY:
                raise ShapeCompileError(f"shape {name}: {parameter.n3()} on a node shape")
            if parameter in COMPONENTS:
                parts.append(self.value_condition(shape, parameter, value, var))
        return "(" + " && ".join(parts) + ")" if parts else "true"

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

    # ---------------------------------------------------------------- constraints

    def compile(self) -> Iterator[ConstraintQuery]:
        if (None, RDF.type, SH.ConstraintComponent) in self.g:
            raise ShapeCompileError(
                "the shapes graph declares sh:ConstraintComponent(s): custom constraint "
                "components are not compiled"
            )
        for node in sorted(self.g.subjects(SH.select, None), key=str):
            self.collect_prefixes(node, node)
        for node in self.g.subjects(SH.ask, None):
            users = sorted(self.g.subjects(None, node), key=str) or [node]
            raise ShapeCompileError(
                f"shape {self.name(users[0])}: SPARQL ASK validators are not compiled"
            )
        for shape in self.all_shapes():
            if self.deactivated(shape):
                continue
            parameters = sorted(set(self.g.predicates(shape, None)), key=str)
            for parameter in parameters:
                if parameter in _UNSUPPORTED:
                    raise ShapeCompileError(
                        f"shape {self.name(shape)} uses {_UNSUPPORTED[parameter]}, which "
                        "kg.shacl.compile does not compile"
                    )
            focus = _Focus(self, shape)
            if focus.enumerate is None:
                continue  # no targets and no parent: pySHACL never validates it on its own
            parents = self.parents_query(shape)
            for parameter in parameters:
                if parameter in COMPONENTS:
                    for query in self.constraint(shape, parameter, focus):
                        yield replace(
                            query,
                            sparql=self.prologue() + query.sparql,
                            parents_sparql=None if parents is None else self.prologue() + parents,
                        )
                elif parameter in _COMPANIONS:
                    self.check_companion(shape, parameter)

    def check_companion(self, shape: Node, parameter: Node) -> None:
        companions: dict[Node, URIRef] = {
            SH.flags: SH.pattern,
            SH.qualifiedMinCount: SH.qualifiedValueShape,
            SH.qualifiedMaxCount: SH.qualifiedValueShape,
        }
        needs = companions[parameter]
        if (shape, needs, None) not in self.g:
            raise ShapeCompileError(
                f"shape {self.name(shape)}: {parameter.n3()} without {needs.n3()}"
            )

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

    def simple_path(self, path: Node | None) -> bool:
        """A path whose triples can be scanned from an unbound subject without enumerating
        every node (no zero-length or transitive steps)."""
        if path is None:
            return False
        if isinstance(path, URIRef):
            return True
        if any(
            (path, p, None) in self.g
            for p in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath)
        ):
            return False
        inner = self.g.value(path, SH.inversePath)
        if inner is not None:
            return self.simple_path(inner)
        head = self.g.value(path, SH.alternativePath) or path
        try:
            return all(self.simple_path(p) for p in Collection(self.g, head))
        except Exception:
            return False

    def constraint(self, shape: Node, parameter: Node, focus: _Focus) -> Iterator[ConstraintQuery]:
        """The queries of one constraint parameter of ``shape``.

        Value constraints on a property shape start from the values that break the rule
        and test focus membership on those rows only (``focus.test``); rules about missing
        values start from the focus nodes (``focus.enumerate``). Either way each row is one
        (focus node, value) pair, as pySHACL evaluates them."""
        name = self.name(shape)
        path = self.path_of(shape)
        if parameter in _PROPERTY_ONLY and path is None:
            if parameter == SH.qualifiedValueShape:
                return  # pySHACL ignores it on a node shape (a ConstraintLoadWarning)
            raise ShapeCompileError(f"shape {name}: {parameter.n3()} on a node shape")
        severity = self.severity(shape)
        if parameter == SH.sparql:
            for constraint in sorted(self.g.objects(shape, SH.sparql), key=str):
                compiled = self.sparql_constraint(shape, constraint, focus, path)
                if compiled is not None:
                    yield compiled
            return
        messages = self.messages(shape, parameter)
        component = COMPONENTS[parameter]

        def query(
            text: str, comp: URIRef = component, reports_value: bool = True
        ) -> ConstraintQuery:
            return ConstraintQuery(
                shape=shape,
                component=comp,
                severity=severity,
                messages=messages,
                path=path,
                sparql=text,
                reports_value=reports_value,
            )

        def values_breaking(condition: str, extra: str = "", other: str = "") -> str:
            """Rows (?this, ?value) where ``condition`` (true when the value is fine) fails."""
            if self.simple_path(path):
                assert path is not None
                candidates = (
                    f"?this {self.sparql_path(shape, path)} ?value . {extra} "
                    f"FILTER(!COALESCE({condition}, false))"
                )
                return f"SELECT DISTINCT ?this ?value{other} WHERE {{ {focus.only(candidates)} }}"
            values_of = (
                f"?this {self.sparql_path(shape, path)} ?value ."
                if path is not None
                else "BIND(?this AS ?value)"
            )
            return (
                f"SELECT DISTINCT ?this ?value{other} WHERE {{ {focus.enumerate} {values_of} "
                f"{extra} FILTER(!COALESCE({condition}, false)) }}"
            )

        values = list(self.g.objects(shape, parameter))
        if parameter == SH.minCount:
            count = _count(shape, self.one(shape, SH.minCount))
            if count > 0:
                yield query(self.count_query(focus, path, shape, "<", count), reports_value=False)
        elif parameter == SH.maxCount:
            count = _count(shape, self.one(shape, SH.maxCount))
            yield query(self.count_query(focus, path, shape, ">", count), reports_value=False)
        elif parameter == SH.hasValue:
            for value in sorted(values, key=str):
                if path is None:
                    where = f"{focus.enumerate} FILTER(!sameTerm(?this, {_sparql_term(value)}))"
                else:
                    pattern = f"?this {self.sparql_path(shape, path)} {_sparql_term(value)}"
                    where = focus.missing(pattern)
                yield query(f"SELECT DISTINCT ?this WHERE {{ {where} }}", reports_value=False)
        elif parameter == SH.lessThanOrEquals:
            for other in sorted(values, key=str):
                if not isinstance(other, URIRef):
                    raise ShapeCompileError(f"shape {name}: sh:lessThanOrEquals needs an IRI")
                pair = f"?this {_sparql_term(other)} ?{OTHER} ."
                # one result per (value, other value) pair that is not in order, as pySHACL
                yield query(
                    values_breaking(_less_or_equal("?value", f"?{OTHER}"), pair, f" ?{OTHER}")
                )
        elif parameter == SH.qualifiedValueShape:
            yield from self.qualified(shape, path, focus, query)
        elif parameter == SH["class"]:
            for cls in sorted(values, key=str):
                # Literals never match; other values need a type below the class. MINUS is
                # an anti-join on ?value (Oxigraph runs FILTER NOT EXISTS once per row).
                below = " ".join(_sparql_term(c) for c in self.classes_below(cls))
                types = f"MINUS {{ VALUES ?{_INTERNAL}t {{ {below} }} ?value a ?{_INTERNAL}t }}"
                if self.simple_path(path):
                    assert path is not None
                    candidates = f"?this {self.sparql_path(shape, path)} ?value . {types}"
                    text = f"SELECT DISTINCT ?this ?value WHERE {{ {focus.only(candidates)} }}"
                else:
                    values_of = (
                        f"?this {self.sparql_path(shape, path)} ?value ."
                        if path is not None
                        else "BIND(?this AS ?value)"
                    )
                    where = f"{focus.enumerate} {values_of} {types}"
                    text = f"SELECT DISTINCT ?this ?value WHERE {{ {where} }}"
                yield query(text)
        elif parameter in (SH.datatype, SH.nodeKind, SH.pattern, SH.languageIn, SH["in"]):
            if len(values) > 1:
                raise ShapeCompileError(f"shape {name}: more than one {parameter.n3()}")
            yield query(
                values_breaking(self.value_condition(shape, parameter, values[0], "?value"))
            )
        else:  # one result per value of the parameter: ranges, lengths
            for value in sorted(values, key=str):
                yield query(
                    values_breaking(self.value_condition(shape, parameter, value, "?value"))
                )

    def count_query(
        self,
        focus: _Focus,
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
        sparql_path = self.sparql_path(shape, path)
        a, b = f"?{_INTERNAL}a", f"?{_INTERNAL}b"
        ok_a = condition or "true"
        ok_b = condition.replace(a, b) if condition else "true"
        head = "SELECT DISTINCT ?this WHERE { "
        if op == "<":
            if count == 1:
                rest = f"?this {sparql_path} {a} ." + (f" FILTER({condition})" if condition else "")
                return head + focus.missing(rest) + " }"
            n = f"?{_INTERNAL}n"
            counts = (
                f"SELECT ?this (COUNT(DISTINCT {a}) AS {n}) WHERE {{ ?this {sparql_path} {a} . "
                f"FILTER({ok_a}) }} GROUP BY ?this"
            )
            return (
                head
                + f"{focus.enumerate} OPTIONAL {{ {counts} }} FILTER(COALESCE({n}, 0) < {count}) }}"
            )
        if not self.simple_path(path):  # too many values, on a path that needs the focus first
            n = f"?{_INTERNAL}n"
            counts = (
                f"SELECT ?this (COUNT(DISTINCT {a}) AS {n}) WHERE {{ {focus.enumerate} "
                f"?this {sparql_path} {a} . FILTER({ok_a}) }} GROUP BY ?this"
            )
            return head + f"{{ {counts} }} FILTER({n} > {count}) }}"
        if count == 0:
            candidates = f"?this {sparql_path} {a} . FILTER({ok_a})"
            return head + focus.only(candidates, "?this") + " }"
        # Subjects with more than `count` values of any kind (a grouped count), then, where
        # a condition applies, those with more than `count` values that meet it.
        n = f"?{_INTERNAL}n"
        x = f"?{_INTERNAL}x"
        crowded = (
            f"{{ SELECT ?this WHERE {{ ?this {sparql_path} {x} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT {x}) > {count}) }}"
        )
        if not condition:
            return head + focus.only(crowded, "?this") + " }"
        if count == 1:
            candidates = (
                f"{crowded} ?this {sparql_path} {a} , {b} . "
                f"FILTER(IF(!sameTerm({a}, {b}), IF({ok_a}, {ok_b}, false), false))"
            )
            return head + focus.only(candidates, "?this") + " }"
        counts = (
            f"SELECT ?this WHERE {{ {crowded} ?this {sparql_path} {a} . FILTER({ok_a}) }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT {a}) > {count})"
        )
        return head + focus.only(f"{{ {counts} }}", "?this") + " }"

    def qualified(
        self, shape: Node, path: Node | None, focus: _Focus, query: _QueryMaker
    ) -> Iterator[ConstraintQuery]:
        """``sh:qualifiedValueShape`` (SHACL §4.7.3): how many values conform to the nested
        shape, against ``sh:qualifiedMinCount`` / ``sh:qualifiedMaxCount``."""
        name = self.name(shape)
        nested = self.one(shape, SH.qualifiedValueShape)
        assert nested is not None
        minimum = self.one(shape, SH.qualifiedMinCount)
        maximum = self.one(shape, SH.qualifiedMaxCount)
        if minimum is None and maximum is None:
            raise ShapeCompileError(
                f"shape {name}: sh:qualifiedValueShape needs sh:qualifiedMinCount or "
                "sh:qualifiedMaxCount"
            )
        ok = self.conforms(nested, f"?{_INTERNAL}a")
        if maximum is not None:
            count = _count(shape, maximum)
            text = self.count_query(focus, path, shape, ">", count, ok)
            yield query(text, SH.QualifiedMaxCountConstraintComponent, False)
        if minimum is not None:
            count = _count(shape, minimum)
            if count > 0:
                text = self.count_query(focus, path, shape, "<", count, ok)
                yield query(text, SH.QualifiedMinCountConstraintComponent, False)

    def sparql_constraint(
        self, shape: Node, constraint: Node, focus: _Focus, path: Node | None
    ) -> ConstraintQuery | None:
        """A SHACL-SPARQL constraint (SHACL §5.3) with ``$this`` pre-bound to every focus node
        at once: its WHERE group joined with the focus nodes (or, when the group itself binds
        ``$this`` in a triple pattern, filtered by the focus test)."""
        name = self.name(shape)
        if self.deactivated(constraint):
            return None
        if (constraint, SH.ask, None) in self.g:
            raise ShapeCompileError(f"shape {name}: SPARQL ASK constraints are not compiled")
        selects = list(self.g.objects(constraint, SH.select))
        if len(selects) != 1 or not isinstance(selects[0], Literal):
            raise ShapeCompileError(f"shape {name}: a SPARQL constraint needs one sh:select")
        text = _strip_comments(str(selects[0]))
        _refuse_keywords(shape, text, ("MINUS", "VALUES", "SERVICE", "PREFIX", "BASE"))
        if _INTERNAL in text:
            raise ShapeCompileError(f"shape {name}: variables must not start with ?shq_")
        if re.search(r"[$?]shapesGraph\b", text):
            raise ShapeCompileError(f"shape {name}: $shapesGraph is not supported (nor by pySHACL)")
        if re.search(r"[$?]PATH\b", text):
            if path is None:
                raise ShapeCompileError(f"shape {name}: $PATH in a shape without sh:path")
            sparql_path = self.sparql_path(shape, path)
            text = re.sub(r"[$?]PATH\b", lambda _m: sparql_path, text)
        text = re.sub(r"[$?]currentShape\b", lambda _m: _sparql_term(shape), text)
        text = re.sub(r"\$this\b", "?this", text)
        projection, body, rest = _split_select(shape, text)
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
        elements = _group_elements(shape, body)
        binds_this = elements is not None and any(
            kind == "triples" and re.search(r"\?this\b", chunk) for kind, chunk in elements
        )
        if binds_this:  # the group finds ?this itself: test focus membership on its rows
            where = focus.only(self.optimise_body(shape, body))
        else:
            where = f"{focus.enumerate} {self.optimise_body(shape, body)}"
        sparql = f"SELECT DISTINCT{extra} {projection.strip()} WHERE {{ {where} }}"
        extra_messages = tuple(
            sorted(
                (m for m in self.g.objects(constraint, SH.message) if isinstance(m, Literal)),
                key=str,
            )
        )
        return ConstraintQuery(
            shape=shape,
            component=SH.SPARQLConstraintComponent,
            severity=self.severity(shape),
            messages=self.messages(shape, SH.sparql),
            path=path,
            sparql=sparql,
            is_sparql=True,
            source_constraint=constraint,
            extra_messages=extra_messages,
            this_selected=this_selected,
        )

    def optimise_body(self, shape: Node, body: str) -> str:
        """The WHERE group of a SHACL-SPARQL constraint, rewritten into an equivalent form
        that Oxigraph evaluates quickly.

        - The group's FILTERs become one ``FILTER(IF(f1, IF(f2, f3, false), false))`` at its
          end: a solution passes iff every filter is true, either way (SPARQL §18.6: the
          filters of a group restrict the whole group), but Oxigraph evaluates every FILTER
          on every row, while IF evaluates the next test only when the previous one holds.
        - A filter's top-level ``&&`` conjuncts are tests of their own in that chain (a row
          passes iff each is true, as with ``&&``). A conjunct ``?v IN (<iri>, …)`` where
          ``?v`` is bound by a triple pattern of the group also adds ``VALUES ?v { … }``:
          it only removes rows the test rejects, and lets Oxigraph look up those
          predicates instead of scanning every triple.
        - ``FILTER NOT EXISTS { triples FILTER(…) }`` becomes ``OPTIONAL { triples FILTER(…)
          BIND(true AS ?m) }`` at the end of the group and ``!BOUND(?m)`` in that chain: a
          left join whose FILTER sees the outer solution (SPARQL §18.2.2.5) keeps a solution
          unmatched iff the NOT EXISTS pattern has no solution for it. Oxigraph evaluates
          NOT EXISTS once per row, which is very much slower. Groups with anything but
          triples and filters are left as they are.
        """
        elements = _group_elements(shape, body)
        if elements is None:
            return body
        hints: list[str] = []
        triples: list[str] = []
        parts: list[str] = []
        tail: list[str] = []
        tests: list[str] = []
        bound = " ".join(t for k, t in elements if k == "triples")
        for kind, text in elements:
            if kind == "filter":
                for conjunct in _conjuncts(text):
                    tests.append(f"({conjunct})")
                    hint = _values_hint(conjunct, bound)
                    if hint:
                        hints.append(hint)
            elif kind == "not exists":
                inner = _group_elements(shape, text[1:-1])
                simple = inner is not None and all(
                    k == "triples" or (k == "filter" and not _has_keyword(t, "EXISTS"))
                    for k, t in inner
                )
                if simple:
                    marker = self.fresh("m")
                    tail.append(f"OPTIONAL {{ {text[1:-1]} BIND(true AS {marker}) }}")
                    tests.append(f"!BOUND({marker})")
                else:
                    tests.append(f"(NOT EXISTS {text})")
            elif kind == "exists":
                tests.append(f"(EXISTS {text})")
            elif kind == "triples":
                (parts if parts else triples).append(f"{text} .")
            else:
                parts.append(text)
        # Tests on variables the leading triple patterns bind run inside a group with them,
        # before any BIND: Oxigraph applies a group's FILTER after its BINDs otherwise, and
        # BINDs that decode terms cost more than the tests. Same solutions either way: the
        # tests do not read what the BINDs add.
        early: list[str] = []
        late: list[str] = []
        for test in tests:
            names = set(re.findall(r"[?$](\w+)", test))
            plain = not _has_keyword(test, "EXISTS") and not test.startswith("!BOUND(")
            in_triples = all(re.search(rf"[?$]{n}\b", " ".join(triples)) for n in names)
            (early if triples and plain and in_triples else late).append(test)
        head = " ".join(hints + triples)
        if early:
            head = f"{{ {head} FILTER({_chain(early)}) }}"
        filtered = f" FILTER({_chain(late)})" if late else ""
        return " ".join([head, *parts, *tail]) + filtered


def _chain(tests: Sequence[str]) -> str:
    """``IF(t1, IF(t2, t3, false), false)``: true iff every test is, each evaluated only if
    the ones before are true."""
    chain = tests[-1]
    for test in reversed(tests[:-1]):
        chain = f"IF({test}, {chain}, false)"
    return chain


# --------------------------------------------------------------------------- SPARQL text


def _sparql_term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        lexical = _sparql_string(str(node))
        if node.language:
            return f"{lexical}@{node.language}"
        if node.datatype is not None:
            return f"{lexical}^^<{node.datatype}>"
        return lexical
    raise ShapeCompileError(f"cannot write {node.n3()} into a query")


def _sparql_string(text: str) -> str:
    """A SPARQL string literal (JSON string escapes are a subset of SPARQL's)."""
    return json.dumps(text, ensure_ascii=False)


def _is_string(var: str) -> str:
    """pySHACL's "is a string": a literal whose Python value is a str (plain, xsd:string or
    language-tagged text)."""
    return f'(isLiteral({var}) && (datatype({var}) = <{XSD.string}> || LANG({var}) != ""))'


def _less_or_equal(a: str, b: str) -> str:
    """pySHACL's sh:lessThanOrEquals test: IRIs and strings compare as text with each other,
    never with other values; other literals are ordered as rdflib orders them."""
    text_a = f"(isIRI({a}) || {_is_string(a)})"
    text_b = f"(isIRI({b}) || {_is_string(b)})"
    both_literals = f"(isLiteral({a}) && isLiteral({b}))"
    return (
        f"IF({text_a}, IF({text_b}, STR({a}) <= STR({b}), false), "
        f"IF({text_b}, false, {both_literals} && {_literal_order(a, b, '<=')}))"
    )


def _literal_order(a: str, b: str, op: str) -> str:
    """``a op b`` for two non-string literals in rdflib's order (``Literal.__gt__`` and
    ``Literal.eq``): numbers by value; different datatypes by datatype IRI (never equal);
    the same datatype by value, or by lexical form where values do not compare (ill-typed)."""
    strict = op.rstrip("=")
    return (
        f"COALESCE(IF(isNumeric({a}) && isNumeric({b}), {a} {op} {b}, "
        f"IF(datatype({a}) != datatype({b}), STR(datatype({a})) {strict} STR(datatype({b})), "
        f"COALESCE({a} {op} {b}, STR({a}) {op} STR({b})))), false)"
    )


def _datatype_condition(datatype: Node, var: str) -> str:
    """True iff ``var`` matches ``sh:datatype`` as pySHACL (rdflib) decides it (SHACL §4.1.2)."""
    if datatype == RDFS.Literal:
        return f"isLiteral({var})"
    if datatype == RDF.langString:
        return f'(isLiteral({var}) && LANG({var}) != "")'
    if datatype == XSD.string:
        return f"(isLiteral({var}) && datatype({var}) = <{XSD.string}>)"
    same = f"(isLiteral({var}) && datatype({var}) = {_sparql_term(datatype)})"
    if datatype in _CHECKED_DATATYPES:
        # An ill-typed literal keeps its datatype but cannot be cast: the cast errors out.
        cast = f"COALESCE(isLiteral(<{datatype}>(STR({var}))), false)"
        return f"({same} && {cast})"
    return same


def _count(shape: Node, value: Node | None) -> int:
    if not isinstance(value, Literal) or not isinstance(value.value, int) or value.value < 0:
        raise ShapeCompileError(f"shape {shape.n3()}: a count must be an integer >= 0")
    return int(value.value)


_STRINGS_AND_IRIS = re.compile(
    r"'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|<[^<>\s{}|^`\"]*>",
    re.DOTALL,
)


def _masked(text: str) -> str:
    """The text with the inside of strings and IRIs replaced by spaces, so keywords, braces
    and comments can be found by position."""
    return _STRINGS_AND_IRIS.sub(
        lambda m: m.group(0)[0] + " " * (len(m.group(0)) - 2) + m.group(0)[-1], text
    )


def _strip_comments(text: str) -> str:
    masked = _masked(text)
    out = []
    i = 0
    for match in re.finditer(r"#[^\n]*", masked):
        out.append(text[i : match.start()])
        i = match.end()
    out.append(text[i:])
    return "".join(out)


def _refuse_keywords(shape: Node, text: str, keywords: Iterable[str]) -> None:
    masked = _masked(text)
    for keyword in keywords:
        if re.search(rf"(?<![\w:?$]){keyword}\b", masked, re.IGNORECASE):
            raise ShapeCompileError(
                f"shape {shape.n3()}: {keyword} in SHACL-SPARQL text is not compiled"
            )


def _split_select(shape: Node, text: str) -> tuple[str, str, str]:
    """Split ``SELECT <projection> WHERE { <body> } <rest>`` into its three parts."""
    masked = _masked(text)
    select = re.search(r"\bSELECT\b", masked, re.IGNORECASE)
    if select is None:
        raise ShapeCompileError(f"shape {shape.n3()}: a SPARQL constraint must be a SELECT")
    if masked[: select.start()].strip():
        raise ShapeCompileError(f"shape {shape.n3()}: text before SELECT is not compiled")
    open_at = masked.find("{", select.end())
    if open_at < 0:
        raise ShapeCompileError(f"shape {shape.n3()}: SELECT without a WHERE group")
    projection = text[select.end() : open_at]
    where = re.search(r"\bWHERE\s*$", masked[select.end() : open_at], re.IGNORECASE)
    if where:
        projection = projection[: where.start()]
    depth = 0
    for i in range(open_at, len(masked)):
        if masked[i] == "{":
            depth += 1
        elif masked[i] == "}":
            depth -= 1
            if depth == 0:
                return projection, text[open_at + 1 : i], text[i + 1 :]
    raise ShapeCompileError(f"shape {shape.n3()}: unbalanced braces in SPARQL constraint")


_KEYWORD = re.compile(r"(FILTER|BIND|OPTIONAL|GRAPH|MINUS|SERVICE|VALUES)\b", re.IGNORECASE)


def _has_keyword(text: str, keyword: str) -> bool:
    return re.search(rf"(?<![\w:?$]){keyword}\b", _masked(text), re.IGNORECASE) is not None


def _closing(masked: str, start: int, open_: str, close: str) -> int:
    """The index of the bracket closing the one at ``start``."""
    depth = 0
    for i in range(start, len(masked)):
        if masked[i] == open_:
            depth += 1
        elif masked[i] == close:
            depth -= 1
            if depth == 0:
                return i
    raise ValueError("unbalanced brackets")


def _group_elements(shape: Node, body: str) -> list[tuple[str, str]] | None:
    """Split a group's text into its top-level elements, in order: ``triples``, ``filter``
    (the expression), ``not exists`` / ``exists`` (the ``{…}`` group), ``bind`` and
    ``group`` (OPTIONAL, GRAPH, nested groups and UNIONs, kept as written). None when the
    text is not understood (then it is left as it is)."""
    masked = _masked(body)
    elements: list[tuple[str, str]] = []
    start = 0
    i = 0

    def flush(end: int) -> None:
        chunk = body[start:end].strip().strip(".").strip()
        if chunk:
            elements.append(("triples", chunk))

    try:
        while i < len(masked):
            char = masked[i]
            if char == "{":
                flush(i)
                end = _closing(masked, i, "{", "}") + 1
                while union := re.match(r"\s*UNION\s*\{", masked[end:], re.IGNORECASE):
                    end = _closing(masked, end + union.end() - 1, "{", "}") + 1
                elements.append(("group", body[i:end]))
                i = start = end
                continue
            keyword = _KEYWORD.match(masked, i)
            before = masked[i - 1] if i else " "
            after = masked[keyword.end()] if keyword and keyword.end() < len(masked) else " "
            if keyword is None or re.match(r"[\w:?$]", before) or after == ":":
                i += 1
                continue
            flush(i)
            word = keyword.group(1).upper()
            j = keyword.end()
            while j < len(masked) and masked[j].isspace():
                j += 1
            if word == "FILTER":
                exists = re.match(r"(NOT\s+)?EXISTS\s*\{", masked[j:], re.IGNORECASE)
                if exists:
                    brace = j + exists.end() - 1
                    end = _closing(masked, brace, "{", "}") + 1
                    kind = "not exists" if exists.group(1) else "exists"
                    elements.append((kind, body[brace:end]))
                else:
                    paren = masked.index("(", j)
                    end = _closing(masked, paren, "(", ")") + 1
                    call = body[j:end].strip()
                    elements.append(("filter", call[1:-1] if paren == j else call))
            elif word == "BIND":
                end = _closing(masked, masked.index("(", j), "(", ")") + 1
                elements.append(("bind", body[i:end]))
            elif word in ("OPTIONAL", "GRAPH"):
                end = _closing(masked, masked.index("{", j), "{", "}") + 1
                elements.append(("group", body[i:end]))
            else:
                return None  # MINUS, SERVICE, VALUES: refused before this is reached
            i = start = end
        flush(len(masked))
    except ValueError:
        return None
    return elements


def _conjuncts(expression: str) -> list[str]:
    """The top-level ``&&`` operands of an expression (the whole if there is none)."""
    masked = _masked(expression)
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(masked):
        char = masked[i]
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        elif depth == 0 and masked.startswith("&&", i):
            parts.append(expression[start:i].strip())
            start = i + 2
            i += 1
        i += 1
    parts.append(expression[start:].strip())
    return [p for p in parts if p]


_IRI_OR_NAME = r"(?:<[^<>\s\"{}|^`]*>|[A-Za-z][\w.-]*:[\w.-]*|[A-Za-z]?:[\w.-]+)"
_IN_IRIS = re.compile(
    rf"^\?(\w+)\s+IN\s*\(\s*({_IRI_OR_NAME}(?:\s*,\s*{_IRI_OR_NAME})*)\s*\)$",
    re.IGNORECASE,
)


def _values_hint(conjunct: str, bound_by_triples: str) -> str:
    """``VALUES ?v { … }`` for a conjunct ``?v IN (<iri>, …)`` whose variable the group's
    triple patterns bind, else ''. IRIs only: IN compares literals by value, VALUES by term."""
    match = _IN_IRIS.match(conjunct.strip())
    if match is None or not re.search(rf"[?$]{match.group(1)}\b", bound_by_triples):
        return ""
    items = " ".join(i.strip() for i in match.group(2).split(","))
    return f"VALUES ?{match.group(1)} {{ {items} }}"
