"""``kg suggest``: suggested GBF targets for what no document aligns (:mod:`kg.suggest`),
written as an SSSOM mapping set and as RDF; nothing in the graph changes."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from kg.cli.exits import EXIT_OK, EXIT_USAGE, err
from kg.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``kg suggest``."""
    p = subparsers.add_parser(
        "suggest",
        help="suggest GBF targets for activities, outputs, outcomes and workplans that name none",
        description="Reads the graph served (its snapshot) and writes the suggestions as an "
        "SSSOM/TSV mapping set and as RDF (Turtle); no asserted link changes.",
    )
    p.add_argument("--out", type=Path, default=Path("."), help="the folder to write to")
    p.add_argument("--top", type=int, default=3, help="suggestions per entity (default 3)")
    p.add_argument("--min-score", type=float, default=1.0, help="the least BM25 score kept")
    p.set_defaults(func=cmd_suggest)


def cmd_suggest(args: argparse.Namespace, settings: Settings) -> int:
    import pyoxigraph as ox

    from kg.settings import SNAPSHOT_NQUADS
    from kg.suggest.run import suggest_graph
    from kg.suggest.sssom import sssom_triples, sssom_tsv

    snapshot = settings.snapshot_dir / SNAPSHOT_NQUADS
    if not snapshot.exists():
        err("nothing was built here: run `kg build` first")
        return EXIT_USAGE
    print(f"reading the graph served ({snapshot}) and matching", file=sys.stderr, flush=True)
    quads = ox.parse(path=str(snapshot), format=ox.RdfFormat.N_QUADS)
    run = suggest_graph(quads, settings.base_iri, top=args.top, min_score=args.min_score)
    today = date.today()
    args.out.mkdir(parents=True, exist_ok=True)
    tsv, ttl = args.out / "suggestions.sssom.tsv", args.out / "suggestions.ttl"
    tsv.write_text(sssom_tsv(run.suggestions, on=today, base=settings.base_iri), encoding="utf-8")
    triples = sssom_triples(run.suggestions, on=today, base=settings.base_iri)
    ttl.write_bytes(ox.serialize(triples, format=ox.RdfFormat.TURTLE) or b"")
    aligned = len(run.by_subject())
    print(
        f"{len(run.suggestions)} suggestions for {aligned} of the {len(run.items)} entities "
        f"no document aligns: {tsv}, {ttl}"
    )
    return EXIT_OK
