"""``kg query``: SPARQL on the built store, answered in a table or any results syntax."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg.cli.exits import EXIT_OK, EXIT_USAGE, err
from kg.settings import Settings


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    from kg.query.execute import execute, render
    from kg.stores import open_store

    text = args.query
    if args.file:
        text = Path(args.file).read_text(encoding="utf-8")
    if not text:
        err("give a query as an argument or with --file")
        return EXIT_USAGE
    store = open_store(settings)
    results = execute(store, text, with_prefixes=True, join_order=settings.join_order)
    sys.stdout.buffer.write(render(results, args.format))
    if args.format in {"json", "xml"}:
        sys.stdout.write("\n")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``kg query``."""
    p = subparsers.add_parser("query", help="run SPARQL against the built store")
    p.add_argument("query", nargs="?", default="", help="the SPARQL query text")
    p.add_argument("--file", help="read the query from a file")
    p.add_argument(
        "--format",
        choices=["table", "json", "csv", "tsv", "xml", "turtle", "ntriples"],
        default="table",
    )
    p.set_defaults(func=cmd_query)
