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

import pyoxigraph as ox

from kg.build.snapshot import snapshot_graph
from kg.rdf.namespaces import PREFIXES, graph_iri
from kg.rdf.terms import Triples
from kg.settings import Settings
from kg.stores.base import GraphStore

if TYPE_CHECKING:
    from kg.build.pipeline import VersionNote

PROV = PREFIXES["prov"]
DCTERMS = PREFIXES["dcterms"]
RDFS = PREFIXES["rdfs"]
_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
_LABEL, _COMMENT = ox.NamedNode(RDFS + "label"), ox.NamedNode(RDFS + "comment")
_DATETIME = ox.NamedNode(PREFIXES["xsd"] + "dateTime")


def _prov(name: str) -> ox.NamedNode:
    return ox.NamedNode(PROV + name)


def changes_iri(base: str) -> str:
    return graph_iri(base, "changes")


def agent_iri(base: str, name: str) -> ox.NamedNode:
    return ox.NamedNode(f"{base}/id/agent/{quote(name, safe='')}")


def recorded_changes(settings: Settings) -> Triples:
    """The changes graph of the version served (empty if none), as it was written: carried
    in pyoxigraph terms, so that no literal is rewritten on the way (rdflib writes a
    ``...Z`` dateTime as ``...+00:00``, and the snapshot then differed from its store)."""
    return snapshot_graph(settings.snapshot_dir, changes_iri(settings.base_iri))


def changes_graph(
    settings: Settings, *, version: int, note: VersionNote, now: datetime | None = None
) -> Triples:
    """The changes graph of the next version: what is recorded, and ``note`` if it is to be."""
    triples = recorded_changes(settings)
    if not note.record:
        return triples
    base = settings.base_iri
    when = (now or datetime.now(UTC)).replace(microsecond=0)
    stamp = when.isoformat().replace("+00:00", "Z")  # the canonical form a store keeps
    activity = ox.NamedNode(f"{base}/id/change/{version}")
    agent = agent_iri(base, note.published_by)
    release = ox.NamedNode(f"{base}/release/{version}")
    added: list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]] = [
        (activity, _TYPE, _prov("Activity")),
        (activity, _LABEL, ox.Literal(note.change)),
        (activity, _prov("wasAssociatedWith"), agent),
        (activity, _prov("endedAtTime"), ox.Literal(stamp, datatype=_DATETIME)),
        (activity, _prov("generated"), release),
        (agent, _TYPE, _prov("Agent")),
        (agent, _LABEL, ox.Literal(note.published_by)),
        (release, _TYPE, _prov("Entity")),
    ]
    for key, action in sorted(note.changed_sources.items()):
        added.append(
            (activity, ox.NamedNode(DCTERMS + "subject"), ox.NamedNode(graph_iri(base, key)))
        )
        added.append((activity, _COMMENT, ox.Literal(f"{key}: {action}")))
    if version > 1:
        previous = ox.NamedNode(f"{base}/release/{version - 1}")
        added.append((release, _prov("wasRevisionOf"), previous))
    return triples + [ox.Triple(*triple) for triple in added]


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
