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
from fastapi.responses import HTMLResponse, Response

from api.deps import Service
from api.errors import PAGES, ApiError, error_responses
from api.routing import route_per_method
from api.templates.entity_page import PageContext, SuggestedTarget, render_entity
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

#: ``/id/{kind}/{key}``: the IRIs under the base.
router = APIRouter(prefix="/id", tags=["entities"])
#: ``/entity?iri=``: any other IRI the store mentions.
iri_router = APIRouter(prefix="/entity", tags=["entities"])

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
#: The methods an entity IRI answers (HEAD: link checkers and crawlers ask before they fetch).
METHODS = ["GET", "HEAD"]


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
    **error_responses(
        PAGES,
        {
            400: "Unknown `format` value (HTML or JSON by `Accept`).",
            404: "The store does not mention this IRI (HTML or JSON by `Accept`).",
            406: "No offered format is acceptable, or none the client accepts can "
            "carry this description (JSON-LD and RDF 1.2 triple terms).",
        },
    ),
}


def _error(status: int, kind: str, message: str, iri: str) -> ApiError:
    """An error as an HTML page for browsers, JSON for everyone else."""
    return ApiError(status, kind, message, fmt=PAGES, iri=iri)


def _answer(
    request: Request, service: Service, iri: str, fmt: str | None, self_query: dict[str, str]
) -> Response:
    settings, store = service.settings, service.store
    if fmt is not None:
        if fmt not in FORMATS:
            message = f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}"
            raise _error(400, "bad_format", message, iri)
        chosen = fmt
    else:
        media = choose(request.headers.get("accept"), OFFERED)
        if media is None:
            message = f"none of the offered formats is acceptable: {', '.join(OFFERED)}"
            raise _error(406, "not_acceptable", message, iri)
        chosen = FORMAT_OF[media]

    not_found = "The graph says nothing about this resource."
    try:
        entity = describe(store, iri) if chosen == "html" else None
        known = entity is not None if chosen == "html" else exists(store, iri)
    except InvalidIRIError:
        raise _error(404, "not_found", "This is not a valid IRI.", iri) from None
    if not known:
        raise _error(404, "not_found", not_found, iri)

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
        suggested = [
            SuggestedTarget(s.target, s.target_label, s.score, s.method, s.evidence)
            for s in service.suggestions().by_subject.get(iri, [])
        ]
        return HTMLResponse(render_entity(entity, ctx, suggested), headers=headers)
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
            raise _error(406, "not_acceptable", str(err), iri) from err
        chosen = FORMAT_OF[media]
        body = serialize(triples, chosen)
    return Response(body, media_type=RDF_MEDIA_TYPES[chosen], headers=headers)


FORMAT_QUERY = Query(
    default=None,
    description="Overrides `Accept`: `html`, `ttl` (Turtle), `jsonld` (JSON-LD) or `nt` "
    "(N-Triples).",
)


@route_per_method(
    router,
    "/{kind}/{key}",
    methods=METHODS,
    summary="Dereference an entity IRI <base>/id/{kind}/{key}",
    description="The entity's labels, types, outgoing and incoming links (with labels), "
    "provenance back to its source document and named graph, and a neighbourhood picture; "
    "or its triples (outgoing and incoming) as Turtle, JSON-LD or N-Triples.",
    response_class=Response,
    responses=RESPONSES,
)
def entity_by_path(
    request: Request, service: Service, kind: str, key: str, format: str | None = FORMAT_QUERY
) -> Response:
    iri = entity_iri(service.settings.base_iri, kind, key)
    return _answer(request, service, iri, format, {})


@route_per_method(
    iri_router,
    "",
    methods=METHODS,
    summary="Describe any IRI the graph mentions",
    description="For resources outside the base, such as the GBF goals, targets and "
    "indicators (`http://metadata.cbd.int/kmgbf/…`) and the ontology's terms.",
    response_class=Response,
    responses=RESPONSES,
)
def entity_by_iri(
    request: Request,
    service: Service,
    iri: str = Query(description="The absolute IRI to describe."),
    format: str | None = FORMAT_QUERY,
) -> Response:
    return _answer(request, service, iri, format, {"iri": iri})
