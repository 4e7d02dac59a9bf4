"""``POST /sources/{key}/import`` on a live server: a workbook and its mapping name go through
the same path as a publish (report, diff, new version); rows that cannot be read are a 422
naming each row and column and nothing changes; an unreadable file, an unknown mapping or a
wrong media type is a 4xx, the graph served exactly as it was."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kg.ingest.workbooks import Sheet, write_workbook
from kg.serve.tokens import TokenFile
from tests.seed_tables import tehran_programme_of_work, write_xlsx
from tests.support import live_checksum, live_server, writable_project

KEY = "tehran-pow-2009-2010"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARAMS = {"mapping": "programme-of-work", "agreement": "tehran", "parties": "AZE,IRN,KAZ,RUS,TKM"}


@pytest.fixture(scope="module")
def server(built: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    root = Path(tmp_path_factory.mktemp("import-upload"))
    env = {
        **writable_project(root, built.settings.store, built.settings.snapshot_dir),
        "KG_MAX_UPLOAD_BYTES": str(1 << 20),
    }
    token = TokenFile(root / ".kg" / "tokens.json").add("tehran-secretariat")
    with live_server(env) as base:
        yield base, token


def upload(
    base: str, token: str, body: bytes, *, media: str = XLSX, **params: str
) -> httpx.Response:
    return httpx.post(
        f"{base}/sources/{KEY}/import",
        params={**PARAMS, "filename": "programme.xlsx", **params},
        content=body,
        headers={
            "content-type": media,
            "accept": "application/json",
            "authorization": f"Bearer {token}",
        },
        timeout=120,
    )


def test_a_workbook_is_imported_and_published_as_a_new_version(
    server: tuple[str, str], tmp_path: Path
) -> None:
    base, token = server
    body = write_xlsx(tehran_programme_of_work(), tmp_path / "pow.xlsx").read_bytes()
    dry = upload(base, token, body, dry_run="true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["import"]["rows_imported"] == 14
    version = httpx.get(f"{base}/ready").json()["version"]
    r = upload(base, token, body)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["import"]["errors"] == [] and answer["diff"]["counts"]["added_facts"] > 0
    assert httpx.get(f"{base}/ready").json()["version"] == version + 1
    ask = (
        "ASK { GRAPH ?g { ?a <https://w3id.org/mea-kg/ontology#sourceLocator> "
        "\"programme.xlsx, sheet 'Tehran programme of work', row 4\" } }"
    )
    found = httpx.get(
        f"{base}/sparql",
        params={"query": ask},
        headers={"accept": "application/sparql-results+json"},
    )
    assert found.json()["boolean"], found.text


def test_bad_rows_are_a_422_naming_row_and_column_and_nothing_changes(
    server: tuple[str, str], tmp_path: Path
) -> None:
    base, token = server
    header = ("No.", "Timeframe", "Description of activity", "Budget (USD)")
    path = tmp_path / "bad.xlsx"
    write_workbook(
        path,
        [
            Sheet(
                "Plan",
                header,
                (("1.", "2010", "Workshop", "lots"), ("2.", "2010", "Report", "5,000")),
            )
        ],
    )
    before = live_checksum(base)
    r = upload(base, token, path.read_bytes())
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "rows_not_read" and "nothing was published" in body["message"]
    (error,) = body["import_report"]["errors"]
    assert (error["row"], error["column"]) == (2, "Budget (USD)")
    assert error["locator"] == "programme.xlsx, sheet 'Plan', row 2, column Budget (USD)"
    assert live_checksum(base) == before
    skipped = upload(base, token, path.read_bytes(), dry_run="true", skip_bad_rows="true")
    assert skipped.status_code == 200 and skipped.json()["import"]["rows_imported"] == 1


@pytest.mark.parametrize(
    ("body", "media", "params", "status", "kind"),
    [
        (b"PK\x03\x04garbage", XLSX, {}, 400, "unreadable_table"),
        (b"a,b\n1,2\n", "text/csv", {}, 400, "unreadable_table"),
        (b"x", "application/pdf", {}, 415, "unsupported_media_type"),
        (b"x", XLSX, {"mapping": "../../etc/passwd.yaml"}, 400, "bad_mapping"),
        (b"", XLSX, {"agreement": "nosuch"}, 400, "bad_request"),
    ],
)
def test_hostile_uploads_are_4xx_and_change_nothing(
    server: tuple[str, str], body: bytes, media: str, params: dict[str, str], status: int, kind: str
) -> None:
    base, token = server
    before = live_checksum(base)
    r = upload(base, token, body, media=media, **params)
    assert r.status_code == status, r.text
    assert r.json()["error"] == kind and "Traceback" not in r.text
    assert "kg-import-" not in r.text  # no server path in the answer
    assert live_checksum(base) == before
    assert httpx.get(f"{base}/sparql", params={"query": "ASK {}"}).status_code == 200


def test_an_upload_needs_a_token(server: tuple[str, str]) -> None:
    base, _ = server
    r = httpx.post(
        f"{base}/sources/{KEY}/import", params=PARAMS, content=b"x", headers={"content-type": XLSX}
    )
    assert r.status_code == 401


def test_templates_are_served_for_every_shipped_mapping(server: tuple[str, str]) -> None:
    from openpyxl import load_workbook

    from kg.ingest.mapping import shipped_mappings

    base, _ = server
    for mapping in shipped_mappings():
        r = httpx.get(f"{base}/templates/{mapping.name}.xlsx", timeout=10)
        assert r.status_code == 200 and r.headers["content-type"] == XLSX
        header = [c.value for c in next(load_workbook(io.BytesIO(r.content)).worksheets[0].rows)]
        assert header == [c.headers[0] for c in mapping.columns]
    missing = httpx.get(f"{base}/templates/nope.xlsx", headers={"accept": "application/json"})
    assert missing.status_code == 404 and "programme-of-work" in missing.json()["message"]


def test_reading_an_upload_is_bounded_in_memory_and_time(tmp_path: Path) -> None:
    """The upload is read in a child bounded as a publish is: past the memory or the time
    allowed it is a PublishFailed (422 not_published), and the server process never parses
    the file itself."""
    from kg.ingest.importer import DocumentInfo
    from kg.serve.importing import import_bounded
    from kg.serve.publishing import PublishFailed
    from kg.settings import Settings

    body = write_xlsx(tehran_programme_of_work(), tmp_path / "pow.xlsx").read_bytes()
    document = DocumentInfo(key=KEY, title="t", file="pow.xlsx")
    done = import_bounded(Settings(), body, ["programme-of-work"], document, [])
    assert done.report["rows_imported"] == 14 and done.turtle.startswith(b"# Source")
    header = ("No.", "Timeframe", "Description of activity", "Budget (USD)")
    rows = tuple(
        (f"{n}.", "2010", f"Workshop {n} on regional cooperation", "5,000") for n in range(1, 3001)
    )
    big = tmp_path / "big.xlsx"
    write_workbook(big, [Sheet(name="Plan", header=header, rows=rows)])
    big_document = DocumentInfo(key=KEY, title="t", file="big.xlsx")
    with pytest.raises(PublishFailed, match="more memory than KG_PUBLISH_MEMORY_BYTES allows"):
        import_bounded(
            Settings(publish_memory_bytes=1 << 20),
            big.read_bytes(),
            ["programme-of-work"],
            big_document,
            [],
        )
    with pytest.raises(PublishFailed, match="longer than KG_PUBLISH_TIMEOUT"):
        import_bounded(Settings(publish_timeout=0.05), body, ["programme-of-work"], document, [])


def test_one_upload_is_read_at_a_time(tmp_path: Path) -> None:
    """Each reading may take up to KG_PUBLISH_MEMORY_BYTES: a second one waits its turn
    (503 with Retry-After at the route)."""
    from kg.ingest.importer import DocumentInfo
    from kg.serve import importing
    from kg.settings import Settings

    body = write_xlsx(tehran_programme_of_work(), tmp_path / "pow.xlsx").read_bytes()
    document = DocumentInfo(key=KEY, title="t", file="pow.xlsx")
    assert importing._READING.acquire(blocking=False)  # an upload being read
    try:
        with pytest.raises(importing.ImportBusy):
            importing.import_bounded(Settings(), body, ["programme-of-work"], document, [])
    finally:
        importing._READING.release()


def test_a_cell_longer_than_a_spreadsheet_cell_is_a_row_error(tmp_path: Path) -> None:
    from kg.ingest.importer import MAX_CELL_CHARS, DocumentInfo, import_file
    from kg.ingest.mapping import load_mapping
    from kg.ingest.names import Names

    path = tmp_path / "long.csv"
    path.write_text(
        "No.,Timeframe,Description of activity\n1.,2010,Workshop\n2.,2010,"
        + "x" * (MAX_CELL_CHARS + 1)
        + "\n"
    )
    document = DocumentInfo(key="long", title="t", file=path.name)
    done = import_file(path, [load_mapping("programme-of-work")], document, Names([]))
    (error,) = done.errors
    assert error.row == 3 and "more than a spreadsheet cell holds" in error.message
    assert done.rows_imported == 1
