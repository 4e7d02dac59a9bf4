"""The application factory: opens the built store once (lifespan) and mounts the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.routers import sparql
from kg import __version__
from kg.settings import Settings, get_settings
from kg.store import open_store


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` default to the environment (``KG_*``)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = open_store(settings.store)
        app.state.settings = settings
        yield

    app = FastAPI(
        title="MEA knowledge graph",
        version=__version__,
        description="SPARQL 1.1 endpoint over a knowledge graph of multilateral environmental "
        "agreements, COP decisions, GBF goals, targets and indicators, parties, centres and "
        "workplans. The default graph is the union of all named graphs.",
        lifespan=lifespan,
    )
    app.include_router(sparql.router)
    return app
