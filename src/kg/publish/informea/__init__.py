"""The InforMEA feed: the graph's treaties, decisions, meetings, documents and country
profiles as InforMEA harvests them (``reference/informea.md``).

- :mod:`kg.publish.informea.feed` — records, ledger, OData and the LEO vocabulary.
"""
