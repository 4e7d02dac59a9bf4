"""The build as a whole: every source accepted, snapshot and manifest right, a failing source
left out without harming the rest, the base IRI configurable."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

from kg.build.pipeline import build
from kg.settings import SNAPSHOT_MANIFEST, SNAPSHOT_NQUADS, Settings
from kg.stores import open_store
from tests.support import PROJECT_ROOT

SOURCES = sorted(p.stem for p in (PROJECT_ROOT / "data" / "sources").glob("*.ttl"))


def test_every_seed_document_has_a_source() -> None:
    assert len(SOURCES) == 5


def test_every_source_is_accepted(built) -> None:  # type: ignore[no-untyped-def]
    assert built.result.rejected == {}
    for name, report in built.result.reports.items():
        assert report.conforms, f"{name}:\n{report.to_text()}"


def test_manifest_counts_triples_per_named_graph_and_hashes_the_snapshot(built) -> None:  # type: ignore[no-untyped-def]
    directory = built.settings.snapshot_dir
    manifest = json.loads((directory / SNAPSHOT_MANIFEST).read_text())
    data = (directory / SNAPSHOT_NQUADS).read_bytes()
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["triples"] == len(data.splitlines())
    base = built.settings.base_iri
    for source in SOURCES:
        assert manifest["graphs"][f"{base}/graph/{source}"] > 100
    for name in ("ontology", "inferred", "reconciliation", "reference/gbf", "reference/countries"):
        assert f"{base}/graph/{name}" in manifest["graphs"]
    assert sum(manifest["graphs"].values()) == manifest["triples"]
    assert manifest["built_at"].endswith("Z")


def test_store_holds_one_named_graph_per_graph_in_the_manifest(built) -> None:  # type: ignore[no-untyped-def]
    names = {g.value for g in built.store.named_graphs()}
    manifest = json.loads((built.settings.snapshot_dir / SNAPSHOT_MANIFEST).read_text())
    assert names == set(manifest["graphs"])
    rows = built.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(rows[0]["n"]) == manifest["triples"]


def test_default_graph_is_the_union_of_named_graphs(built) -> None:  # type: ignore[no-untyped-def]
    rows = built.select(
        "PREFIX mea: <https://w3id.org/mea-kg/ontology#> "
        "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a mea:Activity ; mea:fromDocument ?d }"
    )
    assert int(rows[0]["n"]) > 40


def _copy_project_data(tmp_path: Path, *, sources: tuple[str, ...]) -> Path:
    """A copy of ``data/`` with only the named sources: builds that test one behaviour need
    not validate all five documents again (the session build does that)."""
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    for path in (data / "sources").glob("*.ttl"):
        if path.stem not in sources:
            path.unlink()
    return data


def test_a_strict_build_that_rejects_a_source_replaces_nothing(tmp_path: Path) -> None:
    """``kg build --strict`` used to exit 1 after it had replaced the snapshot and the store
    with a graph that left the rejected source out."""
    data = _copy_project_data(tmp_path, sources=("tehran-pow-2009-2010",))
    settings = Settings(store=tmp_path / "store", snapshot_dir=tmp_path / "snap", data_dir=data)
    build(settings)
    snapshot = settings.snapshot_nquads.read_bytes()
    served = sorted(str(q) for q in open_store(settings).quads_for_pattern(None, None, None))
    source = data / "sources" / "tehran-pow-2009-2010.ttl"
    source.write_text(  # an activity that ends before it starts: a violation
        source.read_text() + "\n<https://w3id.org/mea-kg/id/activity/tehran-pow-2009-2010-1> "
        "<https://w3id.org/mea-kg/ontology#endDate> "
        '"2001-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
    )
    env = {**os.environ, "KG_STORE": str(settings.store), "KG_SNAPSHOT_DIR": str(tmp_path / "snap")}
    run = subprocess.run(
        [sys.executable, "-m", "kg.cli", "build", "--strict", "--quiet"],
        capture_output=True, text=True, timeout=300,
        env={**env, "KG_DATA_DIR": str(data)},
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert "REJECTED" in run.stderr and "as they were" in run.stderr
    assert "Traceback" not in run.stderr
    assert settings.snapshot_nquads.read_bytes() == snapshot
    after = sorted(str(q) for q in open_store(settings).quads_for_pattern(None, None, None))
    assert after == served


def test_a_failing_source_is_left_out_and_the_rest_still_builds(tmp_path: Path) -> None:
    data = _copy_project_data(tmp_path, sources=("tehran-pow-2009-2010", "ceic2-aze-progress-2018"))
    broken = data / "sources" / "tehran-pow-2009-2010.ttl"
    text = broken.read_text()
    # The same activity now ends before it starts: a violation, so the source is rejected.
    broken.write_text(
        text
        + (
            "\n<https://w3id.org/mea-kg/id/activity/tehran-pow-2009-2010-1> "
            "<https://w3id.org/mea-kg/ontology#endDate> "
            '"2001-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
        )
    )
    (data / "sources" / "unreadable.ttl").write_text("this is { not turtle")
    settings = Settings(store=tmp_path / "store", snapshot_dir=tmp_path / "snap", data_dir=data)
    result = build(settings)
    base = settings.base_iri
    assert set(result.rejected) == {
        f"{base}/graph/tehran-pow-2009-2010",
        f"{base}/graph/unreadable",
    }
    assert "violation" in result.rejected[f"{base}/graph/tehran-pow-2009-2010"]
    assert "not valid turtle" in result.rejected[f"{base}/graph/unreadable"].lower()
    store = open_store(settings)
    graphs = {g.value for g in store.named_graphs()}
    assert f"{base}/graph/tehran-pow-2009-2010" not in graphs
    assert f"{base}/graph/ceic2-aze-progress-2018" in graphs
    manifest = json.loads((settings.snapshot_dir / SNAPSHOT_MANIFEST).read_text())
    assert set(manifest["rejected_sources"]) == set(result.rejected)


def test_a_source_that_stops_conforming_keeps_the_version_served(tmp_path: Path) -> None:
    """A bad edit of a served document's file never removes the document from the graph:
    the build reports it and keeps the version served before (validated when it was)."""
    data = _copy_project_data(tmp_path, sources=("tehran-pow-2009-2010",))
    settings = Settings(store=tmp_path / "store", snapshot_dir=tmp_path / "snap", data_dir=data)
    build(settings)
    tehran = f"{settings.base_iri}/graph/tehran-pow-2009-2010"
    served = {
        q
        for q in open_store(settings).quads_for_pattern(None, None, None, None)
        if q.graph_name.value == tehran
    }  # type: ignore[union-attr]
    (data / "sources" / "tehran-pow-2009-2010.ttl").write_text("this is { not turtle")

    result = build(settings)

    assert "the version served before is kept" in result.rejected[tehran]
    store = open_store(settings)
    assert set(store.quads_for_pattern(None, None, None, ox.NamedNode(tehran))) == served
    assert len(served) == 534


def test_base_iri_is_configurable(tmp_path: Path) -> None:
    settings = Settings(
        store=tmp_path / "store",
        snapshot_dir=tmp_path / "snap",
        base_iri="https://example.org/mea",
        data_dir=_copy_project_data(tmp_path, sources=("iucn-ca-tsc-workplan-2025-2026",)),
    )
    result = build(settings)
    assert result.rejected == {}
    store = open_store(settings)
    ask = store.query(
        "ASK { <https://example.org/mea/id/party/UZB> "
        "<https://w3id.org/mea-kg/ontology#servedBy> ?centre }",
        use_default_graph_as_union=True,
    )
    assert bool(ask)
    leaked = store.query(
        'ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?s), "https://w3id.org/mea-kg/id/")) }',
        use_default_graph_as_union=True,
    )
    assert not bool(leaked)


def test_snapshot_is_deterministic(tmp_path: Path) -> None:
    data = _copy_project_data(tmp_path, sources=("tehran-pow-2009-2010",))
    first = build(Settings(store=tmp_path / "s1", snapshot_dir=tmp_path / "n1", data_dir=data))
    again = build(Settings(store=tmp_path / "s2", snapshot_dir=tmp_path / "n2", data_dir=data))
    assert again.manifest.sha256 == first.manifest.sha256
    assert (tmp_path / "n1" / SNAPSHOT_NQUADS).read_bytes() == (
        tmp_path / "n2" / SNAPSHOT_NQUADS
    ).read_bytes()
