"""SHACL validation of sources and of the built store.

- :mod:`kg.shacl.sources` — validating a source as ``kg build`` and ``kg validate`` do: the
  compiled shapes in an in-memory store, pySHACL's report in a fraction of its time;
- :mod:`kg.shacl.validate` — the report a secretariat reads, and validating with pySHACL
  (the oracle the tests compare the compiled shapes with);
- :mod:`kg.shacl.compiler` — the project's shapes compiled to SPARQL queries (the entry point,
  :func:`~kg.shacl.compiler.compile_shapes`), with its parts:

  - :mod:`kg.shacl.model` — what it produces (:class:`~kg.shacl.model.ConstraintQuery`,
    :class:`~kg.shacl.model.CompiledShapes`) and the constraint parameters it accepts;
  - :mod:`kg.shacl.shapes_graph` — the shapes graph as it reads it, and the state its parts
    share;
  - :mod:`kg.shacl.targets`, :mod:`kg.shacl.focus`, :mod:`kg.shacl.parents` — a shape's
    targets, its focus nodes, and how many times pySHACL reaches each;
  - :mod:`kg.shacl.values`, :mod:`kg.shacl.counts`, :mod:`kg.shacl.sparql_based` — the
    queries of each family of constraint components (per value; counts; SHACL-SPARQL);
  - :mod:`kg.shacl.conditions` — node-level constraints as SPARQL expressions;
  - :mod:`kg.shacl.paths` — SHACL property paths as SPARQL property paths;
  - :mod:`kg.shacl.sparql_text` — RDF terms and pySHACL's value order as SPARQL text;
  - :mod:`kg.shacl.sparql_constraints` — the text of SHACL-SPARQL constraints, split and
    rewritten;

- :mod:`kg.shacl.in_store` — running the compiled shapes inside a store;
- :mod:`kg.shacl.store_report` — the report of that run, as pySHACL would give it.

May import: :mod:`kg.stores`, :mod:`kg.settings`, :mod:`kg.sparql`, :mod:`kg.rdf`.
"""
