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

import asyncio
import math
import time
from collections.abc import Callable
from functools import partial
from math import ceil
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import NoMatchFound

from api.bodies import read_body, too_large
from api.deps import Service, WriteAccess, WriteGate
from api.errors import PROTOCOL, ApiError, error_responses
from api.negotiation import body_media_type, rdf_response
from kg.query.describe import service_description
from kg.query.results import offered_types
from kg.rdf.namespaces import PREFIXES, endpoint_prefixes
from kg.rdf.negotiate import choose
from kg.serve.jobs import (
    BAD_QUERY,
    FAILED,
    NOT_ACCEPTABLE,
    OK,
    OUT_OF_MEMORY,
    TIMEOUT,
    QueryJob,
)
from kg.serve.trial_update import UpdateTimedOut
from kg.sparql.guard import Inspection, add_using_clauses, inspect_query, inspect_update
from kg.sparql.lexer import GuardError
from kg.sparql.syntax_errors import readable

router = APIRouter(prefix="/sparql", tags=["sparql"])

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
#: Header saying the answer was cut at the row cap (the name Virtuoso uses).
MAX_ROWS_HEADER = "X-SPARQL-MaxRows"
#: Texts longer than this are scanned by the guard in a thread, not on the event loop.
SCAN_ON_LOOP_CHARS = 16 * 1024


RESPONSES = error_responses(
    PROTOCOL,
    {
        400: "Malformed request or query, or one this endpoint refuses",
        401: "A write without a valid bearer token",
        403: "Writes are disabled on this endpoint",
        406: "No acceptable media type for this kind of answer",
        413: "The query or update is longer than this endpoint accepts",
        415: "Unsupported request media type",
        409: "An update that would change a source document's graph (publish the whole "
        "document with PUT /sources/{key}): nothing was written",
        429: "The client has spent its query budget (KG_BUDGET_*): Retry-After says when "
        "it may query again",
        503: "The query ran out of time or memory; nothing of its answer was sent",
    },
)
#: The predicate linking the service description's dataset to its VoID description.
SEE_ALSO = PREFIXES["rdfs"] + "seeAlso"


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


async def _body_text(request: Request, service: Service, charset: str | None) -> str:
    if charset not in (None, "utf-8", "utf8"):
        raise UnicodeError(f"the request body must be UTF-8, not {charset}")
    limit = service.settings.max_query_bytes
    raw = await read_body(request, limit, what="The request", kind="too_long")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UnicodeError("the request body is not valid UTF-8") from None


def _form(text: str) -> dict[str, list[str]]:
    """The fields of a query string or form body. Percent-encoded bytes must be UTF-8: by
    default they would become U+FFFD and the query would run on text nobody sent."""
    try:
        return parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise ApiError(
            400,
            "bad_encoding",
            "A percent-encoded parameter is not UTF-8: encode the text as UTF-8",
        ) from None


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise ValueError(f"give the '{name}' parameter once, not {len(values)} times")
    return values[0] if values else None


def _timeout(service: Service, raw: str | None) -> float:
    ceiling = service.settings.query_timeout
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


def _request_timeout(service: Service, params: dict[str, list[str]]) -> float:
    """The request's deadline; :class:`ApiError` 400 for a bad ``timeout``."""
    try:
        return _timeout(service, _single(params, "timeout"))
    except ValueError as err:
        raise ApiError(400, "bad_request", str(err)) from err


async def _inspect(inspect: Callable[[str], Inspection], text: str) -> Inspection:
    """The guard's look at ``text``; a long text is read in a thread, so that scanning it
    never holds up other requests."""
    try:
        if len(text) <= SCAN_ON_LOOP_CHARS:
            return inspect(text)
        return await run_in_threadpool(inspect, text)
    except GuardError as err:  # e.g. an escape in an IRI that decodes to no character
        raise ApiError(400, "bad_query", str(err)) from err


async def _answer_query(
    request: Request, service: Service, query: str, params: dict[str, list[str]]
) -> Response:
    # First, before any work on the query: a spent budget must cost the server little.
    client = request.client.host if request.client else None
    retry = service.budgets.retry_after(client)
    if retry is not None:
        # Answered after a second (an await, no thread held): a client that ignores
        # Retry-After cannot turn cheap refusals into a flood of their own.
        await asyncio.sleep(min(retry, 1.0))
        raise ApiError(
            429,
            "budget_spent",
            f"This client has used its query budget for the last "
            f"{service.settings.budget_window:g} s (query time or failed queries): "
            f"try again in {ceil(retry)} s",
            headers={"Retry-After": str(ceil(retry))},
        )
    inspection = await _inspect(inspect_query, query)
    if inspection.refusal:
        raise ApiError(400, "refused" if inspection.form else "bad_query", inspection.refusal)
    default = params.get("default-graph-uri")
    named = params.get("named-graph-uri")
    for where, graphs in (
        ("FROM", inspection.from_graphs),
        ("FROM NAMED", inspection.from_named_graphs),
        ("default-graph-uri", default or ()),
        ("named-graph-uri", named or ()),
    ):
        unknown = [g for g in graphs if g not in service.graph_names]
        if unknown:
            raise ApiError(
                400,
                "unknown_graph",
                f"{where} names a graph this store does not hold: <{unknown[0]}>; the "
                "endpoint never fetches graphs from elsewhere (GET /void lists the graphs)",
            )
    assert inspection.form is not None
    media_type = choose(request.headers.get("accept"), offered_types(inspection.form))
    if media_type is None:
        offered = ", ".join(offered_types(inspection.form))
        raise ApiError(406, "not_acceptable", f"This answer can be sent as: {offered}")
    timeout = _request_timeout(service, params)
    job = QueryJob(
        query=query,
        media_type=media_type,
        max_rows=service.settings.max_rows,
        default_graphs=tuple(default) if default else None,
        named_graphs=tuple(named) if named else None,
        own_dataset=bool(inspection.from_graphs or inspection.from_named_graphs),
        prefixes=endpoint_prefixes(service.settings.base_iri),
        base_iri=str(request.url.replace(query="")),
        limit=inspection.limit,
    )
    started = time.monotonic()
    outcome = await service.pool.run_async(job, timeout)
    service.budgets.charge(
        client,
        time.monotonic() - started,
        failed=outcome.status in (TIMEOUT, FAILED, OUT_OF_MEMORY),
    )
    if outcome.status == OK and outcome.answer is not None:
        headers = {"Vary": "Accept"}
        if outcome.answer.truncated:
            headers[MAX_ROWS_HEADER] = str(service.settings.max_rows)
        return Response(outcome.answer.body, media_type=media_type, headers=headers)
    if outcome.status == BAD_QUERY:
        raise ApiError(400, "bad_query", outcome.message)
    if outcome.status == NOT_ACCEPTABLE:
        raise ApiError(406, "not_acceptable", outcome.message)
    if outcome.status == TIMEOUT:
        raise ApiError(503, "timeout", outcome.message, headers={"Retry-After": "1"})
    if outcome.status == OUT_OF_MEMORY:
        raise ApiError(503, "out_of_memory", outcome.message)
    raise ApiError(500, "query_failed", outcome.message)


async def _answer_update(
    request: Request,
    service: Service,
    write: WriteGate,
    update: str,
    params: dict[str, list[str]],
) -> Response:
    write.require()
    using, using_named = params.get("using-graph-uri", []), params.get("using-named-graph-uri", [])
    if using or using_named:
        try:
            update = add_using_clauses(update, using, using_named)
        except GuardError as err:
            raise ApiError(400, "bad_request", str(err)) from err
    # The guard reads the text that will run, with the protocol's USING clauses in it.
    inspection = await _inspect(inspect_update, update)
    if inspection.refusal:
        raise ApiError(400, "refused", inspection.refusal)

    timeout = _request_timeout(service, params)
    base_iri = str(request.url.replace(query=""))
    try:
        await run_in_threadpool(partial(service.update, update, base_iri=base_iri, timeout=timeout))
    except UpdateTimedOut as err:
        raise ApiError(503, "timeout", str(err), headers={"Retry-After": "1"}) from err
    except SyntaxError as err:
        raise ApiError(400, "bad_update", readable(str(err), update)) from err
    except (ValueError, OSError, RuntimeError) as err:
        # Oxigraph raises RuntimeError for an operation on a graph that is not there
        # (CLEAR, DROP, MOVE without SILENT) or already is (CREATE): the update's own fault.
        message = (str(err).splitlines() or ["failed"])[0][:300]
        raise ApiError(400, "bad_update", message) from err
    return Response(status_code=204)


def _description(request: Request, service: Service) -> Response:
    endpoint = str(request.url.replace(query=""))
    try:
        void_url: str | None = str(request.url_for("void_description"))
    except NoMatchFound:  # this router mounted without api.routers.void: nothing to link to
        void_url = None
    triples = service_description(
        endpoint,
        service.counts,
        updates=service.writable,
        void_url=void_url or endpoint,
        prefixes=endpoint_prefixes(service.settings.base_iri),
    )
    if void_url is None:
        triples = [t for t in triples if t.predicate.value != SEE_ALSO]
    return rdf_response(request, triples, "The service description")


@router.get(
    "",
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
async def sparql_get(request: Request, service: Service) -> Response:
    params = _form(request.url.query)
    if "update" in params:
        raise ApiError(400, "bad_request", "Send updates by POST, not GET")
    try:
        text = _single(params, "query")
    except ValueError as err:
        raise ApiError(400, "bad_request", str(err)) from err
    if text is None:
        return _description(request, service)
    size, limit = len(text.encode()), service.settings.max_query_bytes
    if size > limit:
        raise too_large("The request", size, limit, kind="too_long")
    return await _answer_query(request, service, text, params)


@router.post(
    "",
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
async def sparql_post(request: Request, service: Service, write: WriteAccess) -> Response:
    media, charset = body_media_type(request)
    params = _form(request.url.query)
    try:
        if media == FORM_TYPE:
            form = _form(await _body_text(request, service, charset))
            for name, values in form.items():
                params.setdefault(name, []).extend(values)
            query, update = _single(params, "query"), _single(params, "update")
            if query is not None and update is not None:
                raise ApiError(400, "bad_request", "Send a query or an update, not both")
            if update is not None:
                return await _answer_update(request, service, write, update, params)
            if query is None:
                raise ApiError(400, "bad_request", "Missing the 'query' (or 'update') field")
            return await _answer_query(request, service, query, params)
        if media == QUERY_TYPE:
            text = await _body_text(request, service, charset)
            return await _answer_query(request, service, text, params)
        if media == UPDATE_TYPE:
            text = await _body_text(request, service, charset)
            return await _answer_update(request, service, write, text, params)
    except UnicodeError as err:
        raise ApiError(400, "bad_encoding", str(err)) from err
    except ValueError as err:
        raise ApiError(400, "bad_request", str(err)) from err
    if not media:
        raise ApiError(
            400,
            "bad_request",
            f"Say what the body is: Content-Type {QUERY_TYPE}, {UPDATE_TYPE} or {FORM_TYPE}",
        )
    raise ApiError(
        415,
        "unsupported_media_type",
        f"Send {QUERY_TYPE}, {UPDATE_TYPE} or {FORM_TYPE}, not {media}",
    )
