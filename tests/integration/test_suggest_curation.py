"""Curation (``kg accept`` / ``kg reject``): an accepted suggestion becomes an asserted link
that the traversals follow, with who and when in the changes graph; a rejected one is never
suggested again. Both are new versions of the curation source; nothing else changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from kg.cli import main
from kg.settings import Settings, get_settings
from kg.suggest.curation import CURATION_KEY
from tests.support import writable_project

ACTIVITY = "https://w3id.org/mea-kg/id/activity/tehran-pow-2009-2010-8"
KMGBF = "http://metadata.cbd.int/kmgbf/"


@pytest.fixture
def project(built: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    env = writable_project(tmp_path / "project", built.settings.store, built.settings.snapshot_dir)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _suggested(settings: Settings, tmp_path: Path) -> set[tuple[str, str]]:
    assert main(["suggest", "--out", str(tmp_path)]) == 0
    rows = (tmp_path / "suggestions.sssom.tsv").read_text().splitlines()
    pairs = set()
    for line in rows:
        if line.startswith("id:activity/tehran-pow-2009-2010-8\t"):
            cells = line.split("\t")
            pairs.add((cells[0], cells[3]))
    return pairs


def test_accept_asserts_and_reject_is_never_suggested_again(
    project: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _suggested(project, tmp_path / "before")
    assert len(before) >= 2
    (_, first), (_, second) = sorted(before)[:2]
    accepted, rejected = first.split(":")[1], second.split(":")[1]

    assert main(["accept", "id:activity/tehran-pow-2009-2010-8", accepted, "--as", "analyst"]) == 0
    assert main(["reject", ACTIVITY, rejected, "--as", "analyst"]) == 0
    out = capsys.readouterr().out
    assert "asserted" in out and "never suggested again" in out

    # Asserted: the activity now reaches its target's headline indicators without asking.
    with TestClient(create_app(project)) as client:
        answer = client.get("/api/indicators", params={"for": ACTIVITY}).json()
        history = client.get(f"/sources/{CURATION_KEY}/history").json()["history"]
    reached = {t["iri"] for i in answer["indicators"] for t in i["targets"]}
    assert KMGBF + accepted in reached
    assert all(not i["suggested"] for i in answer["indicators"])
    assert [h["published_by"] for h in history][:2] == ["analyst", "analyst"]

    # Aligned now, the activity gets no suggestion; the rejected pair is never one again.
    after = _suggested(project, tmp_path / "after")
    assert after == set()
    triples = (project.sources_dir / f"{CURATION_KEY}.ttl").read_text()
    assert 'sssom:predicate_modifier "Not"' in triples and "ManualMappingCuration" in triples


def test_reject_alone_removes_that_suggestion_only(project: Settings, tmp_path: Path) -> None:
    before = _suggested(project, tmp_path / "before")
    (_, target) = sorted(before)[0]
    assert main(["reject", ACTIVITY, target.split(":")[1]]) == 0
    after = _suggested(project, tmp_path / "after")
    assert ("id:activity/tehran-pow-2009-2010-8", target) not in after
    assert after  # the others stay


@pytest.mark.parametrize(
    ("entity", "target", "said"),
    [
        (ACTIVITY, "31", "no GBF target"),
        ("id:activity/no-such-thing", "3", "no entity of the graph served"),
    ],
)
def test_unknown_entity_or_target_is_refused(
    project: Settings, entity: str, target: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["accept", entity, target]) == 2
    assert said in capsys.readouterr().err
    assert not (project.sources_dir / f"{CURATION_KEY}.ttl").exists()
