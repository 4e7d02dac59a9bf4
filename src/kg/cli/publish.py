"""``kg publish``, ``kg versions``, ``kg restore`` and ``kg token``: changing what is served
on the command line, one version at a time (:mod:`kg.build.publish`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kg.cli.exits import EXIT_INVALID, EXIT_OK, EXIT_USAGE, err
from kg.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``kg publish``, ``kg versions``, ``kg restore`` and ``kg token``."""
    p = subparsers.add_parser(
        "publish",
        help="validate a document and serve it as a new version (or --dry-run: only report)",
    )
    p.add_argument("file", type=Path, metavar="FILE", help="the document, in any RDF syntax")
    p.add_argument("--key", help="the source's key (default: the file's name without suffix)")
    p.add_argument("--remove", action="store_true", help="remove the source KEY (FILE unread)")
    p.add_argument("--dry-run", action="store_true", help="report and diff; switch nothing")
    p.add_argument("--as", dest="who", help="who publishes (default: the system user)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_publish)

    p = subparsers.add_parser("versions", help="the version served and those kept")
    p.add_argument("--json", action="store_true", help="the manifests as JSON")
    p.set_defaults(func=cmd_versions)

    p = subparsers.add_parser("restore", help="serve a kept version again, as a new version")
    p.add_argument("version", type=int, metavar="VERSION")
    p.add_argument("--as", dest="who", help="who restores (default: the system user)")
    p.set_defaults(func=cmd_restore)

    p = subparsers.add_parser("token", help="named write tokens (kept as hashes)")
    p.add_argument("action", choices=["add", "remove", "list"])
    p.add_argument("name", nargs="?", help="the token's name (add, remove)")
    p.set_defaults(func=cmd_token)


def _progress(quiet: bool) -> object:
    def progress(message: str) -> None:
        if not quiet:
            print(message, file=sys.stderr, flush=True)

    return progress


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    from kg.build.pipeline import VersionNote
    from kg.build.publish import PublishRejected, SourceNotFound, publish
    from kg.build.writer import sole_writer
    from kg.rdf.formats import rdf_format_named
    from kg.rdf.upload import UploadRefused, source_document

    key = args.key or args.file.name.split(".", 1)[0]
    turtle = None
    if not args.remove:
        syntax = rdf_format_named(args.file.suffix)
        if syntax is None:
            err(f"{args.file}: unknown RDF syntax (use .ttl, .nt, .rdf, .jsonld, ...)")
            return EXIT_USAGE
        try:
            turtle = source_document(args.file.read_bytes(), syntax)
        except (UploadRefused, SyntaxError, ValueError) as error:
            err(f"{args.file}: {str(error).splitlines()[0]}")
            return EXIT_USAGE
    who = args.who or VersionNote().published_by
    try:
        with sole_writer(settings):
            done = publish(
                settings,
                key,
                turtle,
                who=who,
                dry_run=args.dry_run,
                progress=_progress(args.quiet),  # type: ignore[arg-type]
            )
    except PublishRejected as rejected:
        print(f"REJECTED {rejected.key}: {rejected.reason}", file=sys.stderr)
        if rejected.report is not None:
            print(rejected.report.to_text(), file=sys.stderr)
        print("kg: nothing was published; the version served is unchanged", file=sys.stderr)
        return EXIT_INVALID
    except (ValueError, SourceNotFound) as error:
        err(str(error))
        return EXIT_USAGE
    print(f"{key}: {done.action}; {done.diff.summary()}")
    if done.report is not None and done.report.findings:
        print(f"{key}: {done.report.summary()} (kg validate {args.file} lists them)")
    if done.manifest is None:
        print("dry run: nothing was switched")
    else:
        print(f"serving version {done.manifest.version} ({done.manifest.triples} triples)")
    return EXIT_OK


def cmd_versions(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import asdict

    from kg.build.versions import kept_versions, live_manifest

    live = live_manifest(settings)
    manifests = ([live] if live else []) + kept_versions(settings)
    if args.json:
        print(json.dumps([asdict(m) for m in manifests], indent=2))
        return EXIT_OK
    if not manifests:
        err("nothing was built here: run `kg build` first")
        return EXIT_USAGE
    for manifest in manifests:
        served = "*" if manifest is live else " "
        print(
            f"{served} {manifest.version:>5}  {manifest.built_at}  {manifest.triples:>9} triples  "
            f"{manifest.published_by or '-'}: {manifest.change or '-'}"
        )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from kg.build.pipeline import VersionNote
    from kg.build.publish import restore
    from kg.build.writer import sole_writer

    try:
        with sole_writer(settings):
            manifest = restore(
                settings,
                args.version,
                who=args.who or VersionNote().published_by,
                progress=_progress(False),  # type: ignore[arg-type]
            )
    except LookupError as error:
        err(str(error.args[0]))
        return EXIT_USAGE
    print(f"serving version {manifest.version}: {manifest.change} ({manifest.triples} triples)")
    return EXIT_OK


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    from kg.serve.tokens import TokenFile

    tokens = TokenFile(settings.tokens_file)
    if args.action == "list":
        for name in sorted(tokens.hashes()):
            print(name)
        return EXIT_OK
    if not args.name:
        err(f"kg token {args.action} NAME: give the token's name")
        return EXIT_USAGE
    if args.action == "remove":
        if not tokens.remove(args.name):
            err(f"no token named {args.name!r}")
            return EXIT_USAGE
        print(f"removed {args.name}")
        return EXIT_OK
    try:
        token = tokens.add(args.name)
    except ValueError as error:
        err(str(error))
        return EXIT_USAGE
    print(token)
    print(
        f"kg: token {args.name!r} made; it is shown only now (only its hash is kept in "
        f"{settings.tokens_file})",
        file=sys.stderr,
    )
    return EXIT_OK
