"""The RDF and SPARQL results syntaxes the project reads and writes: one table, built on
pyoxigraph's own format lookup (:meth:`pyoxigraph.RdfFormat.from_media_type`,
:meth:`~pyoxigraph.RdfFormat.from_extension`), so media types, their aliases and parameters
(``text/turtle; charset=utf-8``, ``application/x-turtle``) are read the way the store reads
them.

>>> rdf_format("text/turtle; charset=utf-8")
<RdfFormat Turtle>
>>> rdf_format_named("jsonld").media_type
'application/ld+json'
>>> rdf_format_named("turtle") == rdf_format_named("ttl")
True
>>> rdf_format_named("docx") is None
True
>>> list(GRAPH_TYPES)[:3]
['text/turtle', 'application/n-triples', 'application/rdf+xml']
"""

from __future__ import annotations

import pyoxigraph as ox

__all__ = [
    "BOOLEAN_TYPES",
    "GRAPH_SYNTAXES",
    "GRAPH_TYPES",
    "RESULTS_TYPES",
    "SOLUTIONS_TYPES",
    "UPLOAD_SYNTAXES",
    "rdf_format",
    "rdf_format_named",
]

#: The syntaxes a graph is written in (CONSTRUCT and DESCRIBE answers, Graph Store reads,
#: entity pages, the service description), in the order offered for ``Accept: */*``.
GRAPH_SYNTAXES: tuple[ox.RdfFormat, ...] = (
    ox.RdfFormat.TURTLE,
    ox.RdfFormat.N_TRIPLES,
    ox.RdfFormat.RDF_XML,
    ox.RdfFormat.JSON_LD,
    ox.RdfFormat.N_QUADS,
    ox.RdfFormat.TRIG,
)
#: Media type -> syntax, for content negotiation of graphs. ``text/plain`` is N-Triples'
#: old media type, which the W3C protocol tests still ask for; it is offered last.
GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    **{syntax.media_type: syntax for syntax in GRAPH_SYNTAXES},
    "text/plain": ox.RdfFormat.N_TRIPLES,
}
#: The syntaxes a graph may be uploaded in (Graph Store Protocol PUT and POST).
UPLOAD_SYNTAXES: tuple[ox.RdfFormat, ...] = (
    ox.RdfFormat.TURTLE,
    ox.RdfFormat.N_TRIPLES,
    ox.RdfFormat.RDF_XML,
    ox.RdfFormat.JSON_LD,
    ox.RdfFormat.N3,
)

#: SELECT answers, in the order offered (SPARQL 1.1 results JSON first, as the protocol's
#: clients expect); ``application/json`` and ``application/xml`` are the results formats'
#: generic names.
SOLUTIONS_TYPES: tuple[str, ...] = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "application/json",
    "application/xml",
)
#: ASK answers: the same types, CSV and TSV last (they carry a boolean only by convention).
BOOLEAN_TYPES: tuple[str, ...] = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "application/json",
    "application/xml",
    "text/csv",
    "text/tab-separated-values",
)
#: ``--format`` names of results syntaxes (``kg query``) -> media type.
RESULTS_TYPES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}

#: Names people type for RDF syntaxes beyond their file extensions.
_NAMES = {"turtle": "ttl", "ntriples": "nt", "nquads": "nq", "rdfxml": "rdf", "json-ld": "jsonld"}


def rdf_format(media_type: str) -> ox.RdfFormat | None:
    """The RDF syntax of a media type (parameters ignored), or ``None``."""
    return ox.RdfFormat.from_media_type(media_type)


def rdf_format_named(name: str) -> ox.RdfFormat | None:
    """The RDF syntax of a file extension or a common name (``ttl``, ``turtle``, ``nt``,
    ``jsonld``, ``nq``, ``trig``, ``rdf``, ``rdfxml``), or ``None``."""
    key = name.strip().lower().lstrip(".")
    return ox.RdfFormat.from_extension(_NAMES.get(key, key))
