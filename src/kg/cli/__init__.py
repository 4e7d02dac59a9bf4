"""The ``kg`` command, one module per command group.

- :mod:`kg.cli.main` — the parser, made of the command groups, and its one way of failing;
- :mod:`kg.cli.exits` — exit codes and the one line on stderr;
- :mod:`kg.cli.build` — ``build`` and ``validate``;
- :mod:`kg.cli.query` — ``query``;
- :mod:`kg.cli.serve` — ``serve``;
- :mod:`kg.cli.graph` — the traversals and graph exports;
- :mod:`kg.cli.export` — the InforMEA feed and the RDF dump;
- :mod:`kg.cli.bench` — ``kg bench``.

May import every package of :mod:`kg`. Never :mod:`api`: ``kg serve`` finds the app through
the ``kg.app`` entry point the distribution declares.
"""

from kg.cli.main import main

__all__ = ["main"]
