"""``kg build`` and ``kg validate``: the pipeline, and the validation report on files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rdflib import Graph

from kg.cli.exits import EXIT_INVALID, EXIT_OK
from kg.settings import Settings
from kg.shacl.validate import ValidationReport


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from kg.build.pipeline import BuildRejected, build
    from kg.build.writer import sole_writer

    def progress(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    try:
        with sole_writer(settings):
            result = build(settings, progress=progress, strict=args.strict)
    except BuildRejected as rejected:
        _report_rejected(rejected.reports, rejected.rejected)
        print(
            f"kg: --strict: {rejected}; {settings.snapshot_dir} and the store are as they were",
            file=sys.stderr,
        )
        return EXIT_INVALID
    manifest = result.manifest
    print(f"built {manifest.triples} triples in {len(manifest.graphs)} named graphs")
    print(f"snapshot sha256 {manifest.sha256}  ({settings.snapshot_dir})")
    _report_rejected(result.reports, result.rejected)
    return EXIT_OK


def _report_rejected(reports: dict[str, ValidationReport], rejected: dict[str, str]) -> None:
    """Each rejected source on stderr, with its report when it was read."""
    for name, report in reports.items():
        if not report.conforms:
            print(f"\nREJECTED {name}:\n{report.to_text()}", file=sys.stderr)
    for name, reason in rejected.items():
        if name not in reports:
            print(f"REJECTED {name}: {reason}", file=sys.stderr)


def _context(settings: Settings) -> Graph:
    from kg.build.inputs import load_inputs
    from kg.rdf.terms import rdflib_graph

    return rdflib_graph(load_inputs(settings).reference_union())


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


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``kg build`` and ``kg validate``."""
    p = subparsers.add_parser("build", help="validate, reason, snapshot and load the store")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--strict", action="store_true", help="exit 1 if any source is rejected")
    p.set_defaults(func=cmd_build)

    p = subparsers.add_parser("validate", help="SHACL-validate RDF files; exit 1 on violations")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--format", choices=["text", "turtle", "json"], default="text")
    p.add_argument(
        "--no-context", action="store_true", help="do not look up reference data (GBF, countries)"
    )
    p.set_defaults(func=cmd_validate)
