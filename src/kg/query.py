"""Running SPARQL against the built store and writing the answer in a chosen format.

Queries go to Oxigraph as strings (DESIGN.md §6): never through rdflib's parser, which would
fall back to rdflib's slow evaluator. The default graph is the union of the named graphs.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.namespaces import PREFIXES

#: ``--format`` -> Oxigraph results format, for SELECT and ASK.
RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
#: ``--format`` -> Oxigraph RDF format, for CONSTRUCT and DESCRIBE.
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


class QueryError(ValueError):
    """A query that cannot run; ``str(err)`` is a short message for users."""


def execute(store: ox.Store, query: str, *, with_prefixes: bool = False) -> object:
    """Run ``query`` over the union of the named graphs; raise :class:`QueryError` if invalid."""
    try:
        return store.query(
            query,
            use_default_graph_as_union=True,
            prefixes=PREFIXES if with_prefixes else None,
        )
    except SyntaxError as err:
        raise QueryError(f"SPARQL syntax error: {str(err).splitlines()[0]}") from None


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


def as_table(results: ox.QuerySolutions) -> str:
    """A plain-text table of SELECT results, IRIs shortened with the known prefixes."""
    names = [v.value for v in results.variables]
    rows = [[_short(solution[name]) for name in names] for solution in results]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def render(results: object, fmt: str) -> bytes:
    """Serialise ``results`` in ``fmt`` (json, xml, csv, tsv, table; turtle etc. for graphs)."""
    if isinstance(results, ox.QueryTriples):
        graph_format = GRAPH_FORMATS.get(fmt, ox.RdfFormat.TURTLE)
        return results.serialize(format=graph_format) or b""
    if isinstance(results, ox.QueryBoolean):
        if fmt == "table":
            return b"true\n" if bool(results) else b"false\n"
        return results.serialize(format=RESULT_FORMATS.get(fmt, RESULT_FORMATS["json"])) or b""
    assert isinstance(results, ox.QuerySolutions)
    if fmt == "table":
        return as_table(results).encode("utf-8")
    if fmt not in RESULT_FORMATS:
        raise QueryError(f"unknown result format {fmt!r}: use json, xml, csv, tsv or table")
    return results.serialize(format=RESULT_FORMATS[fmt]) or b""
