"""Entity pages: every IRI under the base dereferences (issue 3)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["entities"])
