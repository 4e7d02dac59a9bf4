"""Exports of the seed graph for desktop tools: each is read back with networkx (pydot for DOT)
and compared with the projection it came from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from kg.graph import answers, traverse
from kg.graph.export import EXPORTERS, READERS, ExportError, export
from kg.graph.naming import edge_id
from kg.graph.projection import GraphProjection, load_projection

ID = "https://w3id.org/mea-kg/id/"
CENTRE = ID + "centre/iucn-ca-tsc"
WORKPLAN = ID + "workplan/iucn-ca-tsc-workplan-2025-2026"


@pytest.fixture(scope="module")
def graph(built: Any) -> GraphProjection:
    return load_projection(built.settings)


def edge_predicates(g: nx.Graph) -> Counter[str]:
    return Counter(str(d["predicate"]) for *_, d in g.edges(data=True))


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "cytoscape"])
@pytest.mark.parametrize("inferred", [False, True])
def test_round_trip_keeps_nodes_edges_and_predicates(
    graph: GraphProjection, fmt: str, inferred: bool
) -> None:
    source = list(graph.edges(inferred=inferred))
    back = READERS[fmt](export(graph, fmt, inferred=inferred))
    assert back.number_of_nodes() == graph.node_count > 700
    assert back.number_of_edges() == len(source) > 2000
    assert set(map(str, back.nodes)) == set(graph.nodes())
    assert edge_predicates(back) == Counter(e.predicate for e in source)


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "cytoscape"])
def test_attributes_survive_flattened(graph: GraphProjection, fmt: str) -> None:
    back = READERS[fmt](export(graph, fmt))
    centre = back.nodes[CENTRE]
    assert centre["label"] == "IUCN Central Asia CBD TSC Support Centre"
    assert centre["kind"] == "TSCSupportCentre"
    assert centre["conventions"] == ID + "agreement/cbd"
    assert centre["mea:location"] == "Tashkent"
    # A list-valued attribute is one string, values joined by "; ".
    assert centre["types"] == "mea:Centre; mea:Organisation; mea:TSCSupportCentre; org:Organization"
    assert len(centre["skos:altLabel"].split("; ")) == 7
    ids = [str(d.get("id", k)) for *_, k, d in back.edges(keys=True, data=True)]
    if fmt != "gexf":  # networkx's GEXF reader keeps the id as the edge key only
        assert len(set(ids)) == len(ids)


def test_cytoscape_json_has_edge_ids_and_predicate_labels(graph: GraphProjection) -> None:
    doc = json.loads(export(graph, "cytoscape"))
    edges = [e["data"] for e in doc["elements"]["edges"]]
    assert len({e["id"] for e in edges}) == len(edges)
    first = edges[0]
    assert first["id"] == edge_id(first["source"], first["predicate"], first["target"])
    outcome = next(e for e in edges if e["predicate"] == "mea:hasOutcome")
    assert outcome["label"] == "has outcome" and outcome["inferred"] is False
    nodes = {n["data"]["id"]: n["data"] for n in doc["elements"]["nodes"]}
    assert nodes[CENTRE]["colour"].startswith("#")


def test_dot_of_a_neighbourhood_reads_back(graph: GraphProjection) -> None:
    pydot = pytest.importorskip("pydot", reason="pydot reads DOT back (pip install pydot)")
    nodes = {n.iri for n in traverse.neighbours(graph, WORKPLAN, depth=1).nodes}
    data = export(graph, "dot", nodes=nodes).decode()
    back = nx.nx_pydot.from_pydot(pydot.graph_from_dot_data(data)[0])
    expected = graph.edges_among(nodes)
    assert back.number_of_nodes() == len(nodes) > 20
    assert back.number_of_edges() == len(expected)
    # pydot keeps the quotes of quoted ids and values.
    predicates = Counter(d["predicate"].strip('"') for *_, d in back.edges(data=True))
    assert predicates == Counter(e.predicate for e in expected)
    workplan = back.nodes[WORKPLAN]
    assert workplan["label"].strip('"') == "IUCN CA CBD TSC Support Centre Workplan 2025–2026"
    assert workplan['"mea:startDate"'].strip('"') == "2025-01-01"


def test_subgraph_exports(graph: GraphProjection) -> None:
    tehran = traverse.export_scope(graph, convention="tehran")
    assert tehran is not None
    members = {n for n in tehran if ID + "agreement/tehran" in graph.conventions_of(n)}
    assert ID + "workplan/tehran-pow-2009-2010" in members
    assert all(not graph.conventions_of(n) for n in tehran - members)  # context only
    back = READERS["graphml"](export(graph, "graphml", nodes=tehran))
    assert back.number_of_nodes() == len(tehran)
    assert back.number_of_edges() == len(graph.edges_among(tehran))
    path = traverse.export_scope(graph, source="Regional workshops", target="kmgbf:indicator_A.1")
    assert path is not None and len(path) == 4
    with pytest.raises(answers.TraversalError):
        traverse.export_scope(graph, around=WORKPLAN, convention="cbd")


def test_unknown_format_is_refused(graph: GraphProjection) -> None:
    with pytest.raises(ExportError, match="unknown export format"):
        export(graph, "xlsx")
    assert sorted(EXPORTERS) == ["cytoscape", "dot", "gexf", "graphml"]


@pytest.fixture(scope="module")
def client(built: Any) -> Iterator[TestClient]:
    with TestClient(create_app(built.settings)) as c:
        yield c


def test_export_endpoint(client: TestClient, graph: GraphProjection) -> None:
    r = client.get("/api/graph/export", params={"format": "gexf"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/gexf+xml")
    assert 'filename="mea-kg.gexf"' in r.headers["content-disposition"]
    assert READERS["gexf"](r.content).number_of_nodes() == graph.node_count
    r = client.get("/api/graph/export", params={"format": "cytoscape", "for": WORKPLAN})
    assert r.status_code == 200 and "subgraph" in r.headers["content-disposition"]
    assert len(json.loads(r.content)["elements"]["nodes"]) == len(
        traverse.neighbours(graph, WORKPLAN, depth=1).nodes
    )
    assert client.get("/api/graph/export", params={"format": "xlsx"}).status_code == 400
    assert client.get("/api/graph/export", params={"for": "basel"}).status_code == 409


def test_kg_graph_export_writes_a_file(built: Any, tmp_path: Path, graph: GraphProjection) -> None:
    out = tmp_path / "tehran.graphml"
    env = {
        **os.environ,
        "KG_STORE": str(built.settings.store),
        "KG_SNAPSHOT_DIR": str(built.settings.snapshot_dir),
    }
    run = subprocess.run(
        [sys.executable, "-m", "kg.cli", "graph-export", "--format", "graphml",
         "--convention", "tehran", "-o", str(out)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    tehran = traverse.export_scope(graph, convention="tehran")
    assert tehran is not None
    assert READERS["graphml"](out.read_bytes()).number_of_nodes() == len(tehran)
