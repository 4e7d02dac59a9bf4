"""Reconcile a document's indicator claims with the official GBF monitoring framework
(DESIGN.md §5): keep the claim verbatim, link it to the official indicator where the code
matches, and record whether the title agrees. Nothing is fixed or dropped.

>>> from rdflib import Graph
>>> g = Graph().parse(data='''
...   @prefix mea: <https://w3id.org/mea-kg/ontology#> .
...   @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
...   <urn:i> a mea:GBFIndicator ; skos:notation "3.1" ; skos:prefLabel "Protected areas"@en .
...   <urn:c1> a mea:IndicatorClaim ; mea:claimedCode "3.1" ; mea:claimedTitle "Protected areas" .
...   <urn:c2> a mea:IndicatorClaim ; mea:claimedCode "20.1" ; mea:claimedTitle "Capacity" .
... ''', format="turtle")
>>> sorted((str(c), r.status) for c, r in reconcile(g).items())
[('urn:c1', 'official'), ('urn:c2', 'not in the framework')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, SKOS, Graph, URIRef
from rdflib.term import Node

from kg.rdf.namespaces import MEA
from kg.rdf.terms import rdflib_graph

STATUS_LABELS = {
    MEA.Official: "official",
    MEA.TitleDiffers: "title differs",
    MEA.NotInFramework: "not in the framework",
}


@dataclass(frozen=True)
class Reconciliation:
    """The verdict on one claim."""

    code: str
    status_iri: URIRef
    indicator: Node | None

    @property
    def status(self) -> str:
        return STATUS_LABELS[self.status_iri]


def _normalise(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def reconcile(graph: Graph) -> dict[Node, Reconciliation]:
    """Verdicts for every ``mea:IndicatorClaim`` in ``graph`` (which must also hold the
    official indicators)."""
    official: dict[str, Node] = {}
    for indicator in graph.subjects(RDF.type, MEA.GBFIndicator):
        for notation in graph.objects(indicator, SKOS.notation):
            official[str(notation)] = indicator
    verdicts: dict[Node, Reconciliation] = {}
    for claim in set(graph.subjects(RDF.type, MEA.IndicatorClaim)):
        code = graph.value(claim, MEA.claimedCode)
        if code is None:
            continue  # the shapes reject a claim without a code
        match = official.get(str(code).strip())
        if match is None:
            verdicts[claim] = Reconciliation(str(code), MEA.NotInFramework, None)
            continue
        claimed = graph.value(claim, MEA.claimedTitle)
        titles = {_normalise(str(t)) for t in graph.objects(match, SKOS.prefLabel)}
        same = claimed is None or _normalise(str(claimed)) in titles
        status = MEA.Official if same else MEA.TitleDiffers
        verdicts[claim] = Reconciliation(str(code), status, match)
    return verdicts


def reconciliation_graph(graph: Graph) -> Graph:
    """The verdicts as triples (``mea:matchesIndicator``, ``mea:reconciliationStatus``)."""
    out = Graph()
    out.bind("mea", MEA)
    for claim, verdict in reconcile(graph).items():
        out.add((claim, MEA.reconciliationStatus, verdict.status_iri))
        if verdict.indicator is not None:
            out.add((claim, MEA.matchesIndicator, verdict.indicator))
    return out


def reconciliation_input(graphs: Iterable[Iterable[ox.Triple]]) -> Graph:
    """The triples of ``graphs`` that :func:`reconcile` reads (claims, their codes and
    titles, official indicators' notations and labels), as a small rdflib graph: the rest of
    a large graph is never copied into rdflib."""
    types = {ox.NamedNode(str(MEA.IndicatorClaim)), ox.NamedNode(str(MEA.GBFIndicator))}
    rdf_type = ox.NamedNode(str(RDF.type))
    read = {
        ox.NamedNode(str(p))
        for p in (MEA.claimedCode, MEA.claimedTitle, SKOS.notation, SKOS.prefLabel)
    }
    wanted = [
        t
        for triples in graphs
        for t in triples
        if t.predicate in read or (t.predicate == rdf_type and t.object in types)
    ]
    return rdflib_graph(wanted)


__all__ = ["Reconciliation", "reconcile", "reconciliation_graph", "reconciliation_input"]
