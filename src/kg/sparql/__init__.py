"""SPARQL as text: the guard that reads a query before any engine does, and join ordering.

- :mod:`kg.sparql.lexer` — SPARQL's tokens as Oxigraph 0.5 splits them, the other reading
  where one could differ, and a query's form (:func:`~kg.sparql.lexer.query_form`);
- :mod:`kg.sparql.guard` — the checks that keep a public endpoint from reaching the network
  or exhausting the engine;
- :mod:`kg.sparql.join_order` — puts each basic graph pattern's triples in join order from
  match counts it is given.

May import: :mod:`kg.rdf`. Works on text only: never opens a store.
"""
