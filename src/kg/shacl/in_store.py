"""SHACL validation of a whole SPARQL store, in parallel: the report pySHACL would give, fast.

:func:`validate_store` compiles the shapes into SPARQL queries (:mod:`kg.shacl.compile`),
runs them over a pyoxigraph store, by default in 2 worker processes that each open the
on-disk store read-only (``pyoxigraph.Store.read_only``), and builds the same
:class:`kg.shacl.validate.ValidationReport` as :func:`kg.shacl.validate.validate`: the same findings
(focus node, path, value, shape, severity, message), sorted and de-duplicated by the same
helpers, and a SHACL results graph of the same shape (SHACL §3.6). The graph validated is
the store's default graph as the union of its named graphs.

Where :func:`kg.shacl.validate.validate` adds the ontology's ``rdfs:subClassOf`` triples to the
data,
this module adds them to the class hierarchy it reads from the store, which decides what
``sh:targetClass`` and ``sh:class`` reach. SHACL-SPARQL constraints see only the store: a
store built by ``kg build`` or written by ``kg.bench.generate`` holds the ontology graph, so both
agree there.

Two differences come from the store, not the validation: blank nodes have Oxigraph's labels,
not rdflib's, and Oxigraph keeps numeric literals in canonical form, so a value written
``-5.0`` in the data is reported as ``-5`` (same datatype and value).

Spec: SHACL, https://www.w3.org/TR/shacl/ (validation report §3.6, SHACL-SPARQL §5).

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.update('''
...     PREFIX mea: <https://w3id.org/mea-kg/ontology#>
...     PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
...     INSERT DATA { GRAPH <urn:g> {
...         <https://w3id.org/mea-kg/id/decision/BC-14-18> a mea:Decision ;
...             rdfs:label "Technical assistance"@en ;
...             mea:decisionCode "BC 14/18" ;
...             mea:underAgreement <https://w3id.org/mea-kg/id/agreement/basel> } }''')
>>> report = validate_store(store, workers=1)
>>> [f.message for f in report.violations()]  # doctest: +NORMALIZE_WHITESPACE
['Decision code BC 14/18 does not follow the Basel Convention format: write it as
  BC-<meeting>/<number>, e.g. BC-14/18']
"""

from __future__ import annotations

import multiprocessing
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from kg.shacl.compile import FOCUS_VALUES, CompiledShapes, ConstraintQuery, compile_shapes
from kg.shacl.validate import (
    _TEXT_PREFIXES,
    Finding,
    ValidationReport,
    _local_name,
    _message,
    _path,
    _sort_key,
    _term,
    load_shapes,
)

__all__ = [
    "QueryTiming",
    "StoreValidation",
    "compile_for",
    "count_focus_nodes",
    "validate_store",
    "validate_store_timed",
]


class QueryableStore(Protocol):
    """What :func:`validate_store` needs of a store: pyoxigraph's ``Store.query``."""

    def query(self, query: str, *, use_default_graph_as_union: bool = ...) -> Any: ...


#: A row as (variable names, rows of rdflib terms or None), picklable across processes.
Rows = tuple[tuple[str, ...], list[tuple[Node | None, ...]]]


@dataclass(frozen=True)
class QueryTiming:
    """How long one compiled query took and how many rows it returned."""

    shape: str
    component: str
    seconds: float
    rows: int


@dataclass(frozen=True)
class StoreValidation:
    """A report with the figures of the run that produced it."""

    report: ValidationReport
    queries: int
    focus_filtered: bool
    seconds: float
    timings: tuple[QueryTiming, ...] = field(default=(), repr=False)


def validate_store(
    store: str | Path | QueryableStore,
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    *,
    workers: int = 2,
    focus_graph: str | None = None,
    compiled: CompiledShapes | None = None,
) -> ValidationReport:
    """Validate the union graph of ``store`` against ``shapes`` (default: ``shapes/``).

    - ``store``: the directory of an on-disk Oxigraph store (opened read-only, by ``workers``
      processes in parallel), or a store object with pyoxigraph's ``query`` (queried in this
      process, one query at a time).
    - ``ontology``: its ``rdfs:subClassOf`` triples join the store's for ``sh:targetClass``
      and ``sh:class``, as :func:`kg.shacl.validate.validate` adds them to the data.
    - ``focus_graph``: report only findings on subjects of this named graph (for a store
      that also holds context, as :func:`kg.shacl.validate.validate`'s ``context`` argument).
    - ``compiled``: queries from :func:`compile_for`, to validate many stores with the same
      shapes and class hierarchy without compiling again (``shapes`` and ``ontology`` are
      then not used).

    :raises kg.shacl.compile.ShapeCompileError: when a shape uses a feature not compiled.
    """
    return validate_store_timed(
        store, shapes, ontology, workers=workers, focus_graph=focus_graph, compiled=compiled
    ).report


def compile_for(
    store: QueryableStore, shapes: Graph | None = None, ontology: Graph | None = None
) -> CompiledShapes:
    """The shapes (default: ``shapes/``) compiled for the class hierarchy of ``store`` and
    ``ontology``, as :func:`validate_store` compiles them."""
    shapes_graph = load_shapes() if shapes is None else shapes
    pairs = set(_store_subclass_pairs(store))
    if ontology is not None:
        pairs |= set(ontology.subject_objects(RDFS.subClassOf))
    return compile_shapes(shapes_graph, subclass_of=pairs, class_sizes=_class_sizes(store))


def validate_store_timed(
    store: str | Path | QueryableStore,
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    *,
    workers: int = 2,
    focus_graph: str | None = None,
    compiled: CompiledShapes | None = None,
) -> StoreValidation:
    """:func:`validate_store`, with the time taken and per-query timings (for benchmarks)."""
    started = time.perf_counter()
    path = Path(store) if isinstance(store, str | Path) else None
    local: Any = ox.Store.read_only(str(path)) if path is not None else store
    if compiled is None:
        compiled = compile_for(local, shapes, ontology)
    reported = _subjects_of(local, focus_graph) if focus_graph is not None else None
    if path is not None and workers > 1:
        del local  # no open handle across fork(); workers open their own read-only handles
        results = _run_parallel(path, compiled.queries, workers)
        local = ox.Store.read_only(str(path))
    else:
        results = [_run_timed(local, q.sparql) for q in compiled.queries]
    rows = [r for r, _seconds in results]
    timings = tuple(
        QueryTiming(str(q.shape), str(q.component), seconds, len(r[1]))
        for q, (r, seconds) in zip(compiled.queries, results, strict=True)
    )
    reached = [_times_reached(local, q, r) for q, r in zip(compiled.queries, rows, strict=True)]
    report = build_report(
        compiled, rows, reported=reported, describe=_describer(local), reached=reached
    )
    return StoreValidation(
        report=report,
        queries=len(compiled.queries),
        focus_filtered=reported is not None,
        seconds=time.perf_counter() - started,
        timings=timings,
    )


def count_focus_nodes(store: str | Path | QueryableStore, compiled: CompiledShapes) -> int:
    """How many distinct nodes some shape validates (the focus nodes of shapes with targets)."""
    local: Any = ox.Store.read_only(str(store)) if isinstance(store, str | Path) else store
    (_names, rows), _seconds = _run_timed(local, compiled.focus_count_sparql)
    [(count,)] = rows
    return int(count) if isinstance(count, Literal) else 0


# --------------------------------------------------------------------------- running queries


_STORE: Any = None  # the read-only store of a worker process


def _open_worker_store(path: str) -> None:
    global _STORE
    _STORE = ox.Store.read_only(path)


def _worker_query(sparql: str) -> tuple[Rows, float]:
    return _run_timed(_STORE, sparql)


def _run_parallel(
    path: Path, queries: Sequence[ConstraintQuery], workers: int
) -> list[tuple[Rows, float]]:
    """Run the queries in ``workers`` processes, each with its own read-only store handle;
    the slowest kinds go first so that no process is left with a long one at the end."""
    order = sorted(range(len(queries)), key=lambda i: _expected_cost(queries[i]), reverse=True)
    context = multiprocessing.get_context("fork")
    results: list[tuple[Rows, float] | None] = [None] * len(queries)
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_open_worker_store,
        initargs=(str(path),),
    ) as pool:
        futures = {i: pool.submit(_worker_query, queries[i].sparql) for i in order}
        for i, future in futures.items():
            results[i] = future.result()
    return [r for r in results if r is not None]


def _expected_cost(query: ConstraintQuery) -> int:
    """A rough rank: SHACL-SPARQL constraints and label checks scan the most."""
    if query.is_sparql:
        return 3
    if "Qualified" in str(query.component):
        return 2
    return 1 if query.is_property_shape else 0


def _run_timed(store: QueryableStore, sparql: str) -> tuple[Rows, float]:
    started = time.perf_counter()
    solutions = store.query(sparql, use_default_graph_as_union=True)
    names = tuple(v.value for v in solutions.variables)
    rows = [tuple(_rdflib_term(s[name]) for name in names) for s in solutions]
    return (names, rows), time.perf_counter() - started


def _rdflib_term(term: Any) -> Node | None:
    """A pyoxigraph term as the rdflib term a Turtle parser would have produced."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == str(XSD.string):  # a plain literal in Turtle: rdflib keeps no datatype
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unexpected term {term!r}")


Describer = Callable[[BNode], Iterable[tuple[Node, Node]]]


def _describer(store: Any) -> Describer | None:
    """The (predicate, object) pairs of a blank node, read from a pyoxigraph store."""
    if not hasattr(store, "quads_for_pattern"):
        return None

    def describe(node: BNode) -> Iterator[tuple[Node, Node]]:
        seen: set[tuple[Node, Node]] = set()
        for quad in store.quads_for_pattern(ox.BlankNode(str(node)), None, None):
            pair = (_rdflib_term(quad.predicate), _rdflib_term(quad.object))
            if pair not in seen and pair[0] is not None and pair[1] is not None:
                seen.add(pair)  # type: ignore[arg-type]
                yield pair  # type: ignore[misc]

    return describe


def _times_reached(store: QueryableStore, query: ConstraintQuery, rows: Rows) -> dict[Node, int]:
    """How many times pySHACL validates each focus node of ``rows`` with this constraint
    (once per node shape using the property shape): asked only for the focus nodes that
    break it, since most shapes are reached once and most data conforms."""
    if query.parents_sparql is None or not rows[1]:
        return {}
    names, found = rows
    focus = {dict(zip(names, row, strict=True))["this"] for row in found}
    counts: dict[Node, int] = {}
    iris = sorted(str(f) for f in focus if isinstance(f, URIRef))
    batches = [iris[i : i + 500] for i in range(0, len(iris), 500)]
    restrictions = ["VALUES ?this { " + " ".join(f"<{i}>" for i in b) + " }\n" for b in batches]
    if any(not isinstance(f, URIRef) for f in focus):
        restrictions.append("")  # blank nodes cannot be listed in VALUES: ask about all
    for restriction in restrictions:
        (_names, answer), _seconds = _run_timed(
            store, query.parents_sparql.replace(FOCUS_VALUES, restriction)
        )
        for this, n in answer:
            if this is not None and this in focus and isinstance(n, Literal):
                counts[this] = int(n)
    return counts


def _class_sizes(store: QueryableStore) -> dict[Node, int]:
    """Instances per class (rdf:type triples; an estimate: a triple in two graphs counts
    twice). They only pick between equivalent forms of a query."""
    query = f"SELECT ?c (COUNT(*) AS ?n) WHERE {{ ?s <{RDF.type}> ?c }} GROUP BY ?c"
    (_names, rows), _seconds = _run_timed(store, query)
    return {c: int(n) for c, n in rows if c is not None and isinstance(n, Literal)}


def _store_subclass_pairs(store: QueryableStore) -> Iterator[tuple[Node, Node]]:
    query = f"SELECT DISTINCT ?s ?o WHERE {{ ?s <{RDFS.subClassOf}> ?o }}"
    (_names, rows), _seconds = _run_timed(store, query)
    for sub, sup in rows:
        if sub is not None and sup is not None:
            yield sub, sup


def _subjects_of(store: QueryableStore, graph: str) -> set[Node]:
    query = f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    (_names, rows), _seconds = _run_timed(store, query)
    return {s for (s,) in rows if s is not None}


# --------------------------------------------------------------------------- the report


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
