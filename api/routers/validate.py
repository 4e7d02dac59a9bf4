"""SHACL validation as a service, at ``POST /validate``: send a source document as RDF, get
the report ``kg validate`` and the build would give (the project's shapes, the reference
data in the store as context, the ontology's class hierarchy), without writing anything.

No token is needed: nothing changes. The body is read within ``KG_MAX_UPLOAD_BYTES`` and
parsed with the upload defences of :mod:`kg.rdf.upload` (no DTDs, no deep blank-node
nesting, nothing fetched); it is RDF in any syntax the Graph Store takes, named by
``Content-Type``, and never a path to open. The report comes back as JSON (the default), as
the SHACL validation report graph in Turtle, or as an HTML page, by ``Accept``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from api.bodies import read_document
from api.deps import Service
from api.errors import PROTOCOL, ApiError, error_responses
from api.templates.environment import render
from kg.rdf.formats import UPLOAD_SYNTAXES
from kg.rdf.negotiate import choose
from kg.rdf.read import rebase
from kg.rdf.terms import rdflib_graph
from kg.rdf.upload import read_upload
from kg.shacl.validate import ValidationReport

router = APIRouter(prefix="/validate", tags=["validate"])

#: The report's syntaxes, the first when the client states no preference.
REPORT_TYPES = ("application/json", "text/turtle", "text/html")
_UPLOAD_TYPES = ", ".join(syntax.media_type for syntax in UPLOAD_SYNTAXES)


@router.post(
    "",
    summary="Validate a source document against the shapes; nothing is written",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": f"The document as RDF, in one of: {_UPLOAD_TYPES}",
            "content": {syntax.media_type: {} for syntax in UPLOAD_SYNTAXES},
        }
    },
    responses={
        200: {
            "description": "The SHACL report: conforms, counts and each finding with what to "
            "fix (JSON), the report graph (Turtle), or a page (HTML)",
            "content": {media: {} for media in REPORT_TYPES},
        },
        **error_responses(
            PROTOCOL,
            {
                400: "A body that is not RDF, or an upload refused (a DTD in RDF/XML, blank "
                "nodes nested too deep)",
                406: "No report syntax the client accepts",
                413: "A body past KG_MAX_UPLOAD_BYTES",
                415: "A body in a syntax the server does not read",
            },
        ),
    },
)
async def validate(request: Request, service: Service) -> Response:
    media_type = choose(request.headers.get("accept"), REPORT_TYPES)
    if media_type is None:
        raise ApiError(
            406, "not_acceptable", f"The report can be sent as: {', '.join(REPORT_TYPES)}"
        )
    quads = await read_document(request, service.settings.max_upload_bytes, read_upload)
    data = rebase(rdflib_graph(q.triple for q in quads), service.settings.base_iri)
    validator = await run_in_threadpool(service.source_validator)
    report: ValidationReport = await run_in_threadpool(validator.validate, data)
    headers = {"Vary": "Accept"}
    if media_type == "text/turtle":
        return Response(report.to_turtle(), media_type=media_type, headers=headers)
    if media_type == "text/html":
        page = render(
            "report.html",
            summary=report.summary(),
            conforms=report.conforms,
            findings=report.findings,
        )
        return HTMLResponse(page, headers=headers)
    return Response(report.to_json(), media_type=media_type, headers=headers)
