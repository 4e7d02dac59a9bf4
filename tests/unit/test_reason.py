"""The fast reasoner: each axiom kind on its own, then equality with owlrl on the seed graph."""

from __future__ import annotations

import owlrl
from rdflib import RDF, Graph, URIRef

from kg.namespaces import MEA
from kg.reason import Rules, materialise

ONTOLOGY = """
@prefix : <urn:x:> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:Dog rdfs:subClassOf :Mammal . :Mammal rdfs:subClassOf :Animal .
:hasPuppy rdfs:subPropertyOf :hasChild . :hasChild owl:inverseOf :childOf .
:sibling a owl:SymmetricProperty . :ancestor a owl:TransitiveProperty .
:grandparentOf owl:propertyChainAxiom ( :parentOf :parentOf ) .
:greatGrandparentOf owl:propertyChainAxiom ( :parentOf :parentOf :parentOf ) .
"""


def x(name: str) -> URIRef:
    return URIRef(f"urn:x:{name}")


def closure(*triples: tuple[str, str, str]) -> set[tuple[str, str, str]]:
    rules = Rules.from_ontology(Graph().parse(data=ONTOLOGY, format="turtle"))
    data = [(x(s), RDF.type if p == "a" else x(p), x(o)) for s, p, o in triples]
    out = materialise(rules, data)
    return {(str(s)[6:], "a" if p == RDF.type else str(p)[6:], str(o)[6:]) for s, p, o in out}


def test_subclass_is_transitive_through_the_hierarchy() -> None:
    assert closure(("rex", "a", "Dog")) == {("rex", "a", "Mammal"), ("rex", "a", "Animal")}


def test_subproperty_then_inverse() -> None:
    assert closure(("ann", "hasPuppy", "rex")) == {
        ("ann", "hasChild", "rex"),
        ("rex", "childOf", "ann"),
    }


def test_symmetric_property() -> None:
    assert closure(("a", "sibling", "b")) == {("b", "sibling", "a")}


def test_transitive_property_in_any_order() -> None:
    out = closure(("c", "ancestor", "d"), ("a", "ancestor", "b"), ("b", "ancestor", "c"))
    assert {("a", "ancestor", "c"), ("a", "ancestor", "d"), ("b", "ancestor", "d")} == out


def test_property_chains_of_two_and_three_steps() -> None:
    out = closure(("a", "parentOf", "b"), ("b", "parentOf", "c"), ("c", "parentOf", "d"))
    assert ("a", "grandparentOf", "c") in out
    assert ("b", "grandparentOf", "d") in out
    assert ("a", "greatGrandparentOf", "d") in out
    assert len(out) == 3


def test_nothing_asserted_is_returned_as_inferred() -> None:
    assert closure(("rex", "a", "Dog"), ("rex", "a", "Animal")) == {("rex", "a", "Mammal")}


def _restricted(graph: Graph) -> set[tuple[object, object, object]]:
    """Triples about the ontology's own terms: mea: predicates, and types that are mea: classes."""
    ns = str(MEA)
    return {
        (s, p, o)
        for s, p, o in graph
        if str(p).startswith(ns) or (p == RDF.type and str(o).startswith(ns))
    }


def test_fast_closure_equals_owlrl_on_the_built_seed_graph(built) -> None:  # type: ignore[no-untyped-def]
    ontology_iri = f"{built.settings.base_iri}/graph/ontology"
    inferred_iri = f"{built.settings.base_iri}/graph/inferred"
    asserted = Graph()
    for name, graph in built.result.graphs.items():
        if name != inferred_iri:
            asserted += graph
    assert ontology_iri in built.result.graphs
    ours = Graph()
    ours += asserted
    ours += built.result.graphs[inferred_iri]

    oracle = Graph()
    oracle += asserted
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(oracle)

    mine, theirs = _restricted(ours), _restricted(oracle)
    assert mine - theirs == set(), "the fast reasoner derived what OWL 2 RL does not entail"
    assert theirs - mine == set(), "the fast reasoner missed OWL 2 RL entailments"
    assert len(built.result.graphs[inferred_iri]) > 1000
