"""Linked-data export of the graph under ``/export`` (issue 6): the RDF dump (named graphs,
links to ELI / SKOS / InforMEA / ECOLEX / LEO, DCAT / VoID description) in Turtle,
N-Triples, N-Quads, TriG or JSON-LD, and the description on its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.deps import Service
from api.errors import PROTOCOL, ApiError, error_responses
from kg.build.snapshot import SnapshotMissing
from kg.publish.dump import FORMATS, ExportError, ExportFormat, get_format
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
    **error_responses(
        PROTOCOL,
        {
            400: "Unknown format",
            406: "No format the client accepts, or the format cannot carry this graph "
            "(JSON-LD and RDF 1.2 triple terms); the message names the formats that can",
            503: "The store has no build snapshot: run `kg build`",
        },
    ),
}


def dump_format(
    request: Request, format: Annotated[str | None, Query(description=_FORMAT_HELP)] = None
) -> ExportFormat:
    """The dump format named by ``?format=``, else the one ``Accept`` prefers (q-values
    honoured, Turtle when the client has no preference); a 400 for an unknown ``?format=``,
    a 406 when the client accepts none."""
    if format:
        try:
            return get_format(format)
        except ExportError as err:
            raise ApiError(400, "bad_request", str(err)) from err
    by_media_type = {f.media_type: f for f in FORMATS.values()}
    chosen = choose(request.headers.get("accept"), list(by_media_type))
    if chosen is None:
        offered = ", ".join(by_media_type)
        raise ApiError(406, "not_acceptable", f"The dump can be sent as: {offered}")
    return by_media_type[chosen]


DumpFormat = Annotated[ExportFormat, Depends(dump_format)]


@contextmanager
def _as_api_errors() -> Iterator[None]:
    """What making the dump can fail with, as the API answers it."""
    try:
        yield
    except UnwritableGraph as err:  # e.g. JSON-LD asked of a graph with triple terms
        raise ApiError(406, "not_acceptable", str(err)) from err
    except SnapshotMissing as err:
        raise ApiError(503, "unavailable", str(err)) from err


@router.get(
    "/rdf",
    summary="The RDF dump: every named graph, the links graph and its DCAT/VoID description",
    responses=_RESPONSES,
)
def rdf_dump(service: Service, fmt: DumpFormat) -> Response:
    with _as_api_errors():
        data = service.rdf_dump(fmt.name)
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
def description(service: Service, fmt: DumpFormat) -> Response:
    with _as_api_errors():
        data = fmt.writer(service.dump_description())
    return Response(data, media_type=fmt.media_type, headers={"Vary": "Accept"})
