"""Self-descriptions of the endpoint: the SPARQL 1.1 Service Description
(https://www.w3.org/TR/sparql11-service-description/) and a VoID description of the dataset
(https://www.w3.org/TR/void/) with triple counts per named graph.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox

from kg.rdf.namespaces import PREFIXES
from kg.stores.base import GraphStore

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
RDFS_COMMENT = ox.NamedNode(PREFIXES["rdfs"] + "comment")
DCTERMS = PREFIXES["dcterms"]
XSD_INTEGER = PREFIXES["xsd"] + "integer"

RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "RDF_XML",
    "JSON-LD",
    "N-Quads",
    "TriG",
)


def graph_counts(store: GraphStore) -> dict[str, int]:
    """Triples per named graph of ``store``."""
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    return {row["g"].value: int(row["n"].value) for row in store.query(query)}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def service_description(
    endpoint: str,
    counts: Mapping[str, int],
    *,
    updates: bool,
    void_url: str,
    prefixes: Mapping[str, str] | None = None,
) -> list[ox.Triple]:
    """The service description of the endpoint at ``endpoint``; the ``prefixes`` a query may
    use undeclared are listed as SHACL prefix declarations (``sh:declare``), the vocabulary
    SPARQL tools read prefixes from."""
    service = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    out = [
        ox.Triple(service, RDF_TYPE, _n(SD + "Service")),
        ox.Triple(service, _n(SD + "endpoint"), _n(endpoint)),
        ox.Triple(service, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
        ox.Triple(service, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")),
        ox.Triple(
            service,
            _n(SD + "defaultEntailmentRegime"),
            _n("http://www.w3.org/ns/entailment/Simple"),
        ),
        ox.Triple(service, _n(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _n(SD + "Dataset")),
        ox.Triple(dataset, _n(SD + "defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, _n(SD + "Graph")),
        ox.Triple(
            default,
            RDFS_COMMENT,
            ox.Literal(
                "Unless the query (FROM / FROM NAMED) or the request (default-graph-uri / "
                "named-graph-uri) says otherwise, the default graph is the union of all the "
                "named graphs (on Oxigraph, a triple held in two graphs is matched twice)."
            ),
        ),
        ox.Triple(
            default,
            _n(VOID + "triples"),
            ox.Literal(str(sum(counts.values())), datatype=_n(XSD_INTEGER)),
        ),
        ox.Triple(dataset, _n(PREFIXES["rdfs"] + "seeAlso"), _n(void_url)),
    ]
    if updates:
        out.append(ox.Triple(service, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Update")))
    for name in RESULT_FORMATS:
        out.append(ox.Triple(service, _n(SD + "resultFormat"), _n(FORMATS + name)))
    shacl = PREFIXES["sh"]
    for prefix, namespace in sorted((prefixes or {}).items()):
        declaration = ox.BlankNode(f"prefix-{prefix}")
        out += [
            ox.Triple(service, _n(shacl + "declare"), declaration),
            ox.Triple(declaration, _n(shacl + "prefix"), ox.Literal(prefix)),
            ox.Triple(
                declaration,
                _n(shacl + "namespace"),
                ox.Literal(namespace, datatype=_n(PREFIXES["xsd"] + "anyURI")),
            ),
        ]
    for index, (graph, count) in enumerate(sorted(counts.items())):
        named, described = ox.BlankNode(f"ng{index}"), ox.BlankNode(f"g{index}")
        out += [
            ox.Triple(dataset, _n(SD + "namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _n(SD + "NamedGraph")),
            ox.Triple(named, _n(SD + "name"), _n(graph)),
            ox.Triple(named, _n(SD + "graph"), described),
            ox.Triple(described, RDF_TYPE, _n(SD + "Graph")),
            ox.Triple(described, _n(VOID + "triples"), _integer(count)),
        ]
    return out


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD_INTEGER))


def void_description(
    dataset_iri: str, endpoint: str, counts: Mapping[str, int], *, version: str | None = None
) -> list[ox.Triple]:
    """VoID: the dataset, its SPARQL endpoint, and one subset per named graph with its size."""
    dataset = _n(dataset_iri)
    out = [
        ox.Triple(dataset, RDF_TYPE, _n(VOID + "Dataset")),
        ox.Triple(dataset, _n(DCTERMS + "title"), ox.Literal("MEA knowledge graph", language="en")),
        ox.Triple(
            dataset,
            _n(DCTERMS + "description"),
            ox.Literal(
                "Multilateral environmental agreements, decisions, parties, centres and "
                "workplans linked to the Kunming-Montreal Global Biodiversity Framework.",
                language="en",
            ),
        ),
        ox.Triple(
            dataset, _n(DCTERMS + "license"), _n("https://creativecommons.org/licenses/by/4.0/")
        ),
        ox.Triple(dataset, _n(VOID + "sparqlEndpoint"), _n(endpoint)),
        ox.Triple(dataset, _n(VOID + "triples"), _integer(sum(counts.values()))),
        ox.Triple(dataset, _n(VOID + "vocabulary"), _n(PREFIXES["mea"])),
    ]
    if version:
        out.append(ox.Triple(dataset, _n(PREFIXES["owl"] + "versionIRI"), _n(version)))
    for graph, count in sorted(counts.items()):
        subset = _n(graph)
        out += [
            ox.Triple(dataset, _n(VOID + "subset"), subset),
            ox.Triple(subset, RDF_TYPE, _n(VOID + "Dataset")),
            ox.Triple(subset, _n(VOID + "triples"), _integer(count)),
            ox.Triple(subset, _n(SD + "name"), subset),
        ]
    return out
