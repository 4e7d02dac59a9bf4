"""SHACL validation of sources and of the built store.

- :mod:`kg.shacl.validate` — validating with pySHACL and the report a secretariat reads;
- :mod:`kg.shacl.compile` — the project's shapes compiled to SPARQL queries;
- :mod:`kg.shacl.in_store` — running the compiled shapes inside a store.

May import: :mod:`kg.stores`, :mod:`kg.settings`, :mod:`kg.sparql`, :mod:`kg.rdf`.
"""
