"""Graph traversal and analysis endpoints under ``/api`` and the browser graph view (issue 4)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["graph"])
