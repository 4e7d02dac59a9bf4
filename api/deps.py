"""What the routers depend on, each an ``Annotated`` alias to put in a route's signature:

* :data:`Service` — the live graph (:class:`kg.serve.service.GraphService`) the app opened in
  its lifespan: the store, the query pool, the write path and the views derived from the graph.
* :data:`AppSettings` — the settings the app was created with (the service's).
* :data:`Projection` — the graph projection of the graph as it is now (kept by the service).
* :data:`WriteAccess` — the write check, :meth:`WriteGate.require`, raising the 401 or 403.

Tests replace any of them with ``app.dependency_overrides[get_service] = …``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.errors import ApiError
from kg.graph.projection import GraphProjection
from kg.serve.service import GraphService
from kg.settings import Settings


async def get_service(request: Request) -> GraphService:
    """The live graph of the app serving ``request`` (opened once, in the app's lifespan)."""
    service: GraphService = request.app.state.service
    return service


Service = Annotated[GraphService, Depends(get_service)]


async def get_app_settings(service: Service) -> Settings:
    """The settings the app was created with."""
    return service.settings


AppSettings = Annotated[Settings, Depends(get_app_settings)]


def get_projection(service: Service) -> GraphProjection:
    """The graph projection of the graph as it is now (kept by the service per state of the
    store: :meth:`kg.serve.service.GraphService.projection`). A plain function, so FastAPI
    runs it in a thread: the first one takes seconds to build."""
    return service.projection()


Projection = Annotated[GraphProjection, Depends(get_projection)]


class WriteGate:
    """The write check of one request. Routes that read and write (``POST /sparql`` takes a
    query or an update; the Graph Store reads by GET) call :meth:`require` where the request
    turns out to be a write, so that a query never needs a token and a malformed request is
    a 400 before it is a 401."""

    def __init__(self, request: Request, service: GraphService) -> None:
        self._authorization = request.headers.get("authorization", "")
        self._service = service

    def require(self) -> str:
        """The name of the token the request writes with (recorded with what it publishes);
        else raise :class:`ApiError`: 403 when writes are disabled here, 401 (with
        ``WWW-Authenticate``) without a valid bearer token."""
        if not self._service.writable:
            raise ApiError(403, "read_only", "Updates are disabled on this endpoint")
        scheme, _, given = self._authorization.partition(" ")
        name = self._service.tokens.name_of(given.strip()) if scheme.lower() == "bearer" else None
        if name is None:
            raise ApiError(
                401,
                "unauthorised",
                "Send Authorization: Bearer <token> to write",
                headers={"WWW-Authenticate": 'Bearer realm="mea-kg"'},
            )
        return name


async def get_write_gate(request: Request, service: Service) -> WriteGate:
    """The write check of ``request``."""
    return WriteGate(request, service)


WriteAccess = Annotated[WriteGate, Depends(get_write_gate)]
