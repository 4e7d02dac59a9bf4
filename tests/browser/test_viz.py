"""The browser graph view at ``/viz``: headless Debian Chromium (Playwright) against a live
``kg serve`` on loopback, every request outside 127.0.0.1 blocked and none attempted
(fixtures in ``conftest.py``).

Search an activity, pick it, click it to expand it, and read from the page state that its
GBF targets and headline indicators are drawn on the highlighted paths. A screenshot is saved
as ``tests/artifacts/viz-expanded.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ACTIVITY = "https://w3id.org/mea-kg/id/activity/iucn-ca-tsc-workplan-2025-2026-outcome-2-regional-workshops"
KMGBF = "http://metadata.cbd.int/kmgbf/"


def test_search_expand_draws_targets_and_indicators(
    live_server: str, browser_page: Any, page_errors: list[str], artifacts_dir: Path
) -> None:
    page = browser_page

    page.goto(f"{live_server}/viz")
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
    page.screenshot(path=str(artifacts_dir / "viz-expanded.png"))
    panel = page.inner_text("#details")
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
    assert page_errors == []
    # (no request left loopback: the browser_page fixture asserts it at teardown)


TEHRAN = "https://w3id.org/mea-kg/id/activity/tehran-pow-2009-2010-8"


def test_suggested_targets_are_drawn_dashed_only_when_asked(
    live_server: str, browser_page: Any, page_errors: list[str], artifacts_dir: Path
) -> None:
    """A Tehran activity names no target: expanded, it reaches no indicator; with "suggested
    targets" ticked, its suggested targets and their headline indicators are drawn with
    dashed edges marked as suggestions."""
    page = browser_page
    page.goto(f"{live_server}/viz")
    page.wait_for_function("window.kgViz && window.kgViz.busy === 0")

    def expand() -> list[dict[str, Any]]:
        page.click("#clear")
        page.evaluate(
            "(iri) => window.kgViz.add(iri).then(n => window.kgViz.expand(n.id()))", TEHRAN
        )
        page.wait_for_function(
            f"window.kgViz.busy === 0 && window.kgViz.state.expanded.has('{TEHRAN}')"
        )
        edges: list[dict[str, Any]] = page.evaluate(
            """() => window.kgViz.cy.edges().map(e => ({
                source: e.source().id(), target: e.target().id(),
                suggested: e.hasClass('suggested'), label: e.data('label'),
                dashed: e.style('line-style')}))"""
        )
        return edges

    assert not any(e["suggested"] for e in expand())
    page.check("#suggested")
    edges = expand()
    suggested = [e for e in edges if e["suggested"]]
    assert any(
        e["source"] == TEHRAN and e["target"].startswith(KMGBF + "target_") for e in suggested
    )
    assert any(e["target"].startswith(KMGBF + "indicator_") for e in suggested)
    assert all(e["dashed"] == "dashed" for e in suggested)
    assert any(e["label"].startswith("suggested (") for e in suggested)
    page.screenshot(path=str(artifacts_dir / "viz-suggested.png"))
    assert "(suggested, not asserted)" in page.inner_text("#details")
    assert page_errors == []
