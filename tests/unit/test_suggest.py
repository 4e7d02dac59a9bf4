"""Suggested GBF targets (``kg suggest``): scored against links people made, with floors a
little under what was measured (``bench/suggest_eval.py``) so that a regression fails; the
SSSOM mapping set and its RDF; what documents assert left alone."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kg.build.inputs import load_inputs
from kg.cli import main
from kg.rdf.namespaces import graph_iri
from kg.settings import Settings, get_settings
from kg.suggest.corpus import ASSERTED, gbf_targets, items_to_align
from kg.suggest.evaluate import Case, framework_cases, score, tsc_cases
from kg.suggest.lexical import LexicalSuggester
from kg.suggest.sssom import COLUMNS


@pytest.fixture(scope="module")
def inputs() -> Any:
    return load_inputs(Settings())


@pytest.fixture(scope="module")
def targets(inputs: Any) -> Any:
    return gbf_targets(inputs.reference[graph_iri(Settings().base_iri, "reference/gbf")])


def test_the_23_targets_carry_their_indicators(targets: Any) -> None:
    assert [t.code for t in targets] == [str(n) for n in range(1, 24)]
    three = targets[2]
    assert three.label == "Conserve 30% of Land, Waters and Seas"
    assert any("protected" in title.lower() for title in three.indicators.values())


def test_lexical_against_the_monitoring_framework(targets: Any) -> None:
    """Each indicator's title, its own title left out of the targets' words, to its target:
    measured P@1 0.545, R@3 0.723, MRR 0.660 over 191 indicators."""
    cases = framework_cases(targets)
    assert len(cases) == 191

    def rank(case: Case) -> list[str]:
        suggester = LexicalSuggester(targets, leave_out=case.leave_out)
        return [t.iri for t, _s, _w in suggester.rank(case.text)]

    scores = score(cases, rank)
    assert scores.p_at_1 >= 0.50 and scores.r_at_3 >= 0.68 and scores.mrr >= 0.62


def test_lexical_against_the_tsc_workplans_own_links(targets: Any, inputs: Any) -> None:
    """Thematic priorities and outcomes to their targets, links the suggester never sees:
    measured P@1 0.538, R@3 0.699, MRR 0.689 over 13 cases."""
    cases = tsc_cases(
        inputs.sources[graph_iri(Settings().base_iri, "iucn-ca-tsc-workplan-2025-2026")]
    )
    assert len(cases) == 13
    priorities = [case for case in cases if case.name.startswith("priority")]
    assert priorities and not any(case.text.lstrip().startswith("Target") for case in priorities)
    suggester = LexicalSuggester(targets)
    scores = score(cases, lambda case: [t.iri for t, _s, _w in suggester.rank(case.text)])
    assert scores.p_at_1 >= 0.45 and scores.r_at_3 >= 0.65 and scores.mrr >= 0.62


def test_evidence_is_the_words_that_matched(targets: Any) -> None:
    suggester = LexicalSuggester(targets)
    target, _score, matched = suggester.rank("Expanding protected areas and OECMs")[0]
    assert target.code == "3"
    assert {"protected", "areas"} <= set(matched)


def test_what_documents_align_gets_no_suggestion(inputs: Any) -> None:
    triples = [t for graph in inputs.sources.values() for t in graph]
    items = {item.iri for item in items_to_align(triples)}
    asserted = {t.subject.value for t in triples if t.predicate.value in ASSERTED}
    assert items and not items & asserted
    assert any("tehran-pow-2009-2010" in iri for iri in items)


def test_kg_suggest_writes_an_sssom_set_and_its_rdf_and_changes_nothing(
    built: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KG_SNAPSHOT_DIR", str(built.settings.snapshot_dir))
    get_settings.cache_clear()
    snapshot = (built.settings.snapshot_dir / "graph.nq").read_bytes()
    try:
        assert main(["suggest", "--out", str(tmp_path)]) == 0
    finally:
        get_settings.cache_clear()
    assert (built.settings.snapshot_dir / "graph.nq").read_bytes() == snapshot
    text = (tmp_path / "suggestions.sssom.tsv").read_text()
    meta = [line for line in text.splitlines() if line.startswith("#")]
    assert any(line.startswith("# mapping_set_id: ") for line in meta)
    assert any(line.startswith("# license: ") for line in meta)
    assert "#   kmgbf: http://metadata.cbd.int/kmgbf/" in meta
    rows = list(
        csv.DictReader((ln for ln in text.splitlines() if not ln.startswith("#")), delimiter="\t")
    )
    assert tuple(rows[0]) == COLUMNS and len(rows) > 100
    for row in rows:
        assert row["predicate_id"] == "skos:relatedMatch"
        assert row["object_id"].startswith("kmgbf:target_")
        assert row["mapping_justification"] == "semapv:LexicalMatching"
        assert 0 < float(row["confidence"]) < 1
    _valid_by_the_sssom_library(tmp_path / "suggestions.sssom.tsv")
    tehran = {r["subject_id"] for r in rows if "activity/tehran-pow-2009-2010-" in r["subject_id"]}
    assert len(tehran) >= 10  # of 14 activities
    graph = list(ox.parse(path=str(tmp_path / "suggestions.ttl"), format=ox.RdfFormat.TURTLE))
    mappings = {
        t.subject for t in graph if t.object == ox.NamedNode("https://w3id.org/sssom/Mapping")
    }
    assert len(mappings) == len(rows)
    assert not any("ontology#contributesToTarget" in t.predicate.value for t in graph)


def test_indicators_include_suggested_marks_each_and_keeps_them_apart(built: Any) -> None:
    """Without include=suggested nothing suggested is answered; with it, the headline
    indicators of the targets suggested for the activity, each marked with its evidence."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    activity = "https://w3id.org/mea-kg/id/activity/tehran-pow-2009-2010-8"
    with TestClient(create_app(built.settings)) as client:
        plain = client.get("/api/indicators", params={"for": activity}).json()
        asked = client.get(
            "/api/indicators", params={"for": activity, "include": "suggested"}
        ).json()
        tsc = client.get(
            "/api/indicators",
            params={"for": "https://w3id.org/mea-kg/id/workplan/iucn-ca-tsc-workplan-2025-2026"},
        ).json()
        bad = client.get("/api/indicators", params={"for": activity, "include": "everything"})
    assert plain["indicators"] == []  # the Tehran programme names no GBF target
    assert asked["indicators"] and all(i["suggested"] for i in asked["indicators"])
    first = asked["indicators"][0]["suggestions"][0]
    assert first["entity"]["iri"] == activity and first["method"] == "lexical"
    assert first["target"]["iri"].startswith("http://metadata.cbd.int/kmgbf/target_")
    assert first["evidence"] and first["score"] > 0
    assert not any(i["suggested"] for i in tsc["indicators"])  # asserted answers unchanged
    assert bad.status_code == 400


def _valid_by_the_sssom_library(path: Path) -> None:
    """The mapping set as the SSSOM reference implementation reads and checks it: its JSON
    schema, every prefix in the curie map, every CURIE well formed."""
    from sssom.parsers import parse_sssom_table
    from sssom.validators import (
        check_all_prefixes_in_curie_map,
        check_strict_curie_format,
        validate_json_schema,
    )

    mapping_set = parse_sssom_table(str(path))
    assert len(mapping_set.df) > 100
    for check in (validate_json_schema, check_all_prefixes_in_curie_map, check_strict_curie_format):
        report = check(mapping_set, fail_on_error=False)
        assert report.results == [], (check.__name__, report.results[:3])


def test_the_entity_page_shows_suggested_targets_apart(built: Any) -> None:
    """An activity no document aligns shows its suggested targets, marked, with the words
    that matched; an aligned outcome shows none."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(built.settings)) as client:
        page = client.get("/id/activity/tehran-pow-2009-2010-8", headers={"accept": "text/html"})
        aligned = client.get(
            "/id/outcome/iucn-ca-tsc-workplan-2025-2026-outcome-3", headers={"accept": "text/html"}
        )
    assert page.status_code == 200
    section = page.text.split('<section id="suggested">', 1)[1].split("</section>", 1)[0]
    assert "no document asserts these links" in section
    assert 'class="badge suggested">suggested' in section
    assert "Target " in section and "information" in section  # a target, and a matched word
    assert '<section id="suggested">' not in aligned.text
