"""Reasoning: the entailments the ontology declares (subclass, subproperty, inverse, property
chain, transitive), materialised by rules (DESIGN.md §7); owlrl is the oracle in tests.

- :mod:`kg.reason.materialise` — the rules and their fixpoint, in rdflib or in a store.

May import: :mod:`kg.stores`, :mod:`kg.settings`, :mod:`kg.sparql`, :mod:`kg.rdf`.
"""
