"""Answering SPARQL: run a query on any store and write its answer.

- :mod:`kg.query.execute` — one query on a store, in join order (``kg query``);
- :mod:`kg.query.results` — answers in every results and RDF syntax, within a row cap;
- :mod:`kg.query.describe` — the service description and VoID of a store;
- :mod:`kg.query.catalogue` — the competency questions of ``queries/`` with their answers;
- :mod:`kg.query.table` — plain-text tables for a terminal.

May import: :mod:`kg.stores`, :mod:`kg.settings`, :mod:`kg.sparql`, :mod:`kg.rdf`.
"""
