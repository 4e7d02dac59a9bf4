"""The query editor and an entity page in headless Chromium, on a live server, offline.

Every request outside 127.0.0.1 is blocked and recorded (``tests/browser/conftest.py``); each
test asserts there was none.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.templates.filters import entity_href
from kg.publish.entity import describe, neighbourhood
from kg.query.catalogue import read_catalogue
from tests.support import PROJECT_ROOT

pytestmark = pytest.mark.browser

QUERIES = PROJECT_ROOT / "queries"
EXAMPLE = "01-headline-indicators-for-central-asia-centre"
CENTRE = "https://w3id.org/mea-kg/id/centre/iucn-ca-tsc"
TIMEOUT_MS = 20_000


def _expected_rows(name: str) -> list[list[str]]:
    text = (QUERIES / f"{name}.csv").read_text(encoding="utf-8")
    return [row for row in csv.reader(io.StringIO(text)) if row]


def test_editor_runs_a_catalogue_example_offline(
    live_server: str,
    browser_page: Any,
    blocked_requests: list[str],
    page_errors: list[str],
    artifacts_dir: Path,
) -> None:
    page = browser_page
    page.goto(f"{live_server}/")
    page.wait_for_selector("body[data-ready='true']", timeout=TIMEOUT_MS)

    # The whole catalogue is offered, in the manifest's order, with its questions.
    examples = read_catalogue(QUERIES)
    buttons = page.locator("#example-list button.example")
    buttons.first.wait_for(timeout=TIMEOUT_MS)
    assert buttons.count() == len(examples) == 24
    assert page.locator("#example-list .question").first.inner_text() == examples[0].question

    # No completer that asks the network is enabled (LOV "class"/"property"; prefix.cc).
    completers = page.evaluate("window.meaEditor.getTab().getYasqe().config.autocompleters")
    assert completers == ["variables", "kg-prefixes", "kg-classes", "kg-properties"]
    assert page.evaluate("window.meaEditor.getTab().getYasqe().config.prefixCcApi") is None
    assert page.evaluate("window.meaEditor.getTab().getEndpoint()") == f"{live_server}/sparql"

    # Load the example: it opens in its own tab with the catalogue's query text.
    page.locator(f"#example-list button[data-name='{EXAMPLE}']").click()
    page.wait_for_function(
        f"window.meaEditor.getTab().getName() === {EXAMPLE!r}", timeout=TIMEOUT_MS
    )
    query = (QUERIES / f"{EXAMPLE}.rq").read_text(encoding="utf-8")
    assert page.evaluate("window.meaEditor.getTab().getQuery()") == query

    # Run it with the editor's own button and read the result table from the DOM.
    page.locator(".yasqe_queryButton:visible").click()
    rows = page.locator(".yasr:visible table.dataTable tbody tr")
    rows.first.wait_for(timeout=TIMEOUT_MS)
    expected = _expected_rows(EXAMPLE)
    header = page.locator(".yasr:visible table.dataTable thead th").all_inner_texts()
    assert [h.strip() for h in header if h.strip()] == expected[0]
    assert rows.count() == len(expected) - 1 == 9
    codes = [rows.nth(i).locator("td").nth(1).inner_text().strip() for i in range(rows.count())]
    assert codes == [row[0] for row in expected[1:]]

    # The graph's own IRIs in results link to this server's entity pages.
    outcome_link = rows.first.locator("td").nth(4).locator("a").get_attribute("href")
    assert outcome_link is not None and outcome_link.startswith("/id/outcome/")

    page.screenshot(path=str(artifacts_dir / "editor.png"), full_page=True)
    assert blocked_requests == []
    assert page_errors == []


def test_entity_page_links_and_neighbourhood_render(
    built: Any,
    live_server: str,
    browser_page: Any,
    blocked_requests: list[str],
    page_errors: list[str],
    artifacts_dir: Path,
) -> None:
    page = browser_page
    response = page.goto(f"{live_server}/id/centre/iucn-ca-tsc")
    assert response is not None and response.status == 200
    assert page.locator("h1").inner_text() == "IUCN Central Asia CBD TSC Support Centre"

    # The neighbourhood picture is drawn, with one link per neighbour the server chose.
    entity = describe(built.store, CENTRE)
    assert entity is not None
    hood = neighbourhood(entity, inferred_graph="https://w3id.org/mea-kg/graph/inferred")
    svg = page.locator("svg.neighbourhood")
    box = svg.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 300
    svg_links = svg.locator("a")
    assert svg_links.count() == len(hood.outgoing) + len(hood.incoming) == 13
    assert svg.locator("text", has_text="+ 95 more").count() == 1

    # Every link on the page stays on this server and leads to a page that exists.
    hrefs = set(page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"))
    assert all(h.startswith("/") for h in hrefs), [h for h in hrefs if not h.startswith("/")]
    linked = {
        entity_href(node.value, built.settings.base_iri)
        for s in (*entity.outgoing, *entity.incoming)
        for node in (s.predicate, s.node)
        if node.is_iri
    }
    assert len(linked) > 140 and linked <= hrefs  # every IRI the page mentions is a link
    with httpx.Client(base_url=live_server, timeout=10) as client:
        broken = [h for h in sorted(hrefs) if client.get(h).status_code != 200]
    assert broken == []

    page.screenshot(path=str(artifacts_dir / "entity.png"))

    # Following a box of the picture opens that neighbour's page, which links back.
    first = svg_links.first
    target = first.get_attribute("href")
    first.click()
    page.wait_for_url(f"{live_server}{target}", timeout=TIMEOUT_MS)
    assert page.locator("h1").inner_text().strip() != ""
    back = page.locator("svg.neighbourhood a[href='/id/centre/iucn-ca-tsc']")
    assert back.count() == 1

    assert blocked_requests == []
    assert page_errors == []
