"""The graph as nodes and edges: a projection of the store for traversal and graph tools.

The projection and what it is made from:

- :mod:`kg.graph.projection` — the typed, labelled graph drawn from the store, and its lookups;
- :mod:`kg.graph.elements` — its value types (node, edge, step of a walk, build info);
- :mod:`kg.graph.naming` — CURIEs, local names, edge ids, label text and label properties;
- :mod:`kg.graph.mea_tables` — kinds searched first, bookkeeping and web-page predicates;
- :mod:`kg.graph.schema` — what the projection reads from the ontology graph;
- :mod:`kg.graph.ingest` — from quads to the networkx graph (the folding rules);
- :mod:`kg.graph.attributes` — a node's label, kind, types and literal attributes;
- :mod:`kg.graph.conventions` — which conventions each node belongs to;
- :mod:`kg.graph.search` — finding nodes by label or code, and resolving a name;
- :mod:`kg.graph.walks` — shortest walks and neighbourhoods, edges in either direction.

The questions users come with, and what they answer:

- :mod:`kg.graph.answers` — the answer models and errors the API and ``kg`` serve;
- :mod:`kg.graph.contribution` — indicators reached from an activity, and the reverse;
- :mod:`kg.graph.traverse` — paths, neighbourhoods, and the subgraph an export asks for;
- :mod:`kg.graph.analyses` — coverage of the GBF and centrality (computed once per projection);
- :mod:`kg.graph.export` — GraphML, GEXF, Cytoscape JSON and DOT for Gephi, Cytoscape, yEd.

May import: :mod:`kg.query`, :mod:`kg.build`, :mod:`kg.stores`,
:mod:`kg.settings`, :mod:`kg.sparql`, :mod:`kg.rdf`.
"""
