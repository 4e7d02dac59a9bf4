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

    for name, verb in (("accept", "assert"), ("reject", "never suggest again")):
        p = subparsers.add_parser(
            name,
            help=f"{verb} a suggested GBF target for an entity (published as a new version of "
            "the curation source, with who and when)",
        )
        p.add_argument("entity", help="the entity's IRI, or id:activity/…")
        p.add_argument("target", help="the GBF target: 3, target_3 or its KMGBF IRI")
        p.add_argument("--as", dest="who", help="who decides (default: the system user)")
        p.set_defaults(func=cmd_curate, accepted=name == "accept")


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
    aligned = len(run.by_subject)
    print(
        f"{len(run.suggestions)} suggestions for {aligned} of the {len(run.items)} entities "
        f"no document aligns: {tsv}, {ttl}"
    )
    return EXIT_OK


def cmd_curate(args: argparse.Namespace, settings: Settings) -> int:
    import re

    import pyoxigraph as ox

    from kg.build.pipeline import VersionNote
    from kg.build.publish import PublishRejected, publish
    from kg.build.writer import sole_writer
    from kg.rdf.namespaces import CANONICAL_BASE, KMGBF, PREFIXES
    from kg.rdf.read import read_triples
    from kg.settings import SNAPSHOT_NQUADS
    from kg.suggest.curation import CURATION_KEY, with_decision

    served = settings.base_iri.rstrip("/")
    entity = args.entity
    if entity.startswith("id:"):
        entity = f"{served}/id/{entity[3:]}"
    code = re.fullmatch(
        r"(?:kmgbf:|" + re.escape(str(KMGBF)) + r")?(?:target_)?(\d{1,2})", args.target
    )
    if code is None or not 1 <= int(code.group(1)) <= 23:
        err(f"{args.target!r} is no GBF target: write 1 to 23, target_3 or its KMGBF IRI")
        return EXIT_USAGE
    target = f"{KMGBF}target_{int(code.group(1))}"
    snapshot = settings.snapshot_dir / SNAPSHOT_NQUADS
    typed = f"<{entity}> <{PREFIXES['rdf']}type> ".encode()
    if not snapshot.exists() or not any(line.startswith(typed) for line in snapshot.open("rb")):
        err(f"{entity} is no entity of the graph served (give its IRI, or id:activity/…)")
        return EXIT_USAGE
    canonical = CANONICAL_BASE + entity[len(served) :] if entity.startswith(served) else entity
    existing = settings.sources_dir / f"{CURATION_KEY}.ttl"
    triples = with_decision(
        read_triples(existing) if existing.exists() else [],
        canonical,
        target,
        accepted=args.accepted,
        who=args.who or VersionNote().published_by,
        on=date.today(),
    )
    prefixes = {**PREFIXES, "id": f"{CANONICAL_BASE}/id/", "sssom": "https://w3id.org/sssom/"}
    turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""
    try:
        with sole_writer(settings):
            done = publish(
                settings, CURATION_KEY, turtle, who=args.who or VersionNote().published_by
            )
    except PublishRejected as rejected:
        err(f"nothing was published: {rejected.reason}")
        return EXIT_USAGE
    assert done.manifest is not None
    what = "asserted" if args.accepted else "rejected: never suggested again"
    print(f"{entity} -> {target}: {what}; serving version {done.manifest.version}")
    return EXIT_OK
