"""The RDF export: round trip in every format, determinism, the links to ELI / SKOS / KMGBF /
InforMEA / ECOLEX / LEO, and the DCAT / VoID description."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import BNode, Dataset, Graph
from rdflib.compare import isomorphic

from api.app import create_app
from kg.build.snapshot import Manifest
from kg.publish.dump import FORMATS, export_rdf, exported_quads
from kg.rdf.namespaces import graph_iri

BASE = "https://w3id.org/mea-kg"
LINKS = f"{BASE}/graph/export/links"
DESCRIPTION = f"{BASE}/graph/export/description"
RDFLIB_FORMATS = {"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig", "jsonld": "json-ld"}
ELI = "http://data.europa.eu/eli/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
VOID = "http://rdfs.org/ns/void#"


def gname(quad: ox.Quad) -> str:
    """The IRI of a quad's named graph."""
    return str(getattr(quad.graph_name, "value", ""))


def value(term: object) -> str:
    """The IRI or lexical form of a term."""
    return str(getattr(term, "value", term))


@pytest.fixture(scope="module")
def quads(built: Any) -> list[ox.Quad]:
    no_tehran_id = built.settings.model_copy(update={"informea_tehran_id": None})
    return exported_quads(built.store, no_tehran_id)


Statement = tuple[object, object, object, object]


def _rdflib_statements(data: str, fmt: str, datasets: bool) -> set[Statement]:
    """What rdflib's parser reads from ``data``: (s, p, o, graph) with graph ``None`` for
    formats without named graphs."""
    if not datasets:
        graph = Graph().parse(data=data, format=fmt)
        return {(s, p, o, None) for s, p, o in graph}
    dataset = Dataset()
    dataset.parse(data=data, format=fmt)
    return {
        (s, p, o, str(g.identifier if isinstance(g, Graph) else g))
        for s, p, o, g in dataset.quads((None, None, None, None))
    }


@pytest.fixture(scope="module")
def expected_rdflib(quads: list[ox.Quad]) -> set[Statement]:
    """The exported named graphs as rdflib reads them from N-Quads written by Oxigraph."""
    nquads = (ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8")
    statements = _rdflib_statements(nquads, "nquads", datasets=True)
    # no blank nodes anywhere (the build skolemises them), so two graphs are isomorphic
    # exactly when they hold the same statements: set equality is the isomorphism test
    assert not any(isinstance(term, BNode) for st in statements for term in st)
    return statements


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_reparses_to_the_exported_graphs(
    built: Any,
    quads: list[ox.Quad],
    expected_rdflib: set[Statement],
    fmt: str,
) -> None:
    no_tehran_id = built.settings.model_copy(update={"informea_tehran_id": None})
    data = export_rdf(built.store, no_tehran_id, fmt)
    spec = FORMATS[fmt]
    # Oxigraph's parser: the same quads (or, for triple formats, the union of the graphs)
    parsed = list(ox.parse(data, format=spec.rdf_format))
    if spec.datasets:
        assert set(parsed) == set(quads)
    else:
        assert {q.triple for q in parsed} == {q.triple for q in quads}
    # rdflib's parser, an independent implementation
    got = _rdflib_statements(data.decode("utf-8"), RDFLIB_FORMATS[fmt], spec.datasets)
    want = expected_rdflib if spec.datasets else {(s, p, o, None) for s, p, o, _ in expected_rdflib}
    assert got == want
    if not spec.datasets:  # rdflib's own isomorphism check on the union graph, for the record
        union = Graph()
        for s, p, o, _ in want:
            union.add((s, p, o))  # type: ignore[arg-type]
        assert isomorphic(
            union, Graph().parse(data=data.decode("utf-8"), format=RDFLIB_FORMATS[fmt])
        )


def test_dump_holds_every_named_graph_of_the_store(built: Any, quads: list[ox.Quad]) -> None:
    stored = set(built.store.quads_for_pattern(None, None, None, None))
    assert stored <= set(quads)
    names = {gname(q) for q in quads}
    assert names == set(built.result.manifest.graphs) | {LINKS, DESCRIPTION}
    assert len(quads) == len(stored) + sum(1 for q in quads if gname(q) in (LINKS, DESCRIPTION))


def test_output_is_deterministic_and_sorted(built: Any) -> None:
    first = {f: export_rdf(built.store, built.settings, f) for f in FORMATS}
    second = {f: export_rdf(built.store, built.settings, f) for f in FORMATS}
    assert first == second
    for fmt in ("nt", "nq"):
        lines = first[fmt].decode("utf-8").splitlines()
        assert lines == sorted(lines) and len(lines) == len(set(lines))
    head = [line for line in first["ttl"].decode().splitlines() if line.startswith("@prefix")]
    assert head == sorted(head)


def test_links_to_standard_vocabularies(quads: list[ox.Quad]) -> None:
    links = {
        (value(q.subject), q.predicate.value, str(q.object)) for q in quads if gname(q) == LINKS
    }
    bc = f"{BASE}/id/decision/BC-14-18"
    assert (bc, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", f"<{ELI}LegalResource>") in links
    assert (bc, f"{ELI}id_local", '"BC-14/18"') in links
    assert (bc, "http://purl.org/dc/terms/identifier", '"BC-14/18"') in links
    assert (bc, f"{ELI}based_on", f"<{BASE}/id/agreement/basel>") in links
    decisions = {s for s, p, o in links if p == f"{ELI}id_local"}
    assert len(decisions) == 17
    target3 = "http://metadata.cbd.int/kmgbf/target_3"
    assert (target3, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", f"<{SKOS}Concept>") in links
    assert (target3, f"{SKOS}related", "<http://metadata.cbd.int/kmgbf/indicator_3.1>") in links
    assert (
        "http://metadata.cbd.int/kmgbf/indicator_3.1",
        f"{SKOS}related",
        f"<{target3}>",
    ) in links
    basel = f"{BASE}/id/agreement/basel"
    for page in (
        "https://www.informea.org/en/treaties/basel",
        "https://www.ecolex.org/details/treaty/TRE-001003/",
    ):
        assert (basel, "http://www.w3.org/2000/01/rdf-schema#seeAlso", f"<{page}>") in links
        assert (basel, "https://schema.org/sameAs", f"<{page}>") in links
    pages = Counter(p for _s, p, _o in links)
    assert pages["https://schema.org/sameAs"] == 19  # 9 InforMEA pages + 10 ECOLEX records
    assert not any("informea.org/en/treaties/tehran" in o for _s, _p, o in links)
    reporting = "http://www.informea.org/terms/reporting"
    section = f"{BASE}/id/concept/brs-synergies-status-2012-section-vi"
    assert (section, f"{SKOS}closeMatch", f"<{reporting}>") in links
    assert (reporting, f"{SKOS}prefLabel", '"reporting"@en') in links
    assert pages[f"{SKOS}closeMatch"] == 1  # the only subject term whose label is a LEO label


def test_description_counts_licence_version_date(built: Any, quads: list[ox.Quad]) -> None:
    described = [q for q in quads if gname(q) == DESCRIPTION]
    graph = {
        (value(q.subject), q.predicate.value): q.object
        for q in described
        if q.predicate.value != f"{VOID}subset"
    }
    actual = Counter(gname(q) for q in quads if gname(q) != DESCRIPTION)
    assert len(actual) == len(built.result.manifest.graphs) + 1
    for name, count in actual.items():
        assert value(graph[(name, f"{VOID}triples")]) == str(count), name
    dataset = f"{BASE}/id/dataset/mea-kg"
    assert value(graph[(dataset, f"{VOID}triples")]) == str(sum(actual.values()))
    manifest = Manifest.read(built.settings.snapshot_dir)
    assert value(graph[(dataset, "http://purl.org/dc/terms/issued")]) == manifest.built_at
    assert graph[(dataset, "http://purl.org/dc/terms/license")] == ox.NamedNode(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert graph[(dataset, "http://www.w3.org/2002/07/owl#versionIRI")] == ox.NamedNode(
        manifest.version_iri
    )
    subsets = {value(q.object) for q in described if q.predicate.value == f"{VOID}subset"}
    assert subsets == set(actual)
    distributions = {
        q.object for q in described if q.predicate.value == "http://www.w3.org/ns/dcat#distribution"
    }
    assert len(distributions) == len(FORMATS)


def test_cli_export_rdf(built: Any, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KG_STORE": str(built.settings.store),
        "KG_SNAPSHOT_DIR": str(built.settings.snapshot_dir),
    }
    env.pop("KG_INFORMEA_TEHRAN_ID", None)
    out = tmp_path / "dump.nq"
    run = subprocess.run(
        [sys.executable, "-m", "kg.cli", "export", "rdf", "--format", "nq", "--output", str(out)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert out.read_bytes() == export_rdf(built.store, built.settings, "nq")
    bad = subprocess.run(
        [sys.executable, "-m", "kg.cli", "export", "rdf", "--format", "rdfxml"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    nosnap = subprocess.run(
        [sys.executable, "-m", "kg.cli", "export", "rdf"],
        capture_output=True, text=True, timeout=300,
        env={**env, "KG_SNAPSHOT_DIR": str(tmp_path / "none")},
    )  # fmt: skip
    assert nosnap.returncode == 2 and "run `kg build`" in nosnap.stderr
    assert "Traceback" not in nosnap.stderr


def test_api_export(built: Any) -> None:
    with TestClient(create_app(built.settings)) as client:
        r = client.get("/export/rdf", params={"format": "jsonld"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
        assert r.content == export_rdf(built.store, built.settings, "jsonld")
        by_accept = client.get("/export/rdf", headers={"accept": "application/n-quads"})
        assert by_accept.headers["content-type"].startswith("application/n-quads")
        bad = client.get("/export/rdf", params={"format": "rdfxml"})
        assert bad.status_code == 400 and "use one of" in bad.text and "Traceback" not in bad.text
        description = client.get("/export/description", params={"format": "nt"})
        assert description.status_code == 200
        lines = description.text.splitlines()
        assert len(lines) == sum(
            1
            for q in exported_quads(built.store, built.settings)
            if gname(q) == graph_iri(BASE, "export/description")
        )
        assert any(f"<{VOID}triples>" in line for line in lines)


def test_api_export_honours_q_values(built: Any) -> None:
    """``Accept: text/turtle;q=0`` refuses Turtle (it used to get Turtle all the same)."""
    with TestClient(create_app(built.settings)) as client:
        refused = client.get("/export/rdf", headers={"accept": "text/turtle;q=0"})
        assert refused.status_code == 406 and "application/n-quads" in refused.text
        preferred = client.get(
            "/export/rdf", headers={"accept": "text/turtle;q=0.5, application/trig"}
        )
        assert preferred.headers["content-type"].startswith("application/trig")
        browser = client.get("/export/rdf", headers={"accept": "text/html,*/*;q=0.8"})
        assert browser.headers["content-type"].startswith("text/turtle")
        described = client.get(
            "/export/description",
            headers={"accept": "application/n-triples;q=0.9, text/turtle;q=0.1"},
        )
        assert described.headers["content-type"].startswith("application/n-triples")
