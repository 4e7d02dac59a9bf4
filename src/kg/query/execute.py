"""Running SPARQL against the built store and writing the answer in a chosen format.

Queries go to Oxigraph as strings (DESIGN.md §6): never through rdflib's parser, which would
fall back to rdflib's slow evaluator. The default graph is the union of the named graphs.
"""

from __future__ import annotations

import sys
from typing import Any

import pyoxigraph as ox

from kg.query.results import write_results
from kg.query.table import text_table
from kg.rdf.formats import RESULTS_TYPES, rdf_format_named
from kg.rdf.namespaces import PREFIXES
from kg.sparql.guard import inspect_query
from kg.sparql.join_order import DISK_LOOKUP_ROWS, PatternCounts
from kg.sparql.lexer import GuardError
from kg.sparql.order_keys import safe_order
from kg.sparql.syntax_errors import readable
from kg.stores import GraphStore, is_boolean, is_solutions, is_triples


class QueryError(ValueError):
    """A query that cannot run; ``str(err)`` is a short message for users."""


def execute(
    store: GraphStore, query: str, *, with_prefixes: bool = False, join_order: bool = False
) -> Any:
    """Run ``query`` over the union of the named graphs; raise :class:`QueryError` if invalid.

    With ``join_order``, an Oxigraph store on disk gets the query's triple patterns in join
    order, big joins hashed, as the server's workers do (:mod:`kg.sparql.join_order`)."""
    prefixes = PREFIXES if with_prefixes else None
    try:
        # The union, unless the query names its own dataset (the flag would override it).
        inspection = inspect_query(query)
    except GuardError as err:
        raise QueryError(str(err)) from None
    union = not inspection.from_graphs and not inspection.from_named_graphs
    try:
        if isinstance(store, ox.Store):
            query = safe_order(query)  # Oxigraph aborts on some mixed-type sorts
        if join_order and isinstance(store, ox.Store):
            counts = PatternCounts(store, lookup_rows=DISK_LOOKUP_ROWS, prefixes=prefixes)
            return counts.query(query, use_default_graph_as_union=union)
        return store.query(query, use_default_graph_as_union=union, prefixes=prefixes)
    except SyntaxError as err:
        raise QueryError(readable(str(err), query, prefixes)) from None


def _short(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in PREFIXES.items():
            if term.value.startswith(namespace):
                return f"{prefix}:{term.value[len(namespace) :]}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return "" if term is None else str(term)


def as_table(results: Any) -> str:
    """A plain-text table of SELECT results, IRIs shortened with the known prefixes."""
    names = [v.value for v in results.variables]
    rows = [[_short(solution[name]) for name in names] for solution in results]
    footer = f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n"
    return text_table(names, rows) + footer


def render(results: object, fmt: str) -> bytes:
    """Serialise ``results`` in ``fmt`` (json, xml, csv, tsv, table; turtle etc. for graphs),
    the same way whichever backend answered."""
    if is_triples(results):
        graph_type = (rdf_format_named(fmt) or ox.RdfFormat.TURTLE).media_type
        return write_results(results, graph_type, max_rows=sys.maxsize - 1).body
    if is_boolean(results):
        if fmt == "table":
            return b"true\n" if bool(results) else b"false\n"
        return write_results(
            results, RESULTS_TYPES.get(fmt, RESULTS_TYPES["json"]), max_rows=1
        ).body
    assert is_solutions(results)
    if fmt == "table":
        return as_table(results).encode("utf-8")
    if fmt not in RESULTS_TYPES:
        raise QueryError(f"unknown result format {fmt!r}: use json, xml, csv, tsv or table")
    return write_results(results, RESULTS_TYPES[fmt], max_rows=sys.maxsize - 1).body
