"""The changes graph (``<base>/graph/changes``): who published what and when, as PROV-O.

Each publish or restore adds one ``prov:Activity`` to it, carried from version to version
with the graph, so that SPARQL answers "who changed this document, and when" and the source's
history (``GET /sources/{key}/history``) reads it back::

    <base>/id/change/7 a prov:Activity ;
        rdfs:label "published tehran-pow-2009-2010 (replaced)" ;
        prov:wasAssociatedWith <base>/id/agent/tehran-secretariat ;
        prov:endedAtTime "2026-12-06T22:00:00Z"^^xsd:dateTime ;
        prov:generated <base>/release/7 ;
        dcterms:subject <base>/graph/tehran-pow-2009-2010 .
    <base>/release/7 prov:wasRevisionOf <base>/release/6 .

A plain ``kg build`` records nothing here (its snapshot is a function of the folders alone,
byte-identical for the same input), but carries what is recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef

from kg.build.snapshot import snapshot_graph
from kg.rdf.namespaces import PREFIXES, graph_iri
from kg.rdf.terms import rdflib_graph
from kg.settings import Settings
from kg.stores.base import GraphStore

if TYPE_CHECKING:
    from kg.build.pipeline import VersionNote

PROV = Namespace(PREFIXES["prov"])
DCTERMS = Namespace(PREFIXES["dcterms"])


def changes_iri(base: str) -> str:
    return graph_iri(base, "changes")


def agent_iri(base: str, name: str) -> URIRef:
    return URIRef(f"{base}/id/agent/{quote(name, safe='')}")


def recorded_changes(settings: Settings) -> Graph:
    """The changes graph of the version served (empty if none)."""
    return rdflib_graph(snapshot_graph(settings.snapshot_dir, changes_iri(settings.base_iri)))


def changes_graph(
    settings: Settings, *, version: int, note: VersionNote, now: datetime | None = None
) -> Graph:
    """The changes graph of the next version: what is recorded, and ``note`` if it is to be."""
    graph = recorded_changes(settings)
    if not note.record:
        return graph
    base = settings.base_iri
    when = (now or datetime.now(UTC)).replace(microsecond=0)
    activity = URIRef(f"{base}/id/change/{version}")
    agent = agent_iri(base, note.published_by)
    release = URIRef(f"{base}/release/{version}")
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, RDFS.label, Literal(note.change)))
    graph.add((activity, PROV.wasAssociatedWith, agent))
    stamp = when.isoformat().replace("+00:00", "Z")  # the canonical form a store keeps
    graph.add((activity, PROV.endedAtTime, Literal(stamp, datatype=XSD.dateTime, normalize=False)))
    graph.add((activity, PROV.generated, release))
    for key, action in sorted(note.changed_sources.items()):
        graph.add((activity, DCTERMS.subject, URIRef(graph_iri(base, key))))
        graph.add((activity, RDFS.comment, Literal(f"{key}: {action}")))
    graph.add((agent, RDF.type, PROV.Agent))
    graph.add((agent, RDFS.label, Literal(note.published_by)))
    graph.add((release, RDF.type, PROV.Entity))
    if version > 1:
        graph.add((release, PROV.wasRevisionOf, URIRef(f"{base}/release/{version - 1}")))
    return graph


def source_history(store: GraphStore, base: str, key: str) -> list[dict[str, str | int]]:
    """What the changes graph in ``store`` records for the source ``key``, newest first:
    each change's version, who made it, when, and what it was."""
    query = f"""
        PREFIX prov: <{PROV}> PREFIX dcterms: <{DCTERMS}> PREFIX rdfs: <{RDFS}>
        SELECT ?release ?who ?when ?what WHERE {{
          GRAPH <{changes_iri(base)}> {{
            ?change dcterms:subject <{graph_iri(base, key)}> ; prov:generated ?release ;
                    prov:endedAtTime ?when ; rdfs:label ?what ;
                    prov:wasAssociatedWith/rdfs:label ?who .
          }}
        }}"""
    rows: list[dict[str, str | int]] = []
    for solution in store.query(query):
        release = solution["release"].value
        rows.append(
            {
                "version": int(release.rsplit("/", 1)[-1]),
                "version_iri": release,
                "published_by": solution["who"].value,
                "at": solution["when"].value,
                "change": solution["what"].value,
            }
        )
    return sorted(rows, key=lambda row: int(row["version"]), reverse=True)
