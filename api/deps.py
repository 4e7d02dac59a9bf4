"""What the routers share: the live graph, the write check, RDF answers."""

from __future__ import annotations

import secrets

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response

from api.errors import error
from kg.negotiate import choose
from kg.results import GRAPH_TYPES
from kg.service import GraphService


def get_service(request: Request) -> GraphService:
    """The live graph of the app serving ``request``."""
    return request.app.state.service


def write_denied(request: Request) -> Response | None:
    """``None`` when the request may write; otherwise the error to answer."""
    token = get_service(request).settings.write_token
    if token is None:
        return error(request, 403, "read_only", "Updates are disabled on this endpoint")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(
        given.strip().encode(), token.get_secret_value().encode()
    ):
        return error(
            request,
            401,
            "unauthorised",
            "Send Authorization: Bearer <token> to write",
            headers={"WWW-Authenticate": 'Bearer realm="mea-kg"'},
        )
    return None


def rdf_response(request: Request, triples: list[ox.Triple], what: str) -> Response:
    """``triples`` in the RDF syntax the client prefers (406 if none)."""
    media_type = choose(request.headers.get("accept"), list(GRAPH_TYPES))
    if media_type is None:
        offered = ", ".join(GRAPH_TYPES)
        return error(request, 406, "not_acceptable", f"{what} can be sent as: {offered}")
    rdf_format = GRAPH_TYPES[media_type]
    items: list[ox.Triple] | list[ox.Quad] = triples
    if rdf_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        items = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
    body = ox.serialize(items, format=rdf_format) or b""
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})
