"""The build: load the inputs, validate each source, reconcile claims, reason, write a
snapshot, and load the store (DESIGN.md §2).

- :mod:`kg.build.inputs` — the load stage: ontology, reference facts, one graph per source;
- :mod:`kg.build.reference` — reference graphs made from fact tables (GBF, countries);
- :mod:`kg.build.reconcile` — document claims against the official framework (DESIGN.md §5);
- :mod:`kg.build.snapshot` — the versioned N-Quads snapshot and its manifest;
- :mod:`kg.build.switch` — switching to a new snapshot and store as one step, crash or not;
- :mod:`kg.build.pipeline` — the stages in order (``kg build``).

May import: :mod:`kg.shacl`, :mod:`kg.reason`, :mod:`kg.stores`, :mod:`kg.settings`,
:mod:`kg.sparql`, :mod:`kg.rdf`.
"""
