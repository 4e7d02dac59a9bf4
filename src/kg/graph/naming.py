"""How the projection writes and reads names: IRIs as CURIEs and back, local names, stable
edge ids, label text for matching, and which literal properties name a node."""

from __future__ import annotations

import hashlib

from kg.rdf.namespaces import ALIGNED_PREFIXES, PREFIXES

__all__ = [
    "CURIE_PREFIXES",
    "LABEL_CURIES",
    "LABEL_PROPERTIES",
    "RDF_TYPE",
    "SEARCH_CURIES",
    "curie",
    "edge_id",
    "expand",
    "local_name",
    "normalise",
]

#: Prefixes used to write predicates and types as CURIEs (the project's own, plus the
#: vocabularies the ontology aligns with).
CURIE_PREFIXES: dict[str, str] = {**PREFIXES, **ALIGNED_PREFIXES}


def curie(iri: str) -> str:
    """``iri`` as a CURIE with a known prefix, else unchanged.

    >>> curie("https://w3id.org/mea-kg/ontology#hasOutcome")
    'mea:hasOutcome'
    >>> curie("urn:x")
    'urn:x'
    """
    for prefix, namespace in CURIE_PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def expand(name: str) -> str:
    """A CURIE with a known prefix as a full IRI, else unchanged.

    >>> expand("kmgbf:target_3")
    'http://metadata.cbd.int/kmgbf/target_3'
    """
    prefix, sep, local = name.partition(":")
    if sep and prefix in CURIE_PREFIXES and not local.startswith("//"):
        return CURIE_PREFIXES[prefix] + local
    return name


def local_name(iri: str) -> str:
    """The part of an IRI after its last ``#`` or ``/`` (a trailing ``/`` ignored).

    >>> local_name("https://w3id.org/mea-kg/ontology#TSCSupportCentre")
    'TSCSupportCentre'
    >>> local_name("https://www.ecolex.org/details/treaty/TRE-001003/")
    'TRE-001003'
    """
    trimmed = iri.rstrip("/") or iri
    return trimmed.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def edge_id(source: str, predicate: str, target: str) -> str:
    """A short, stable id of an edge (the same in every answer, export and the browser view).

    >>> edge_id("urn:a", "mea:hasOutcome", "urn:b")
    'ea9c3b874c58bf4ae'
    """
    digest = hashlib.sha1(f"{source} {predicate} {target}".encode(), usedforsecurity=False)
    return "e" + digest.hexdigest()[:16]


def normalise(text: str) -> str:
    """Text for label matching: case-folded, dashes unified, spacing collapsed.

    >>> normalise("  Outcome 2 – Strengthened   Policy ")
    'outcome 2 - strengthened policy'
    """
    text = text.casefold().replace("–", "-").replace("—", "-")
    return " ".join(text.split())


RDF_TYPE = expand("rdf:type")
#: Literal properties that name a node, best first.
LABEL_CURIES = ("rdfs:label", "skos:prefLabel", "dcterms:title", "skos:notation")
LABEL_PROPERTIES = tuple(expand(p) for p in LABEL_CURIES)
#: Literal properties searched by :meth:`~kg.graph.projection.GraphProjection.find`: labels,
#: alternative labels and the codes people type (``UZB``, ``BC-14/18``, ``3.1``).
SEARCH_CURIES = (*LABEL_CURIES, "skos:altLabel", "mea:iso3166Alpha3", "mea:decisionCode")
