"""Benchmarks users can run: ``kg bench`` (:mod:`kg.bench.harness`), the canonical query mix
(:mod:`kg.bench.mix`) it shares with the endpoint benchmark, and the MEA-shaped data they
run on (:mod:`kg.bench.generate`).

May import every stage beneath the server: :mod:`kg.query`, :mod:`kg.build`, :mod:`kg.shacl`,
:mod:`kg.reason`, :mod:`kg.stores`, :mod:`kg.settings`, :mod:`kg.sparql`, :mod:`kg.rdf`."""
