"""The graph projection, the traversals and analyses, their endpoints and ``kg`` subcommands,
checked against the seed graph (expected answers from the query catalogue and from SPARQL on
the same store)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from kg.graph import analyses, answers, contribution, traverse
from kg.graph.mea_tables import BOOKKEEPING_PREDICATES
from kg.graph.projection import GraphProjection, load_projection
from tests.support import PROJECT_ROOT

ID = "https://w3id.org/mea-kg/id/"
MEA = "https://w3id.org/mea-kg/ontology#"
KMGBF = "http://metadata.cbd.int/kmgbf/"
CENTRE = ID + "centre/iucn-ca-tsc"
WORKPLAN = ID + "workplan/iucn-ca-tsc-workplan-2025-2026"
QUERIES = PROJECT_ROOT / "queries"
PREFIXES = (
    f"PREFIX mea: <{MEA}> PREFIX kmgbf: <{KMGBF}> "
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
)


def expected(name: str) -> list[dict[str, str]]:
    with (QUERIES / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def graph(built: Any) -> GraphProjection:
    return load_projection(built.settings)


@pytest.fixture(scope="module")
def client(built: Any) -> Iterator[TestClient]:
    with TestClient(create_app(built.settings)) as c:
        yield c


# ---------------------------------------------------------------------- the projection


def test_projection_reads_the_snapshot_and_equals_a_store_scan(built: Any, graph: Any) -> None:
    assert (
        graph.info.snapshot
        == json.loads((built.settings.snapshot_dir / "manifest.json").read_text())["sha256"]
    )
    scanned = GraphProjection.from_store(built.store, base_iri=built.settings.base_iri)
    assert set(scanned.edges(inferred=True)) == set(graph.edges(inferred=True))
    assert all(scanned.node(n) == graph.node(n) for n in graph.nodes())


def test_nodes_are_the_data_iris_without_schema_terms_or_literals(built: Any, graph: Any) -> None:
    [row] = built.select(
        PREFIXES
        + """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {
          GRAPH ?g { { ?x ?p ?o } UNION { ?s ?p ?x FILTER(!isLiteral(?x)
                     && ?p NOT IN (rdf:type, rdfs:seeAlso)) } }
          FILTER(?g != <https://w3id.org/mea-kg/graph/ontology>) }"""
    )
    assert graph.node_count == int(row["n"]) > 700
    assert MEA + "Activity" not in graph and MEA + "hasOutcome" not in graph
    assert all(n.startswith(("http", "_:")) for n in graph.nodes())
    centre = graph.node(CENTRE)
    assert centre.kind == "TSCSupportCentre" and centre.is_a("Centre")
    assert centre.literals["mea:location"] == ("Tashkent",)
    assert len(centre.literals["mea:coreFunction"]) == 11
    assert centre.conventions == (ID + "agreement/cbd",)
    # Controlled values the data points at keep their label from the ontology graph.
    assert graph.node(MEA + "NotInFramework").label == "not in the framework"
    # A web page a node links to is an attribute, not a node.
    assert (
        "https://www.informea.org/en/treaties/cbd"
        in graph.node(ID + "agreement/cbd").literals["rdfs:seeAlso"]
    )
    assert "https://www.informea.org/en/treaties/cbd" not in graph


def test_edges_fold_inverses_and_super_properties(built: Any, graph: Any) -> None:
    predicates = {e.predicate for e in graph.edges(inferred=True)}
    for inverse in ("outcomeOf", "partOfWorkplan", "hasParty", "indicatorFor", "servedBy"):
        assert f"mea:{inverse}" not in predicates
    assert "rdf:type" not in predicates and "prov:wasDerivedFrom" not in predicates
    [row] = built.select(
        PREFIXES
        + """SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?w ?o WHERE {
          { ?w mea:hasOutcome ?o } UNION { ?o mea:outcomeOf ?w } } }"""
    )
    outcome_edges = [e for e in graph.edges() if e.predicate == "mea:hasOutcome"]
    assert len(outcome_edges) == int(row["n"]) == 12
    # hasHeadlineIndicator hides the inferred super-property hasIndicator between a pair.
    headline = {
        (e.source, e.target) for e in graph.edges() if e.predicate == "mea:hasHeadlineIndicator"
    }
    assert headline and not any(
        (e.source, e.target) in headline
        for e in graph.edges(inferred=True)
        if e.predicate == "mea:hasIndicator"
    )


def test_inferred_shortcuts_are_flagged_and_left_out_by_default(built: Any, graph: Any) -> None:
    [row] = built.select(
        PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?s mea:tracksHeadlineIndicator ?o }"
    )
    shortcuts = [
        e for e in graph.edges(inferred=True) if e.predicate == "mea:tracksHeadlineIndicator"
    ]
    assert len(shortcuts) == int(row["n"]) == 44
    assert all(e.inferred for e in shortcuts)
    assert not any(e.predicate == "mea:tracksHeadlineIndicator" for e in graph.edges())
    assert graph.objects(CENTRE, "mea:tracksHeadlineIndicator") == []


# ---------------------------------------------------------------------- indicators


def test_central_asia_workplan_indicators_are_query_01s(graph: Any) -> None:
    answer = contribution.indicators(graph, WORKPLAN)
    rows = expected("01-headline-indicators-for-central-asia-centre")
    assert [i.code for i in answer.indicators] == [
        "1.1", "2.1", "3.1", "21.1", "A.1", "A.2", "A.3", "A.4", "B.1"
    ]  # fmt: skip
    assert {i.iri for i in answer.indicators} == {r["indicator"] for r in rows}
    by_code = {i.code: i for i in answer.indicators}
    for r in rows:
        indicator = by_code[r["indicatorCode"]]
        assert r["targetCode"] in {t.code for t in indicator.targets}
        # Each path: workplan -> ... -> outcome -> target -> indicator, edges named.
        outcome_path = [p for p in indicator.paths if p.nodes[1].iri == r["outcome"]]
        assert outcome_path, (r, [p.text() for p in indicator.paths])
        path = outcome_path[0]
        assert path.nodes[0].iri == WORKPLAN
        assert path.nodes[-1].iri == r["indicator"]
        assert [e.predicate for e in path.edges] == [
            "mea:hasOutcome",
            "mea:contributesToTarget",
            "mea:hasHeadlineIndicator",
        ]
    assert by_code["A.1"].title == "Red List of Ecosystems"
    assert by_code["3.1"].path_count == 2  # via outcome 3 and via the Target 3 workshop


def test_central_asia_claims_are_reconciled_as_query_02(graph: Any) -> None:
    answer = contribution.indicators(graph, WORKPLAN)
    rows = expected("02-indicator-claims-reconciliation")
    got = sorted((c.code, c.claimed_title, c.status, c.claimed_by.iri) for c in answer.claims)
    assert got == sorted((r["code"], r["claimedTitle"], r["status"], r["outcome"]) for r in rows)
    assert answer.claims_by_status == {"not in the framework": 7, "title differs": 4}
    not_official = sorted(c.code for c in answer.claims if c.status == "not in the framework")
    assert not_official == ["11.1", "14.1", "20.1", "20.1", "3.2", "3.3", "4.1"]
    assert all(c.official is None for c in answer.claims if c.status == "not in the framework")


def test_every_entity_reaches_the_inferred_headline_indicators(built: Any, graph: Any) -> None:
    """The walk equals the build's property-chain closure, for every entity that has one."""
    inferred: dict[str, set[str]] = {}
    for row in built.select(PREFIXES + "SELECT ?s ?i WHERE { ?s mea:tracksHeadlineIndicator ?i }"):
        inferred.setdefault(row["s"], set()).add(row["i"])
    assert len(inferred) == 10  # the centre, its workplan, 4 outcomes, 4 activities ...
    for entity, indicators in inferred.items():
        assert {i.iri for i in contribution.indicators(graph, entity).indicators} == indicators


def test_centre_and_activity_indicators(graph: Any) -> None:
    centre = contribution.indicators(graph, "centre/iucn-ca-tsc")
    assert len(centre.indicators) == 9 and centre.entity.iri == CENTRE
    assert centre.indicators[0].paths[0].nodes[1].iri == WORKPLAN
    activity = contribution.indicators(graph, "Regional workshops")
    assert [i.code for i in activity.indicators] == ["1.1", "2.1", "A.1", "A.2"]
    assert [e.predicate for e in activity.indicators[0].paths[0].edges] == [
        "mea:contributesToOutcome",
        "mea:contributesToTarget",
        "mea:hasHeadlineIndicator",
    ]


def test_names_that_do_not_resolve(graph: Any) -> None:
    with pytest.raises(answers.AmbiguousEntity) as ambiguous:
        contribution.indicators(graph, "basel")
    assert ID + "centre/brs-regional-centres" in {c.iri for c in ambiguous.value.candidates}
    with pytest.raises(answers.EntityNotFound):
        contribution.indicators(graph, "no such thing anywhere")
    with pytest.raises(answers.WrongKind):
        contribution.indicators(graph, "kmgbf:target_3")


# ---------------------------------------------------------------------- reverse, paths


def test_reverse_of_target_3_matches_sparql(built: Any, graph: Any) -> None:
    answer = contribution.contributors(graph, "kmgbf:target_3")
    activities = {
        r["x"]
        for r in built.select(
            PREFIXES + "SELECT ?x WHERE { ?x mea:contributesToTarget kmgbf:target_3 ; a ?t "
            "FILTER(?t IN (mea:Activity, mea:Event)) }"
        )
    }
    assert {a.iri for a in answer.activities} == activities and len(activities) == 3
    assert [c.iri for c in answer.centres] == [CENTRE]
    assert [w.iri for w in answer.workplans] == [WORKPLAN]
    assert [c.iri for c in answer.conventions] == [ID + "agreement/cbd"]
    assert answer.counts["parties"] == len(answer.parties) == 9


def test_reverse_of_a_goal_level_headline_indicator(graph: Any) -> None:
    answer = contribution.contributors(graph, "kmgbf:indicator_A.1")
    assert sorted(t.code for t in answer.targets) == ["1", "A"]
    assert {o.iri for o in answer.outcomes} == {
        ID + "outcome/iucn-ca-tsc-workplan-2025-2026-outcome-2"
    }


def test_shortest_path_names_its_predicates_and_walks_backwards(graph: Any) -> None:
    answer = traverse.paths(graph, "Regional workshops", "kmgbf:indicator_A.1")
    assert answer.hops == 3 and len(answer.paths) == 1
    assert [e.predicate for e in answer.paths[0].edges] == [
        "mea:contributesToOutcome",
        "mea:contributesToTarget",
        "mea:hasHeadlineIndicator",
    ]
    outcome = ID + "outcome/iucn-ca-tsc-workplan-2025-2026-outcome-2"
    back = traverse.paths(graph, outcome, WORKPLAN)
    assert back.hops == 1 and back.paths[0].edges[0].source == WORKPLAN  # walked backwards
    assert (
        traverse.paths(graph, "Regional workshops", "kmgbf:indicator_A.1", max_hops=2).hops is None
    )
    with pytest.raises(answers.TraversalError):
        traverse.paths(graph, WORKPLAN, CENTRE, max_hops=traverse.MAX_HOPS + 1)


def test_paths_leave_out_provenance_hubs_unless_asked(graph: Any) -> None:
    plain = traverse.paths(graph, "agreement/basel", "agreement/tehran", max_hops=8)
    assert plain.hops is not None
    for path in plain.paths:
        assert not {e.predicate for e in path.edges} & BOOKKEEPING_PREDICATES
        assert len(path.edges) == plain.hops


# ---------------------------------------------------------------------- neighbours


def test_neighbourhood_filtered_by_kind(built: Any, graph: Any) -> None:
    outcomes = {
        r["o"] for r in built.select(f"SELECT ?o WHERE {{ <{WORKPLAN}> <{MEA}hasOutcome> ?o }}")
    }
    answer = traverse.neighbours(graph, WORKPLAN, depth=1, kinds=["Outcome"])
    assert {n.iri for n in answer.nodes} == outcomes | {WORKPLAN}
    assert len(answer.edges) == 4 and {e.predicate for e in answer.edges} == {"mea:hasOutcome"}
    wide = traverse.neighbours(graph, WORKPLAN, depth=2)
    assert CENTRE in {n.iri for n in wide.nodes} and KMGBF + "target_3" in {
        n.iri for n in wide.nodes
    }
    assert all(n.distance is not None and n.distance <= 2 for n in wide.nodes)
    assert traverse.neighbours(graph, WORKPLAN, depth=2, limit=10).truncated


# ---------------------------------------------------------------------- coverage, centrality

ADDRESSED = ["1", "2", "3", "4", "11", "14", "20", "21", "23"]


def test_coverage_and_gaps(built: Any, graph: Any) -> None:
    answer = analyses.coverage(graph)
    addressed = [r.item.code for r in answer.targets if r.addressed]
    sparql = {
        r["c"]
        for r in built.select(
            PREFIXES + "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT DISTINCT ?c "
            "WHERE { ?x mea:contributesToTarget ?t . ?t a mea:Target ; skos:notation ?c }"
        )
    }
    assert set(addressed) == sparql and addressed == ADDRESSED
    assert len(answer.targets) == 23 and len(answer.gaps["targets"]) == 14
    assert "7" in answer.gaps["targets"] and "7.1" in answer.gaps["indicators"]
    row3 = next(r for r in answer.targets if r.item.code == "3")
    assert [c.iri for c in row3.centres] == [CENTRE] and row3.counts["activities"] == 3
    assert answer.by_convention == {ID + "agreement/cbd": ADDRESSED}
    headline = {r.item.code for r in answer.indicators if r.addressed}
    assert headline == {"1.1", "2.1", "3.1", "21.1", "A.1", "A.2", "A.3", "A.4", "B.1"}


def test_coverage_per_party_and_per_convention(graph: Any) -> None:
    uzbekistan = analyses.coverage(graph, party="UZB")
    assert uzbekistan.party is not None and uzbekistan.party.iri == ID + "party/UZB"
    assert [r.item.code for r in uzbekistan.targets if r.addressed] == ADDRESSED
    iran = analyses.coverage(graph, party="IRN")  # a Tehran Convention Party no centre serves
    assert not any(r.addressed for r in iran.targets)
    assert [
        r.item.code for r in analyses.coverage(graph, convention="cbd").targets if r.addressed
    ] == ADDRESSED
    assert not any(r.addressed for r in analyses.coverage(graph, convention="basel").targets)


def test_centrality_ranks_the_brs_bridges(graph: Any) -> None:
    answer = analyses.centrality(graph, limit=50)
    counts = [len(r.conventions) for r in answer.rows]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 3
    brs = next(r for r in answer.rows if r.node.iri == ID + "org/brs-secretariat")
    assert {c.iri.rsplit("/", 1)[1] for c in brs.conventions} >= {"basel", "rotterdam", "stockholm"}
    assert brs.betweenness > 0
    assert all(
        r.node.kind in {"Decision", "Organisation", "Committee"} or "Centre" in r.node.kind
        for r in answer.rows
    )


# ---------------------------------------------------------------------- the API


def test_indicators_endpoint(client: TestClient) -> None:
    r = client.get("/api/indicators", params={"for": WORKPLAN})
    assert r.status_code == 200
    body = r.json()
    assert [i["code"] for i in body["indicators"]][:4] == ["1.1", "2.1", "3.1", "21.1"]
    assert body["claims_by_status"]["not in the framework"] == 7


def test_endpoint_errors_are_typed(client: TestClient) -> None:
    r = client.get("/api/indicators", params={"for": "basel"})
    assert r.status_code == 409 and r.json()["error"] == "ambiguous"
    assert len(r.json()["candidates"]) >= 2
    r = client.get("/api/reverse", params={"for": "nothing is called this"})
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert "nothing is called this" in r.json()["message"]  # the one error body of the API
    r = client.get("/api/reverse", params={"for": WORKPLAN})
    assert r.status_code == 422 and r.json()["error"] == "wrong_kind"
    r = client.get("/api/path", params={"from": WORKPLAN, "to": CENTRE, "max": 99})
    assert r.status_code in (400, 422)  # a parameter out of its documented range
    for response in (r, client.get("/api/indicators", params={"for": "basel"})):
        assert "Traceback" not in response.text and "/work" not in response.text
    for path in ("/api/indicators", "/api/reverse", "/api/neighbours"):  # names nothing: 400
        empty = client.get(path, params={"for": ""})
        assert empty.status_code == 400, path
        assert empty.text.startswith("bad_request: for:"), empty.text


def test_traversal_endpoints_answer(client: TestClient) -> None:
    assert (
        client.get("/api/reverse", params={"for": "Target 3"}).json()["counts"]["activities"] == 3
    )
    path = client.get(
        "/api/path", params={"from": "Regional workshops", "to": "kmgbf:indicator_A.1"}
    )
    assert path.json()["hops"] == 3
    nb = client.get("/api/neighbours", params={"for": WORKPLAN, "kind": ["Outcome"]}).json()
    assert len(nb["nodes"]) == 5 and all(e["id"].startswith("e") for e in nb["edges"])
    coverage = client.get("/api/coverage", params={"party": "UZB"}).json()
    assert len(coverage["gaps"]["targets"]) == 14
    assert client.get("/api/centrality").json()["rows"][0]["conventions"]
    found = client.get("/api/graph/search", params={"q": "Regional workshops"}).json()
    assert found[0]["kind"] == "Activity"
    info = client.get("/api/graph/info").json()
    assert info["nodes"] > 700 and {"graphml", "gexf", "cytoscape", "dot"} == set(
        info["export_formats"]
    )
    assert ID + "agreement/cbd" in {c["iri"] for c in info["conventions"]}


def test_endpoints_are_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/indicators",
        "/api/reverse",
        "/api/path",
        "/api/neighbours",
        "/api/coverage",
        "/api/centrality",
        "/api/graph/export",
    ):
        operation = spec["paths"][path]["get"]
        assert operation["summary"]
        assert "200" in operation["responses"]
    assert {"404", "409"} <= set(spec["paths"]["/api/indicators"]["get"]["responses"])


def test_projection_is_built_once_per_app(client: TestClient) -> None:
    client.get("/api/graph/info")
    service = client.app.state.service  # type: ignore[attr-defined]
    first = service.projection()
    client.get("/api/indicators", params={"for": WORKPLAN})
    assert service.projection() is first


# ---------------------------------------------------------------------- the command


def kg(built: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KG_STORE": str(built.settings.store),
        "KG_SNAPSHOT_DIR": str(built.settings.snapshot_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_kg_indicators_for_the_central_asia_workplan(built: Any) -> None:
    run = kg(built, "indicators", WORKPLAN)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    table = lines[lines.index("Official GBF headline indicators (9)") + 3 :][:9]
    assert [line.split()[0] for line in table] == [
        "1.1", "2.1", "3.1", "21.1", "A.1", "A.2", "A.3", "A.4", "B.1"
    ]  # fmt: skip
    assert run.stdout.count("not in the framework") == 8  # 7 claims + the summary line
    as_json = json.loads(kg(built, "indicators", WORKPLAN, "--format", "json").stdout)
    assert len(as_json["indicators"]) == 9


def test_kg_graph_subcommands(built: Any) -> None:
    run = kg(built, "indicators", "basel")
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr
    reverse = json.loads(kg(built, "reverse", "kmgbf:target_3", "--format", "json").stdout)
    assert reverse["counts"]["activities"] == 3
    path = kg(built, "path", "Regional workshops", "kmgbf:indicator_A.1")
    assert "-[contributes to outcome]->" in path.stdout
    nb = json.loads(
        kg(built, "neighbours", WORKPLAN, "--kind", "Outcome", "--format", "json").stdout
    )
    assert len(nb["nodes"]) == 5
    coverage = kg(built, "coverage", "--party", "UZB")
    assert coverage.returncode == 0 and "Targets nobody addresses (14)" in coverage.stdout
    centrality = kg(built, "centrality", "--limit", "5")
    assert centrality.returncode == 0 and len(centrality.stdout.splitlines()) == 7
