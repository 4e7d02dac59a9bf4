"""Bringing documents' tables in without writing RDF (``kg import``, ``kg export-table``,
``POST /sources/{key}/import``; ``docs/import.md``), in the order the data flows:

- :mod:`kg.ingest.tables` — every table of a .xlsx/.ods/.xls (calamine), .docx or .csv file
  as rows of text, with the row numbers a person sees;
- :mod:`kg.ingest.mapping` — the YAML mappings (``mappings/*.yaml``): which column says what;
- :mod:`kg.ingest.records` — the header row found, repeated headers skipped, spilled lines
  joined, heading rows noted;
- :mod:`kg.ingest.cells` — what each kind of cell becomes (and back, for export), on the
  cleaning functions: :mod:`~kg.ingest.timeframes`, :mod:`~kg.ingest.amounts`,
  :mod:`~kg.ingest.places`, :mod:`~kg.ingest.gbf`; :mod:`kg.ingest.names` finds the graph's
  organisations and countries a cell names;
- :mod:`kg.ingest.importer` — rows to a source, malformed rows reported by row and column;
- :mod:`kg.ingest.export_table` and :mod:`kg.ingest.workbooks` — a source back as a workbook,
  and the templates;
- :mod:`kg.ingest.context` — the graph's names and the validator an import uses.

May import the stages beneath it (it publishes through :mod:`kg.build.publish`):
:mod:`kg.query`, :mod:`kg.build`, :mod:`kg.shacl`, :mod:`kg.reason`, :mod:`kg.stores`,
:mod:`kg.settings`, :mod:`kg.sparql`, :mod:`kg.rdf`.
"""
