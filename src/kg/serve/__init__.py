"""Serving the graph: the live service, its query worker pool and its deadlines.

- :mod:`kg.serve.service` — :class:`~kg.serve.service.GraphService`, what the API holds;
- :mod:`kg.serve.executor` — worker processes, the network sandbox, trial updates.

May import every stage below it: :mod:`kg.publish`, :mod:`kg.graph`, :mod:`kg.query`,
:mod:`kg.build`, :mod:`kg.shacl`, :mod:`kg.reason`, :mod:`kg.stores`, :mod:`kg.settings`,
:mod:`kg.sparql`, :mod:`kg.rdf`. Never :mod:`api`.
"""
