"""The OpenAPI docs at ``/docs`` in headless Chromium with every request outside 127.0.0.1
blocked: FastAPI's page loaded Swagger UI from a CDN, so offline it was blank. It is served
from the npm copy (``/vendor/swagger-ui``) and must render the operations with nothing
fetched from elsewhere."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_the_api_docs_render_offline(
    live_server: str, browser_page: Any, blocked_requests: list[str], page_errors: list[str]
) -> None:
    page = browser_page
    page.goto(f"{live_server}/docs")
    page.locator(".opblock-summary-path", has_text="/sparql").first.wait_for(timeout=20_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/sources/{key}" in paths and "/validate" in paths
    assert blocked_requests == []
    assert page_errors == []
