"""Reasoning: the entailments the ontology declares (subclass, subproperty, inverse, property
chain, transitive), materialised by rules (DESIGN.md §7); owlrl is the oracle in tests.

- :mod:`kg.reason.rules` — the rules compiled from the ontology and their fixpoint, on
  triples in memory;
- :mod:`kg.reason.in_store` — the same fixpoint over the data in a store, read in parallel
  and written by bulk loads (:func:`~kg.reason.in_store.materialise_in_store`: what
  ``kg build`` runs).

May import: :mod:`kg.stores`, :mod:`kg.settings`, :mod:`kg.sparql`, :mod:`kg.rdf`.
"""
