"""SHACL validation of a whole SPARQL store, in parallel: the report pySHACL would give, fast.

:func:`validate_store` compiles the shapes into SPARQL queries (:mod:`kg.shacl.compiler`),
runs them over a pyoxigraph store, by default in 2 worker processes that each open the
on-disk store read-only (``pyoxigraph.Store.read_only``), and builds the same
:class:`kg.shacl.validate.ValidationReport` as :func:`kg.shacl.validate.validate`
(:mod:`kg.shacl.store_report`): the same findings (focus node, path, value, shape, severity,
message), sorted and de-duplicated by the same helpers, and a SHACL results graph of the same
shape (SHACL §3.6). The graph validated is the store's default graph as the union of its named
graphs.

Where :func:`kg.shacl.validate.validate` adds the ontology's ``rdfs:subClassOf`` triples to the
data, this module adds them to the class hierarchy it reads from the store, which decides what
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
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from kg.rdf.terms import to_rdflib
from kg.shacl.compiler import compile_shapes
from kg.shacl.model import FOCUS_VALUES, CompiledShapes, ConstraintQuery
from kg.shacl.store_report import Describer, Rows, build_report
from kg.shacl.validate import ValidationReport, load_shapes

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

    :raises kg.shacl.model.ShapeCompileError: when a shape uses a feature not compiled.
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
    return to_rdflib(term, normalize=None)


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
