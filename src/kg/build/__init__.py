"""The build: load the inputs, validate each source, reconcile claims, reason, write a
snapshot, and load the store (DESIGN.md §2).

- :mod:`kg.build.inputs` — the load stage: ontology, reference facts, one graph per source;
- :mod:`kg.build.reference` — reference graphs made from fact tables (GBF, countries);
- :mod:`kg.build.reconcile` — document claims against the official framework (DESIGN.md §5);
- :mod:`kg.build.snapshot` — a version's N-Quads snapshot and its manifest (who, when, what);
- :mod:`kg.build.changes` — the changes graph: who published what, when (PROV-O);
- :mod:`kg.build.versions` — the versions kept before the one served;
- :mod:`kg.build.switch` — switching to a new version as one step, crash or not;
- :mod:`kg.build.writer` — one writer of the folders at a time;
- :mod:`kg.build.pipeline` — the stages in order, staged then switched (``kg build``);
- :mod:`kg.build.publish` — one source published or removed, a version restored.

May import: :mod:`kg.shacl`, :mod:`kg.reason`, :mod:`kg.stores`, :mod:`kg.settings`,
:mod:`kg.sparql`, :mod:`kg.rdf`.
"""
