"""The fast reasoner: each axiom kind on its own, equality with owlrl on the seed graph, and
the in-store reasoner equal to the in-memory one (seed graph, generated graphs, edge cases)."""

from __future__ import annotations

from typing import Any

import owlrl
import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, URIRef

from kg.bench.generate import generate
from kg.build.inputs import load_ontology
from kg.rdf.namespaces import MEA
from kg.rdf.terms import rdflib_graph, to_ox
from kg.reason import in_store as _reason
from kg.reason.in_store import materialise_in_store
from kg.reason.rules import Rules, materialise
from kg.settings import Settings
from kg.stores.memory import MemoryStore

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
    for name, triples in built.result.graphs.items():
        if name != inferred_iri:
            asserted += rdflib_graph(triples)
    assert ontology_iri in built.result.graphs
    ours = Graph()
    ours += asserted
    ours += rdflib_graph(built.result.graphs[inferred_iri])

    oracle = Graph()
    oracle += asserted
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(oracle)

    mine, theirs = _restricted(ours), _restricted(oracle)
    assert mine - theirs == set(), "the fast reasoner derived what OWL 2 RL does not entail"
    assert theirs - mine == set(), "the fast reasoner missed OWL 2 RL entailments"
    assert len(built.result.graphs[inferred_iri]) > 1000


# ----------------------------------------------------------------------------- in a store

INFERRED = "urn:x:inferred"


def _store_triples(store: ox.Store, *, leave_out: str = INFERRED) -> list[tuple[Any, ...]]:
    skip = ox.NamedNode(leave_out)
    return [
        (q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, None)
        if q.graph_name != skip
    ]


def _graph(store: ox.Store, name: str = INFERRED) -> set[tuple[Any, ...]]:
    return {
        (q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(name))
    }


def _oracle(store: ox.Store, ontology: Graph) -> set[Any]:
    """What the in-memory engine entails from the store's quads, in pyoxigraph terms."""
    rules = Rules.from_ontology(ontology, convert=lambda t: to_ox(t))
    return materialise(rules, _store_triples(store))


def _animals() -> Graph:
    return Graph().parse(data=ONTOLOGY, format="turtle")


def test_in_store_equals_the_engine_on_every_axiom_kind(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = ox.Store(str(tmp_path / "store"))
    store.load(
        b"""@prefix : <urn:x:> .
        <urn:x:g1> { :rex a :Dog . :ann :hasPuppy :rex . :a :sibling :b .
                     :a :ancestor :b . :b :ancestor :c . :c :ancestor :d .
                     :a :parentOf :b . :b :parentOf :c . :c :parentOf :d . }
        <urn:x:g2> { :rex a :Mammal . }
        :d :ancestor :e .""",
        format=ox.RdfFormat.TRIG,
    )
    count = materialise_in_store(store, _animals(), into_graph=INFERRED)
    inferred = _graph(store)
    assert count == len(inferred) == 13
    assert inferred == _oracle(store, _animals())
    # the default graph is data too, and nothing asserted in any graph is repeated
    assert (x("a"), x("ancestor"), x("e")) in {tuple(map(_iri, t)) for t in inferred}
    assert (x("rex"), RDF.type, x("Mammal")) not in {tuple(map(_iri, t)) for t in inferred}


def _iri(term: Any) -> URIRef:
    return URIRef(term.value)


def test_in_store_keeps_literals_and_blank_nodes_exactly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ontology = Graph().parse(
        data="""@prefix : <urn:x:> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        :code rdfs:subPropertyOf :notation . :Thing rdfs:subClassOf :Item .""",
        format="turtle",
    )
    store = ox.Store(str(tmp_path / "store"))
    store.load(
        b"""@prefix : <urn:x:> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <urn:x:g> { :a :code 12, "1.50"^^xsd:decimal, "2.5e0"^^xsd:double, true, "x"@en-GB,
                       "tab\\there \\"quoted\\" back\\\\slash \\u00e9 \\u0007 line\\nbreak",
                       "typed"^^<urn:x:dt> .
                    _:n a :Thing ; :code "blank" . }""",
        format=ox.RdfFormat.TRIG,
    )
    count = materialise_in_store(store, ontology, into_graph=INFERRED)
    inferred = _graph(store)
    assert count == len(inferred) == 9
    assert inferred == _oracle(store, ontology)
    # the blank node of the data, not a new one
    (blank,) = {s for s, p, o in _store_triples(store) if isinstance(s, ox.BlankNode)}
    assert (blank, ox.NamedNode(str(RDF.type)), ox.NamedNode("urn:x:Item")) in inferred


@pytest.mark.parametrize("readers", ["in process", "processes"])
def test_in_store_rerun_replaces_the_graph(tmp_path, monkeypatch, readers: str) -> None:  # type: ignore[no-untyped-def]
    """A rerun empties the graph first; reader processes must see it emptied (else they
    would read the last run's entailments as data)."""
    monkeypatch.setattr(_reason, "_READERS_MIN_BYTES", 0)
    path = str(tmp_path / "store")
    store = ox.Store(path)
    read = {"store_path": path, "workers": 2} if readers == "processes" else {}
    store.load(b"<urn:x:g> { <urn:x:rex> a <urn:x:Dog> . }", format=ox.RdfFormat.TRIG)
    assert materialise_in_store(store, _animals(), into_graph=INFERRED, **read) == 2
    store.remove(
        ox.Quad(
            ox.NamedNode("urn:x:rex"),
            ox.NamedNode(str(RDF.type)),
            ox.NamedNode("urn:x:Dog"),
            ox.NamedNode("urn:x:g"),
        )
    )
    store.load(b"<urn:x:g> { <urn:x:rex> a <urn:x:Mammal> . }", format=ox.RdfFormat.TRIG)
    assert materialise_in_store(store, _animals(), into_graph=INFERRED, **read) == 1
    assert {o.value for _, _, o in _graph(store)} == {"urn:x:Animal"}


def test_in_store_on_a_store_without_entailments_leaves_an_empty_graph() -> None:
    store = ox.Store()
    store.load(b"<urn:x:g> { <urn:x:a> <urn:x:b> <urn:x:c> . }", format=ox.RdfFormat.TRIG)
    assert materialise_in_store(store, _animals(), into_graph=INFERRED) == 0
    assert store.contains_named_graph(ox.NamedNode(INFERRED))


def test_in_store_on_the_built_seed_graph_equals_the_build(built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The seed graph, loaded without its inferred graph: the store's closure is the one the
    build computed with rdflib terms (the one the owlrl test above checks)."""
    inferred_iri = f"{built.settings.base_iri}/graph/inferred"
    store = ox.Store(str(tmp_path / "store"))
    data = (built.settings.snapshot_dir / "graph.nq").read_text(encoding="utf-8")
    asserted = [line for line in data.splitlines() if not line.endswith(f"<{inferred_iri}> .")]
    store.bulk_load("\n".join(asserted).encode(), format=ox.RdfFormat.N_QUADS)
    ontology = load_ontology(built.settings)

    count = materialise_in_store(store, ontology, into_graph=inferred_iri)

    built_inferred = built.result.graphs[inferred_iri]
    assert count == len(built_inferred) > 1000
    assert _graph(store, inferred_iri) == {
        (t.subject, t.predicate, t.object) for t in built_inferred
    }


@pytest.mark.parametrize(
    ("min_load", "readers"),
    [(_reason._MIN_LOAD, "in process"), (500, "in process"), (500, "processes")],
)
def test_in_store_equals_the_engine_on_a_generated_10k_graph(  # type: ignore[no-untyped-def]
    tmp_path, monkeypatch, min_load, readers
) -> None:
    """10k generated triples; with a small ``_MIN_LOAD`` the entailments are loaded round by
    round from two threads, as at a million triples; the data are read in this process or,
    as ``kg bench`` does on disk, by two reader processes."""
    monkeypatch.setattr(_reason, "_MIN_LOAD", min_load)
    settings = Settings()
    data = "".join(generate(triples=10_000, seed=3, settings=settings))
    store = ox.Store(str(tmp_path / "store"))
    store.bulk_load(data.encode(), format=ox.RdfFormat.N_QUADS)
    ontology = load_ontology(settings)

    path = str(tmp_path / "store") if readers == "processes" else None
    monkeypatch.setattr(_reason, "_READERS_MIN_BYTES", 0)  # readers even for a small store
    count = materialise_in_store(store, ontology, into_graph=INFERRED, workers=2, store_path=path)

    inferred = _graph(store)
    assert count == len(inferred) > 5_000
    assert inferred == _oracle(store, ontology)


def test_in_store_through_the_generic_interface_equals_oxigraph() -> None:
    data = "".join(generate(triples=3_000, seed=5, settings=Settings())).encode()
    ontology = load_ontology(Settings())
    fast, generic = ox.Store(), MemoryStore()
    fast.load(data, format=ox.RdfFormat.N_QUADS)
    generic.load(data, format=ox.RdfFormat.N_QUADS)
    assert materialise_in_store(fast, ontology, into_graph=INFERRED) == materialise_in_store(
        generic, ontology, into_graph=INFERRED
    )
    assert _graph(fast) == {
        (q.subject, q.predicate, q.object)
        for q in generic.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED))
    }


def test_in_store_on_a_read_only_store_is_an_error_not_a_hang(tmp_path) -> None:  # type: ignore[no-untyped-def]
    writable = ox.Store(str(tmp_path / "store"))
    writable.load(b"<urn:x:g> { <urn:x:rex> a <urn:x:Dog> . }", format=ox.RdfFormat.TRIG)
    writable.flush()
    del writable
    read_only = ox.Store.read_only(str(tmp_path / "store"))
    with pytest.raises(RuntimeError, match="read-write"):
        materialise_in_store(read_only, _animals(), into_graph=INFERRED)
