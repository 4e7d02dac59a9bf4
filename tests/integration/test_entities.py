"""Entity pages (``/id/{kind}/{key}``, ``/entity?iri=``) and the editor's example catalogue
(``/``, ``/api/examples``), in-process on the seed graph."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import RDFS, Graph, Literal, Namespace, URIRef

from api.app import VENDOR_DIRS, create_app
from kg.rdf.namespaces import PREFIXES
from kg.settings import Settings

ID = "https://w3id.org/mea-kg/id/"
MEA = Namespace(PREFIXES["mea"])
KMGBF = Namespace(PREFIXES["kmgbf"])
ACTIVITY_7 = URIRef(ID + "activity/tehran-pow-2009-2010-7")
POW = URIRef(ID + "workplan/tehran-pow-2009-2010")
CENTRE = URIRef(ID + "centre/iucn-ca-tsc")
UZB = URIRef(ID + "party/UZB")
TARGET_3 = "http://metadata.cbd.int/kmgbf/target_3"


@pytest.fixture(scope="module")
def client(built: Any) -> Iterator[TestClient]:
    with TestClient(create_app(built.settings)) as c:
        yield c


def _section(page: str, section_id: str) -> str:
    """The HTML of ``<section id=…>`` (sections do not nest on these pages)."""
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', page, re.S)
    assert match, f"no section {section_id!r}"
    return match.group(1)


def _graph(text: str, fmt: str) -> Graph:
    return Graph().parse(data=text, format=fmt)


def _entity_triples(built: Any, iri: str) -> set[tuple[str, str, str]]:
    """The entity's distinct triples (outgoing and incoming) over all named graphs."""
    node = ox.NamedNode(iri)
    quads = [*built.store.quads_for_pattern(node, None, None)]
    quads += built.store.quads_for_pattern(None, None, node)
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in quads}


# --- HTML -------------------------------------------------------------------------------------


def test_activity_page_shows_labels_types_and_provenance(client: TestClient) -> None:
    r = client.get("/id/activity/tehran-pow-2009-2010-7", headers={"accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "Accept" in [v.strip() for v in r.headers["vary"].split(",")]
    page = r.text
    assert "<h1>Regional M&amp;E framework</h1>" in page
    assert ">Activity</a>" in page and ">prov:Activity</a>" in page  # asserted and inferred
    prov = _section(page, "provenance")
    assert 'href="/id/document/tehran-pow-2009-2010"' in prov
    assert "Tehran Convention programme of work of the interim secretariat 2009–2010" in prov
    assert "Programme of work table, row 7" in prov
    assert "000_8ba64710ad993ac9.txt" in prov  # the seed file
    # The named graphs its own triples come from, with counts (19 from the document, 3 inferred).
    assert re.search(r">tehran-pow-2009-2010</code> <span class=\"count\">19 triples", prov)
    assert re.search(r">inferred</code> <span class=\"count\">3 triples", prov)
    outgoing = _section(page, "outgoing")
    assert 'class="count">22</span>' in page  # 22 outgoing statements
    assert ">implemented by</a>" in outgoing and 'href="/id/party/AZE"' in outgoing
    assert "June 2009 – October 2010" in outgoing
    assert ">inferred</span>" in outgoing  # partOfWorkplan, materialised by the reasoner


def test_party_page_lists_the_centre_that_serves_it(client: TestClient) -> None:
    page = client.get("/id/party/UZB").text
    assert "<h1>Uzbekistan</h1>" in page
    incoming = _section(page, "incoming")
    row = re.search(
        r'<tr><td><a href="/id/centre/iucn-ca-tsc"[^>]*>IUCN Central Asia CBD TSC Support '
        r'Centre</a></td><th scope="row"><a href="[^"]*ontology%23serves"[^>]*>serves</a>',
        incoming,
    )
    assert row, "the centre serving Uzbekistan is not listed under 'Referenced by'"
    assert 'class="count">17</span></h2>' in incoming  # 17 incoming links in the seed graph


def test_neighbourhood_picture_is_inline_svg_with_entity_links(client: TestClient) -> None:
    page = client.get("/id/party/UZB").text
    svg = _section(page, "neighbourhood")
    assert svg.startswith('<h2>Neighbourhood</h2><svg xmlns="http://www.w3.org/2000/svg"')
    links = re.findall(r'<a href="([^"]+)" class="nb-link">', svg)
    # 14 resources point at it (12 drawn, 2 left out); it points at 2 (its agreement and
    # committee). The centre's arrow names both its links.
    assert len(links) == 14
    assert "/id/centre/iucn-ca-tsc" in links and "/id/agreement/cbd" in links
    assert "+ 2 more" in svg
    assert ">country, serves</text>" in svg
    assert all(link.startswith("/") for link in links)


def test_every_link_on_a_page_is_local(client: TestClient) -> None:
    page = client.get("/id/centre/iucn-ca-tsc").text
    hrefs = set(re.findall(r'href="([^"]+)"', page))
    assert len(hrefs) > 140
    assert all(h.startswith("/") for h in hrefs), [h for h in hrefs if not h.startswith("/")]
    assert "/entity?iri=http%3A%2F%2Fmetadata.cbd.int%2Fkmgbf%2Ftarget_3" in hrefs


def test_gbf_concept_page(client: TestClient) -> None:
    r = client.get("/entity", params={"iri": TARGET_3})
    assert r.status_code == 200
    assert "<h1>Target 3: Conserve 30% of Land, Waters and Seas</h1>" in r.text
    assert 'href="/entity?iri=http%3A%2F%2Fmetadata.cbd.int%2Fkmgbf%2Findicator_3.1"' in r.text
    assert 'href="/id/decision/CBD-15-4"' in r.text
    # Its format links keep the iri parameter.
    assert "/entity?iri=http%3A%2F%2Fmetadata.cbd.int%2Fkmgbf%2Ftarget_3&amp;format=ttl" in r.text


def test_long_incoming_lists_are_capped(client: TestClient, built: Any) -> None:
    iri = ID + "document/brs-tap-2022-2025"
    incoming = _section(client.get("/id/document/brs-tap-2022-2025").text, "incoming")
    node = ox.NamedNode(iri)
    links = {(q.subject, q.predicate) for q in built.store.quads_for_pattern(None, None, node)}
    assert f'class="count">{len(links)}</span>' in incoming
    assert len(links) > 300 and incoming.count("<tr><td>") == 200
    assert f"… and {len(links) - 200} more" in incoming


def test_ontology_property_page(client: TestClient) -> None:
    page = client.get("/entity", params={"iri": PREFIXES["mea"] + "serves"}).text
    assert "<h1>serves</h1>" in page
    assert "Used as the property of 9 triples." in page  # the centre serves 9 Parties


# --- RDF by content negotiation -----------------------------------------------------------------


def test_turtle_holds_the_entity_triples(client: TestClient, built: Any) -> None:
    r = client.get("/id/activity/tehran-pow-2009-2010-7", headers={"accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    g = _graph(r.text, "turtle")
    assert (ACTIVITY_7, RDFS.label, Literal("Regional M&E framework", lang="en")) in g
    assert (ACTIVITY_7, MEA.sourceLocator, Literal("Programme of work table, row 7")) in g
    assert (POW, MEA.hasActivity, ACTIVITY_7) in g  # incoming
    assert (ACTIVITY_7, MEA.partOfWorkplan, POW) in g  # inferred
    assert len(g) == 23 == len(_entity_triples(built, str(ACTIVITY_7)))


def test_jsonld_parses_to_the_same_graph(client: TestClient) -> None:
    r = client.get("/id/activity/tehran-pow-2009-2010-7", headers={"accept": "application/ld+json"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/ld+json")
    doc = r.json()
    assert doc["@context"]["mea"] == PREFIXES["mea"]  # inline context: nothing to fetch
    jsonld = _graph(r.text, "json-ld")
    turtle = _graph(client.get("/id/activity/tehran-pow-2009-2010-7?format=ttl").text, "turtle")
    assert len(jsonld) == 23 and jsonld.isomorphic(turtle)


def test_ntriples_and_gbf_concept_as_turtle(client: TestClient, built: Any) -> None:
    r = client.get("/entity", params={"iri": TARGET_3, "format": "nt"})
    assert r.headers["content-type"].startswith("application/n-triples")
    g = _graph(r.text, "nt")
    target = URIRef(TARGET_3)
    assert (target, MEA.hasHeadlineIndicator, KMGBF["indicator_3.1"]) in g
    assert len(g) == len(_entity_triples(built, TARGET_3)) == 52


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("text/html;q=0.5, text/turtle;q=0.9", "text/turtle"),
        ("application/ld+json;q=0.8, text/turtle;q=0.2", "application/ld+json"),
        ("text/turtle;q=0, */*;q=0.1", "text/html"),
        ("text/*;q=0.3, application/ld+json;q=0.4", "application/ld+json"),
        ("application/json", "application/ld+json"),
        ("*/*", "text/html"),
        ("", "text/html"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8",
            "text/html",
        ),
    ],
)
def test_accept_with_q_values(client: TestClient, accept: str, media: str) -> None:
    r = client.get("/id/party/UZB", headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media


def test_format_parameter_overrides_accept(client: TestClient) -> None:
    r = client.get("/id/party/UZB?format=ttl", headers={"accept": "text/html"})
    assert r.headers["content-type"].startswith("text/turtle")
    assert (UZB, MEA.servedBy, CENTRE) in _graph(r.text, "turtle")
    r = client.get("/id/party/UZB?format=html", headers={"accept": "text/turtle"})
    assert r.headers["content-type"].startswith("text/html")
    assert 'rel="alternate"; type="text/turtle"' in r.headers["link"]


def test_unknown_format_is_400_and_unacceptable_accept_is_406(client: TestClient) -> None:
    r = client.get("/id/party/UZB?format=xml", headers={"accept": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "bad_format"
    r = client.get("/id/party/UZB", headers={"accept": "image/png"})
    assert r.status_code == 406 and r.json()["error"] == "not_acceptable"


# --- 404s -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/id/party/XXX",
        "/id/nonsense/thing",
        f"/entity?iri={TARGET_3}99",
        "/entity?iri=not-an-iri",
        "/id/party/%3Cscript%3E",
    ],
)
def test_unknown_iris_are_404_as_html_or_json(client: TestClient, url: str) -> None:
    html = client.get(url, headers={"accept": "text/html"})
    assert html.status_code == 404
    assert html.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in html.text
    as_json = client.get(url, headers={"accept": "application/json"})
    assert as_json.status_code == 404
    assert as_json.json()["error"] == "not_found"
    for r in (html, as_json):
        assert "Traceback" not in r.text and "/work" not in r.text
    assert "<script>" not in html.text
    turtle = client.get(url, headers={"accept": "text/turtle"})
    assert turtle.status_code == 404 and turtle.json()["error"] == "not_found"


# --- XSS: every value is escaped ----------------------------------------------------------------

EVIL = '<script>alert("x")</script>'
EVIL_ATTR = '"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def evil_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app on a tiny store whose labels and values carry markup."""
    root = tmp_path_factory.mktemp("evil")
    store = ox.Store(str(root / "store"))
    g = ox.NamedNode(ID.replace("/id/", "/graph/") + "evil")
    thing = ox.NamedNode(ID + "activity/evil-1")
    other = ox.NamedNode(ID + "org/evil-org")
    doc = ox.NamedNode(ID + "document/evil-doc")
    label = ox.NamedNode(PREFIXES["rdfs"] + "label")
    for quad in (
        ox.Quad(thing, label, ox.Literal(EVIL, language="en"), g),
        ox.Quad(thing, ox.NamedNode(PREFIXES["dcterms"] + "description"), ox.Literal(EVIL_ATTR), g),
        ox.Quad(thing, ox.NamedNode(str(MEA.fromDocument)), doc, g),
        ox.Quad(thing, ox.NamedNode(str(MEA.sourceLocator)), ox.Literal(f"row {EVIL}"), g),
        ox.Quad(doc, label, ox.Literal(f"doc {EVIL}"), g),
        ox.Quad(other, label, ox.Literal(f"org {EVIL_ATTR}"), g),
        ox.Quad(other, ox.NamedNode(str(MEA.partner)), thing, g),
    ):
        store.add(quad)
    store.flush()
    del store  # release the lock: the app opens it read-only
    settings = Settings(store=root / "store", snapshot_dir=root / "snapshot")
    with TestClient(create_app(settings)) as c:
        yield c


def test_html_escapes_labels_values_provenance_and_svg(evil_client: TestClient) -> None:
    r = evil_client.get("/id/activity/evil-1", headers={"accept": "text/html"})
    assert r.status_code == 200
    page = r.text
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    for section in ("provenance", "neighbourhood", "outgoing"):
        assert "&lt;script&gt;" in _section(page, section)
    assert "org &quot;&gt;&lt;img src=x" in _section(page, "incoming")
    assert "<title>&lt;script&gt;" in page


def test_error_pages_escape_the_iri(evil_client: TestClient) -> None:
    r = evil_client.get("/entity", params={"iri": f"http://example.org/{EVIL}"})
    assert r.status_code == 404
    assert "<script>" not in r.text and "&lt;script&gt;" in r.text
    r = evil_client.get("/id/activity/evil-1", params={"format": EVIL})
    assert r.status_code == 400
    assert "<script>" not in r.text.split("</header>")[1]


# --- The editor and its examples ----------------------------------------------------------------


def test_examples_are_the_query_catalogue(client: TestClient, built: Any) -> None:
    r = client.get("/api/examples")
    assert r.status_code == 200
    examples = r.json()
    manifest = Graph().parse(built.settings.queries_dir / "manifest.ttl")
    comments = {str(s).rsplit("#", 1)[1]: str(o) for s, o in manifest.subject_objects(RDFS.comment)}
    assert len(examples) == 24 == len(list(built.settings.queries_dir.glob("*.rq")))
    assert [e["name"] for e in examples] == sorted(e["name"] for e in examples)  # manifest order
    for example in examples:
        assert example["question"] == comments[example["name"]]
        rq = Path(built.settings.queries_dir / f"{example['name']}.rq")
        assert example["query"] == rq.read_text(encoding="utf-8")
    assert examples[0]["name"] == "01-headline-indicators-for-central-asia-centre"


def test_editor_page_is_configured_for_this_server_only(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    config = json.loads(re.search(r'<script id="kg-config"[^>]*>(.*?)</script>', page).group(1))  # type: ignore[union-attr]
    assert config["endpoint"] == "/sparql" and config["examples"] == "/api/examples"
    assert config["prefixes"] == PREFIXES
    # Scripts and styles come from this server: YASGUI from npm under /vendor/yasgui.
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "/vendor/yasgui/yasgui.min.js" in assets and "/vendor/yasgui/yasgui.min.css" in assets
    assert all(a.startswith("/") for a in assets), assets


def test_editor_script_turns_off_network_features(client: TestClient) -> None:
    script = client.get("/static/editor/editor.js").text
    assert "prefixCcApi: null" in script and "corsProxy: undefined" in script
    assert '"variables", "kg-prefixes", "kg-classes", "kg-properties"' in script
    for host in ("dbpedia.org", "wikidata.org", "prefix.cc", "lov.linkeddata.es", "cdn"):
        assert host not in script.lower()


@pytest.mark.skipif(
    not (Settings().ui_modules_dir / VENDOR_DIRS["/vendor/yasgui"]).is_dir(),
    reason="ui/node_modules not installed (make setup)",
)
def test_yasgui_is_served_locally(client: TestClient) -> None:
    for asset in ("yasgui.min.js", "yasgui.min.css"):
        r = client.get(f"/vendor/yasgui/{asset}")
        assert r.status_code == 200 and len(r.content) > 10_000


def test_openapi_documents_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/", "/api/examples", "/id/{kind}/{key}", "/entity"):
        assert paths[path]["get"]["summary"], path
    responses = paths["/id/{kind}/{key}"]["get"]["responses"]
    assert {"200", "400", "404", "406"} <= set(responses)
    assert "text/turtle" in responses["200"]["content"]


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    path = "/id/activity/tehran-pow-2009-2010-7"
    for accept in ("text/html", "text/turtle"):
        head = client.head(path, headers={"accept": accept})
        get = client.get(path, headers={"accept": accept})
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
    assert client.head("/id/activity/no-such-activity").status_code == 404
    assert client.head("/entity", params={"iri": TARGET_3}).status_code == 200
