"""The InforMEA harvest feed under ``/informea/v1/`` (issue 6): OData v4 JSON
(https://docs.oasis-open.org/odata/odata-json-format/v4.01/) with ``$top``, ``$skip``,
``$count``, ``$orderby``, ``$expand`` and ``$filter=updated gt <datetime>``.

Errors use the OData error shape ``{"error": {"code", "message"}}``, which OData requires
(OData JSON Format, "Error Response"): this router writes its own rather than the body of
:mod:`api.errors`. They never carry a trace or a server path.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from api.deps import Service
from kg.build.snapshot import SnapshotMissing
from kg.publish.informea.entity_sets import ENTITY_SETS, KEY_FIELDS, NAVIGATION, NOT_OFFERED
from kg.publish.informea.feed import Feed
from kg.publish.informea.odata import (
    ODataError,
    ODataQuery,
    apply_query,
    find_record,
    parse_query,
)
from kg.publish.informea.schema import csdl_metadata
from kg.serve.service import GraphService

router = APIRouter(prefix="/informea/v1", tags=["informea"])

HEADERS = {"OData-Version": "4.0"}
JSON_TYPE = "application/json;odata.metadata=minimal"

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "An unsupported query option or value (OData error JSON)",
        "content": {
            "application/json": {
                "example": {
                    "error": {
                        "code": "BadRequest",
                        "message": "$filter: only 'updated gt <datetime>' (or 'ge') is supported",
                    }
                }
            }
        },
    },
    404: {"description": "No such entity set or record (OData error JSON)"},
    503: {"description": "The store has no build snapshot: run `kg build`"},
}
_PAGE_EXAMPLE = {
    "@odata.context": "http://127.0.0.1:8000/informea/v1/$metadata#Decisions",
    "@odata.count": 17,
    "value": [
        {
            "id": "BC-14-18",
            "title": [{"language": "en", "value": "Decision BC-14/18: technical assistance"}],
            "type": "decision",
            "status": "adopted",
            "number": "BC-14/18",
            "treaty": "basel",
            "published": "2019-04-29",
            "meetingId": "BC-COP14",
            "meetingTitle": "Fourteenth meeting of the Conference of the Parties to the Basel "
            "Convention",
            "displayOrder": 18,
            "updated": "2026-01-01T00:00:00Z",
        }
    ],
}


def _error(status: int, message: str, code: str | None = None) -> JSONResponse:
    """An OData error answer. Not :class:`api.errors.ApiError`: OData clients read this
    shape (``{"error": {"code", "message"}}``), and only this one."""
    codes = {400: "BadRequest", 404: "NotFound", 406: "NotAcceptable", 503: "Unavailable"}
    body = {"error": {"code": code or codes.get(status, "Error"), "message": message}}
    return JSONResponse(body, status_code=status, headers=HEADERS)


def _json(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers=HEADERS, media_type=JSON_TYPE)


def _root(request: Request) -> str:
    return str(request.url_for("informea_service"))


def _feed_and_query(
    service: GraphService, entity_set: str, params: dict[str, str]
) -> tuple[Feed, ODataQuery] | JSONResponse:
    """The feed and the parsed query options, or the OData error answer to send."""
    try:
        query = parse_query(params, entity_set)
        return service.informea_feed(), query
    except ODataError as err:
        return _error(err.status, str(err), err.code)
    except SnapshotMissing as err:
        return _error(503, str(err))


def _check_set(entity_set: str) -> str | None:
    """An error message when ``entity_set`` is not offered."""
    if entity_set in ENTITY_SETS:
        return None
    if entity_set in NOT_OFFERED:
        return f"{entity_set} is not offered: {NOT_OFFERED[entity_set]}"
    return f"no entity set {entity_set!r} (offered: {', '.join(ENTITY_SETS)})"


@router.get(
    "/",
    name="informea_service",
    summary="Service document: the entity sets a harvester can page through",
    responses={
        200: {
            "description": "OData service document",
            "content": {
                "application/json": {
                    "example": {
                        "@odata.context": "http://127.0.0.1:8000/informea/v1/$metadata",
                        "value": [{"name": "Decisions", "kind": "EntitySet", "url": "Decisions"}],
                    }
                }
            },
        }
    },
)
def service_document(request: Request) -> JSONResponse:
    root = _root(request)
    return _json(
        {
            "@odata.context": f"{root}$metadata",
            "value": [{"name": n, "kind": "EntitySet", "url": n} for n in ENTITY_SETS],
        }
    )


@router.get(
    "/$metadata",
    summary="CSDL metadata of the entity sets (generated from their JSON Schemas)",
    responses={200: {"description": "OData CSDL XML", "content": {"application/xml": {}}}},
)
def metadata() -> Response:
    return Response(csdl_metadata(), media_type="application/xml", headers=HEADERS)


@router.get(
    "/report",
    summary="Export report: records left out of the feed and why, notes, counts",
    responses={
        200: {
            "description": "The report (not an OData entity set)",
            "content": {
                "application/json": {
                    "example": {
                        "counts": {"Treaties": {"records": 9, "excluded": 5}},
                        "excluded": [
                            {
                                "entitySet": "Treaties",
                                "id": "tehran",
                                "iri": "https://w3id.org/mea-kg/id/agreement/tehran",
                                "reason": "treaty tehran (...) has no InforMEA treaty id",
                            }
                        ],
                    }
                }
            },
        },
        503: _ERRORS[503],
    },
)
def report(service: Service) -> JSONResponse:
    try:
        return JSONResponse(service.informea_feed().report)
    except SnapshotMissing as err:
        return _error(503, str(err))


@router.get(
    "/{entity_set}('{key:path}')",
    summary="One record by its key, e.g. Decisions('BC-14-18')",
    responses={200: {"description": "The record, with @odata.context"}, **_ERRORS},
)
def entity(request: Request, service: Service, entity_set: str, key: str) -> JSONResponse:
    problem = _check_set(entity_set)
    if problem:
        return _error(404, problem)
    try:
        record = find_record(service.informea_feed(), entity_set, key.replace("''", "'"))
    except SnapshotMissing as err:
        return _error(503, str(err))
    if record is None:
        fields = " and ".join(KEY_FIELDS[entity_set])
        hint = f"a {entity_set} key is its {fields}"
        if "/" in key:  # a decision number as written (CBD-15/8): keys use '-' for '/'
            hint += f", with '-' for '/': {entity_set}('{key.replace('/', '-')}')"
        return _error(
            404, f"no {entity_set} record {key!r} in the feed ({hint}; see /informea/v1/report)"
        )
    return _json({"@odata.context": f"{_root(request)}$metadata#{entity_set}/$entity", **record})


@router.get(
    "/{entity_set}/$count",
    summary="How many records of an entity set (matching `$filter`), as plain text",
    responses={200: {"content": {"text/plain": {}}}, **_ERRORS},
)
def entity_set_count(
    request: Request,
    service: Service,
    entity_set: str,
    filter_: str | None = Query(
        None, alias="$filter", description="only `updated gt <datetime>` (or `ge`)"
    ),
) -> Response:
    """OData v4's ``/$count`` path segment: the number alone (what OData client libraries
    ask before they page)."""
    problem = _check_set(entity_set)
    if problem:
        return _error(404, problem)
    params = {k: v for k, v in request.query_params.items() if k == "$filter"}
    found = _feed_and_query(service, entity_set, params)
    if isinstance(found, JSONResponse):
        return found
    feed, query = found
    _, total, _ = apply_query(feed, entity_set, query)
    return PlainTextResponse(str(total), headers=HEADERS)


@router.get(
    "/{entity_set}",
    summary="A page of an entity set (Treaties, Decisions, Meetings, CountryProfiles, Documents)",
    description="OData v4 JSON under `value`. Records are in key order unless `$orderby` says "
    "otherwise; at most 500 per response (`@odata.nextLink` then names the next page). "
    "Incremental harvest: `$filter=updated gt 2024-01-01T00:00:00Z` (a v2 "
    "`datetime'2024-01-01T00:00:00'` literal is accepted too). `$expand`: Decisions `meeting`, "
    "Meetings `decisions`; the collection fields v2 harvesters expand (title, files, keywords "
    "...) are always inline.",
    responses={
        200: {
            "description": "One page",
            "content": {"application/json": {"example": _PAGE_EXAMPLE}},
        },
        **_ERRORS,
    },
)
def entity_set_page(
    request: Request,
    service: Service,
    entity_set: str,
    top: str | None = Query(None, alias="$top", description="page size"),
    skip: str | None = Query(None, alias="$skip", description="records to skip"),
    count: str | None = Query(None, alias="$count", description="true: add @odata.count"),
    orderby: str | None = Query(None, alias="$orderby", description="e.g. `updated desc,id`"),
    expand: str | None = Query(None, alias="$expand", description=f"navigation: {NAVIGATION}"),
    filter_: str | None = Query(
        None, alias="$filter", description="only `updated gt <datetime>` (or `ge`)"
    ),
) -> JSONResponse:
    problem = _check_set(entity_set)
    if problem:
        return _error(404, problem)
    params = {k: v for k, v in request.query_params.items()}
    found = _feed_and_query(service, entity_set, params)
    if isinstance(found, JSONResponse):
        return found
    feed, query = found
    page, total, more = apply_query(feed, entity_set, query)
    body: dict[str, Any] = {"@odata.context": f"{_root(request)}$metadata#{entity_set}"}
    if query.count:
        body["@odata.count"] = total
    body["value"] = page
    if more:
        next_params = dict(params)
        next_params["$skip"] = str(query.skip + len(page))
        next_params.pop("$top", None)
        query_text = urlencode(next_params, safe="$',:()", quote_via=quote)
        body["@odata.nextLink"] = f"{str(request.url).split('?')[0]}?{query_text}"
    return _json(body)
