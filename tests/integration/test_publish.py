"""Publishing sources as versions, on the command line and on a live server.

What a secretariat does: check a document (dry run: the report and the diff, nothing
switched), publish it (validated, reasoned, a new version, who and when recorded), see its
history, remove it, and an operator restores a kept version. Every refusal leaves the served
graph exactly as it was: the sorted N-Quads checksum of the live graph is compared before and
after. (Crashes during a publish, and readers during publishes: ``test_publish_crash.py``.)
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from kg.build.changes import changes_iri
from kg.build.pipeline import build
from kg.build.publish import PublishRejected, SourceNotFound, publish, restore
from kg.build.snapshot import Manifest
from kg.build.versions import kept_versions, live_manifest
from kg.serve.tokens import TokenFile
from kg.settings import Settings
from kg.stores import open_store
from tests.support import (
    ENTITY_BOMB,
    PROJECT_ROOT,
    live_checksum,
    live_server,
    project_copy,
    writable_project,
)

BASE = "https://w3id.org/mea-kg"
KEY = "tehran-pow-2009-2010"
GRAPH = f"{BASE}/graph/{KEY}"
DOCUMENT = f"{BASE}/id/document/{KEY}"
TEHRAN = (PROJECT_ROOT / "data" / "sources" / f"{KEY}.ttl").read_bytes()
NOTE = "Checked by the publishing tests"
#: The seed document with one more fact about it.
WITH_NOTE = TEHRAN + (
    f'\n<{DOCUMENT}> <http://www.w3.org/2004/02/skos/core#note> "{NOTE}" .\n'.encode()
)
#: The first activity then ends before it starts: a violation.
VIOLATING = TEHRAN + (
    b"\n<https://w3id.org/mea-kg/id/activity/tehran-pow-2009-2010-1> "
    b"<https://w3id.org/mea-kg/ontology#endDate> "
    b'"2001-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
)
TURTLE = {"content-type": "text/turtle", "accept": "application/json"}


def _project(root: Path) -> Settings:
    """A project of its own at ``root``, built."""
    project_copy(root)
    settings = Settings(project_dir=root, keep_versions=2)
    build(settings)
    return settings


def _served(settings: Settings) -> set[ox.Quad]:
    return set(open_store(settings).quads_for_pattern(None, None, None, None))


# ------------------------------------------------------------------ on the command line


def test_publish_makes_a_version_with_who_when_and_what(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    first = live_manifest(settings)
    assert first is not None and first.version == 1 and first.change == "kg build"

    done = publish(settings, KEY, WITH_NOTE, who="tehran-secretariat")

    manifest = live_manifest(settings)
    assert manifest is not None and done.manifest == manifest
    assert (manifest.version, manifest.published_by) == (2, "tehran-secretariat")
    assert manifest.changed_sources == {KEY: "replaced"}
    assert done.diff.added_facts == [
        (f"<{DOCUMENT}>", "<http://www.w3.org/2004/02/skos/core#note>", f'"{NOTE}"')
    ]
    assert done.diff.changed_entities == [DOCUMENT] and not done.diff.removed_facts
    # What is served, on disk: the store, the snapshot and the sources folder agree.
    store = _served(settings)
    note = ox.Quad(
        ox.NamedNode(DOCUMENT),
        ox.NamedNode("http://www.w3.org/2004/02/skos/core#note"),
        ox.Literal(NOTE),
        ox.NamedNode(GRAPH),
    )
    assert note in store
    assert store == set(ox.parse(path=str(settings.snapshot_nquads), format=ox.RdfFormat.N_QUADS))
    assert (settings.sources_dir / f"{KEY}.ttl").read_bytes() == WITH_NOTE
    assert (settings.snapshot_dir / "sources" / f"{KEY}.ttl").read_bytes() == WITH_NOTE
    # The version before is kept whole, and the change is recorded as PROV.
    assert [m.version for m in kept_versions(settings)] == [1]
    assert Manifest.read(settings.versions_dir / "000001").sha256 == first.sha256
    who = list(
        open_store(settings).query(
            f"""PREFIX prov: <http://www.w3.org/ns/prov#>
            SELECT ?who ?when WHERE {{ GRAPH <{changes_iri(BASE)}> {{
                ?c <http://purl.org/dc/terms/subject> <{GRAPH}> ;
                   prov:wasAssociatedWith/<http://www.w3.org/2000/01/rdf-schema#label> ?who ;
                   prov:endedAtTime ?when ; prov:generated <{BASE}/release/2> }} }}"""
        )
    )
    assert [row["who"].value for row in who] == ["tehran-secretariat"]


def test_a_dry_run_or_a_refused_document_switches_nothing(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    before = (_served(settings), settings.snapshot_nquads.read_bytes(), TEHRAN)

    dry = publish(settings, KEY, WITH_NOTE, who="someone", dry_run=True)
    assert dry.manifest is None and len(dry.diff.added_facts) == 1
    with pytest.raises(PublishRejected) as refused:
        publish(settings, KEY, VIOLATING, who="someone")
    assert refused.value.report is not None and not refused.value.report.conforms
    assert any("tehran-pow-2009-2010-1" in f.focus for f in refused.value.report.violations())
    assert len(refused.value.diff.added_facts) == 1

    after = (
        _served(settings),
        settings.snapshot_nquads.read_bytes(),
        (settings.sources_dir / f"{KEY}.ttl").read_bytes(),
    )
    assert after == before
    assert live_manifest(settings).version == 1  # type: ignore[union-attr]
    assert not kept_versions(settings)
    leftovers = [p.name for p in tmp_path.rglob("*.next")]
    assert leftovers == []


def test_removing_and_restoring_a_source(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    original = _served(settings)
    with pytest.raises(SourceNotFound):
        publish(settings, "no-such-document", None, who="someone")

    removed = publish(settings, KEY, None, who="someone")
    assert removed.action == "removed" and len(removed.diff.removed_facts) == 534
    assert not (settings.sources_dir / f"{KEY}.ttl").exists()
    assert not any(q.graph_name == ox.NamedNode(GRAPH) for q in _served(settings))

    manifest = restore(settings, 1, who="operator")
    assert manifest.version == 3 and manifest.change == "restored version 1"
    assert (settings.sources_dir / f"{KEY}.ttl").read_bytes() == TEHRAN
    changes = ox.NamedNode(changes_iri(BASE))
    # Version 1 again, with the changes graph that records what happened since.
    assert {q for q in _served(settings) if q.graph_name != changes} == original


def test_old_versions_beyond_the_setting_are_removed(tmp_path: Path) -> None:
    settings = _project(tmp_path)  # keeps 2
    for n in range(3):
        publish(settings, KEY, WITH_NOTE + f'\n<{DOCUMENT}> <urn:x:n> "{n}" .\n'.encode(), who="x")
    assert [m.version for m in kept_versions(settings)] == [3, 2]
    with pytest.raises(LookupError, match="no version 1 is kept"):
        restore(settings, 1, who="operator")


def test_the_command_line_publishes_and_lists_versions(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    document = tmp_path / "tehran.ttl"
    document.write_bytes(VIOLATING)
    env = {"KG_PROJECT_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}

    def kg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kg.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    refused = kg("publish", str(document), "--key", KEY, "--quiet")
    assert refused.returncode == 1
    assert "REJECTED" in refused.stderr and "ends before it starts" in refused.stderr
    assert "Traceback" not in refused.stderr
    document.write_bytes(WITH_NOTE)
    done = kg("publish", str(document), "--key", KEY, "--as", "tehran-secretariat", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "serving version 2" in done.stdout
    listed = kg("versions")
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[0].split()[:2] == ["*", "2"]
    assert "tehran-secretariat: published tehran-pow-2009-2010 (replaced)" in listed.stdout
    assert kg("restore", "7").returncode == 2
    assert live_manifest(settings).version == 2  # type: ignore[union-attr]


# ------------------------------------------------------------------ on a live server


@pytest.fixture(scope="module")
def server(built: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """A server with writes on a project of its own, and a named token: (URL, token, the
    project's folder)."""
    root = Path(tmp_path_factory.mktemp("publish"))
    env = {
        **writable_project(root, built.settings.store, built.settings.snapshot_dir),
        "KG_MAX_UPLOAD_BYTES": str(1 << 20),
    }
    token = TokenFile(root / ".kg" / "tokens.json").add("tehran-secretariat")
    with live_server(env) as base:
        yield base, token, root


def _put(
    base: str, token: str, body: bytes, *, dry_run: bool = False, **headers: str
) -> httpx.Response:
    return httpx.put(
        f"{base}/sources/{KEY}",
        params={"dry_run": "true"} if dry_run else None,
        content=body,
        headers={**TURTLE, "authorization": f"Bearer {token}", **headers},
        timeout=120,
    )


def test_a_violating_document_is_refused_on_every_write_route(
    server: tuple[str, str, Path],
) -> None:
    base, token, _ = server
    before = live_checksum(base)
    auth = {"authorization": f"Bearer {token}"}
    for dry_run in (True, False):
        r = _put(base, token, VIOLATING, dry_run=dry_run)
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["error"] == "does_not_conform" and "not published" in body["message"]
        (activity,) = {
            f["locator"]
            for f in body["findings"]
            if f["severity"] == "Violation" and f["focus"].endswith("tehran-pow-2009-2010-1")
        }
        assert activity.startswith("Programme of work table")  # the row to fix, where it is
        assert body["diff"]["counts"]["added_facts"] == 1
    for method in ("PUT", "POST"):
        extra = VIOLATING if method == "PUT" else VIOLATING[len(TEHRAN) :]
        r = httpx.request(
            method, f"{base}/gsp", params={"graph": GRAPH}, content=extra,
            headers={**TURTLE, **auth}, timeout=120,
        )  # fmt: skip
        assert r.status_code == 422, r.text
    update = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{DOCUMENT}> <urn:x:p> 1 }} }}"
    for request in (
        {"content": update.encode(), "headers": {"content-type": "application/sparql-update"}},
        {"data": {"update": update}},
    ):
        headers = {**request.pop("headers", {}), **auth, "accept": "application/json"}  # type: ignore[dict-item]
        r = httpx.post(f"{base}/sparql", headers=headers, timeout=60, **request)  # type: ignore[arg-type]
        assert r.status_code == 409, r.text
        assert f"PUT /sources/{KEY}" in r.json()["message"]
    assert live_checksum(base) == before


def test_a_publish_is_served_with_its_history_and_every_view_is_fresh(
    server: tuple[str, str, Path],
) -> None:
    base, token, _ = server
    feed_before = httpx.get(
        f"{base}/export/description", headers={"accept": "application/n-triples"}, timeout=60
    )
    checked = _put(base, token, WITH_NOTE, dry_run=True)
    assert checked.status_code == 200, checked.text
    assert (
        checked.json()["dry_run"] is True and checked.json()["diff"]["counts"]["added_facts"] == 1
    )
    assert NOTE not in httpx.get(f"{base}/sources/{KEY}", timeout=60).text

    r = _put(base, token, WITH_NOTE)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["action"] == "replaced" and answer["published_by"] == "tehran-secretariat"
    version = answer["version"]

    # Every route reads the new version at once.
    assert (
        NOTE
        in httpx.get(f"{base}/sources/{KEY}", headers={"accept": "text/turtle"}, timeout=60).text
    )
    entity = httpx.get(
        f"{base}/id/document/{KEY}", headers={"accept": "application/ld+json"}, timeout=60
    )
    assert entity.status_code == 200 and NOTE in entity.text
    dump = httpx.get(f"{base}/export/rdf", params={"format": "nq"}, timeout=120)
    assert dump.status_code == 200 and NOTE in dump.text
    feed_after = httpx.get(
        f"{base}/export/description", headers={"accept": "application/n-triples"}, timeout=60
    )
    assert feed_after.text != feed_before.text
    assert httpx.get(f"{base}/informea/v1/report", timeout=60).status_code == 200
    listed = httpx.get(f"{base}/sources", timeout=60).json()
    assert listed["version"] == version
    (tehran,) = [s for s in listed["sources"] if s["key"] == KEY]
    assert (
        tehran["triples"] == 535 and tehran["last_change"]["published_by"] == "tehran-secretariat"
    )
    history = httpx.get(f"{base}/sources/{KEY}/history", timeout=60).json()["history"]
    assert history[0]["version"] == version and history[0]["published_by"] == "tehran-secretariat"
    # And the query workers agree.
    count = httpx.get(
        f"{base}/sparql",
        params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"},
        headers={"accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert count.json()["results"]["bindings"][0]["n"]["value"] == "535"


def test_a_new_source_is_added_and_removed(server: tuple[str, str, Path]) -> None:
    base, token, _ = server
    key = "tehran-pow-copy"
    body = TEHRAN.replace(b"tehran-pow-2009-2010", key.encode())
    r = httpx.put(
        f"{base}/sources/{key}", content=body,
        headers={**TURTLE, "authorization": f"Bearer {token}"}, timeout=120,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["action"] == "added"
    assert any(s["key"] == key for s in httpx.get(f"{base}/sources", timeout=60).json()["sources"])
    gone = httpx.delete(
        f"{base}/sources/{key}", headers={"authorization": f"Bearer {token}"}, timeout=120
    )
    assert gone.status_code == 200 and gone.json()["action"] == "removed"
    assert httpx.get(f"{base}/sources/{key}", timeout=60).status_code == 404
    again = httpx.delete(
        f"{base}/sources/{key}", headers={"authorization": f"Bearer {token}"}, timeout=60
    )
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("key", "body", "headers", "status"),
    [
        ("Not A Key!", TEHRAN, {}, 400),
        ("reference", TEHRAN, {}, 400),
        (KEY, b"this is not turtle", {}, 400),
        (KEY, TEHRAN, {"content-type": "application/pdf"}, 415),
        (KEY, TEHRAN, {"authorization": "Bearer wrong"}, 401),
        (KEY, ENTITY_BOMB, {"content-type": "application/rdf+xml"}, 400),
        # What an export syntax cannot carry is refused at ingest, not when a reader asks.
        (KEY, TEHRAN + b"\n<urn:x:a> <urn:x:p> <<( <urn:x:a> <urn:x:p> 1 )>> .\n", {}, 400),
        (KEY, TEHRAN + b'\n<urn:x:a> <urn:x:p> "bell\\u0007" .\n', {}, 400),
        (KEY, TEHRAN * 200, {}, 413),
    ],
)
def test_bad_requests_are_refused_with_a_message_and_change_nothing(
    server: tuple[str, str, Path], key: str, body: bytes, headers: dict[str, str], status: int
) -> None:
    base, token, _ = server
    before = live_checksum(base)
    r = httpx.put(
        f"{base}/sources/{key}", content=body,
        headers={**TURTLE, "authorization": f"Bearer {token}", **headers}, timeout=60,
    )  # fmt: skip
    assert r.status_code == status, r.text
    assert r.json()["message"] and "Traceback" not in r.text
    assert live_checksum(base) == before


@pytest.mark.parametrize(
    ("limit", "words"),
    [
        ({"KG_PUBLISH_TIMEOUT": "0.05"}, "KG_PUBLISH_TIMEOUT"),
        # Far below what staging needs: its allocations fail in the child, never the server.
        ({"KG_PUBLISH_MEMORY_BYTES": str(64 << 20)}, "not published"),
    ],
)
def test_a_publish_past_its_limits_changes_nothing(
    built: Any, tmp_path: Path, limit: dict[str, str], words: str
) -> None:
    env = {
        **writable_project(tmp_path, built.settings.store, built.settings.snapshot_dir),
        "KG_WRITE_TOKEN": "s3cret",
        **limit,
    }
    with live_server(env) as base:
        before = live_checksum(base)
        r = _put(base, "s3cret", WITH_NOTE)
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "not_published" and words in r.json()["message"]
        assert "Traceback" not in r.text
        assert live_checksum(base) == before
        assert not list(tmp_path.rglob("*.next"))
        # The server is whole: a publish within the limits works next.
        ok = httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=10)
        assert ok.status_code == 200


def test_a_read_only_server_refuses_to_publish(built: Any) -> None:
    env = {
        "KG_STORE": str(built.settings.store),
        "KG_SNAPSHOT_DIR": str(built.settings.snapshot_dir),
    }
    with live_server(env) as base:
        r = _put(base, "anything", WITH_NOTE)
        assert r.status_code == 403 and r.json()["error"] == "read_only"


def test_kg_build_is_refused_while_a_writable_server_serves_the_folders(
    server: tuple[str, str, Path],
) -> None:
    _, _, project = server
    done = subprocess.run(
        [sys.executable, "-m", "kg.cli", "build", "--quiet"],
        env={"KG_PROJECT_DIR": str(project), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "PUT /sources/<key>" in done.stderr and "Traceback" not in done.stderr
