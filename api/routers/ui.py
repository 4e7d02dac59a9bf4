"""The query editor at ``/`` (YASGUI, served locally) (issue 3)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["ui"])
