"""``GET /templates/{mapping}.xlsx``: a mapping's template workbook.

``POST /sources/{key}/import``: a workbook, CSV file or Word document uploaded with the
names of its mappings, imported as ``kg import`` does (:mod:`kg.ingest`), then published
through the same path as ``PUT /sources/{key}``: report, diff, and a new version (or with
``?dry_run=true`` only the report and the diff).

The file is read in a child process bounded as a publish is (:mod:`kg.serve.importing`).
Rows that cannot be read are answered with a 422 naming each row and column, and nothing
is published, unless ``?skip_bad_rows=true`` asks to publish the rows that were read.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from api.bodies import body_media_type, read_body
from api.deps import Service, WriteAccess
from api.errors import PROTOCOL, ApiError, error_responses
from api.routers.sources import PUBLISH_RESPONSES, _key, published_json
from kg.ingest.export_table import template_sheet
from kg.ingest.importer import DocumentInfo
from kg.ingest.mapping import MappingError, load_mapping, shipped_mappings
from kg.ingest.tables import MEDIA_TYPES
from kg.ingest.workbooks import write_workbook
from kg.rdf.namespaces import CANONICAL_BASE, entity_iri
from kg.serve.importing import (
    BadDocumentOptions,
    ImportBusy,
    TableUnreadable,
    import_bounded,
)

router = APIRouter(prefix="/sources", tags=["publishing"])
templates_router = APIRouter(prefix="/templates", tags=["publishing"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@templates_router.get(
    "/{name}.xlsx",
    summary="A mapping's template workbook: its headers, an example row, a note on each column",
    responses={200: {"content": {XLSX: {}}}, **error_responses(PROTOCOL, {404: "No such mapping"})},
)
def template(name: str) -> Response:
    mapping = next((m for m in shipped_mappings() if m.name == name), None)
    if mapping is None:
        names = ", ".join(m.name for m in shipped_mappings())
        raise ApiError(404, "not_found", f"No mapping {name!r}: use one of {names}")
    with tempfile.TemporaryDirectory(prefix="kg-template-") as folder:
        path = Path(folder) / f"{name}.xlsx"
        write_workbook(path, [template_sheet(mapping)])
        body = path.read_bytes()
    disposition = f'attachment; filename="{name}-template.xlsx"'
    return Response(body, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.post(
    "/{key}/import",
    summary="Import a workbook, CSV file or Word document through mappings, and publish it",
    responses={
        200: {"description": "Published (or, for a dry run, what would change)"},
        201: {"description": "A new source published"},
        **PUBLISH_RESPONSES,
        **error_responses(
            PROTOCOL,
            {
                415: "Not a workbook, CSV file or Word document",
                503: "Another upload is being read (one at a time); Retry-After says when to "
                "try again",
                422: "Rows that cannot be read (each with its row and column), or a source "
                "that does not conform: nothing published",
            },
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file, as its media type says: " + ", ".join(MEDIA_TYPES),
            "content": {media: {} for media in MEDIA_TYPES},
        }
    },
)
async def import_source(
    request: Request,
    service: Service,
    write: WriteAccess,
    key: str,
    mapping: Annotated[list[str], Query(description="A shipped mapping's name; repeatable")],
    title: str | None = Query(None, description="The document's title"),
    agreement: str | None = Query(None, description="The agreement's key, e.g. tehran"),
    parties: str = Query("", description="ISO codes 'national governments' means: AZE,IRN"),
    filename: str | None = Query(None, description="The file's name, for the locators"),
    dry_run: bool = Query(False, description="Only report and diff; publish nothing"),
    skip_bad_rows: bool = Query(False, description="Publish the rows read, leave out the rest"),
) -> JSONResponse:
    who = write.require()
    _key(key)
    media, _ = body_media_type(request)
    suffix = MEDIA_TYPES.get(media or "")
    if suffix is None:
        raise ApiError(415, "unsupported_media_type", "Send one of: " + ", ".join(MEDIA_TYPES))
    mappings = []
    for name in mapping:
        if name not in {m.name for m in shipped_mappings()}:  # never a file on the server
            names = ", ".join(m.name for m in shipped_mappings())
            raise ApiError(400, "bad_mapping", f"No mapping {name!r}: use one of {names}")
        try:
            mappings.append(load_mapping(name))
        except MappingError as err:
            raise ApiError(400, "bad_mapping", str(err)) from err
    body = await read_body(request, service.settings.max_upload_bytes, what="The file")
    # The name locators give ("programme.xlsx, sheet 'Plan', row 7"): the client's, without
    # folders or control characters, with the suffix of the media type sent.
    stem = "".join(c for c in Path(filename or key).stem if c.isprintable())[:100] or key
    file = f"{stem}{suffix}"
    document = DocumentInfo(
        key=key,
        title=title or f"{key} (imported from {file})",
        file=file,
        agreement=entity_iri(CANONICAL_BASE, "agreement", agreement) if agreement else None,
    )
    codes = [c.strip().upper() for c in parties.split(",") if c.strip()]
    try:
        done = await run_in_threadpool(
            import_bounded, service.settings, body, [m.name for m in mappings], document, codes
        )
    except TableUnreadable as err:
        raise ApiError(400, "unreadable_table", str(err)) from err
    except BadDocumentOptions as err:
        raise ApiError(400, "bad_request", str(err)) from err
    except ImportBusy as err:
        raise ApiError(
            503,
            "busy",
            "Another upload is being read; try again in a minute.",
            headers={"Retry-After": "30"},
        ) from err
    if done.errors and not skip_bad_rows:
        shown = "; ".join(e.line() for e in done.errors[:3])
        raise ApiError(
            422,
            "rows_not_read",
            f"{len(done.errors)} cell(s) could not be read, so nothing was published: {shown}. "
            "Correct them and upload again, or add skip_bad_rows=true to publish the other rows.",
            import_report=done.report,
        )
    published = await run_in_threadpool(service.publish, key, done.turtle, who=who, dry_run=dry_run)
    answer: dict[str, Any] = {**published_json(published), "import": done.report}
    status = 201 if published.action == "added" and not dry_run else 200
    return JSONResponse(answer, status_code=status)
