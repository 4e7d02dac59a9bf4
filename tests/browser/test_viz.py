"""The browser graph view at ``/viz``: headless Debian Chromium (Playwright) against a live
``kg serve`` on loopback, every request outside 127.0.0.1 blocked and none attempted.

Search an activity, pick it, click it to expand it, and read from the page state that its
GBF targets and headline indicators are drawn on the highlighted paths. A screenshot is saved
as ``tests/artifacts/viz-expanded.png``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ACTIVITY = "https://w3id.org/mea-kg/id/activity/iucn-ca-tsc-workplan-2025-2026-outcome-2-regional-workshops"
KMGBF = "http://metadata.cbd.int/kmgbf/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def viz_server(built: Any) -> Iterator[str]:
    """``kg serve`` on the seed graph, on a free loopback port."""
    port = free_port()
    env = {
        **os.environ,
        "KG_STORE": str(built.settings.store),
        "KG_SNAPSHOT_DIR": str(built.settings.snapshot_dir),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"kg serve exited with {server.returncode}")
            try:
                if httpx.get(f"{base}/api/graph/info", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("kg serve did not answer within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def viz_browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_search_expand_draws_targets_and_indicators(viz_server: str, viz_browser: Any) -> None:
    attempted: list[str] = []
    errors: list[str] = []
    context = viz_browser.new_context(viewport={"width": 1400, "height": 900})

    def route(route: Any) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{viz_server}/viz")
        page.wait_for_function(
            "window.kgViz && window.kgViz.busy === 0"
            " && document.querySelectorAll('#convention option').length > 1"
        )
        page.fill("#search", "Regional workshops")
        page.press("#search", "Enter")
        page.click(f"#results button[data-iri='{ACTIVITY}']")
        page.wait_for_function("window.kgViz.busy === 0 && window.kgViz.cy.nodes().length === 1")
        # Click the node on the canvas, where it is drawn.
        x, y = page.evaluate(
            """(iri) => {
                const node = window.kgViz.cy.getElementById(iri);
                const box = document.getElementById('cy').getBoundingClientRect();
                const at = node.renderedPosition();
                return [box.left + at.x, box.top + at.y];
            }""",
            ACTIVITY,
        )
        page.mouse.click(x, y)
        page.wait_for_function(
            f"window.kgViz.busy === 0 && window.kgViz.state.expanded.has('{ACTIVITY}')"
        )
        drawn = page.evaluate(
            """() => window.kgViz.cy.nodes().filter(n => n.visible()).map(n => ({
                id: n.id(), kinds: n.data('kinds'), onPath: n.hasClass('on-path')}))"""
        )
        path_edges = page.evaluate(
            "() => window.kgViz.cy.edges('.on-path').map(e => e.data('predicate'))"
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "viz-expanded.png"))
        panel = page.inner_text("#details")
    finally:
        context.close()
    ids = {n["id"] for n in drawn}
    assert {KMGBF + "target_1", KMGBF + "target_2"} <= ids
    indicators = {n["id"] for n in drawn if "GBFIndicator" in n["kinds"] and n["onPath"]}
    assert indicators == {KMGBF + f"indicator_{c}" for c in ("1.1", "2.1", "A.1", "A.2")}
    assert {
        "mea:contributesToOutcome",
        "mea:contributesToTarget",
        "mea:hasHeadlineIndicator",
    } <= set(path_edges)
    assert "GBF headline indicators (4)" in panel
    assert errors == []
    assert attempted == [], f"requests outside loopback were attempted: {attempted}"
