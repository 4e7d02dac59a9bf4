"""``/health`` and ``/ready``: what a load balancer or a container orchestrator asks.

- ``GET /health`` — liveness: the process answers HTTP (200, nothing else checked);
- ``GET /ready`` — readiness: the store answers, a query worker answers a trivial query
  within two seconds, and which version of the graph is served; 503 saying which part is
  not ready otherwise.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import Service
from kg.build.snapshot import SnapshotMissing, read_manifest
from kg.serve.jobs import OK, QueryJob

router = APIRouter(tags=["health"])

#: The trivial query a worker must answer for the server to be ready, and how fast.
_PROBE = QueryJob(query="ASK {}", media_type="application/sparql-results+json", max_rows=1)
_PROBE_SECONDS = 2.0


@router.get("/health", summary="Liveness: the server answers")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Readiness: the store and the query workers answer; the version served",
    responses={503: {"description": "Not ready: the answer says which part"}},
)
async def ready(service: Service) -> JSONResponse:
    checks: dict[str, Any] = {}
    try:
        await run_in_threadpool(lambda: service.store.query("ASK {}"))
        checks["store"] = "ok"
    except Exception as err:  # the store's own failure, said in one line
        checks["store"] = f"failed: {str(err).splitlines()[0][:200] if str(err) else err}"
    outcome = await service.pool.run_async(_PROBE, _PROBE_SECONDS)
    checks["workers"] = "ok" if outcome.status == OK else f"failed: {outcome.message}"
    try:
        manifest = read_manifest(service.settings)
        checks["version"] = manifest.version
        checks["built_at"] = manifest.built_at
    except SnapshotMissing:
        checks["version"] = None  # a store loaded without kg build's snapshot: still serves
    ready = checks["store"] == "ok" and checks["workers"] == "ok"
    body = {"status": "ready" if ready else "not ready", **checks}
    return JSONResponse(body, status_code=200 if ready else 503)
