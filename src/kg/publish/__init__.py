"""Publishing the graph to people and harvesters: entity descriptions, the RDF dump with
its VoID, and the InforMEA feed.

- :mod:`kg.publish.entity` — one entity's description and neighbourhood (entity pages);
- :mod:`kg.publish.dump` — the whole graph in one RDF syntax, linked to InforMEA's LEO;
- :mod:`kg.publish.informea` — the feed in the shape InforMEA harvests.

May import: :mod:`kg.query`, :mod:`kg.build`, :mod:`kg.stores`, :mod:`kg.settings`,
:mod:`kg.sparql`, :mod:`kg.rdf`.
"""
