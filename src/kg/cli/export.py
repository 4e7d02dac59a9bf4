"""``kg export informea DIR`` and ``kg export rdf``: the InforMEA feed and the linked-data
export (issue 6).

``kg export informea DIR`` writes one JSON file per entity set (``{"value": [...]}``, the
records the feed serves) and ``report.json`` (what was left out and why); it updates the
``updated`` ledger exactly as the API does. ``kg export rdf --format ttl|nt|nq|trig|jsonld
[--output FILE]`` writes the RDF dump with its DCAT / VoID description.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kg.cli.exits import EXIT_OK, EXIT_USAGE, err
from kg.settings import Settings


def cmd_export_informea(args: argparse.Namespace, settings: Settings) -> int:
    from kg.build.snapshot import SnapshotMissing
    from kg.publish.informea.entity_sets import ENTITY_SETS
    from kg.publish.informea.feed import compute_feed
    from kg.stores import open_store

    store = open_store(settings)
    try:
        feed = compute_feed(store, settings)
    except SnapshotMissing as error:
        err(str(error))
        return EXIT_USAGE
    directory: Path = args.directory
    directory.mkdir(parents=True, exist_ok=True)
    for name in ENTITY_SETS:
        records = feed.records(name)
        body = {"@odata.count": len(records), "value": records}
        (directory / f"{name}.json").write_text(
            json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    (directory / "report.json").write_text(
        json.dumps(feed.report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    for name in ENTITY_SETS:
        counts = feed.report["counts"][name]
        print(
            f"{name + '.json':<22} {counts['records']:>4} records  {counts['excluded']:>4} left out"
        )
    print(
        f"report.json: {len(feed.report['excluded'])} records left out with the reason, "
        f"{len(feed.report['notes'])} notes  ({directory})"
    )
    return EXIT_OK


def cmd_export_rdf(args: argparse.Namespace, settings: Settings) -> int:
    from kg.build.snapshot import SnapshotMissing
    from kg.publish.dump import export_rdf
    from kg.rdf.syntax_limits import UnwritableGraph
    from kg.stores import open_store

    store = open_store(settings)
    try:
        data = export_rdf(store, settings, args.format)
    except (SnapshotMissing, UnwritableGraph) as error:
        err(str(error))
        return EXIT_USAGE
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_bytes(data)
        print(f"wrote {len(data)} bytes of {args.format} to {args.output}", file=sys.stderr)
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``kg export informea`` and ``kg export rdf``."""
    from kg.publish.dump import FORMATS

    export = subparsers.add_parser("export", help="the InforMEA feed as files, or the RDF dump")
    sub = export.add_subparsers(dest="export_command", required=True)

    p = sub.add_parser(
        "informea", help="write InforMEA's entity sets as JSON files plus report.json"
    )
    p.add_argument("directory", type=Path, metavar="DIR", help="directory to write to")
    p.set_defaults(func=cmd_export_informea)

    p = sub.add_parser("rdf", help="the named graphs, links and DCAT/VoID description as RDF")
    p.add_argument(
        "--format",
        choices=sorted(FORMATS),
        default="ttl",
        help="ttl and nt hold the union of the graphs; nq, trig and jsonld keep them apart",
    )
    p.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    p.set_defaults(func=cmd_export_rdf)
