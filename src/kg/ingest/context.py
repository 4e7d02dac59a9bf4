"""What an import reads besides the file: the entities already in the graph (to link to them
by name) and the shapes and reference data its source is validated against."""

from __future__ import annotations

from collections.abc import Sequence

from kg.build.inputs import load_inputs, load_ontology
from kg.ingest.names import Names
from kg.rdf.namespaces import graph_iri
from kg.settings import Settings
from kg.shacl.sources import SourceValidator


def graph_names(
    settings: Settings,
    *,
    replacing: str | None,
    parties: Sequence[str] = (),
    agreement: str | None = None,
) -> Names:
    """The names of the reference data's and the other sources' entities. The source being
    replaced is left out: its entities go with it, so the import must not link to them."""
    inputs = load_inputs(settings)
    skip = graph_iri(settings.base_iri, replacing) if replacing else None
    others = [t for name, graph in inputs.sources.items() if name != skip for t in graph]
    return Names(
        others,
        parties,
        base=settings.base_iri,
        shared=inputs.reference_union(),
        agreement=agreement,
    )


def source_validator(settings: Settings) -> SourceValidator:
    """A validator of one source, with the reference data as context (as ``kg validate``)."""
    from kg.rdf.terms import rdflib_graph
    from kg.shacl.validate import load_shapes

    context = rdflib_graph(load_inputs(settings).reference_union())
    return SourceValidator(
        shapes=load_shapes(settings.shapes_dir), ontology=load_ontology(settings), context=context
    )


def subclasses(settings: Settings) -> dict[str, set[str]]:
    """Each class of the ontology to all its subclasses (``kg export-table`` writes an
    events table's meetings too)."""
    from rdflib import RDFS, URIRef

    ontology = load_ontology(settings)
    closure: dict[str, set[str]] = {}
    for cls in set(ontology.objects(None, RDFS.subClassOf)):
        if isinstance(cls, URIRef):
            below = ontology.transitive_subjects(RDFS.subClassOf, cls)
            closure[str(cls)] = {str(c) for c in below if c != cls}
    return closure
