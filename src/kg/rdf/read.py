"""Reading RDF files safely, with one-line errors, and moving IRIs onto the configured base.

Safety (DESIGN.md §8): JSON-LD remote contexts are refused before rdflib can fetch them, and
``owl:imports`` is never followed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from kg.rdf.namespaces import CANONICAL_BASE
from kg.rdf.terms import ox_triples, rdflib_graph

#: File suffix -> rdflib parser name.
FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".n3": "n3",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
}


class RDFInputError(ValueError):
    """A file that cannot be read as RDF; ``str(err)`` is a one-line message for users."""


def guess_format(path: Path) -> str:
    """The rdflib parser for ``path`` by its suffix.

    >>> guess_format(Path("a/b.ttl"))
    'turtle'
    """
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise RDFInputError(
            f"{path}: unknown RDF file type {path.suffix!r} (use one of {known})"
        ) from None


def _remote_contexts(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                values = value if isinstance(value, list) else [value]
                yield from (v for v in values if isinstance(v, str))
            yield from _remote_contexts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _remote_contexts(item)


def parse_text(text: str, fmt: str, *, source: str = "<input>") -> Graph:
    """Parse RDF ``text`` in rdflib format ``fmt``; raise :class:`RDFInputError` on failure."""
    if fmt == "json-ld":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as err:
            raise RDFInputError(
                f"{source}: not valid JSON-LD: {err.msg} at line {err.lineno}"
            ) from None
        remote = next(iter(_remote_contexts(document)), None)
        if remote is not None:
            raise RDFInputError(
                f"{source}: remote JSON-LD context {remote!r} is not fetched; inline the context"
            ) from None
    graph = Graph()
    try:
        graph.parse(data=text, format=fmt)
    except MemoryError:  # the process's limit, not the file's fault
        raise
    except Exception as err:  # rdflib raises many types; users get one line, never a traceback
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise RDFInputError(f"{source}: not valid {fmt} RDF: {reason[:300]}") from None
    return graph


def read_rdf(path: Path, fmt: str | None = None) -> Graph:
    """Read one RDF file. Missing, unreadable, non-UTF-8 or malformed files raise
    :class:`RDFInputError` with a one-line message."""
    fmt = fmt or guess_format(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RDFInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RDFInputError(f"{path}: is a directory, not an RDF file") from None
    except UnicodeDecodeError:
        raise RDFInputError(f"{path}: not UTF-8 text, so not an RDF file this tool reads") from None
    except OSError as err:
        raise RDFInputError(f"{path}: cannot be read ({err.strerror})") from None
    return parse_text(text, fmt, source=str(path))


def read_many(paths: Iterable[Path]) -> Graph:
    """Read several files into one graph."""
    graph = Graph()
    for path in paths:
        graph += read_rdf(path)
    return graph


def rebase(graph: Graph, base: str) -> Graph:
    """Return ``graph`` with IRIs under the canonical base moved under ``base``.

    Only entity and graph IRIs move (``/id/``, ``/graph/``); the ontology's IRIs never do.

    >>> uzb = URIRef(CANONICAL_BASE + "/id/party/UZB")
    >>> g = Graph(); _ = g.add((uzb, URIRef("urn:p"), URIRef("urn:o")))
    >>> [str(s) for s in rebase(g, "https://example.org/kg").subjects()]
    ['https://example.org/kg/id/party/UZB']
    """
    base = base.rstrip("/")
    if base == CANONICAL_BASE:
        return graph
    prefixes = (CANONICAL_BASE + "/id/", CANONICAL_BASE + "/graph/")

    def move(term: Node) -> Node:
        if isinstance(term, URIRef) and str(term).startswith(prefixes):
            return URIRef(base + str(term)[len(CANONICAL_BASE) :])
        return term

    moved = Graph()
    for prefix, namespace in graph.namespaces():
        moved.bind(prefix, namespace)
    for s, p, o in graph:
        moved.add((move(s), p, move(o)))
    return moved


def skolemize(graph: Graph, base: str, scope: str) -> Graph:
    """Replace blank nodes by stable IRIs ``<base>/.well-known/genid/<scope>/<label>``
    (RDF 1.1 Concepts §3.5), labels from the canonical form of ``graph``.

    The same input always gives the same IRIs, so snapshots are reproducible byte for byte,
    and a blank node keeps one identity across the named graphs the build derives from it.

    >>> g = Graph().parse(data="<urn:a> <urn:p> [ <urn:q> 1 ] .", format="turtle")
    >>> [str(o) for o in skolemize(g, "https://example.org/kg", "doc").objects(URIRef("urn:a"))]
    ['https://example.org/kg/.well-known/genid/doc/cb...']
    """
    if not any(isinstance(s, BNode) or isinstance(o, BNode) for s, _, o in graph):
        return graph
    prefix = f"{base.rstrip('/')}/.well-known/genid/{scope}/"

    def iri(term: Node) -> Node:
        return URIRef(prefix + str(term)) if isinstance(term, BNode) else term

    skolemized = Graph()
    for name, namespace in graph.namespaces():
        skolemized.bind(name, namespace)
    for s, p, o in to_canonical_graph(graph):
        skolemized.add((iri(s), p, iri(o)))
    return skolemized


def read_triples(path: Path) -> list[ox.Triple]:
    """Read one RDF file with pyoxigraph's parsers (ten times rdflib's speed): its triples.
    Like :func:`read_rdf`, missing or malformed files raise :class:`RDFInputError` with a
    one-line message, and JSON-LD remote contexts are refused, never fetched."""
    syntax = ox.RdfFormat.from_extension(path.suffix.lower().lstrip("."))
    if syntax is None or not path.is_file() or syntax == ox.RdfFormat.JSON_LD:
        return ox_triples(read_rdf(path))  # rdflib's messages and its remote-context check
    try:
        # No base IRI: a relative IRI is an error, rather than one made from a server path.
        return [q.triple for q in ox.parse(path=str(path), format=syntax)]
    except SyntaxError as err:
        raise RDFInputError(f"{path}: not valid {syntax.name} RDF: {_first_line(err)}") from None
    except UnicodeDecodeError:
        raise RDFInputError(f"{path}: not UTF-8 text, so not an RDF file this tool reads") from None
    except OSError as err:
        raise RDFInputError(f"{path}: cannot be read ({err.strerror})") from None


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0][:300]


def rebase_triples(triples: list[ox.Triple], base: str) -> list[ox.Triple]:
    """:func:`rebase` on pyoxigraph triples.

    >>> uzb = ox.NamedNode(CANONICAL_BASE + "/id/party/UZB")
    >>> t = ox.Triple(uzb, ox.NamedNode("urn:p"), ox.Literal("x"))
    >>> str(rebase_triples([t], "https://example.org/kg")[0].subject)
    '<https://example.org/kg/id/party/UZB>'
    """
    base = base.rstrip("/")
    if base == CANONICAL_BASE:
        return triples
    prefixes = (CANONICAL_BASE + "/id/", CANONICAL_BASE + "/graph/")

    def move(term: Any) -> Any:
        if isinstance(term, ox.NamedNode) and term.value.startswith(prefixes):
            return ox.NamedNode(base + term.value[len(CANONICAL_BASE) :])
        return term

    return [ox.Triple(move(t.subject), t.predicate, move(t.object)) for t in triples]


def skolemize_triples(triples: list[ox.Triple], base: str, scope: str) -> list[ox.Triple]:
    """:func:`skolemize` on pyoxigraph triples: the same IRIs (rdflib's canonical labels),
    and no work when there is no blank node, as in most sources."""
    if not any(
        isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples
    ):
        return triples
    return ox_triples(skolemize(rdflib_graph(triples), base, scope))
