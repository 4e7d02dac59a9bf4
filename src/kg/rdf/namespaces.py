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


#: ``rdf:type``, as the code that reads pyoxigraph terms compares predicates (strings).
RDF_TYPE = PREFIXES["rdf"] + "type"


def endpoint_prefixes(base: str) -> dict[str, str]:
    """The prefixes a query may use without declaring them (the SPARQL endpoint, ``kg
    query``): :data:`PREFIXES` and ``id:`` for the entities (``id:party/UZB``). A query that
    declares one of them keeps its own.

    >>> endpoint_prefixes("https://example.org/kg")["id"]
    'https://example.org/kg/id/'
    """
    return {**PREFIXES, "id": f"{base.rstrip('/')}/id/"}


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


#: The named graphs ``kg build`` makes from the ontology and reference tables, or derives
#: (reconciliation, inferred): a write to one is refused, as the next build would undo it.
#: Every other graph under ``<base>/graph/`` holds one source document.
BUILT_GRAPHS = ("ontology", "reconciliation", "inferred", "changes", "reference/", "export/")


def source_key(base: str, graph: str) -> str | None:
    """The document key of ``graph`` if it is a source document's graph, else ``None``.

    >>> base = "https://example.org/kg"
    >>> source_key(base, "https://example.org/kg/graph/tehran-pow-2009-2010")
    'tehran-pow-2009-2010'
    >>> source_key(base, "https://example.org/kg/graph/reference/gbf") is None
    True
    >>> source_key(base, "http://127.0.0.1:8000/gsp/scratch") is None
    True
    """
    prefix = graph_iri(base, "")
    if not graph.startswith(prefix) or is_built_graph(base, graph):
        return None
    key = graph[len(prefix) :]
    return key or None


def is_built_graph(base: str, graph: str) -> bool:
    """Whether ``graph`` is one ``kg build`` makes (:data:`BUILT_GRAPHS`).

    >>> is_built_graph("https://example.org/kg", "https://example.org/kg/graph/inferred")
    True
    """
    prefix = graph_iri(base, "")
    name = graph[len(prefix) :] if graph.startswith(prefix) else None
    return name is not None and any(
        name == built or (built.endswith("/") and name.startswith(built)) for built in BUILT_GRAPHS
    )


def graph_iri(base: str, name: str) -> str:
    """The IRI of a named graph: ``<base>/graph/<name>``.

    >>> graph_iri("https://example.org/kg/", "reference/gbf")
    'https://example.org/kg/graph/reference/gbf'
    """
    return f"{base.rstrip('/')}/graph/{name}"
