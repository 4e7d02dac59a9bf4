"""The InforMEA harvest feed under ``/informea/v1/`` (issue 6)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/informea/v1", tags=["informea"])
