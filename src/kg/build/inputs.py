"""Reading what the build reads: the ontology, the reference data and the sources, each as
an rdflib graph keyed by the IRI of the named graph it will live in, rebased on
``KG_BASE_IRI``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from kg.build.reference import countries_graph, gbf_graph
from kg.rdf.namespaces import graph_iri
from kg.rdf.read import RDFInputError, read_many, read_rdf, rebase, skolemize
from kg.settings import Settings


@dataclass
class Inputs:
    """Everything the build reads, as rdflib graphs keyed by named-graph IRI."""

    ontology: Graph
    reference: dict[str, Graph] = field(default_factory=dict)
    sources: dict[str, Graph] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)

    def reference_union(self) -> Graph:
        union = Graph()
        for graph in self.reference.values():
            union += graph
        return union


def load_ontology(settings: Settings) -> Graph:
    """The ontology, its blank nodes (RDF lists) given stable IRIs."""
    ontology = read_many(sorted(settings.ontology_dir.glob("*.ttl")))
    return skolemize(ontology, settings.base_iri, "ontology")


def load_inputs(settings: Settings, *, sources_dir: Path | None = None) -> Inputs:
    """Read the ontology, the reference data and every source (of ``sources_dir``, the
    sources folder unless given), rebased on ``KG_BASE_IRI``."""
    base = settings.base_iri
    reference_dir = settings.data_dir / "reference"
    inputs = Inputs(ontology=load_ontology(settings))
    reference: dict[str, Graph] = {
        "gbf": gbf_graph(reference_dir),
        "countries": countries_graph(reference_dir),
    }
    for path in sorted(reference_dir.glob("*.ttl")):
        reference[path.stem] = read_rdf(path)
    inputs.reference = {
        graph_iri(base, f"reference/{name}"): skolemize(rebase(g, base), base, f"reference-{name}")
        for name, g in reference.items()
    }
    for path in sorted((sources_dir or settings.sources_dir).glob("*.ttl")):
        name = graph_iri(base, path.stem)
        try:
            inputs.sources[name] = skolemize(rebase(read_rdf(path), base), base, path.stem)
        except RDFInputError as err:
            inputs.unreadable[name] = str(err)
    return inputs
