"""The ``kg`` command, one module per command group.

- :mod:`kg.cli.main` — the parser, ``build``, ``validate``, ``query`` and ``serve``;
- :mod:`kg.cli.graph` — the traversals and graph exports;
- :mod:`kg.cli.export` — the InforMEA feed and the RDF dump;
- :mod:`kg.cli.bench` — ``kg bench``.

May import every package of :mod:`kg`. Never :mod:`api`: ``kg serve`` finds the app through
the ``kg.app`` entry point the distribution declares.
"""

from kg.cli.main import main

__all__ = ["main"]
