"""The publish page (``/publish``) in headless Chromium, on a live server that may write: a
document with a violation is checked and refused, the fixed one is checked and published, and
a wrong token publishes nothing.

The server has a project of its own (:func:`tests.support.writable_project`) and one named
token, so its publishes change nothing another test reads, and the history names who
published. Every request outside 127.0.0.1 is blocked and recorded
(``tests/browser/conftest.py``); each test asserts there was none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kg.serve.tokens import TokenFile
from tests.support import PROJECT_ROOT, live_server, writable_project

pytestmark = pytest.mark.browser

KEY = "tehran-pow-2009-2010"
WRITER = "tehran-secretariat"
SEED = (PROJECT_ROOT / "data" / "sources" / f"{KEY}.ttl").read_bytes()
#: An activity that ends before it starts: a violation of the timeframe shape.
ENDS_TOO_EARLY = (
    b"\n<https://w3id.org/mea-kg/id/activity/tehran-pow-2009-2010-1> "
    b"<https://w3id.org/mea-kg/ontology#endDate> "
    b'"2001-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
)
#: A harmless new fact about the source's document.
NOTE = (
    b"\n<https://w3id.org/mea-kg/id/document/tehran-pow-2009-2010> "
    b'<http://www.w3.org/2004/02/skos/core#note> "checked in the browser test" .\n'
)
TIMEOUT_MS = 20_000
#: A publish reasons over the whole graph and switches the store: it may take longer.
PUBLISH_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def writable_server(
    built: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """A ``kg serve`` that may publish, on a copy of the seed build; yields its base URL and
    the token named :data:`WRITER`."""
    root = tmp_path_factory.mktemp("publish-page")
    env = writable_project(root, built.settings.store, built.settings.snapshot_dir)
    tokens = root / ".kg" / "tokens.json"
    token = TokenFile(tokens).add(WRITER)
    env["KG_TOKENS_FILE"] = str(tokens)
    with live_server(env, startup=60) as base:
        yield base, token


def _document(body: bytes) -> dict[str, Any]:
    """A file for ``set_input_files``, made in memory."""
    return {"name": f"{KEY}.ttl", "mimeType": "text/turtle", "buffer": body}


def _history(base: str) -> list[dict[str, str]]:
    response = httpx.get(f"{base}/sources/{KEY}/history", timeout=10)
    response.raise_for_status()
    history: list[dict[str, str]] = response.json()["history"]
    return history


def _open(page: Any, base: str, token: str) -> None:
    """Open the page and fill in the token and the key (which shows the key's history)."""
    page.goto(f"{base}/publish")
    page.wait_for_selector("body[data-ready='true']", timeout=TIMEOUT_MS)
    page.fill("#token", token)
    page.fill("#source-key", KEY)
    page.locator("#history-note").filter(has_text=re.compile(r"\S")).wait_for(timeout=TIMEOUT_MS)


def _check(page: Any, body: bytes) -> None:
    """Choose ``body`` as the document and press Check; wait for its answer."""
    page.set_input_files("#document", files=[_document(body)])
    assert page.locator("#publish").is_disabled()  # a new file needs a new check
    page.click("#check")
    page.wait_for_selector("#result[aria-busy='false'] .status:not(.working)", timeout=TIMEOUT_MS)


def test_check_refuses_a_violation_then_publishes_the_fixed_document(
    writable_server: tuple[str, str],
    browser_page: Any,
    blocked_requests: list[str],
    page_errors: list[str],
    artifacts_dir: Path,
) -> None:
    base, token = writable_server
    page = browser_page
    served_version = httpx.get(f"{base}/sources", timeout=10).json()["version"]
    _open(page, base, token)

    # The served sources are offered for the key; no handler is written inline in the page.
    offered = page.eval_on_selector_all("#source-keys option", "os => os.map(o => o.value)")
    assert KEY in offered
    inline = page.eval_on_selector_all(
        "*",
        "els => els.flatMap(e => [...e.attributes].map(a => a.name)).filter(n => /^on/.test(n))",
    )
    assert inline == []
    # Every field has its label; the result is announced to screen readers.
    unlabelled = page.eval_on_selector_all("input", "els => els.filter(e => !e.labels.length)")
    assert unlabelled == []
    assert page.get_attribute("#result", "aria-live") == "polite"

    # A document with a violation: the report says what to fix and where; no Publish.
    _check(page, SEED + ENDS_TOO_EARLY)
    assert "Nothing was published" in page.locator("#result .status").inner_text()
    violation = page.locator("#result .finding.violation", has_text="ends before it starts")
    assert violation.count() == 1
    assert violation.locator(".severity").inner_text() == "Violation"
    focus = violation.locator("dd code").first
    assert focus.inner_text() == f"id:activity/{KEY}-1"
    assert focus.get_attribute("title") == f"https://w3id.org/mea-kg/id/activity/{KEY}-1"
    # Where in the document the activity comes from: the table row to fix.
    assert "Programme of work table, row 1" in violation.inner_text()
    assert page.locator("#publish").is_disabled()

    # The fixed document passes and would add one fact; then it can be published.
    _check(page, SEED + NOTE)
    assert "can be published" in page.locator("#result .status").inner_text()
    counts = page.locator("#result .counts li[data-count='added_facts']")
    assert counts.inner_text() == "1 fact added"
    assert page.locator("#result .counts li[data-count='removed_facts']").inner_text() == (
        "0 facts removed"
    )
    fact = page.locator("#result .diff-list.added_facts li").inner_text()
    assert fact == f'id:document/{KEY} skos:note "checked in the browser test"'
    assert page.locator("#publish").is_enabled()

    page.click("#publish")
    version = served_version + 1
    page.locator("#result .status.ok", has_text=f"Published version {version}").wait_for(
        timeout=PUBLISH_TIMEOUT_MS
    )
    assert page.locator("#publish").is_disabled()  # publishing again needs a new check

    # The history shows the new version, by the token's name, as the API does.
    first_row = page.locator("#history-table tbody tr").first
    page.locator("#history-table tbody tr td", has_text=re.compile(f"^{version}$")).wait_for(
        timeout=TIMEOUT_MS
    )
    cells = first_row.locator("td").all_inner_texts()
    assert cells[0] == str(version) and cells[2] == WRITER
    history = _history(base)
    assert str(history[0]["version"]) == str(version)
    assert history[0]["published_by"] == WRITER
    assert page.locator("#history-table tbody tr").count() == len(history)

    # The token stayed in the tab: no cookie, nothing in localStorage.
    assert page.context.cookies() == []
    assert page.evaluate("localStorage.length") == 0

    page.screenshot(path=str(artifacts_dir / "publish.png"), full_page=True)
    assert blocked_requests == []
    assert page_errors == []


def test_a_wrong_token_is_explained_and_publishes_nothing(
    writable_server: tuple[str, str],
    browser_page: Any,
    blocked_requests: list[str],
    page_errors: list[str],
) -> None:
    base, _token = writable_server
    page = browser_page
    before = _history(base)
    _open(page, base, "not-the-token")

    _check(page, SEED + NOTE)
    status = page.locator("#result .status.problem")
    assert "The write token is wrong" in status.inner_text()
    assert page.locator("#publish").is_disabled()
    assert _history(base) == before

    assert blocked_requests == []
    assert page_errors == []


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _table(path: Path, rows: tuple[tuple[str, ...], ...] | None = None) -> bytes:
    """The Tehran programme of work as a workbook, generated from the seed (or ``rows`` under
    its header)."""
    from kg.ingest.workbooks import Sheet, write_workbook
    from tests.seed_tables import tehran_programme_of_work, write_xlsx

    table = tehran_programme_of_work()
    if rows is None:
        return write_xlsx(table, path).read_bytes()
    write_workbook(path, [Sheet(name="Programme", header=table.header, rows=rows)])
    return path.read_bytes()


def test_a_table_is_checked_row_by_row_then_published(
    writable_server: tuple[str, str],
    browser_page: Any,
    blocked_requests: list[str],
    page_errors: list[str],
    artifacts_dir: Path,
    tmp_path: Path,
) -> None:
    """A secretariat officer's workbook: the table's fields appear for a table, a cell that
    cannot be read is named with its row and column, and the corrected table is published."""
    base, token = writable_server
    page = browser_page
    _open(page, base, token)
    assert page.locator("#table-fields").is_hidden()  # only for tables

    bad = _table(
        tmp_path / "bad.xlsx",
        (("1.", "2010", "Liaison officers", "", "Interim Secretariat", "to be confirmed"),),
    )
    page.set_input_files(
        "#document", files=[{"name": "programme.xlsx", "mimeType": XLSX, "buffer": bad}]
    )
    assert page.locator("#table-fields").is_visible()
    offered = page.eval_on_selector_all("#mapping option", "os => os.map(o => o.value)")
    assert "programme-of-work" in offered and "party-status" in offered
    page.select_option("#mapping", "programme-of-work")
    template = page.get_attribute("#template-link", "href")
    assert template == "/templates/programme-of-work.xlsx"
    download = httpx.get(f"{base}{template}", timeout=10)
    assert download.status_code == 200 and download.content.startswith(b"PK")
    page.fill("#agreement", "tehran")
    page.fill("#parties", "AZE,IRN,KAZ,RUS,TKM")
    page.click("#check")
    page.wait_for_selector("#result[aria-busy='false'] .status:not(.working)", timeout=TIMEOUT_MS)
    assert "Nothing was published" in page.locator("#result .status").inner_text()
    error = page.locator("#result .row-errors li").inner_text()
    assert error.startswith(
        "programme.xlsx, sheet 'Programme', row 2, column Budget (USD) (indicative): "
        "'to be confirmed' is not an amount"
    )
    assert page.locator("#publish").is_disabled()

    good = _table(tmp_path / "good.xlsx")
    page.set_input_files(
        "#document", files=[{"name": "programme.xlsx", "mimeType": XLSX, "buffer": good}]
    )
    page.click("#check")
    page.wait_for_selector("#result[aria-busy='false'] .status:not(.working)", timeout=TIMEOUT_MS)
    assert "can be published" in page.locator("#result .status").inner_text()
    assert "14 rows of the table read, 14 imported." in page.locator("#result").inner_text()
    version = httpx.get(f"{base}/sources", timeout=10).json()["version"] + 1
    page.click("#publish")
    page.locator("#result .status.ok", has_text=f"Published version {version}").wait_for(
        timeout=PUBLISH_TIMEOUT_MS
    )
    located = httpx.get(
        f"{base}/sparql",
        params={
            "query": "ASK { ?a <https://w3id.org/mea-kg/ontology#sourceLocator> "
            "\"programme.xlsx, sheet 'Tehran programme of work', row 2\" }"
        },
        headers={"accept": "application/sparql-results+json"},
        timeout=10,
    ).json()
    assert located["boolean"]
    page.screenshot(path=str(artifacts_dir / "publish-table.png"), full_page=True)
    assert blocked_requests == []
    assert page_errors == []
