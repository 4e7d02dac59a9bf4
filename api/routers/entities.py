"""Entity pages: every IRI under the base dereferences (Linked Data,
https://www.w3.org/TR/cooluris/ and https://www.w3.org/TR/swbp-vocab-pub/).

``GET /id/{kind}/{key}`` describes ``<base>/id/{kind}/{key}``; ``GET /entity?iri=`` describes
any other IRI the store mentions (GBF concepts ``http://metadata.cbd.int/kmgbf/…``, ontology
terms). HTML, Turtle, JSON-LD or N-Triples, chosen by ``Accept`` with q-values (RFC 9110
§12.5.1) or by ``?format=html|ttl|jsonld|nt``. Unknown IRIs answer 404, as HTML or JSON by
``Accept``. The description itself comes from :mod:`kg.publish.entity`; the HTML from
:mod:`api.templates.entity_page`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from api.templates.entity_page import PageContext, render_entity, render_error
from kg.publish.entity import (
    RDF_MEDIA_TYPES,
    InvalidIRIError,
    describe,
    entity_triples,
    exists,
    serialize,
)
from kg.rdf.namespaces import entity_iri, graph_iri
from kg.rdf.negotiate import choose
from kg.rdf.syntax_limits import UnwritableGraph

router = APIRouter(tags=["entities"])

#: Media types offered, in the server's order of preference for ``Accept: */*``.
OFFERED = (
    "text/html",
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "application/json",  # answered with JSON-LD, which is JSON
)
#: Media type -> ``?format=`` name.
FORMAT_OF = {
    "text/html": "html",
    "text/turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/n-triples": "nt",
    "application/json": "jsonld",
}
FORMATS = ("html", *RDF_MEDIA_TYPES)


class EntityError(BaseModel):
    """A failed look-up, when the client prefers JSON to HTML."""

    error: str
    message: str
    iri: str | None = None


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The description of the resource in the negotiated format.",
        "content": {
            "text/html": {},
            "text/turtle": {},
            "application/ld+json": {},
            "application/n-triples": {},
        },
    },
    400: {"model": EntityError, "description": "Unknown `format` value."},
    404: {
        "model": EntityError,
        "description": "The store does not mention this IRI (HTML or JSON by `Accept`).",
        "content": {"text/html": {}},
    },
    406: {
        "model": EntityError,
        "description": "No offered format is acceptable, or none the client accepts can "
        "carry this description (JSON-LD and RDF 1.2 triple terms).",
    },
}


ERROR_TITLES = {400: "Bad request", 404: "Not found", 406: "Not acceptable"}


def _error(request: Request, status: int, error: str, message: str, iri: str | None) -> Response:
    """An error as HTML for browsers, JSON for everyone else (never a trace or a path)."""
    accept = request.headers.get("accept")
    if choose(accept, ["text/html", "application/json"]) == "text/html":
        page = render_error(ERROR_TITLES.get(status, "Error"), message, iri)
        return HTMLResponse(page, status_code=status)
    body = EntityError(error=error, message=message, iri=iri).model_dump()
    return JSONResponse(body, status_code=status)


def _answer(request: Request, iri: str, fmt: str | None, self_query: dict[str, str]) -> Response:
    settings = request.app.state.settings
    store = request.app.state.store
    if fmt is not None:
        if fmt not in FORMATS:
            message = f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}"
            return _error(request, 400, "bad_format", message, iri)
        chosen = fmt
    else:
        media = choose(request.headers.get("accept"), OFFERED)
        if media is None:
            message = f"none of the offered formats is acceptable: {', '.join(OFFERED)}"
            return _error(request, 406, "not_acceptable", message, iri)
        chosen = FORMAT_OF[media]

    not_found = "The graph says nothing about this resource."
    try:
        entity = describe(store, iri) if chosen == "html" else None
        known = entity is not None if chosen == "html" else exists(store, iri)
    except InvalidIRIError:
        return _error(request, 404, "not_found", "This is not a valid IRI.", iri)
    if not known:
        return _error(request, 404, "not_found", not_found, iri)

    ctx = PageContext(
        base_iri=settings.base_iri,
        inferred_graph=graph_iri(settings.base_iri, "inferred"),
        self_path=request.url.path,
        self_query=self_query,
    )
    media_types = {"html": "text/html", **RDF_MEDIA_TYPES}
    links = ", ".join(
        f'<{ctx.format_href(name)}>; rel="alternate"; type="{media}"'
        for name, media in media_types.items()
    )
    headers = {"Vary": "Accept", "Link": links}
    if entity is not None:
        return HTMLResponse(render_entity(entity, ctx), headers=headers)
    triples = entity_triples(store, iri)
    try:
        body = serialize(triples, chosen)
    except UnwritableGraph as err:
        # JSON-LD and RDF 1.2 triple terms. Chosen by Accept: the client's next choice among
        # the RDF formats that can carry them, if it takes one; else (or for ?format=) 406.
        media = None
        if fmt is None:
            others = [m for m in OFFERED if FORMAT_OF[m] not in ("html", chosen)]
            media = choose(request.headers.get("accept"), others)
        if media is None:
            return _error(request, 406, "not_acceptable", str(err), iri)
        chosen = FORMAT_OF[media]
        body = serialize(triples, chosen)
    return Response(body, media_type=RDF_MEDIA_TYPES[chosen], headers=headers)


FORMAT_QUERY = Query(
    default=None,
    description="Overrides `Accept`: `html`, `ttl` (Turtle), `jsonld` (JSON-LD) or `nt` "
    "(N-Triples).",
)


@router.api_route(
    "/id/{kind}/{key}",
    methods=["GET", "HEAD"],  # HEAD: link checkers and crawlers ask before they fetch
    summary="Dereference an entity IRI <base>/id/{kind}/{key}",
    description="The entity's labels, types, outgoing and incoming links (with labels), "
    "provenance back to its source document and named graph, and a neighbourhood picture; "
    "or its triples (outgoing and incoming) as Turtle, JSON-LD or N-Triples.",
    response_class=Response,
    responses=RESPONSES,
)
def entity_by_path(
    request: Request, kind: str, key: str, format: str | None = FORMAT_QUERY
) -> Response:
    iri = entity_iri(request.app.state.settings.base_iri, kind, key)
    return _answer(request, iri, format, {})


@router.api_route(
    "/entity",
    methods=["GET", "HEAD"],
    summary="Describe any IRI the graph mentions",
    description="For resources outside the base, such as the GBF goals, targets and "
    "indicators (`http://metadata.cbd.int/kmgbf/…`) and the ontology's terms.",
    response_class=Response,
    responses=RESPONSES,
)
def entity_by_iri(
    request: Request,
    iri: str = Query(description="The absolute IRI to describe."),
    format: str | None = FORMAT_QUERY,
) -> Response:
    return _answer(request, iri, format, {"iri": iri})
