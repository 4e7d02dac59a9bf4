"""The graph as nodes and edges: a projection of the store for traversal and graph tools.

- :mod:`kg.graph.projection` — the typed, labelled graph drawn from the store;
- :mod:`kg.graph.traverse` — the traversal questions (indicators, contributors, paths, …);
- :mod:`kg.graph.export` — GraphML, GEXF, Cytoscape JSON and DOT for Gephi, Cytoscape, yEd.

May import: :mod:`kg.query`, :mod:`kg.build`, :mod:`kg.reason`, :mod:`kg.stores`,
:mod:`kg.settings`, :mod:`kg.sparql`, :mod:`kg.rdf`.
"""
