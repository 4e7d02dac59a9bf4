"""``kg import`` and ``kg export-table``: documents in from spreadsheets and Word tables
through mappings, and sources out as workbooks to correct (:mod:`kg.ingest`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kg.cli.exits import EXIT_INVALID, EXIT_OK, EXIT_USAGE, err
from kg.settings import Settings

if TYPE_CHECKING:
    import pyoxigraph as ox

    from kg.ingest.mapping import Mapping


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``kg import`` and ``kg export-table``."""
    p = subparsers.add_parser(
        "import",
        help="a document's tables (.xlsx, .ods, .csv, .docx) to a source, through a mapping",
        description="Read the tables of FILE through one or more mappings and write the "
        "document as a source (or --publish it). Rows that cannot be read are reported with "
        "their row and column and left out; the rest is imported (exit code 1 says so).",
    )
    p.add_argument("file", type=Path, nargs="?", metavar="FILE")
    p.add_argument(
        "--mapping",
        action="append",
        default=[],
        metavar="NAME|FILE",
        help="a shipped mapping (see --list) or a .yaml mapping file; repeatable",
    )
    p.add_argument("--key", help="the document's key (default: from the file's name)")
    p.add_argument("--title", help="the document's title (default: from the file's name)")
    p.add_argument(
        "--agreement", metavar="KEY", help="the agreement the workplan is under, e.g. tehran"
    )
    p.add_argument(
        "--by", metavar="ORG", help="whose workplan it is: an organisation key, e.g. iucn"
    )
    p.add_argument(
        "--parties",
        default="",
        metavar="A,B,…",
        help="ISO codes of the parties 'national governments' means, e.g. AZE,IRN",
    )
    p.add_argument("--date", help="the document's date, YYYY-MM-DD")
    p.add_argument("--symbol", action="append", default=[], help="the document's UN symbol")
    p.add_argument("--out", type=Path, help="where to write the source (default: KEY.ttl)")
    p.add_argument(
        "--report",
        type=Path,
        metavar="FILE.json",
        help="write the import report as JSON ('-': standard output)",
    )
    p.add_argument(
        "--diff", action="store_true", help="show what would change against the source served now"
    )
    p.add_argument("--publish", action="store_true", help="publish the source as a new version")
    p.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="publish even if rows could not be read (they are left out of the version served)",
    )
    p.add_argument("--as", dest="who", help="who publishes (default: the system user)")
    p.add_argument("--list", action="store_true", help="name the shipped mappings, one line each")
    p.add_argument(
        "--template",
        nargs=2,
        metavar=("NAME", "OUT.xlsx"),
        help="write the mapping NAME's template workbook",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_import)

    p = subparsers.add_parser(
        "export-table", help="a source written back as a workbook in a mapping's layout"
    )
    p.add_argument(
        "source", metavar="SOURCE", help="a source's key (see GET /sources) or a .ttl file"
    )
    p.add_argument("--mapping", required=True, metavar="NAME|FILE")
    p.add_argument("out", type=Path, metavar="OUT.xlsx")
    p.set_defaults(func=cmd_export_table)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from kg.ingest.export_table import template_sheet
    from kg.ingest.mapping import MappingError, load_mapping, shipped_mappings
    from kg.ingest.workbooks import write_workbook

    if args.list:
        for mapping in shipped_mappings():
            print(f"{mapping.name:<26} {mapping.title}: {mapping.summary}")
        return EXIT_OK
    try:
        if args.template:
            name, out = args.template
            write_workbook(Path(out), [template_sheet(load_mapping(name))])
            print(f"{out}: the {name!r} template (one example row; a note on each header)")
            return EXIT_OK
        if args.file is None or not args.mapping:
            err("name the FILE and its --mapping (kg import --list names the mappings)")
            return EXIT_USAGE
        mappings = [load_mapping(m) for m in args.mapping]
    except MappingError as error:
        err(str(error))
        return EXIT_USAGE
    return _import(args, settings, mappings)


def _import(args: argparse.Namespace, settings: Settings, mappings: list[Mapping]) -> int:
    from kg.build.publish import check_key, diff_graphs
    from kg.ingest.context import graph_names, source_validator
    from kg.ingest.importer import (
        DocumentInfo,
        default_title,
        document_key,
        document_problems,
        import_grids,
    )
    from kg.ingest.records import NoTable
    from kg.ingest.tables import TableReadError, read_grids
    from kg.rdf.namespaces import CANONICAL_BASE, entity_iri
    from kg.rdf.read import read_triples, rebase_triples

    def progress(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    key = args.key or document_key(args.file.stem)
    try:
        check_key(key)
    except ValueError as error:
        err(str(error))
        return EXIT_USAGE
    parties = [code.strip().upper() for code in args.parties.split(",") if code.strip()]
    document = DocumentInfo(
        key=key,
        title=args.title or default_title(args.file),
        file=args.file.name,
        agreement=entity_iri(CANONICAL_BASE, "agreement", args.agreement)
        if args.agreement
        else None,
        by=entity_iri(CANONICAL_BASE, "org", args.by) if args.by else None,
        date=args.date,
        symbols=tuple(args.symbol),
    )
    progress(f"reading the tables of {args.file}")
    try:
        grids = read_grids(args.file)
        progress(f"reading the graph's names (the source {key} itself left out)")
        names = graph_names(settings, replacing=key, parties=parties, agreement=document.agreement)
        problems = document_problems(document, names, parties)
        if problems:
            for problem in problems:
                err(problem)
            return EXIT_USAGE
        progress(f"reading {len(grids)} table(s) through {', '.join(m.name for m in mappings)}")
        done = import_grids(grids, mappings, document, names)
    except (TableReadError, NoTable) as error:
        err(str(error))
        return EXIT_USAGE
    for row_error in done.errors:
        print(f"ROW ERROR {row_error.line()}", file=sys.stderr)
    for row_note in done.notes:
        print(f"ROW NOTE {row_note.line()}", file=sys.stderr)
    progress(
        f"{done.rows_read} rows read, {done.rows_imported} imported, "
        f"{len({(e.table, e.row) for e in done.errors})} left out; {len(done.triples)} triples"
    )
    progress("validating the source against the shapes, with the reference data")
    report = source_validator(settings).validate_triples(
        rebase_triples(done.triples, settings.base_iri)
    )
    summary = done.report()
    summary["validation"] = {"conforms": report.conforms, "summary": report.summary()}
    live = settings.sources_dir / f"{key}.ttl"
    if args.diff:
        before = read_triples(live) if live.exists() else []
        diff = diff_graphs(before, done.triples)
        summary["diff"] = diff.to_json()
        print(f"{key}: against the source served now: {diff.summary()}")
        for name, items in (("+", diff.added_facts), ("-", diff.removed_facts)):
            for fact in items[:40]:
                print(f"  {name} {' '.join(fact)}")
    status = EXIT_INVALID if done.errors or not report.conforms else EXIT_OK
    if not report.conforms:
        print(report.to_text(), file=sys.stderr)
        err("the source does not conform: nothing was written")
    elif args.publish and done.errors and not args.skip_bad_rows:
        # Publishing the rest would drop those rows' entities from the version served.
        err(
            f"nothing was published: {len(done.errors)} cell(s) could not be read; correct "
            "them, or add --skip-bad-rows to publish the rows that were read"
        )
    elif args.publish:
        status = _publish(args, settings, key, done.turtle()) or status
    else:
        out = args.out or Path(f"{key}.ttl")
        out.write_bytes(done.turtle())
        print(
            f"{out}: {done.rows_imported} rows as the source {key} ({report.summary()}); "
            f"publish it with: kg publish {out} --key {key}"
        )
    if args.report:
        text = json.dumps(summary, indent=2, ensure_ascii=False)
        if str(args.report) == "-":
            print(text)
        else:
            args.report.write_text(text + "\n", encoding="utf-8")
    return status


def _publish(args: argparse.Namespace, settings: Settings, key: str, turtle: bytes) -> int:
    from kg.build.pipeline import VersionNote
    from kg.build.publish import PublishRejected, publish
    from kg.build.writer import sole_writer

    who = args.who or VersionNote().published_by
    try:
        with sole_writer(settings):
            done = publish(
                settings, key, turtle, who=who, progress=lambda m: print(m, file=sys.stderr)
            )
    except PublishRejected as rejected:
        print(f"REJECTED {rejected.key}: {rejected.reason}", file=sys.stderr)
        return EXIT_INVALID
    assert done.manifest is not None
    print(f"{key}: {done.action}; {done.diff.summary()}; serving version {done.manifest.version}")
    return EXIT_OK


def cmd_export_table(args: argparse.Namespace, settings: Settings) -> int:
    from kg.ingest.context import subclasses
    from kg.ingest.export_table import export_table
    from kg.ingest.mapping import MappingError, load_mapping
    from kg.rdf.read import RDFInputError, read_triples

    path = Path(args.source)
    if path.suffix != ".ttl":
        path = settings.sources_dir / f"{args.source}.ttl"
    if not path.is_file():
        err(f"no source {args.source!r}: name a published source's key or a .ttl file")
        return EXIT_USAGE
    try:
        mapping = load_mapping(args.mapping)
        triples = read_triples(path)
    except (MappingError, RDFInputError) as error:
        err(str(error))
        return EXIT_USAGE
    rows = export_table(triples, mapping, path.stem, args.out, subclasses(settings))
    options = _document_options(triples, path.stem)
    if rows == 0:
        err(
            f"{path.stem} has nothing the {mapping.name!r} mapping reads: "
            f"{args.out} has only the header"
        )
        return EXIT_INVALID
    print(
        f"{args.out}: {rows} rows of {path.stem} in the {mapping.name!r} layout; correct them "
        f"and run: kg import {args.out} --mapping {mapping.name} --key {path.stem}{options} "
        "--diff\n"
        "Facts the layout has no column for (links to meetings or projects, notes, the "
        "document's symbols) are not in the workbook: the diff lists them as removed; a "
        "source first made by hand loses them when imported back."
    )
    return EXIT_OK


def _document_options(triples: list[ox.Triple], key: str) -> str:
    """The ``kg import`` options that keep the document's title and agreement."""
    import shlex

    import pyoxigraph as ox

    from kg.rdf.namespaces import CANONICAL_BASE, MEA, PREFIXES

    document = f"{CANONICAL_BASE}/id/document/{key}"
    titles, agreements = [], set()
    for t in triples:
        if isinstance(t.object, ox.Triple):
            continue
        if str(t.subject) == f"<{document}>" and t.predicate.value == PREFIXES["dcterms"] + "title":
            titles.append(t.object.value)
        elif t.predicate.value == str(MEA.underAgreement):
            agreements.add(t.object.value.rsplit("/", 1)[-1])
    title = titles[0] if titles else None
    options = f" --title {shlex.quote(title)}" if title else ""
    if len(agreements) == 1:
        options += f" --agreement {agreements.pop()}"
    return options
