"""``kg serve``: the SPARQL endpoint and the API on uvicorn.

The web application is found through the ``kg.app`` entry point the distribution declares
(``pyproject.toml``), so the library never imports the API package it serves.
"""

from __future__ import annotations

import argparse
from importlib.metadata import entry_points

from kg.cli.exits import EXIT_OK
from kg.settings import Settings, get_settings

#: The entry-point group of the web application.
APP_ENTRY_POINT = "kg.app"


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from kg.build.writer import finish_interrupted_switch, sole_writer
    from kg.serve.http import bounded_protocol
    from kg.serve.service import check_serving
    from kg.serve.tokens import WriteTokens
    from kg.stores import open_store

    # Fail early and clearly: settings no server can serve, nothing built, or another
    # writer (a build, a publish, a writable server) on the same folders.
    writable = WriteTokens(settings).any
    check_serving(settings, writable)
    if writable:
        with sole_writer(settings):
            pass
    finish_interrupted_switch(settings)  # before the store is read: it may be mid-switch
    open_store(settings).query("ASK {}")
    (app_factory,) = (ep.load() for ep in entry_points(group=APP_ENTRY_POINT))
    uvicorn.run(
        app_factory,
        factory=True,
        host=args.host,
        port=args.port,
        access_log=settings.access_log,
        # Slow and greedy clients: headers in time (408), over-long URLs (414), at most so
        # many connections (503); bodies are timed by the app (KG_BODY_TIMEOUT).
        http=bounded_protocol(settings.header_timeout),
        limit_concurrency=settings.max_connections,
        # On a stop, requests still running get this long before they are cancelled (their
        # workers are then killed), rather than holding the stop up until their deadline.
        timeout_graceful_shutdown=5,
    )
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``kg serve``."""
    settings = get_settings()
    p = subparsers.add_parser("serve", help="serve the SPARQL endpoint and API")
    p.add_argument("--host", default=settings.host)
    p.add_argument("--port", type=int, default=settings.port)
    p.set_defaults(func=cmd_serve)
