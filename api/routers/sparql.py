"""SPARQL 1.1 Protocol, query operation (https://www.w3.org/TR/sparql11-protocol/#query-operation).

GET ``?query=``, POST form (``application/x-www-form-urlencoded``) and POST
``application/sparql-query``. SELECT/ASK answer in SPARQL results JSON unless ``Accept`` asks
for XML, CSV or TSV; CONSTRUCT/DESCRIBE in Turtle or N-Triples.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from kg.query import QueryError, execute

router = APIRouter(tags=["sparql"])

RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def _pick(accept: str, offered: Mapping[str, object], default: str) -> str:
    """The first offered media type the Accept header names (q-values come with the endpoint
    issue); ``default`` when it names none or ``*/*``."""
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in offered:
            return media
    return default


def _bad_request(message: str) -> PlainTextResponse:
    return PlainTextResponse(message + "\n", status_code=400)


def _answer(request: Request, query: str | None) -> Response:
    if not query:
        return _bad_request("Missing the 'query' parameter.")
    try:
        results = execute(request.app.state.store, query)
    except QueryError as err:
        return _bad_request(str(err))
    accept = request.headers.get("accept", "")
    headers = {"Vary": "Accept"}
    if isinstance(results, ox.QueryTriples):
        media = _pick(accept, GRAPH_TYPES, "text/turtle")
        body = results.serialize(format=GRAPH_TYPES[media]) or b""
    else:
        media = _pick(accept, RESULT_TYPES, "application/sparql-results+json")
        body = results.serialize(format=RESULT_TYPES[media]) or b""  # type: ignore[attr-defined]
    return Response(body, media_type=media, headers=headers)


@router.get("/sparql", summary="SPARQL query by GET")
def sparql_get(request: Request, query: str | None = Query(default=None)) -> Response:
    return _answer(request, query)


@router.post("/sparql", summary="SPARQL query by POST (form or application/sparql-query)")
async def sparql_post(request: Request) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _bad_request("The request body is not UTF-8.")
    if content_type == "application/sparql-query":
        query: str | None = text
    elif content_type == "application/x-www-form-urlencoded":
        query = parse_qs(text).get("query", [None])[0]
    else:
        return PlainTextResponse(
            "Send application/sparql-query or application/x-www-form-urlencoded.\n",
            status_code=415,
        )
    # Oxigraph evaluation is blocking: run it off the event loop.
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_answer, request, query)
