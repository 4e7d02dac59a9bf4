"""Bringing documents' tables in (issue: import from spreadsheets and Word): what a table
cell says, turned into what the graph holds. So far the cleaning functions, each tested with
the seed documents' own cases:

- :mod:`kg.ingest.timeframes` — "Jan. 2009 – Sept. 2010" to start and end dates;
- :mod:`kg.ingest.amounts` — "Host Government: 20,000 (in kind)" to an amount, its
  currency and whether it is cash or in kind;
- :mod:`kg.ingest.places` — "Kyrgyz Republic", "Nukus, …, Uzbekistan" to ISO alpha-3 codes
  (pycountry);
- :mod:`kg.ingest.gbf` — "Target 3 (30×30)", "Indicator 20.1" to KMGBF targets and goals,
  and indicator claims.

May import the stages beneath it (it will write sources through :mod:`kg.build.publish`):
:mod:`kg.query`, :mod:`kg.build`, :mod:`kg.shacl`, :mod:`kg.reason`, :mod:`kg.stores`,
:mod:`kg.settings`, :mod:`kg.sparql`, :mod:`kg.rdf`.
"""
