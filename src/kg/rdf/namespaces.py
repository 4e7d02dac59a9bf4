"""Namespaces and IRI helpers shared by every stage (DESIGN.md §4)."""

from __future__ import annotations

from rdflib import Namespace

#: The base every data file is written with; the build rewrites it to ``KG_BASE_IRI``.
CANONICAL_BASE = "https://w3id.org/mea-kg"

MEA = Namespace("https://w3id.org/mea-kg/ontology#")
KMGBF = Namespace("http://metadata.cbd.int/kmgbf/")
ONTOLOGY_IRI = "https://w3id.org/mea-kg/ontology"
#: The namespace of the SHACL shapes (``shapes/*.ttl``).
SHAPES_NAMESPACE = "https://w3id.org/mea-kg/shapes#"

PREFIXES: dict[str, str] = {
    "mea": str(MEA),
    "kmgbf": str(KMGBF),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "sh": "http://www.w3.org/ns/shacl#",
}
#: The vocabularies the ontology aligns with, for writing their terms as CURIEs (the graph
#: projection's predicates and types). Not in :data:`PREFIXES`, which queries, entity pages
#: and dumps declare.
ALIGNED_PREFIXES: dict[str, str] = {
    "schema": "https://schema.org/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "time": "http://www.w3.org/2006/time#",
}

#: The vocabularies that describe the published dataset (DCAT, VoID) and InforMEA's LEO
#: terms, which the RDF dump links subject terms to.
DATASET_PREFIXES: dict[str, str] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "leo": "http://www.informea.org/terms/",
}


def entity_iri(base: str, kind: str, key: str) -> str:
    """The IRI of an entity: ``<base>/id/<kind>/<key>``.

    >>> entity_iri("https://example.org/kg", "party", "UZB")
    'https://example.org/kg/id/party/UZB'
    """
    return f"{base.rstrip('/')}/id/{kind}/{key}"


def graph_iri(base: str, name: str) -> str:
    """The IRI of a named graph: ``<base>/graph/<name>``.

    >>> graph_iri("https://example.org/kg/", "reference/gbf")
    'https://example.org/kg/graph/reference/gbf'
    """
    return f"{base.rstrip('/')}/graph/{name}"
