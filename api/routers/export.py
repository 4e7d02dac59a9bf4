"""Linked-data export of the graph under ``/export`` (issue 6): the RDF dump (named graphs,
links to ELI / SKOS / InforMEA / ECOLEX / LEO, DCAT / VoID description) in Turtle,
N-Triples, N-Quads, TriG or JSON-LD, and the description on its own."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.errors import error
from kg.publish.dump import (
    FORMATS,
    ExportError,
    get_format,
)
from kg.publish.informea.feed import FeedUnavailable
from kg.rdf.negotiate import choose
from kg.rdf.syntax_limits import UnwritableGraph

router = APIRouter(prefix="/export", tags=["export"])

_FORMAT_HELP = (
    "ttl, nt (union of the graphs), nq, trig, jsonld (named graphs kept); "
    "when omitted, the Accept header chooses, else ttl"
)
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The RDF, sorted; identical bytes for the same build",
        "content": {fmt.media_type: {} for fmt in FORMATS.values()},
    },
    400: {"description": "Unknown format (plain text)"},
    406: {
        "description": "The format cannot carry this graph (JSON-LD and RDF 1.2 triple "
        "terms); the message names the formats that can"
    },
    503: {"description": "The store has no build snapshot: run `kg build`"},
}


def _choose(fmt: str | None, accept: str | None) -> str | None:
    """The dump format named by ``?format=``, else the one ``Accept`` prefers (q-values
    honoured, Turtle when the client has no preference); ``None`` when none is acceptable."""
    if fmt:
        return get_format(fmt).name
    by_media_type = {f.media_type: f.name for f in FORMATS.values()}
    chosen = choose(accept, list(by_media_type))
    return None if chosen is None else by_media_type[chosen]


def _not_acceptable(request: Request) -> Response:
    offered = ", ".join(f.media_type for f in FORMATS.values())
    return error(request, 406, "not_acceptable", f"The dump can be sent as: {offered}")


@router.get(
    "/rdf",
    summary="The RDF dump: every named graph, the links graph and its DCAT/VoID description",
    responses=_RESPONSES,
)
def rdf_dump(
    request: Request, format: str | None = Query(None, description=_FORMAT_HELP)
) -> Response:
    try:
        name = _choose(format, request.headers.get("accept"))
        if name is None:
            return _not_acceptable(request)
        data = request.app.state.service.rdf_dump(name)
    except UnwritableGraph as err:  # e.g. JSON-LD asked of a graph with triple terms
        return error(request, 406, "not_acceptable", str(err))
    except ExportError as err:
        return error(request, 400, "bad_request", str(err))
    except FeedUnavailable as err:
        return error(request, 503, "unavailable", str(err))
    fmt = FORMATS[name]
    return Response(
        data,
        media_type=fmt.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="mea-kg.{fmt.extension}"',
            "Vary": "Accept",
        },
    )


@router.get(
    "/description",
    summary="The DCAT / VoID description of the dump (licence, version, date, triples per graph)",
    responses=_RESPONSES,
)
def description(
    request: Request, format: str | None = Query(None, description=_FORMAT_HELP)
) -> Response:
    try:
        name = _choose(format, request.headers.get("accept"))
        if name is None:
            return _not_acceptable(request)
        quads = request.app.state.service.dump_description()
    except ExportError as err:
        return error(request, 400, "bad_request", str(err))
    except FeedUnavailable as err:
        return error(request, 503, "unavailable", str(err))
    fmt = FORMATS[name]
    try:
        data = fmt.writer(quads)
    except UnwritableGraph as err:  # the description holds no triple terms; kept safe anyway
        return error(request, 406, "not_acceptable", str(err))
    return Response(data, media_type=fmt.media_type, headers={"Vary": "Accept"})
