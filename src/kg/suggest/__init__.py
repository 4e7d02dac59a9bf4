"""Suggested alignments to the Global Biodiversity Framework (issue: suggestions for documents
that never name a GBF target; ``docs/suggest.md``), kept apart from what documents assert:

- :mod:`kg.suggest.corpus` — the 23 targets as documents to match (their KMGBF labels and
  their indicators' titles), and what to align: activities, outputs, outcomes and workplans
  with no asserted target, with their text;
- :mod:`kg.suggest.lexical` — BM25 (bm25s) over the targets, with the terms that matched;
- :mod:`kg.suggest.sssom` — the suggestions as an SSSOM mapping set (TSV) and as RDF.

May import the stages beneath it: :mod:`kg.query`, :mod:`kg.build`, :mod:`kg.shacl`,
:mod:`kg.reason`, :mod:`kg.stores`, :mod:`kg.settings`, :mod:`kg.sparql`, :mod:`kg.rdf`.
"""
