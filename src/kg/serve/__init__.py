"""Serving the graph: the live service, its query worker pool and its deadlines.

- :mod:`kg.serve.service` — :class:`~kg.serve.service.GraphService`, what the API holds;
- :mod:`kg.serve.pool` — :class:`~kg.serve.pool.QueryPool`, worker processes answering
  queries within their deadlines;
- :mod:`kg.serve.workers` — those processes: started from a forkserver, or forked from a
  template holding the in-memory store;
- :mod:`kg.serve.jobs` — a query job, what a worker does with it, and its outcome;
- :mod:`kg.serve.framing` — a worker's answer on its pipe, read on the event loop;
- :mod:`kg.serve.sandbox` — query processes without network, dying with their parent;
- :mod:`kg.serve.trial_update` — an update tried on a copy of the store, within a deadline;
- :mod:`kg.serve.publishing` — a publish staged in a child process bounded in time and memory;
- :mod:`kg.serve.tokens` — who may write: named tokens, kept as hashes;
- :mod:`kg.serve.views` — the one cache of views derived from the graph, kept per state of
  the store.

May import every stage below it: :mod:`kg.publish`, :mod:`kg.graph`, :mod:`kg.query`,
:mod:`kg.build`, :mod:`kg.shacl`, :mod:`kg.reason`, :mod:`kg.stores`, :mod:`kg.settings`,
:mod:`kg.sparql`, :mod:`kg.rdf`. Never :mod:`api`.
"""
