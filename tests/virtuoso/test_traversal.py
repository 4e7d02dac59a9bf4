"""The traversals behind ``kg indicators`` on Virtuoso: the graph projection read through the
``sparql`` backend equals the one read from the embedded Oxigraph store, and the Central Asia
TSC workplan reaches exactly its nine GBF headline indicators."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from kg.graph import contribution
from kg.graph.elements import NodeInfo
from kg.graph.projection import GraphProjection, load_projection
from kg.settings import Settings
from kg.stores import SparqlStore, open_store
from tests.virtuoso.conftest import Loaded

pytestmark = pytest.mark.virtuoso

ID = "https://w3id.org/mea-kg/id/"
WORKPLAN = ID + "workplan/iucn-ca-tsc-workplan-2025-2026"
CENTRE = ID + "centre/iucn-ca-tsc"
#: The workplan's official headline indicators (queries/01-...csv; ordered as the answer is).
BOOLEAN_PROPERTY = "mea:voluntaryFundingNeeded"
TSC_HEADLINE = ["1.1", "2.1", "3.1", "21.1", "A.1", "A.2", "A.3", "A.4", "B.1"]


@pytest.fixture(scope="module")
def remote(sparql_settings: Settings, loaded: Loaded) -> Iterator[GraphProjection]:
    """The projection read from Virtuoso (no snapshot file beside the settings)."""
    store = open_store(sparql_settings)
    assert isinstance(store, SparqlStore)
    try:
        yield load_projection(sparql_settings, store)
    finally:
        store.close()


@pytest.fixture(scope="module")
def local(built: Any) -> GraphProjection:
    """The same projection read from the session's Oxigraph store (a store scan too)."""
    return GraphProjection.from_store(built.store, base_iri=built.settings.base_iri)


def test_projection_is_read_from_the_server(remote: GraphProjection, loaded: Loaded) -> None:
    assert remote.info.snapshot is None  # not the snapshot file: the quads came over HTTP
    ontology = loaded.manifest.graphs[loaded.manifest.base_iri + "/graph/ontology"]
    assert remote.info.quads_read == loaded.manifest.triples - ontology == 9466
    assert (remote.node_count, remote.edge_count) == (775, 2829)


def canonical_booleans(info: NodeInfo) -> NodeInfo:
    """``info`` with the values of the seed graph's one ``xsd:boolean`` property
    (``mea:voluntaryFundingNeeded``, 35 triples) in canonical form: Virtuoso keeps booleans as
    integers and answers ``"1"^^xsd:boolean`` where Oxigraph has ``"true"^^xsd:boolean``, the
    same value (https://www.w3.org/TR/xmlschema11-2/#boolean). See
    test_sparql_store.py::test_booleans_come_back_canonical."""
    values = info.literals.get(BOOLEAN_PROPERTY)
    if values is None:
        return info
    canonical = tuple({"1": "true", "0": "false"}.get(v, v) for v in values)
    return replace(info, literals={**info.literals, BOOLEAN_PROPERTY: canonical})


def test_projection_equals_oxigraphs(remote: GraphProjection, local: GraphProjection) -> None:
    assert set(remote.edges(inferred=True)) == set(local.edges(inferred=True))
    assert set(remote.nodes()) == set(local.nodes())
    differ = [n for n in local.nodes() if canonical_booleans(remote.node(n)) != local.node(n)]
    assert differ == []


def test_tsc_workplan_reaches_its_nine_headline_indicators(remote: GraphProjection) -> None:
    answer = contribution.indicators(remote, WORKPLAN)
    assert [i.code for i in answer.indicators] == TSC_HEADLINE
    assert answer.entity.iri == WORKPLAN


@pytest.mark.parametrize("entity", [WORKPLAN, CENTRE, "Regional workshops"])
def test_indicator_answers_equal_oxigraphs(
    remote: GraphProjection, local: GraphProjection, entity: str
) -> None:
    """Paths, targets, counts and claim reconciliation too, not only the codes."""
    assert contribution.indicators(remote, entity) == contribution.indicators(local, entity)


def test_kg_indicators_command_on_virtuoso(sparql_settings: Settings, loaded: Loaded) -> None:
    """``kg indicators`` configured only by the environment variables of docs/scale-out.md."""
    env = {
        **os.environ,
        "KG_BACKEND": "sparql",
        "KG_SPARQL_QUERY": sparql_settings.sparql_query or "",
        "KG_SPARQL_UPDATE": sparql_settings.sparql_update or "",
        "KG_SPARQL_GSP": sparql_settings.sparql_gsp or "",
        "KG_SNAPSHOT_DIR": str(sparql_settings.snapshot_dir),
        "KG_STORE": str(sparql_settings.store),
    }
    done = subprocess.run(
        [sys.executable, "-m", "kg.cli", "indicators", "--format", "json", WORKPLAN],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert [i["code"] for i in answer["indicators"]] == TSC_HEADLINE
    assert answer["entity"]["iri"] == WORKPLAN
