"""Publishing sources, one document's graph at a time (:mod:`kg.build.publish`).

- ``GET /sources`` — every source served, with its triples and its last change;
- ``GET /sources/{key}`` — the source's graph, as RDF by ``Accept``;
- ``PUT /sources/{key}`` — publish the body (RDF in any syntax the server reads) as the
  source: validated with the reference data, reconciled, reasoned, and served as a new
  version, switched to in one step; ``?dry_run=true`` only reports. A document that does not
  conform is a 422 with the findings and the diff, and nothing changes;
- ``DELETE /sources/{key}`` — remove the source, as a new version;
- ``GET /sources/{key}/history`` — who changed it, when, and how (the changes graph).

Writes need ``Authorization: Bearer <token>``; the token's name is recorded with the change.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from api.bodies import read_document
from api.deps import Service, WriteAccess
from api.errors import PROTOCOL, ApiError, error_responses
from api.negotiation import rdf_response
from kg.build.changes import source_history
from kg.build.publish import Published, SourceNotFound, check_key
from kg.build.snapshot import read_manifest
from kg.rdf.formats import GRAPH_TYPES, UPLOAD_SYNTAXES
from kg.rdf.namespaces import graph_iri, source_key
from kg.rdf.upload import source_document
from kg.serve.service import GraphService

router = APIRouter(prefix="/sources", tags=["publishing"])

_UPLOAD_TYPES = ", ".join(syntax.media_type for syntax in UPLOAD_SYNTAXES)


def _key(key: str) -> str:
    try:
        check_key(key)
    except ValueError as err:
        raise ApiError(400, "bad_key", str(err)) from err
    return key


def _served(service: GraphService, key: str) -> str:
    """The graph IRI of the served source ``key``; 404 if there is none."""
    name = graph_iri(service.settings.base_iri, key)
    if name not in service.graph_names:
        raise ApiError(404, "not_found", f"No source {key!r} is served (see GET /sources)")
    return name


def published_json(done: Published) -> dict[str, Any]:
    """A publish's answer: what happened, the version now served, warnings and the diff."""
    report = done.report
    return {
        "key": done.key,
        "action": done.action,
        "dry_run": done.manifest is None,
        "conforms": True,
        "version": None if done.manifest is None else done.manifest.version,
        "published_by": None if done.manifest is None else done.manifest.published_by,
        "summary": done.diff.summary(),
        # What the shapes warn or inform about: worth fixing, but no bar to publishing.
        "findings": []
        if report is None
        else [{**asdict(f), "locator": done.locators.get(f.focus)} for f in report.findings],
        "diff": done.diff.to_json(),
    }


@router.get("", summary="The sources served, with their last change")
def list_sources(service: Service) -> JSONResponse:
    base = service.settings.base_iri
    store, counts = service.store, service.counts  # one version's, whatever a publish does
    sources = []
    for name in sorted(counts):
        key = source_key(base, name)
        if key is None:
            continue
        history = source_history(store, base, key)
        sources.append(
            {
                "key": key,
                "graph": name,
                "triples": counts.get(name, 0),
                "last_change": history[0] if history else None,
            }
        )
    manifest = read_manifest(service.settings)
    return JSONResponse(
        {"version": manifest.version, "built_at": manifest.built_at, "sources": sources}
    )


@router.get(
    "/{key}",
    summary="A source's graph, as RDF",
    responses={200: {"content": {media: {} for media in GRAPH_TYPES}}},
)
def get_source(request: Request, service: Service, key: str) -> Response:
    name = _served(service, _key(key))
    triples = [
        q.triple for q in service.store.quads_for_pattern(None, None, None, ox.NamedNode(name))
    ]
    return rdf_response(request, triples, "A source")


@router.get("/{key}/history", summary="Who changed a source, when, and how")
def history(service: Service, key: str) -> JSONResponse:
    _key(key)
    rows = source_history(service.store, service.settings.base_iri, key)
    if not rows:
        _served(service, key)  # 404 for a source neither served nor ever published
    return JSONResponse({"key": key, "history": rows})


PUBLISH_RESPONSES = error_responses(
    PROTOCOL,
    {
        400: "A key that cannot name a source, a body that is not RDF, or an upload refused "
        "(a DTD in RDF/XML, blank nodes nested too deep): nothing changed",
        401: "A write without a valid bearer token",
        403: "Writes are disabled on this endpoint",
        404: "DELETE of a source that is not served",
        413: "A body past KG_MAX_UPLOAD_BYTES (nothing changed)",
        415: "A body in a syntax the server does not read",
        422: "The document does not conform to the shapes (findings and diff), or could not "
        "be published within the server's time or memory limit: nothing changed",
    },
)


@router.put(
    "/{key}",
    summary="Publish a document as a source: validated, reasoned, a new version",
    responses={
        200: {"description": "Published (or, for a dry run, what would change)"},
        201: {"description": "A new source published"},
        **PUBLISH_RESPONSES,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": f"The document as RDF, in one of: {_UPLOAD_TYPES}",
            "content": {syntax.media_type: {} for syntax in UPLOAD_SYNTAXES},
        }
    },
)
async def put_source(
    request: Request,
    service: Service,
    write: WriteAccess,
    key: str,
    dry_run: bool = Query(False, description="Only report and diff; publish nothing"),
) -> JSONResponse:
    who = write.require()
    _key(key)
    turtle = await read_document(request, service.settings.max_upload_bytes, source_document)
    done = await run_in_threadpool(service.publish, key, turtle, who=who, dry_run=dry_run)
    status = 201 if done.action == "added" and not dry_run else 200
    return JSONResponse(published_json(done), status_code=status)


@router.delete("/{key}", summary="Remove a source, as a new version", responses=PUBLISH_RESPONSES)
async def delete_source(
    service: Service,
    write: WriteAccess,
    key: str,
    dry_run: bool = Query(False, description="Only report and diff; remove nothing"),
) -> JSONResponse:
    who = write.require()
    _key(key)
    try:
        done = await run_in_threadpool(service.publish, key, None, who=who, dry_run=dry_run)
    except SourceNotFound as err:
        raise ApiError(404, "not_found", str(err)) from err
    return JSONResponse(published_json(done))
