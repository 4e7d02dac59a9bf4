"""The site's pages: the query editor at ``/`` (with its example catalogue at
``/api/examples``), the browser graph view at ``/viz`` and the publish page at ``/publish``.

:data:`router` is the one router of the app without a prefix: it serves pages at the root of
the site, where a prefix would move them (the editor is the page a visitor lands on). The
catalogue, JSON for the editor's script, is on :data:`api_router` under ``/api``.

The editor is YASGUI (https://github.com/zazuko/Yasgui), installed from npm and served by the
app from ``/vendor/yasgui/`` (no CDN). Its page is the template ``api/templates/editor.html``,
its script and style are in ``api/static/editor/``; this router fills in the page's
configuration (the endpoint path and the ontology's prefixes,
:data:`kg.rdf.namespaces.PREFIXES`) and serves the competency questions of
``queries/manifest.ttl`` (:mod:`kg.query.catalogue`) as named examples.

The publish page (``api/templates/publish.html``, ``api/static/publish/``) is for secretariat
staff, who never write RDF by hand: they pick a file, check it and publish it through the JSON
API of :mod:`api.routers.sources`, which the page's script calls. The page holds no data of
its own: it works the same on a read-only server, where the API answers 403.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, Field

from api.deps import AppSettings
from api.templates.environment import render
from kg.ingest.mapping import shipped_mappings
from kg.ingest.tables import MEDIA_TYPES
from kg.query.catalogue import read_catalogue
from kg.rdf.formats import UPLOAD_SYNTAXES
from kg.rdf.namespaces import PREFIXES, SHAPES_NAMESPACE

#: The pages at the root of the site (no prefix: see above).
router = APIRouter(tags=["ui"])
#: What the pages' scripts fetch under ``/api``.
api_router = APIRouter(prefix="/api", tags=["ui"])

VIZ_DIR = Path(__file__).parents[1] / "static" / "viz"


class Example(BaseModel):
    """One competency question of the catalogue."""

    name: str = Field(description="The entry's name, e.g. `01-headline-indicators-…`.")
    question: str = Field(description="The question the query answers, in plain words.")
    query: str = Field(description="The SPARQL text of `queries/<name>.rq`.")


@router.get(
    "/",
    summary="The SPARQL query editor (YASGUI) with the example catalogue",
    response_class=HTMLResponse,
    responses={200: {"description": "The editor page.", "content": {"text/html": {}}}},
)
def editor(settings: AppSettings) -> HTMLResponse:
    base_iri = settings.base_iri
    config = {
        "endpoint": "/sparql",
        "examples": "/api/examples",
        "prefixes": PREFIXES,
        "baseIri": base_iri,
        # IRIs the server has pages for (/entity?iri=…) besides <base>/id/…
        "localNamespaces": [PREFIXES["kmgbf"], PREFIXES["mea"], base_iri + "/"],
    }
    # The template writes it with |tojson, which escapes <, > and & (no </script> break-out).
    return HTMLResponse(render("editor.html", config=config))


@router.get("/docs", include_in_schema=False)
def api_docs(request: Request) -> HTMLResponse:
    """The OpenAPI docs (Swagger UI), its script and style served from the npm copy in
    ``ui/node_modules`` (``/vendor/swagger-ui``): FastAPI's default page loads them from a
    CDN, so offline it was blank."""
    vendor = "/vendor/swagger-ui"
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title=f"{request.app.title} · API",
        swagger_js_url=f"{vendor}/swagger-ui-bundle.js",
        swagger_css_url=f"{vendor}/swagger-ui.css",
        swagger_favicon_url=f"{vendor}/favicon-32x32.png",
    )


@router.get(
    "/viz",
    summary="The browser graph view",
    description="Search an entity, expand nodes by clicking them, colour by kind, filter by "
    "convention, highlight the activity → indicator paths. Cytoscape.js, served locally.",
    response_class=FileResponse,
    responses={200: {"content": {"text/html": {}}, "description": "The page"}},
)
def viz() -> FileResponse:
    return FileResponse(VIZ_DIR / "index.html", media_type="text/html")


@router.get(
    "/publish",
    summary="The publish page: check a source document, see what it changes, publish it",
    description="For people who do not write requests: paste the write token, pick the "
    "source and the file (RDF, or a workbook, CSV file or Word document with its table's "
    "layout), press Check (a dry run of `PUT /sources/{key}` or `POST /sources/{key}/import`) "
    "and then Publish.",
    response_class=HTMLResponse,
    responses={200: {"description": "The publish page.", "content": {"text/html": {}}}},
)
def publish(settings: AppSettings) -> HTMLResponse:
    config = {
        "sources": "/sources",
        # What the script may send: a file's extension picks one of these, the rest is refused
        # before it is uploaded (the server would answer 415).
        "uploadTypes": [syntax.media_type for syntax in UPLOAD_SYNTAXES],
        "maxUploadBytes": settings.max_upload_bytes,
        # Tables (workbooks, CSV, Word) go to POST /sources/{key}/import with a mapping.
        "tableTypes": {suffix.lstrip("."): media for media, suffix in MEDIA_TYPES.items()},
        "mappings": [
            {"name": m.name, "title": m.title, "summary": m.summary} for m in shipped_mappings()
        ],
        # For showing IRIs short, as the validation report does (longest namespace wins).
        "prefixes": {"id": settings.base_iri + "/id/", "shape": SHAPES_NAMESPACE, **PREFIXES},
    }
    return HTMLResponse(render("publish.html", config=config))


@api_router.get(
    "/examples",
    summary="The example queries: the competency questions of queries/manifest.ttl",
    response_model=list[Example],
)
def examples(settings: AppSettings) -> list[Example]:
    return [
        Example(name=entry.name, question=entry.question, query=entry.query)
        for entry in read_catalogue(settings.queries_dir)
    ]
