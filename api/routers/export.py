"""Linked-data export of the graph under ``/export`` (issue 6)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/export", tags=["export"])
