"""Curation of suggestions (``kg accept`` / ``kg reject``): a person's decision on one
suggested target, kept in a source of its own (:data:`CURATION_KEY`) and published as a new
version like any document, so that who decided and when is in the changes graph (PROV).

An accepted suggestion becomes an asserted link, ``<entity> mea:contributesToTarget
<target>``, which every traversal follows, with the decision beside it as an SSSOM mapping
(``semapv:ManualMappingCuration``, the author and the date). A rejected one is recorded as a
negated mapping (``sssom:predicate_modifier "Not"``), which the suggester reads so as never
to suggest it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date

import pyoxigraph as ox

from kg.rdf.namespaces import CANONICAL_BASE, MEA, PREFIXES, RDF_TYPE, entity_iri
from kg.suggest.sssom import SEMAPV, SSSOM

#: The source that holds the decisions.
CURATION_KEY = "gbf-alignment-curation"
_NOT = ox.Literal("Not")


def decision_triples(
    entity: str, target: str, *, accepted: bool, who: str, on: date
) -> list[ox.Triple]:
    """The triples of one decision (canonical IRIs, as sources are written)."""
    digest = hashlib.sha256(f"{entity} {target}".encode()).hexdigest()[:16]
    mapping = ox.NamedNode(entity_iri(CANONICAL_BASE, "curation", digest))

    def node(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    facts: list[tuple[str, ox.NamedNode | ox.Literal]] = [
        (RDF_TYPE, node(SSSOM + "Mapping")),
        (SSSOM + "subject_id", node(entity)),
        (SSSOM + "predicate_id", node(PREFIXES["skos"] + "relatedMatch")),
        (SSSOM + "object_id", node(target)),
        (SSSOM + "mapping_justification", node(SEMAPV + "ManualMappingCuration")),
        (SSSOM + "author_label", ox.Literal(who)),
        (
            SSSOM + "mapping_date",
            ox.Literal(on.isoformat(), datatype=node(PREFIXES["xsd"] + "date")),
        ),
        (str(MEA.fromDocument), node(document_iri())),
        (str(MEA.sourceLocator), ox.Literal(f"{'accepted' if accepted else 'rejected'} by {who}")),
    ]
    if not accepted:
        facts.append((SSSOM + "predicate_modifier", _NOT))
    triples = [ox.Triple(mapping, node(p), o) for p, o in facts]
    if accepted:
        triples.append(ox.Triple(node(entity), node(str(MEA.contributesToTarget)), node(target)))
    return triples


def document_iri() -> str:
    return entity_iri(CANONICAL_BASE, "document", CURATION_KEY)


def document_triples() -> list[ox.Triple]:
    doc = ox.NamedNode(document_iri())
    en = "en"
    return [
        ox.Triple(doc, ox.NamedNode(RDF_TYPE), ox.NamedNode(str(MEA.Document))),
        ox.Triple(doc, ox.NamedNode(PREFIXES["rdfs"] + "label"),
                  ox.Literal("Curated GBF alignments", language=en)),
        ox.Triple(doc, ox.NamedNode(PREFIXES["dcterms"] + "title"),
                  ox.Literal("GBF alignments accepted or rejected by people (kg accept, kg reject)",
                             language=en)),
        ox.Triple(doc, ox.NamedNode(str(MEA.sourceFile)), ox.Literal("kg accept / kg reject")),
        ox.Triple(doc, ox.NamedNode(str(MEA.sourceLocator)), ox.Literal("Whole document")),
    ]  # fmt: skip


def with_decision(
    existing: Iterable[ox.Triple], entity: str, target: str, *, accepted: bool, who: str, on: date
) -> list[ox.Triple]:
    """The curation source with this decision, replacing any earlier one on the same pair."""
    digest = hashlib.sha256(f"{entity} {target}".encode()).hexdigest()[:16]
    earlier = ox.NamedNode(entity_iri(CANONICAL_BASE, "curation", digest))
    link = ox.Triple(
        ox.NamedNode(entity), ox.NamedNode(str(MEA.contributesToTarget)), ox.NamedNode(target)
    )
    kept = [t for t in existing if t.subject != earlier and t != link]
    base = kept or document_triples()
    return base + decision_triples(entity, target, accepted=accepted, who=who, on=on)


def rejected_pairs(triples: Iterable[ox.Triple]) -> set[tuple[str, str]]:
    """(entity, target) of every rejected suggestion in ``triples``."""
    subject: dict[str, str] = {}
    target: dict[str, str] = {}
    negated: set[str] = set()
    for t in triples:
        s, p = str(t.subject), t.predicate.value
        if p == SSSOM + "subject_id" and isinstance(t.object, ox.NamedNode):
            subject[s] = t.object.value
        elif p == SSSOM + "object_id" and isinstance(t.object, ox.NamedNode):
            target[s] = t.object.value
        elif p == SSSOM + "predicate_modifier" and t.object == _NOT:
            negated.add(s)
    return {(subject[m], target[m]) for m in negated if m in subject and m in target}
