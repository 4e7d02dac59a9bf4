"""The application factory: opens the built store once (lifespan) and mounts the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from api.errors import error
from api.head import HeadAsGet
from api.routers import entities, export, graph, gsp, informea, sparql, ui
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
}


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` default to the environment (``KG_*``)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = GraphService(settings)
        app.state.service = service
        app.state.store = service.store
        app.state.settings = settings
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
    )
    for router in (
        sparql.router,
        gsp.router,
        ui.router,
        entities.router,
        graph.router,
        informea.router,
        export.router,
    ):
        app.include_router(router)

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "query")
        return error(request, 400, "bad_request", f"{where}: {first.get('msg', 'invalid')}")

    app.add_middleware(HeadAsGet)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for path, package_dir in VENDOR_DIRS.items():
        directory = settings.ui_modules_dir / package_dir
        if directory.is_dir():  # absent only before `make setup` has run npm
            app.mount(path, StaticFiles(directory=directory), name=path.strip("/"))
    return app
