"""The SPARQL 1.1 Protocol endpoint (https://www.w3.org/TR/sparql11-protocol/).

* Query (§2.1): GET ``?query=``, POST form, POST ``application/sparql-query``; dataset by
  ``default-graph-uri`` / ``named-graph-uri``; answers negotiated by ``Accept`` with q-values.
* Update (§2.2): POST form ``update=`` or ``application/sparql-update``, ``using-graph-uri`` /
  ``using-named-graph-uri``; only with ``Authorization: Bearer <KG_WRITE_TOKEN>``.
* Service description (SPARQL 1.1 Service Description §3): GET without a query.

Every query runs in a worker process with a deadline (``timeout`` may lower the server's);
an answer is sent only when complete, so a query that runs out of time gets a 503 and no
partial body. Requests that would make the server reach out (SERVICE, LOAD) are refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import get_service, rdf_response, write_denied
from api.errors import error
from kg.query.describe import service_description, void_description
from kg.query.results import offered_types
from kg.rdf.negotiate import choose
from kg.serve.jobs import BAD_QUERY, NOT_ACCEPTABLE, OK, TIMEOUT, QueryJob
from kg.serve.trial_update import UpdateTimedOut
from kg.sparql.guard import Inspection, add_using_clauses, inspect_query, inspect_update
from kg.sparql.lexer import GuardError

router = APIRouter(tags=["sparql"])

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
#: Header saying the answer was cut at the row cap (the name Virtuoso uses).
MAX_ROWS_HEADER = "X-SPARQL-MaxRows"
#: Texts longer than this are scanned by the guard in a thread, not on the event loop.
SCAN_ON_LOOP_CHARS = 16 * 1024


class TooLong(ValueError):
    """A query or update text past ``KG_MAX_QUERY_BYTES`` (answered with 413)."""


RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed request or query, or one this endpoint refuses"},
    401: {"description": "A write without a valid bearer token"},
    403: {"description": "Writes are disabled on this endpoint"},
    406: {"description": "No acceptable media type for this kind of answer"},
    413: {"description": "The query or update is longer than this endpoint accepts"},
    415: {"description": "Unsupported request media type"},
    503: {"description": "The query ran out of time; nothing of its answer was sent"},
}


def _parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": description,
    }


#: The query-string parameters of SPARQL 1.1 Protocol §2.1 that ``GET /sparql`` reads.
PROTOCOL_PARAMETERS = [
    _parameter("query", "The SPARQL query; without it, the service description"),
    _parameter("timeout", "Deadline in seconds (at most the server's)"),
    _parameter("default-graph-uri", "A graph of the default graph (repeatable)"),
    _parameter("named-graph-uri", "A named graph of the dataset (repeatable)"),
]


def _media_type(request: Request) -> tuple[str, str | None]:
    """The request body's media type and charset parameter."""
    header = request.headers.get("content-type", "")
    parts = [p.strip() for p in header.split(";")]
    charset = None
    for param in parts[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return parts[0].lower(), charset


def _check_length(request: Request, size: int) -> None:
    limit = get_service(request).settings.max_query_bytes
    if size > limit:
        raise TooLong(f"The request is {size:,} bytes; this endpoint takes at most {limit:,}")


async def _body_text(request: Request, charset: str | None) -> str:
    if charset not in (None, "utf-8", "utf8"):
        raise UnicodeError(f"the request body must be UTF-8, not {charset}")
    declared = request.headers.get("content-length", "")
    if declared.isdigit():  # refuse before reading a body we would not take
        _check_length(request, int(declared))
    raw = await request.body()
    _check_length(request, len(raw))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UnicodeError("the request body is not valid UTF-8") from None


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise ValueError(f"give the '{name}' parameter once, not {len(values)} times")
    return values[0] if values else None


def _timeout(request: Request, raw: str | None) -> float:
    ceiling = get_service(request).settings.query_timeout
    if raw is None or raw == "":
        return ceiling
    try:
        asked = float(raw)
    except ValueError:
        raise ValueError("timeout must be a number of seconds") from None
    if not math.isfinite(asked):
        raise ValueError("timeout must be a number of seconds")
    if asked <= 0:
        raise ValueError("timeout must be more than 0 seconds")
    return min(asked, ceiling)


async def _inspect(inspect: Callable[[str], Inspection], text: str) -> Inspection:
    """The guard's look at ``text``; a long text is read in a thread, so that scanning it
    never holds up other requests."""
    if len(text) <= SCAN_ON_LOOP_CHARS:
        return inspect(text)
    return await run_in_threadpool(inspect, text)


async def _answer_query(request: Request, query: str, params: dict[str, list[str]]) -> Response:
    service = get_service(request)
    inspection = await _inspect(inspect_query, query)
    if inspection.refusal:
        return error(
            request, 400, "refused" if inspection.form else "bad_query", inspection.refusal
        )
    unknown = [
        g
        for g in (*inspection.from_graphs, *inspection.from_named_graphs)
        if g not in service.graph_names
    ]
    if unknown:
        return error(
            request,
            400,
            "unknown_graph",
            f"FROM names a graph this store does not hold: <{unknown[0]}>; "
            "the endpoint never fetches graphs from elsewhere",
        )
    assert inspection.form is not None
    media_type = choose(request.headers.get("accept"), offered_types(inspection.form))
    if media_type is None:
        offered = ", ".join(offered_types(inspection.form))
        return error(request, 406, "not_acceptable", f"This answer can be sent as: {offered}")
    try:
        timeout = _timeout(request, _single(params, "timeout"))
    except ValueError as err:
        return error(request, 400, "bad_request", str(err))
    default = params.get("default-graph-uri")
    named = params.get("named-graph-uri")
    job = QueryJob(
        query=query,
        media_type=media_type,
        max_rows=service.settings.max_rows,
        default_graphs=tuple(default) if default else None,
        named_graphs=tuple(named) if named else None,
        base_iri=str(request.url.replace(query="")),
        limit=inspection.limit,
    )
    outcome = await service.pool.run_async(job, timeout)
    if outcome.status == OK and outcome.answer is not None:
        headers = {"Vary": "Accept"}
        if outcome.answer.truncated:
            headers[MAX_ROWS_HEADER] = str(service.settings.max_rows)
        return Response(outcome.answer.body, media_type=media_type, headers=headers)
    if outcome.status == BAD_QUERY:
        return error(request, 400, "bad_query", outcome.message)
    if outcome.status == NOT_ACCEPTABLE:
        return error(request, 406, "not_acceptable", outcome.message)
    if outcome.status == TIMEOUT:
        return error(request, 503, "timeout", outcome.message, headers={"Retry-After": "1"})
    return error(request, 500, "query_failed", outcome.message)


async def _answer_update(request: Request, update: str, params: dict[str, list[str]]) -> Response:
    denied = write_denied(request)
    if denied is not None:
        return denied
    using, using_named = params.get("using-graph-uri", []), params.get("using-named-graph-uri", [])
    if using or using_named:
        try:
            update = add_using_clauses(update, using, using_named)
        except GuardError as err:
            return error(request, 400, "bad_request", str(err))
    # The guard reads the text that will run, with the protocol's USING clauses in it.
    inspection = await _inspect(inspect_update, update)
    if inspection.refusal:
        return error(request, 400, "refused", inspection.refusal)

    try:
        timeout = _timeout(request, _single(params, "timeout"))
    except ValueError as err:
        return error(request, 400, "bad_request", str(err))
    service = get_service(request)
    base_iri = str(request.url.replace(query=""))
    try:
        await run_in_threadpool(partial(service.update, update, base_iri=base_iri, timeout=timeout))
    except UpdateTimedOut as err:
        return error(request, 503, "timeout", str(err), headers={"Retry-After": "1"})
    except SyntaxError as err:
        return error(request, 400, "bad_update", f"SPARQL syntax error: {str(err).splitlines()[0]}")
    except (ValueError, OSError, RuntimeError) as err:
        # Oxigraph raises RuntimeError for an operation on a graph that is not there
        # (CLEAR, DROP, MOVE without SILENT) or already is (CREATE): the update's own fault.
        return error(request, 400, "bad_update", (str(err).splitlines() or ["failed"])[0][:300])
    return Response(status_code=204)


def _description(request: Request) -> Response:
    service = get_service(request)
    triples = service_description(
        str(request.url.replace(query="")),
        service.counts,
        updates=service.writable,
        void_url=str(request.url_for("void_description")),
    )
    return rdf_response(request, triples, "The service description")


@router.get(
    "/sparql",
    summary="SPARQL query by GET, or the service description when there is no query",
    responses={
        200: {"content": {"application/sparql-results+json": {}, "text/turtle": {}}},
        **RESPONSES,
    },
    # Documented here rather than as typed parameters: the handler reads the raw query string
    # itself (a repeated parameter is an error), and FastAPI's per-request parameter
    # validation cost 0.2-0.3 ms, about what a point lookup's whole evaluation costs.
    openapi_extra={"parameters": PROTOCOL_PARAMETERS},
)
async def sparql_get(request: Request) -> Response:
    params = parse_qs(request.url.query, keep_blank_values=True)
    if "update" in params:
        return error(request, 400, "bad_request", "Send updates by POST, not GET")
    try:
        text = _single(params, "query")
    except ValueError as err:
        return error(request, 400, "bad_request", str(err))
    if text is None:
        return _description(request)
    try:
        _check_length(request, len(text.encode()))
    except TooLong as err:
        return error(request, 413, "too_long", str(err))
    return await _answer_query(request, text, params)


@router.post(
    "/sparql",
    summary="SPARQL query or update by POST (form, sparql-query or sparql-update body)",
    openapi_extra={
        "requestBody": {
            "content": {
                QUERY_TYPE: {"schema": {"type": "string"}},
                UPDATE_TYPE: {"schema": {"type": "string"}},
                FORM_TYPE: {
                    "schema": {
                        "type": "object",
                        "properties": {"query": {"type": "string"}, "update": {"type": "string"}},
                    }
                },
            }
        }
    },
    responses=RESPONSES,
)
async def sparql_post(request: Request) -> Response:
    media, charset = _media_type(request)
    params = parse_qs(request.url.query, keep_blank_values=True)
    try:
        if media == FORM_TYPE:
            form = parse_qs(await _body_text(request, charset), keep_blank_values=True)
            for name, values in form.items():
                params.setdefault(name, []).extend(values)
            query, update = _single(params, "query"), _single(params, "update")
            if query is not None and update is not None:
                return error(request, 400, "bad_request", "Send a query or an update, not both")
            if update is not None:
                return await _answer_update(request, update, params)
            if query is None:
                return error(request, 400, "bad_request", "Missing the 'query' (or 'update') field")
            return await _answer_query(request, query, params)
        if media == QUERY_TYPE:
            return await _answer_query(request, await _body_text(request, charset), params)
        if media == UPDATE_TYPE:
            return await _answer_update(request, await _body_text(request, charset), params)
    except UnicodeError as err:
        return error(request, 400, "bad_encoding", str(err))
    except TooLong as err:
        return error(request, 413, "too_long", str(err))
    except ValueError as err:
        return error(request, 400, "bad_request", str(err))
    if not media:
        return error(
            request,
            400,
            "bad_request",
            f"Say what the body is: Content-Type {QUERY_TYPE}, {UPDATE_TYPE} or {FORM_TYPE}",
        )
    return error(
        request,
        415,
        "unsupported_media_type",
        f"Send {QUERY_TYPE}, {UPDATE_TYPE} or {FORM_TYPE}, not {media}",
    )


@router.get(
    "/void",
    name="void_description",
    summary="VoID description of the dataset, with triples per named graph",
)
def void_get(request: Request) -> Response:
    service = get_service(request)
    triples = void_description(
        f"{service.settings.base_iri}/dataset", str(request.url_for("sparql_get")), service.counts
    )
    return rdf_response(request, triples, "The VoID description")
