"""Error answers, in one place: routers raise :class:`ApiError`. The handlers here, registered
by the app (:func:`api.app.create_app`), write it as the one error body,
:class:`ErrorBody`. An error never carries a stack trace or a server path.

How an error is written depends on who reads it (:class:`ErrorFormat`), and each area keeps
the format it has always had:

* :data:`PROTOCOL` (SPARQL, Graph Store, export, bad parameters everywhere): JSON
  ``{"error": kind, "message": …}``, or the text ``kind: message`` (the answer when the
  client has no preference), by ``Accept``.
* :data:`PAGES` (entity pages): an HTML page for a browser, else the JSON body with the
  ``iri`` asked for.
* :data:`GRAPH_API` (``/api/…`` traversals, read by the browser graph view): always JSON,
  with, for an ambiguous name, the ``candidates``.

The InforMEA feed alone answers another shape, OData's ``{"error": {"code", "message"}}``,
because the OData protocol requires it (:mod:`api.routers.informea`).

>>> from starlette.requests import Request
>>> r = Request({"type": "http", "headers": [(b"accept", b"application/json")]})
>>> error_response(r, ApiError(400, "bad_query", "SPARQL syntax error")).body
b'{"error":"bad_query","message":"SPARQL syntax error"}'
>>> error_response(Request({"type": "http", "headers": []}), ApiError(404, "x", "y")).body
b'x: y\\n'
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from api.request_ids import request_id_of
from api.templates.entity_page import render_error
from kg.build.publish import PublishRejected
from kg.graph.answers import NodeRef
from kg.rdf.negotiate import choose
from kg.serve.publishing import PublishFailed
from kg.serve.service import SourceWriteRefused

log = logging.getLogger("kg.api")


@dataclass(frozen=True)
class ErrorFormat:
    """How an area of the API writes its errors."""

    #: The media types offered, the first when the client states no preference.
    offered: tuple[str, ...]
    #: The media type when the client accepts none of them (an error is still answered).
    otherwise: str
    #: JSON with non-ASCII characters escaped (``\\u00e9``), as the protocol errors have
    #: always been written; the other areas write them as UTF-8.
    ascii_json: bool = False


PROTOCOL = ErrorFormat(("text/plain", "application/json"), "text/plain", ascii_json=True)
PAGES = ErrorFormat(("text/html", "application/json"), "application/json")
GRAPH_API = ErrorFormat(("application/json",), "application/json")

#: An error page's title per status (:data:`PAGES`).
PAGE_TITLES = {400: "Bad request", 404: "Not found", 406: "Not acceptable"}


class ErrorBody(BaseModel):
    """The JSON body of an error (fields that are ``null`` are left out)."""

    error: str = Field(
        description="What failed: bad_request, bad_query, not_found, not_acceptable, "
        "unauthorised, read_only, timeout, ambiguous, wrong_kind …"
    )
    message: str | None = Field(default=None, description="What went wrong, in plain words")
    findings: list[dict[str, Any]] | None = Field(
        default=None,
        description="A write refused for SHACL violations (422): every finding, as "
        "`POST /validate` reports them (focus, path, value, severity, message, shape), and "
        "for a publish the `locator`: where in the document the focus comes from (its "
        "`mea:sourceLocator`, e.g. a table row), when the document says",
    )
    diff: dict[str, Any] | None = Field(
        default=None,
        description="A publish refused (422): what it would have changed in the source's "
        "graph (entities and facts added, removed, changed)",
    )
    import_report: dict[str, Any] | None = Field(
        default=None,
        description="An import refused (422 rows_not_read): the rows read and imported, and "
        "each cell that could not be read with its file, table, row, column and message",
    )
    iri: str | None = Field(default=None, description="Entity pages: the IRI asked for")
    request_id: str | None = Field(
        default=None,
        description="The request's id (also its X-Request-ID header and the server's log "
        "line about the error): quote it when reporting a problem",
    )
    candidates: list[NodeRef] | None = Field(
        default=None, description="Graph API, for `ambiguous`: the entities the label names"
    )


class ApiError(Exception):
    """A request the API answers with an error: ``status``, a ``kind`` (``bad_query``,
    ``not_found`` …), a message for people, ``headers`` to send (``Retry-After`` …) and
    ``extra`` fields of :class:`ErrorBody` (``iri``, ``candidates``), written as ``fmt``
    says."""

    def __init__(
        self,
        status: int,
        kind: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        fmt: ErrorFormat = PROTOCOL,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.headers = dict(headers) if headers else None
        self.fmt = fmt
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body."""
        fields = {"error": self.kind, "message": self.message, **self.extra}
        return ErrorBody.model_validate(fields).model_dump(exclude_none=True)


def error_response(request: Request, err: ApiError) -> Response:
    """``err`` as the client prefers among the media types its format offers, with the
    request's id; the server logs a line with that id (a warning for a 5xx)."""
    request_id = request_id_of(request.state) if "state" in request.scope else None
    if request_id is not None:
        err.extra.setdefault("request_id", request_id)
        log.log(
            logging.WARNING if err.status >= 500 else logging.INFO,
            "request %s: %s %s: %s",
            request_id,
            err.status,
            err.kind,
            err.message,
        )
    fmt = err.fmt
    accept = request.headers.get("accept")
    media = choose(accept, fmt.offered)
    if media is None and accept and "json" in accept and "application/json" in fmt.offered:
        # A client that asked for JSON of some kind (SPARQL results JSON, JSON-LD) reads
        # JSON errors: it would choke on text it did not ask for.
        media = "application/json"
    media = media or fmt.otherwise
    if media == "text/html":
        title = PAGE_TITLES.get(err.status, "Error")
        page = render_error(title, err.message, err.extra.get("iri"))
        return HTMLResponse(page, status_code=err.status, headers=err.headers)
    if media == "application/json":
        body = json.dumps(err.body(), ensure_ascii=fmt.ascii_json, separators=(",", ":"))
        return Response(
            body, status_code=err.status, media_type="application/json", headers=err.headers
        )
    suffix = f" (request {err.extra['request_id']})" if err.extra.get("request_id") else ""
    return Response(
        f"{err.kind}: {err.message}{suffix}\n",
        status_code=err.status,
        media_type="text/plain",
        headers=err.headers,
    )


async def api_error_handler(request: Request, exc: Exception) -> Response:
    """The handler of :class:`ApiError`."""
    assert isinstance(exc, ApiError)
    return error_response(request, exc)


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    """Parameters FastAPI could not read (a missing ``iri``, a ``limit`` out of range …):
    400 ``bad_request`` naming the first, not FastAPI's 422."""
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "query")
    message = f"{where}: {first.get('msg', 'invalid')}"
    return error_response(request, ApiError(400, "bad_request", message))


async def source_write_refused_handler(request: Request, exc: Exception) -> Response:
    """A SPARQL Update that would change a source document's graph: 409, naming the route
    that publishes one (sources change only whole, validated and versioned)."""
    return error_response(request, ApiError(409, "publish_instead", str(exc)))


async def publish_rejected_handler(request: Request, exc: Exception) -> Response:
    """A publish refused because the document does not conform: 422, its findings and the
    diff it would have made; nothing was switched."""
    assert isinstance(exc, PublishRejected)
    report = exc.report
    message = f"{exc}; the version served is unchanged."
    if report is not None:
        violations = report.violations()
        shown = "; ".join(f"{f.focus} {f.path or ''}: {f.message}" for f in violations[:3])
        if len(violations) > 3:
            shown += f" … and {len(violations) - 3} more (all in findings)"
        message += f" {shown}"
    findings = None
    if report is not None:
        findings = [{**asdict(f), "locator": exc.locators.get(f.focus)} for f in report.findings]
    error = ApiError(422, "does_not_conform", message, findings=findings, diff=exc.diff.to_json())
    return error_response(request, error)


async def publish_failed_handler(request: Request, exc: Exception) -> Response:
    """A publish that could not be staged within its bounds: 422; nothing was switched."""
    error = ApiError(
        422,
        "not_published",
        f"The document was not published: {exc}; the version served "
        "is unchanged. Split the document, or ask the operator to raise the limit.",
    )
    return error_response(request, error)


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    """Anything no other handler took: a 500 in the project's error shape (JSON or text, as
    asked), with the request id; the traceback goes to the server's log under that id, never
    to the client."""
    request_id = request_id_of(request.state) if "state" in request.scope else None
    log.error("request %s failed", request_id, exc_info=exc)
    error = ApiError(
        500,
        "internal_error",
        "The server failed on this request; nothing was changed by it. Report the request id "
        "to the operator",
    )
    return error_response(request, error)


#: The handlers the app registers (:func:`api.app.create_app`).
EXCEPTION_HANDLERS: dict[
    int | type[Exception], Callable[[Request, Any], Coroutine[Any, Any, Response]]
] = {
    ApiError: api_error_handler,
    SourceWriteRefused: source_write_refused_handler,
    PublishRejected: publish_rejected_handler,
    PublishFailed: publish_failed_handler,
    RequestValidationError: validation_error_handler,
    Exception: unexpected_error_handler,
}


def error_responses(
    fmt: ErrorFormat, descriptions: Mapping[int, str]
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses: :class:`ErrorBody` as JSON, and the
    other media types ``fmt`` answers in."""
    others = [media for media in fmt.offered if media != "application/json"]
    responses: dict[int | str, dict[str, Any]] = {}
    for status, description in descriptions.items():
        responses[status] = {"model": ErrorBody, "description": description}
        if others:
            responses[status]["content"] = {media: {} for media in others}
    return responses
