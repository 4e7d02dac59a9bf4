"""Content negotiation for the routes that answer RDF, and the request body's media type.

Every choice among media types goes through :func:`kg.rdf.negotiate.choose` (``Accept`` with
q-values, RFC 9110 §12.5.1): here for graphs (:func:`rdf_response`), in the SPARQL router for
query results, in the entity and export routers for their formats, and in
:mod:`api.errors` for error bodies.

>>> from starlette.requests import Request
>>> body_media_type(Request({"type": "http", "headers": [
...     (b"content-type", b'Application/SPARQL-Query; charset="UTF-8"')]}))
('application/sparql-query', 'utf-8')
"""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response

from api.errors import ApiError
from kg.rdf.formats import GRAPH_TYPES
from kg.rdf.negotiate import choose
from kg.rdf.syntax_limits import (
    UnwritableGraph,
    carriers,
    check_writable,
    rdf_problems,
    xml_safe_blank_nodes,
)

#: The syntaxes that cannot carry every graph (:mod:`kg.rdf.syntax_limits`).
_LIMITED = (ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML)


def body_media_type(request: Request) -> tuple[str, str | None]:
    """The request body's media type (lower case, ``""`` when not given) and its charset
    parameter."""
    header = request.headers.get("content-type", "")
    parts = [p.strip() for p in header.split(";")]
    charset = None
    for param in parts[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return parts[0].lower(), charset


def rdf_response(request: Request, triples: list[ox.Triple], what: str) -> Response:
    """``triples`` in the RDF syntax the client prefers; :class:`ApiError` 406 if none.

    A syntax that cannot carry these triples (JSON-LD and RDF 1.2 triple terms; RDF/XML and a
    predicate whose IRI does not end in an XML name, see
    :func:`kg.rdf.syntax_limits.check_writable`)
    is passed over for the next one the client accepts; when the client accepts none that
    can, the answer is a 406 naming those that can. ``what`` names the triples for messages
    (``"A graph"``, ``"The service description"``).
    """
    accept = request.headers.get("accept")
    offered = list(GRAPH_TYPES)
    media_type = choose(accept, offered)
    if media_type is None:
        raise ApiError(406, "not_acceptable", f"{what} can be sent as: {', '.join(offered)}")
    rdf_format = GRAPH_TYPES[media_type]
    problems = rdf_problems(triples) if rdf_format in _LIMITED else {}
    if not carriers(problems, [rdf_format]):
        able = carriers(problems, GRAPH_TYPES.values())
        fallback = choose(accept, [m for m in offered if GRAPH_TYPES[m] in able])
        if fallback is None:
            raise ApiError(406, "not_acceptable", _why_not(triples, rdf_format, what))
        media_type, rdf_format = fallback, GRAPH_TYPES[fallback]
    items: list[ox.Triple] | list[ox.Quad] = triples
    if rdf_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        items = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
    elif rdf_format == ox.RdfFormat.RDF_XML:
        items = xml_safe_blank_nodes(triples)
    body = ox.serialize(items, format=rdf_format) or b""
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


def _why_not(triples: list[ox.Triple], rdf_format: ox.RdfFormat, what: str) -> str:
    """Why ``rdf_format`` cannot carry ``triples``, and which syntaxes can (one line)."""
    subject = "This " + what[2:] if what.startswith("A ") else what
    try:
        check_writable(triples, rdf_format, what=subject, offered=GRAPH_TYPES.values())
    except UnwritableGraph as err:
        return str(err)
    return f"{what} cannot be written as {rdf_format}"  # not reached: the caller checked
