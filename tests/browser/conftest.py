"""Shared fixtures of the browser tests: a live ``kg serve`` on loopback and a headless
Chromium page that cannot reach anything else.

Fixtures (use them from any ``tests/browser/test_*.py``; mark the module
``pytestmark = pytest.mark.browser``):

``live_server``
    Base URL (``http://127.0.0.1:<free port>``) of a ``kg serve`` subprocess on the seed graph
    (``KG_STORE`` of the session's ``built`` fixture). One per session.
``blocked_requests``
    The list of URLs the page tried to fetch outside ``127.0.0.1``, each aborted. Tests assert
    it is empty; the ``browser_page`` fixture also fails the test at teardown if it is not.
``page_errors``
    Uncaught JavaScript errors of the page (``pageerror`` events), as strings.
``browser_page``
    A Playwright ``Page`` (sync API) in a fresh context (empty storage), 1280x900, whose every
    request not to ``127.0.0.1`` is aborted and recorded in ``blocked_requests`` (also on the
    page as ``page.blocked``). Chromium is Debian's ``/usr/bin/chromium``; the tests skip when it
    or the ``playwright`` package is missing.

Nothing outside loopback is ever a network target: besides the request routing, Chromium runs
with its background networking off and a host resolver that resolves no name at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.support import live_server as run_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Belt and braces: no host name resolves, so even a request the routing missed goes nowhere.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
#: The only host a page may reach.
LOOPBACK = "127.0.0.1"
#: URL schemes that never touch the network.
LOCAL_SCHEMES = {"data", "blob", "about"}
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def live_server(built: Any) -> Iterator[str]:
    """A ``kg serve`` subprocess on the seed graph; yields its base URL."""
    env = {
        "KG_STORE": str(built.settings.store),
        "KG_SNAPSHOT_DIR": str(built.settings.snapshot_dir),
    }
    with run_server(env, startup=60) as base:
        yield base


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (one per test module: the sync API keeps
    an event loop of its own, which should not outlive the module that uses it)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def blocked_requests() -> list[str]:
    """URLs the page tried to reach outside loopback (each was aborted)."""
    return []


@pytest.fixture
def page_errors() -> list[str]:
    """Uncaught JavaScript errors of the page."""
    return []


def is_loopback(url: str) -> bool:
    """Whether ``url`` stays on this machine's loopback address (or needs no network).

    >>> is_loopback("http://127.0.0.1:8000/sparql"), is_loopback("https://prefix.cc/x")
    (True, False)
    """
    parsed = urlparse(url)
    return parsed.scheme in LOCAL_SCHEMES or parsed.hostname == LOOPBACK


@pytest.fixture
def browser_page(
    chromium: Any, blocked_requests: list[str], page_errors: list[str]
) -> Iterator[Any]:
    """A page whose requests outside loopback are aborted and recorded."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})

    def route(route: Any) -> None:
        url = route.request.url
        if is_loopback(url):
            route.continue_()
        else:
            blocked_requests.append(url)
            route.abort("blockedbyclient")

    # On the context, so pop-ups and new tabs are covered too.
    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.blocked = blocked_requests  # documented alias of the blocked_requests fixture
    try:
        yield page
    finally:
        context.close()
    assert blocked_requests == [], f"requests outside loopback were attempted: {blocked_requests}"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``tests/artifacts/`` (git-ignored), for screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
