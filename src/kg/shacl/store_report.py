"""The report of a store's validation, built from the rows of the compiled SHACL queries.

:func:`build_report` turns the rows :mod:`kg.shacl.in_store` gets from each query
(:class:`kg.shacl.model.ConstraintQuery`) into the :class:`kg.shacl.validate.ValidationReport`
that :func:`kg.shacl.validate.validate` makes of pySHACL's results: the same findings (built,
sorted and de-duplicated with its helpers) and a ``sh:ValidationReport`` graph holding a
``sh:ValidationResult`` per result, as pySHACL writes them, including its handling of
SHACL-SPARQL rows and messages.

Spec: SHACL validation report https://www.w3.org/TR/shacl/#validation-report (§3.6),
SHACL-SPARQL results https://www.w3.org/TR/shacl/#sparql-constraints-validation (§5.3.2).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kg.shacl.model import CompiledShapes, ConstraintQuery
from kg.shacl.validate import (
    _TEXT_PREFIXES,
    Finding,
    ValidationReport,
    _local_name,
    _message,
    _path,
    _sort_key,
    _term,
)

__all__ = ["Describer", "Rows", "build_report"]

#: A row as (variable names, rows of rdflib terms or None), picklable across processes.
Rows = tuple[tuple[str, ...], list[tuple[Node | None, ...]]]

#: The (predicate, object) pairs of a blank node of the data.
Describer = Callable[[BNode], Iterable[tuple[Node, Node]]]


def build_report(
    compiled: CompiledShapes,
    rows: Sequence[Rows],
    *,
    reported: set[Node] | None = None,
    describe: Describer | None = None,
    reached: Sequence[dict[Node, int]] | None = None,
) -> ValidationReport:
    """Turn the rows of each compiled query into the report :func:`kg.shacl.validate.validate`
    makes of pySHACL's results: the same findings (built with its helpers, sorted and
    de-duplicated the same way) and a ``sh:ValidationReport`` graph holding every result.

    ``describe`` gives the triples about a blank node of the data: pySHACL copies the
    description of a blank focus node or value into the report, and so does this.
    ``reached`` says, per query, how many times a focus node is validated if more than once
    (pySHACL reports a property shape once per node shape that uses it).
    """
    results = _ResultsGraph(compiled.shapes_graph, describe)
    kept: list[Finding] = []
    for i, (query, (names, query_rows)) in enumerate(zip(compiled.queries, rows, strict=True)):
        times = reached[i] if reached is not None else {}
        for row in query_rows:
            values = dict(zip(names, row, strict=True))
            for result in _results_of(query, values, names):
                if reported is not None and result.focus not in reported:
                    continue
                finding = _finding_of(query, result, compiled.shapes_graph)
                for _ in range(max(1, times.get(values["this"], 1))):  # type: ignore[arg-type]
                    results.add(query, result)
                    kept.append(finding)
    kept.sort(key=_sort_key)
    findings: tuple[Finding, ...] = tuple(dict.fromkeys(kept))
    conforms = not any(f.severity == "Violation" for f in findings)
    return ValidationReport(findings=findings, results_graph=results.report(conforms))


def _finding_of(query: ConstraintQuery, result: _Result, shapes: Graph) -> Finding:
    """The :class:`Finding` ``kg.shacl.validate._finding`` reads from the result's triples."""
    return Finding(
        focus=_term(result.focus),
        path=None if result.path is None else _path(shapes, result.path),
        value=None if result.value is None else _term(result.value),
        severity=_local_name(query.severity),
        message=_chosen_message(result.messages, query.component),
        shape=_term(query.shape),
    )


def _chosen_message(messages: Sequence[Literal], component: URIRef) -> str:
    """``kg.shacl.validate._message`` on a result with these messages (one needs no graph)."""
    if len(messages) == 1:
        return str(messages[0])
    scratch = Graph()
    node = BNode()
    scratch.add((node, SH.sourceConstraintComponent, component))
    for message in messages:
        scratch.add((node, SH.resultMessage, message))
    return _message(scratch, node)


@dataclass(frozen=True)
class _Result:
    focus: Node
    value: Node | None
    path: Node | None
    messages: tuple[Literal, ...]


def _results_of(
    query: ConstraintQuery, row: dict[str, Node | None], names: Iterable[str]
) -> Iterator[_Result]:
    focus = row["this"]
    assert focus is not None
    if not query.is_sparql:
        value = row.get("value") if query.reports_value else None
        yield _Result(focus, value, query.path, query.messages)
        return
    # pySHACL's SPARQLBasedConstraint._evaluate_sparql_constraint, one row at a time.
    own = [n for n in names if not n.startswith("shq_")]
    t = row["this"] if query.this_selected else None
    p = row.get("path") if "path" in own else None
    v = row.get("value") if "value" in own else None
    if t is None and p is None and v is None:
        return  # pySHACL ignores a row that binds none of $this, ?path, ?value
    if v is None and not query.is_property_shape:
        v = focus  # a node shape reports the focus node as the value
    bound: dict[str, Node] = {}
    for name in own:
        term = row[name]
        if name not in ("this", "path", "value", "failure") and term is not None:
            bound[name] = term
    if t is not None:
        bound["this"] = t
    if p is not None:
        bound["path"] = p
    if v is not None:
        bound["value"] = v
    messages = [m for m in query.extra_messages if m not in query.messages]
    messages += list(query.messages)
    formatted = tuple(Literal(_format_message(str(m), bound)) for m in messages)
    yield _Result(t or focus, v, p if p is not None else query.path, formatted)


def _format_message(message: str, bound: dict[str, Node]) -> str:
    """Fill ``{?var}`` / ``{$var}`` in as pySHACL does (a regular-expression substitution per
    variable, in the order of the selected variables, then this, path, value)."""
    for name, value in bound.items():
        message = re.sub(f"{{[?$]{name}}}", str(value), message)
    return message


class _ResultsGraph:
    """pySHACL's validation results (SHACL §3.6.2), one blank node per result, gathered as
    triples and written into the report graph at once (rdflib adds are slow one by one)."""

    def __init__(self, shapes: Graph, describe: Describer | None = None) -> None:
        self.shapes = shapes
        self.describe = describe
        self.triples: list[tuple[Node, Node, Node]] = []
        self.results: list[BNode] = []
        self._described: set[Node] = set()
        self._copied: set[Node] = set()

    def add(self, query: ConstraintQuery, result: _Result) -> None:
        node = BNode()
        add = self.triples.append
        add((node, RDF.type, SH.ValidationResult))
        add((node, SH.sourceConstraintComponent, query.component))
        add((node, SH.sourceShape, query.shape))
        add((node, SH.resultSeverity, query.severity))
        add((node, SH.focusNode, result.focus))
        self._describe(result.focus)
        if result.value is not None:
            add((node, SH.value, result.value))
            self._describe(result.value)
        if result.path is not None:
            add((node, SH.resultPath, result.path))
            self._copy(result.path)
        if query.source_constraint is not None:
            add((node, SH.sourceConstraint, query.source_constraint))
            self._copy(query.source_constraint)
        self._copy(query.shape)
        for message in result.messages:
            add((node, SH.resultMessage, message))
        self.results.append(node)

    def report(self, conforms: bool) -> Graph:
        """The ``sh:ValidationReport`` graph, as ``kg.shacl.validate._report_graph`` builds it."""
        graph = Graph()
        graph.bind("sh", SH)
        for short, long in _TEXT_PREFIXES.items():
            graph.bind(short, long, override=False)
        report = BNode()
        self.triples.append((report, RDF.type, SH.ValidationReport))
        self.triples.append((report, SH.conforms, Literal(conforms)))
        self.triples.extend((report, SH.result, node) for node in self.results)
        graph.addN((s, p, o, graph) for s, p, o in self.triples)
        return graph

    def _describe(self, node: Node, depth: int = 0) -> None:
        """Copy a data blank node's description, as pySHACL's clone_blank_node (10 deep)."""
        if not isinstance(node, BNode) or self.describe is None or depth >= 10:
            return
        if node in self._described:
            return
        self._described.add(node)
        for p, o in self.describe(node):
            self.triples.append((node, p, o))
            self._describe(o, depth + 1)

    def _copy(self, node: Node) -> None:
        """Copy a blank node's description (a path, an anonymous shape or constraint)."""
        if not isinstance(node, BNode) or node in self._copied:
            return
        self._copied.add(node)
        for _s, p, o in self.shapes.triples((node, None, None)):
            self.triples.append((node, p, o))
            self._copy(o)
