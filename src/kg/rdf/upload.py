"""Reading RDF a client sends (Graph Store uploads, ``POST /validate``): the syntax's own
parser behind the checks that keep one upload from taking the server down.

- **No DTDs.** Oxigraph's RDF/XML parser expands internal entities: a 684-byte document of
  eight nested entity declarations (a "billion laughs" bomb) asked for 1 GB and aborted the
  whole server process. An RDF/XML body with a ``<!DOCTYPE`` or ``<!ENTITY`` declaration is
  refused before it is parsed; RDF/XML has no need of either (RDF 1.1 XML Syntax §2.15 uses
  entities only as a convenience for writing IRIs).
- **No deep blank-node nesting.** ``[ :p [ :p [ … ] ] ]`` 400 levels deep made the entity
  page's JSON-LD fail; a blank node more than :data:`MAX_BLANK_NODE_DEPTH` levels down is
  refused, naming the limit.
- **Nothing fetched.** JSON-LD remote contexts are an error (pyoxigraph loads none unless
  asked), and ``owl:imports`` is data, never followed.

The size of an upload is capped while it is read, by the server (``KG_MAX_UPLOAD_BYTES``).

>>> import pyoxigraph as ox
>>> len(read_upload(b"<urn:a> <urn:b> [ <urn:c> 1 ] .", ox.RdfFormat.TURTLE))
2
>>> bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><r/>'
>>> read_upload(bomb, ox.RdfFormat.RDF_XML)
Traceback (most recent call last):
...
kg.rdf.upload.UploadRefused: RDF/XML with a DTD (<!DOCTYPE …>) or entity declarations is ...
>>> deep = b"<urn:a> <urn:p> " + b"[ <urn:p> " * 70 + b"1" + b" ]" * 70 + b" ."
>>> read_upload(deep, ox.RdfFormat.TURTLE)
Traceback (most recent call last):
...
kg.rdf.upload.UploadRefused: blank nodes are nested 70 levels deep; at most 64 are accepted: ...
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

from kg.rdf.namespaces import PREFIXES
from kg.rdf.syntax_limits import rdf_problems

__all__ = [
    "MAX_BLANK_NODE_DEPTH",
    "UploadRefused",
    "blank_node_depth",
    "read_upload",
    "source_document",
]

#: The deepest nesting of blank nodes accepted (a workplan table nests two or three levels).
MAX_BLANK_NODE_DEPTH = 64

#: A document type or entity declaration: where XML entity expansion starts.
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class UploadRefused(ValueError):
    """An upload refused before or after parsing; ``str(err)`` says what to change."""


def read_upload(
    body: bytes,
    syntax: ox.RdfFormat,
    *,
    base_iri: str | None = None,
    to_graph: ox.NamedNode | ox.DefaultGraph | None = None,
) -> list[ox.Quad]:
    """The quads of ``body`` in ``syntax`` (in ``to_graph`` when given).

    :raises UploadRefused: a DTD in RDF/XML, or blank nodes nested too deep.
    :raises SyntaxError: the body is not valid in ``syntax`` (pyoxigraph's message).
    """
    if syntax == ox.RdfFormat.RDF_XML and _DECLARATION.search(body):
        raise UploadRefused(
            "RDF/XML with a DTD (<!DOCTYPE …>) or entity declarations is not accepted: "
            "remove the declarations and write the IRIs and texts out in full"
        )
    quads = list(ox.parse(body, format=syntax, base_iri=base_iri))
    depth = blank_node_depth(quads)
    if depth > MAX_BLANK_NODE_DEPTH:
        raise UploadRefused(
            f"blank nodes are nested {depth} levels deep; at most {MAX_BLANK_NODE_DEPTH} are "
            "accepted: give the inner resources IRIs of their own"
        )
    if to_graph is not None:
        quads = [ox.Quad(q.subject, q.predicate, q.object, to_graph) for q in quads]
    return quads


def blank_node_depth(quads: Iterable[ox.Quad]) -> int:
    """How many blank nodes deep the deepest chain of blank nodes goes (0: none is the
    object of another). A cycle of blank nodes counts each of its nodes once.

    >>> a, b, c = ox.BlankNode("a"), ox.BlankNode("b"), ox.BlankNode("c")
    >>> p = ox.NamedNode("urn:p")
    >>> blank_node_depth([ox.Quad(a, p, b), ox.Quad(b, p, c), ox.Quad(c, p, a)])
    3
    >>> blank_node_depth([ox.Quad(p, p, a)])
    0
    """
    children: defaultdict[ox.BlankNode, set[ox.BlankNode]] = defaultdict(set)
    for quad in quads:
        if isinstance(quad.subject, ox.BlankNode) and isinstance(quad.object, ox.BlankNode):
            children[quad.subject].add(quad.object)
    depth: dict[ox.BlankNode, int] = {}
    for root in children:
        if root in depth:
            continue
        # Depth-first without recursion (a chain may be thousands long); a child still on
        # the path is a cycle, and adds nothing.
        path = [root]
        on_path = {root}
        pending = [iter(children[root])]
        while pending:
            child = next(pending[-1], None)
            if child is None:
                node = path.pop()
                on_path.discard(node)
                pending.pop()
                depth[node] = 1 + max(
                    (depth.get(c, 1) for c in children[node] if c not in on_path), default=0
                )
            elif child not in depth and child not in on_path and child in children:
                path.append(child)
                on_path.add(child)
                pending.append(iter(children[child]))
    return max(depth.values(), default=0)


def source_document(body: bytes, syntax: ox.RdfFormat) -> bytes:
    """``body`` as a source file's Turtle (``data/sources/<key>.ttl``), read as any upload
    is (:func:`read_upload`: refused DTDs, deep nesting): a Turtle body is kept byte for byte,
    comments and layout included; any other syntax is written as Turtle.

    >>> source_document(b"<urn:a> <urn:b> <urn:c> .", ox.RdfFormat.N_TRIPLES)[-26:]
    b'<urn:a> <urn:b> <urn:c> .\\n'
    """
    quads = read_upload(body, syntax)
    problems = rdf_problems(quads)
    if problems:
        # A source is served in every syntax (the RDF dump, entity pages, InforMEA): what one
        # of them cannot write is refused now, rather than failing a reader later.
        raise UploadRefused(_unexportable(problems))
    if syntax == ox.RdfFormat.TURTLE:
        return body
    return (
        ox.serialize([q.triple for q in quads], format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))
        or b""
    )


def _unexportable(problems: dict[str, str]) -> str:
    """Why a source document with these :func:`~kg.rdf.syntax_limits.rdf_problems` is refused.

    >>> _unexportable({"triple": ""})
    'a source document may not hold RDF 1.2 triple terms (<<( s p o )>>): JSON-LD cannot carry them'
    """
    if "triple" in problems:
        return (
            "a source document may not hold RDF 1.2 triple terms (<<( s p o )>>): "
            "JSON-LD cannot carry them"
        )
    if "predicate" in problems:
        return (
            f"the property <{problems['predicate']}> does not end in a name RDF/XML can write "
            "(a letter or '_' then letters, digits, '-', '.'); use a property IRI that does"
        )
    return (
        f"the text {problems['text'][:60]!r} holds control characters XML forbids (RDF/XML "
        "cannot carry it); remove them"
    )
