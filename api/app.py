"""The application factory: opens the built store once (lifespan), mounts the routers and
registers the one set of error handlers (:mod:`api.errors`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api.errors import EXCEPTION_HANDLERS
from api.head import HeadAsGet
from api.request_ids import HEADER as REQUEST_ID_HEADER
from api.request_ids import RequestIds
from api.routers import (
    entities,
    export,
    graph,
    gsp,
    health,
    imports,
    informea,
    sources,
    sparql,
    ui,
    validate,
    void,
)
from api.routers.sparql import MAX_ROWS_HEADER
from kg import __version__
from kg.serve.service import GraphService
from kg.settings import Settings, get_settings

#: Project-owned browser assets, shipped inside the package.
STATIC_DIR = Path(__file__).parent / "static"
#: Browser libraries installed from npm at set-up time (``ui/package.json``), served locally so
#: every page works offline: URL path -> directory under ``ui/node_modules``.
VENDOR_DIRS = {
    "/vendor/yasgui": Path("@zazuko", "yasgui", "build"),
    "/vendor/cytoscape": Path("cytoscape", "dist"),
    "/vendor/swagger-ui": Path("swagger-ui-dist"),
}


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` default to the environment (``KG_*``)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = GraphService(settings)
        app.state.service = service  # what api.deps hands the routes
        app.state.body_timeout = settings.body_timeout  # api.bodies
        try:
            yield
        finally:
            service.close()

    app = FastAPI(
        title="MEA knowledge graph",
        version=__version__,
        description="SPARQL 1.1 endpoint over a knowledge graph of multilateral environmental "
        "agreements, COP decisions, GBF goals, targets and indicators, parties, centres and "
        "workplans. The default graph is the union of all named graphs.",
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
        # FastAPI's own pages load Swagger UI and ReDoc from a CDN: /docs is served from
        # the npm copy instead (api.routers.ui), and ReDoc is left out.
        docs_url=None,
        redoc_url=None,
    )
    for router in (
        sparql.router,
        void.router,
        gsp.router,
        ui.router,
        ui.api_router,
        entities.router,
        entities.iri_router,
        graph.router,
        informea.router,
        export.router,
        validate.router,
        sources.router,
        imports.router,
        imports.templates_router,
        health.router,
    ):
        app.include_router(router)
    app.add_middleware(HeadAsGet)
    # Reads from any origin (a notebook, a web app), never with credentials; the token's
    # Authorization header is not allowed cross-origin, nor PUT or DELETE, so a page on
    # another origin cannot write.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["accept", "content-type"],
        allow_credentials=False,
        expose_headers=[MAX_ROWS_HEADER, REQUEST_ID_HEADER],
        max_age=600,
    )
    app.add_middleware(RequestIds)  # outermost: every answer, errors included, has its id
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for path, package_dir in VENDOR_DIRS.items():
        directory = settings.ui_modules_dir / package_dir
        if directory.is_dir():  # absent only before `make setup` has run npm
            app.mount(path, StaticFiles(directory=directory), name=path.strip("/"))
    return app
