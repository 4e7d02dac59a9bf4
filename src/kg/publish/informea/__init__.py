"""The InforMEA feed: the graph's treaties, decisions, meetings, documents and country
profiles as InforMEA harvests them (``reference/informea.md``).

- :mod:`kg.publish.informea.entity_sets` — the entity sets offered, their keys and the fields
  a client may order by or expand;
- :mod:`kg.publish.informea.reading` — reading the store: predicate values per subject, rows;
- :mod:`kg.publish.informea.leo` — LEO, the InforMEA thesaurus, and the graph's subject terms;
- :mod:`kg.publish.informea.records` — what every set's records are built from and into, and
  the exclusions and notes of the export report;
- :mod:`kg.publish.informea.treaties` — Treaties and CountryProfiles records;
- :mod:`kg.publish.informea.meetings` — Meetings and Decisions records;
- :mod:`kg.publish.informea.documents` — Documents records;
- :mod:`kg.publish.informea.ledger` — the ledger of ``updated`` times;
- :mod:`kg.publish.informea.feed` — the stamped feed with its export report (cached);
- :mod:`kg.publish.informea.odata` — the OData query options a harvester sends;
- :mod:`kg.publish.informea.schema` — the JSON Schemas of the records and the CSDL metadata.
"""
