"""The InforMEA feed as a harvester meets it: paging every entity set, validating every record
against the JSON Schema of its set, incremental re-harvests, and the export report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

import kg.publish.informea.odata as odata
from api.app import create_app
from kg.build.pipeline import build
from kg.build.snapshot import Manifest
from kg.publish.informea.entity_sets import ENTITY_SETS, record_key
from kg.publish.informea.feed import compute_feed
from kg.publish.informea.ledger import LEDGER_FILE, stamp
from kg.publish.informea.schema import load_schema
from kg.settings import SNAPSHOT_MANIFEST, Settings

#: Records per entity set of the seed graph (Tehran id unset).
SEED_COUNTS = {"Treaties": 9, "Decisions": 17, "Meetings": 12, "CountryProfiles": 0, "Documents": 3}


def validator(entity_set: str) -> Draft202012Validator:
    schema = load_schema(entity_set)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def harvest(
    client: TestClient, entity_set: str, page: int = 4, params: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Page through ``entity_set`` with $top/$skip like InforMEA's harvester."""
    records: list[dict[str, Any]] = []
    skip = 0
    while True:
        r = client.get(
            f"/informea/v1/{entity_set}",
            params={"$top": str(page), "$skip": str(skip), "$count": "true", **(params or {})},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["@odata.context"].endswith(f"/informea/v1/$metadata#{entity_set}")
        records += body["value"]
        skip += page
        if skip >= body["@odata.count"]:
            assert len(records) == body["@odata.count"]
            return records


@pytest.fixture(scope="module")
def feed_settings(built: Any, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The session build's store, with a snapshot directory of its own for the ledger."""
    snap = tmp_path_factory.mktemp("informea-snap")
    shutil.copy(built.settings.snapshot_manifest, snap / SNAPSHOT_MANIFEST)
    return Settings(store=built.settings.store, snapshot_dir=snap, informea_tehran_id=None)


@pytest.fixture(scope="module")
def client(feed_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(feed_settings)) as c:
        yield c


def test_harvester_pages_every_entity_set_and_every_record_validates(client: TestClient) -> None:
    service = client.get("/informea/v1/").json()
    names = [entry["url"] for entry in service["value"]]
    assert names == list(ENTITY_SETS)
    for name in names:
        records = harvest(client, name)
        assert len(records) == SEED_COUNTS[name], name
        keys = [record_key(name, r) for r in records]
        assert len(set(keys)) == len(keys), f"{name}: pages overlap"
        check = validator(name)
        for record in records:
            errors = [e.message for e in check.iter_errors(record)]
            assert not errors, f"{name} {record.get('id')}: {errors}"
            assert record["updated"].endswith("Z")


def test_decisions_of_the_five_documents_have_treaty_and_number(client: TestClient) -> None:
    decisions = {d["number"]: d for d in harvest(client, "Decisions", page=5)}
    expected = {
        "BC-14/18": "basel",
        "RC-9/8": "rotterdam",
        "SC-9/14": "stockholm",
        "SC-5/27": "stockholm",
        "RC-5/12": "rotterdam",
        "BC-10/29": "basel",
        "15/8": "cbd",
        "16/3": "cbd",
    }
    for number, treaty in expected.items():
        assert decisions[number]["treaty"] == treaty, number
        assert decisions[number]["type"] == "decision"
        assert decisions[number]["status"] == "adopted"
    bc = decisions["BC-14/18"]
    assert bc["id"] == "BC-14-18" and bc["meetingId"] == "BC-COP14"
    assert bc["published"] == "2019-04-29"  # the meeting's start date
    assert decisions["15/8"]["meetingId"] == "CBD-COP15"
    assert decisions["16/3"]["published"] == "2024-10-21"


def test_meetings_treaties_documents_in_informea_shape(client: TestClient) -> None:
    meetings = {m["id"]: m for m in harvest(client, "Meetings")}
    assert meetings["CITES-COP20"]["city"] == "Samarkand"
    assert meetings["CITES-COP20"]["country"] == "UZB"
    assert meetings["BC-COP15"]["city"] == "Geneva"  # "online; Geneva"
    assert meetings["BC-COP14"]["type"] == "COP"
    treaties = {t["id"]: t for t in harvest(client, "Treaties")}
    assert sorted(treaties) == [
        "basel", "cartagena", "cbd", "cites", "minamataunep", "nagoya", "rotterdam",
        "stockholm", "unccd",
    ]  # fmt: skip
    assert treaties["cbd"]["titles"] == [
        {"language": "en", "value": "Convention on Biological Diversity"}
    ]
    documents = {d["id"]: d for d in harvest(client, "Documents")}
    tap = documents["brs-tap-2022-2025"]
    assert tap["treaties"] == ["basel", "rotterdam", "stockholm"]
    assert {"name": "symbol", "value": "UNEP/CHW.15/INF/29"} in tap["identifiers"]
    assert documents["iucn-ca-tsc-workplan-2025-2026"]["country"] == "UZB"
    synergies = documents["brs-synergies-status-2012"]
    assert "published" not in synergies  # the graph gives only the year 2012
    assert synergies["keywords"] == [
        {
            "termURI": "http://www.informea.org/terms/reporting",
            "scope": "leo",
            "literalForm": "reporting",
        }
    ]


def test_records_that_break_the_rules_are_reported_not_sent(client: TestClient) -> None:
    report = client.get("/informea/v1/report").json()
    excluded = {(e["entitySet"], e["id"]): e["reason"] for e in report["excluded"]}
    assert len(excluded) == 33
    assert "no InforMEA treaty id" in excluded[("Treaties", "tehran")]
    assert "KG_INFORMEA_TEHRAN_ID" in excluded[("Treaties", "tehran")]
    assert "no InforMEA treaty id" in excluded[("Meetings", "TC-COP3")]
    assert "2 countries (COL, ITA)" in excluded[("Meetings", "CBD-COP16")]
    assert "no start date" in excluded[("Meetings", "tsc-coordination-16")]
    assert "entry-into-force" in excluded[("CountryProfiles", "cbd-UZB")]
    assert "no English title" in excluded[("Documents", "unep-chw-15-16")]
    assert "tehran" in excluded[("Documents", "tehran-pow-2009-2010")]
    assert report["counts"]["Treaties"] == {"records": 9, "excluded": 5}
    assert set(report["notOffered"]) == {"Contacts", "NationalPlans", "CountryReports"}
    notes = {(n["id"], n["message"]) for n in report["notes"]}
    assert any(i == "CBD-16-3" and "meetingTitle" in m for i, m in notes)
    # nothing invented: no record names a treaty InforMEA does not know
    for name in ("Decisions", "Meetings", "Treaties"):
        for record in harvest(client, name, page=50):
            assert record.get("treaty", record.get("id")) != "tehran"


def test_odata_options(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    get = client.get
    ordered = get("/informea/v1/Decisions", params={"$orderby": "number desc", "$top": "2"})
    assert [d["number"] for d in ordered.json()["value"]] == ["SC-9/14", "SC-5/9"]
    one = get("/informea/v1/Decisions('CBD-15-8')").json()
    assert one["number"] == "15/8" and one["@odata.context"].endswith("#Decisions/$entity")
    assert get("/informea/v1/Decisions('nope')").status_code == 404
    expanded = get("/informea/v1/Decisions('BC-14-18')").json()
    assert "meeting" not in expanded
    page = get("/informea/v1/Decisions", params={"$expand": "meeting,files", "$top": "1"}).json()
    assert page["value"][0]["meeting"]["id"] == "BC-COP10"
    v2 = get(
        "/informea/v1/Meetings",
        params={"$filter": "updated gt datetime'2000-01-01T00:00:00'", "$inlinecount": "allpages"},
    ).json()
    assert v2["@odata.count"] == 12
    assert (
        get("/informea/v1/Meetings", params={"$filter": "updated gt 2999-01-01"}).json()["value"]
        == []
    )
    for bad in (
        {"$filter": "treaty eq 'basel'"},
        {"$filter": "updated gt yesterday"},
        {"$top": "-1"},
        {"$orderby": "title"},
        {"$expand": "treaty"},
        {"$select": "id"},
        {"$count": "maybe"},
    ):
        r = get("/informea/v1/Decisions", params=bad)
        assert r.status_code == 400, bad
        assert r.json()["error"]["code"] == "BadRequest"
        assert "Traceback" not in r.text and "/work" not in r.text and "/tmp" not in r.text
    assert get("/informea/v1/Decisions", params={"$format": "xml"}).status_code == 406
    missing = get("/informea/v1/Contacts")
    assert (
        missing.status_code == 404 and "national focal points" in missing.json()["error"]["message"]
    )
    assert get("/informea/v1/Nothing").status_code == 404
    # server-driven paging: without $top, at most MAX_PAGE records and a nextLink
    in_key_order = harvest(client, "Decisions", page=17)
    monkeypatch.setattr(odata, "MAX_PAGE", 5)
    first = get("/informea/v1/Decisions").json()
    assert len(first["value"]) == 5 and "$skip=5" in first["@odata.nextLink"]
    second = get(first["@odata.nextLink"]).json()
    assert second["value"][0]["id"] == in_key_order[5]["id"]
    metadata = get("/informea/v1/$metadata")
    assert metadata.status_code == 200 and '<EntitySet Name="Decisions"' in metadata.text


def test_schemas_reject_what_the_harvester_rejects() -> None:
    decision = {
        "id": "X-1",
        "title": [{"language": "fr", "value": "Décision"}],
        "type": "decision",
        "status": "adopted",
        "number": "X/1",
        "treaty": "basel",
        "published": "2020-01-01",
        "meetingId": "M",
    }
    assert not validator("Decisions").is_valid(decision)  # no English title
    decision["title"] = [{"language": "en", "value": "Decision"}]
    assert validator("Decisions").is_valid(decision)
    assert not validator("Decisions").is_valid({**decision, "treaty": "tehran"})
    assert not validator("Decisions").is_valid({**decision, "status": "in force"})
    meeting = {
        "id": "M",
        "treaty": "cbd",
        "title": [{"language": "en", "value": "M"}],
        "city": "Cali",
        "country": "COL",
    }
    assert not validator("Meetings").is_valid(meeting)  # no start
    assert validator("Meetings").is_valid({**meeting, "status": "nodate"})
    assert not validator("Meetings").is_valid({**meeting, "start": "2024-10-21", "country": "co"})


def test_tehran_id_setting_and_config_changes_get_the_current_time(
    built: Any,
    tmp_path: Path,
) -> None:
    shutil.copy(built.settings.snapshot_manifest, tmp_path / SNAPSHOT_MANIFEST)
    settings = Settings(store=built.settings.store, snapshot_dir=tmp_path, informea_tehran_id=None)
    built_at = Manifest.read(tmp_path).built_at
    before = compute_feed(built.store, settings)
    assert {t["updated"] for t in before.records("Treaties")} == {built_at}
    now = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    with_id = settings.model_copy(update={"informea_tehran_id": "tehran"})
    after = compute_feed(built.store, with_id, now=now)
    treaties = {t["id"]: t for t in after.records("Treaties")}
    assert treaties["tehran"]["updated"] == "2031-05-06T07:08:09Z"  # new, same snapshot
    assert treaties["basel"]["updated"] == built_at  # unchanged records keep their time
    meetings = {m["id"]: m for m in after.records("Meetings")}
    assert (meetings["TC-COP3"]["city"], meetings["TC-COP3"]["country"]) == ("Aktau", "KAZ")
    documents = {d["id"]: d for d in after.records("Documents")}
    assert documents["tehran-pow-2009-2010"]["treaties"] == ["tehran"]
    excluded = {(e["entitySet"], e["id"]) for e in after.report["excluded"]}
    assert ("Treaties", "tehran") not in excluded
    assert ("Treaties", "tehran-aktau-protocol") in excluded  # protocols have no id
    ledger = json.loads((tmp_path / LEDGER_FILE).read_text())
    assert ledger["records"]["Treaties/tehran"]["updated"] == "2031-05-06T07:08:09Z"


def test_ledger_keeps_times_of_unchanged_records(tmp_path: Path) -> None:
    def manifest(sha: str, built_at: str) -> Manifest:
        return Manifest(built_at=built_at, version_iri="v", base_iri="b", sha256=sha, triples=1)

    path = tmp_path / "ledger.json"
    records = {"Decisions": [{"id": "a", "number": "1"}, {"id": "b", "number": "2"}]}
    first = stamp(records, manifest("s1", "2025-01-01T00:00:00Z"), path)
    assert [r["updated"] for r in first["Decisions"]] == ["2025-01-01T00:00:00Z"] * 2
    changed = {"Decisions": [{"id": "a", "number": "1"}, {"id": "b", "number": "2 bis"}]}
    second = stamp(changed, manifest("s2", "2025-02-02T00:00:00Z"), path)
    assert [r["updated"] for r in second["Decisions"]] == [
        "2025-01-01T00:00:00Z",
        "2025-02-02T00:00:00Z",
    ]
    again = stamp(changed, manifest("s2", "2025-02-02T00:00:00Z"), path)
    assert again == second


def test_cli_export_informea_writes_sets_and_report(
    feed_settings: Settings, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "KG_STORE": str(feed_settings.store),
        "KG_SNAPSHOT_DIR": str(feed_settings.snapshot_dir),
    }
    env.pop("KG_INFORMEA_TEHRAN_ID", None)
    out = tmp_path / "feed"
    run = subprocess.run(
        [sys.executable, "-m", "kg.cli", "export", "informea", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    for name, count in SEED_COUNTS.items():
        body = json.loads((out / f"{name}.json").read_text())
        assert len(body["value"]) == count == body["@odata.count"]
        check = validator(name)
        assert all(check.is_valid(r) for r in body["value"])
    report = json.loads((out / "report.json").read_text())
    assert len(report["excluded"]) == 33
    assert "Decisions.json" in run.stdout and "17 records" in run.stdout


@pytest.mark.slow
def test_incremental_harvest_after_one_source_changes(
    built: Any,
    tmp_path: Path,
) -> None:
    """Harvest, edit one source file, rebuild into the same snapshot directory, re-harvest
    with $filter=updated gt <last harvest>: exactly the changed record comes back.

    The first build is the session's (same data), copied so that this test owns its store."""
    data = tmp_path / "data"
    shutil.copytree(built.settings.data_dir, data)
    shutil.copytree(built.settings.store, tmp_path / "store")
    shutil.copytree(built.settings.snapshot_dir, tmp_path / "snap")
    settings = Settings(
        data_dir=data,
        store=tmp_path / "store",
        snapshot_dir=tmp_path / "snap",
        informea_tehran_id=None,
    )
    with TestClient(create_app(settings)) as c:
        first = {name: harvest(c, name) for name in ENTITY_SETS}
    last_seen = max(r["updated"] for records in first.values() for r in records)
    assert last_seen == Manifest.read(settings.snapshot_dir).built_at

    source = data / "sources" / "brs-tap-2022-2025.ttl"
    old = (
        'dcterms:title "Technical assistance plan for the implementation of the Basel, '
        'Rotterdam and Stockholm conventions for the period 2022–2025"@en'
    )
    text = source.read_text(encoding="utf-8")
    assert old in text
    source.write_text(text.replace(old, old[:-4] + ' (revised)"@en'), encoding="utf-8")
    result = build(settings)
    assert not result.rejected
    assert result.manifest.built_at > last_seen

    with TestClient(create_app(settings)) as c:
        changed = {
            name: harvest(c, name, params={"$filter": f"updated gt {last_seen}"})
            for name in ENTITY_SETS
        }
        second = {name: harvest(c, name) for name in ENTITY_SETS}
    got = {(name, record_key(name, r)) for name, rs in changed.items() for r in rs}
    assert got == {("Documents", "brs-tap-2022-2025")}
    record = changed["Documents"][0]
    assert record["titles"][0]["value"].endswith("2022–2025 (revised)")
    assert record["updated"] == result.manifest.built_at
    for name in ENTITY_SETS:  # every other record keeps its time
        before = {record_key(name, r): r["updated"] for r in first[name]}
        after = {record_key(name, r): r["updated"] for r in second[name]}
        assert before.keys() == after.keys()
        assert {k for k in before if before[k] != after[k]} == (
            {"brs-tap-2022-2025"} if name == "Documents" else set()
        )


def test_count_path_segment_and_keys_written_as_decision_numbers(client: TestClient) -> None:
    """OData client libraries ask ``Decisions/$count`` (a 404 before) and users write a key as
    the decision number (``Decisions('CBD-15/8')``: a bare ``{"detail": "Not Found"}``)."""
    page = client.get("/informea/v1/Decisions", params={"$count": "true", "$top": "1"})
    count = client.get("/informea/v1/Decisions/$count")
    assert count.status_code == 200 and count.headers["content-type"].startswith("text/plain")
    assert int(count.text) == page.json()["@odata.count"] > 0
    later = client.get(
        "/informea/v1/Decisions/$count", params={"$filter": "updated gt 2999-01-01T00:00:00Z"}
    )
    assert later.text == "0"
    assert client.get("/informea/v1/Contacts/$count").status_code == 404
    wrong = client.get("/informea/v1/Decisions('BC-14/18')")
    assert wrong.status_code == 404
    message = wrong.json()["error"]["message"]
    assert "Decisions('BC-14-18')" in message and "id" in message
    right = client.get("/informea/v1/Decisions('BC-14-18')")
    assert right.status_code == 200 and right.json()["id"] == "BC-14-18"
