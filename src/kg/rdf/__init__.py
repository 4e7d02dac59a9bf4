"""RDF terms, syntaxes and vocabulary: the bottom layer, shared by every stage.

- :mod:`kg.rdf.namespaces` — the project's prefixes, vocabulary and IRI minting (DESIGN.md §4);
- :mod:`kg.rdf.formats` — the RDF and results syntaxes, on pyoxigraph's format lookup;
- :mod:`kg.rdf.terms` — terms between pyoxigraph and rdflib;
- :mod:`kg.rdf.read` — reading RDF files (any syntax) into rdflib graphs, safely;
- :mod:`kg.rdf.upload` — reading RDF a client sends, with the checks that keep it harmless;
- :mod:`kg.rdf.syntax_limits` — which syntaxes can carry which graphs (JSON-LD, RDF/XML);
- :mod:`kg.rdf.negotiate` — HTTP content negotiation with q-values.

May import: the standard library, rdflib, pyoxigraph. Nothing else of ``kg``.
"""
