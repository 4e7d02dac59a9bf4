"""The ``kg`` command: build, validate, query, serve.

Every user-facing failure is one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path

from rdflib import Graph

from kg.settings import Settings, get_settings

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2

#: The command groups beyond the core four, each a module with ``register(subparsers)``,
#: called in this order.
COMMAND_MODULES = ("kg.cli.graph", "kg.cli.export", "kg.cli.bench")

#: The entry-point group through which ``kg serve`` finds the web application (declared in
#: ``pyproject.toml``), so the library never imports the API package it serves.
APP_ENTRY_POINT = "kg.app"


def _err(message: str) -> None:
    print(f"kg: {message}", file=sys.stderr)


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from kg.build.pipeline import build

    def progress(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    result = build(settings, progress=progress)
    manifest = result.manifest
    print(f"built {manifest.triples} triples in {len(manifest.graphs)} named graphs")
    print(f"snapshot sha256 {manifest.sha256}  ({settings.snapshot_dir})")
    for name, report in result.reports.items():
        if not report.conforms:
            print(f"\nREJECTED {name}:\n{report.to_text()}", file=sys.stderr)
    for name, reason in result.rejected.items():
        if name not in result.reports:
            print(f"REJECTED {name}: {reason}", file=sys.stderr)
    if result.rejected and args.strict:
        return EXIT_INVALID
    return EXIT_OK


def _context(settings: Settings) -> Graph:
    from kg.build.inputs import load_inputs

    return load_inputs(settings).reference_union()


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    from kg.build.inputs import load_ontology
    from kg.rdf.read import read_rdf, rebase
    from kg.shacl.sources import SourceValidator
    from kg.shacl.validate import load_shapes

    graphs = [(path, rebase(read_rdf(path), settings.base_iri)) for path in args.files]
    shapes = load_shapes(settings.shapes_dir)
    ontology = load_ontology(settings)
    context = Graph() if args.no_context else _context(settings)
    validator = SourceValidator(shapes=shapes, ontology=ontology, context=context)
    status = EXIT_OK
    for path, graph in graphs:
        report = validator.validate(graph)
        if args.format == "json":
            out = report.to_json()
        elif args.format == "turtle":
            out = report.to_turtle()
        else:
            out = f"{path}: {report.to_text()}"
        sys.stdout.write(out if out.endswith("\n") else out + "\n")
        if not report.conforms:
            status = EXIT_INVALID
    return status


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    from kg.query.execute import execute, render
    from kg.stores import open_store

    text = args.query
    if args.file:
        text = Path(args.file).read_text(encoding="utf-8")
    if not text:
        _err("give a query as an argument or with --file")
        return EXIT_USAGE
    store = open_store(settings)
    results = execute(store, text, with_prefixes=True, join_order=settings.join_order)
    sys.stdout.buffer.write(render(results, args.format))
    if args.format in {"json", "xml"}:
        sys.stdout.write("\n")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from kg.serve.service import check_serving
    from kg.stores import open_store

    # Fail early and clearly: settings no server can serve, or nothing built.
    check_serving(settings)
    open_store(settings).query("ASK {}")
    (app_factory,) = (ep.load() for ep in entry_points(group=APP_ENTRY_POINT))
    uvicorn.run(
        app_factory,
        factory=True,
        host=args.host,
        port=args.port,
        access_log=settings.access_log,
        # On a stop, requests still running get this long before they are cancelled (their
        # workers are then killed), rather than holding the stop up until their deadline.
        timeout_graceful_shutdown=5,
    )
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    settings = get_settings()
    top = argparse.ArgumentParser(
        prog="kg", description="MEA knowledge graph: build, validate, query and serve."
    )
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="validate, reason, snapshot and load the store")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--strict", action="store_true", help="exit 1 if any source is rejected")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("validate", help="SHACL-validate RDF files; exit 1 on violations")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--format", choices=["text", "turtle", "json"], default="text")
    p.add_argument(
        "--no-context", action="store_true", help="do not look up reference data (GBF, countries)"
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("query", help="run SPARQL against the built store")
    p.add_argument("query", nargs="?", default="", help="the SPARQL query text")
    p.add_argument("--file", help="read the query from a file")
    p.add_argument(
        "--format",
        choices=["table", "json", "csv", "tsv", "xml", "turtle", "ntriples"],
        default="table",
    )
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("serve", help="serve the SPARQL endpoint and API")
    p.add_argument("--host", default=settings.host)
    p.add_argument("--port", type=int, default=settings.port)
    p.set_defaults(func=cmd_serve)

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    from pydantic import ValidationError

    from kg.query.execute import QueryError
    from kg.rdf.read import RDFInputError
    from kg.stores import StoreError

    try:
        args = parser().parse_args(argv)
        return int(args.func(args, get_settings()))
    except ValidationError as err:  # a KG_* environment variable that does not validate
        first = err.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "setting"
        _err(f"KG_{field.upper()}: {first['msg']}")
        return EXIT_USAGE
    except (RDFInputError, QueryError, StoreError) as err:
        _err(str(err))
        return EXIT_USAGE
    except OSError as err:
        _err(f"{getattr(err, 'filename', '') or ''} {err.strerror or err}".strip())
        return EXIT_USAGE
