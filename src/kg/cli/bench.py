"""``kg bench``: load, query, reason and validate generated data at a chosen scale and
backend, with rdflib and owlrl as baselines in the same run (:mod:`kg.bench.harness`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg.cli.exits import EXIT_OK
from kg.settings import Settings


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from kg import __version__
    from kg.bench.harness import PHASES, BenchConfig, run, table, write_json

    settings = settings.model_copy(update={"backend": args.backend})
    phases = tuple(p for p in PHASES if p in args.phases.split(","))
    baselines = () if args.no_baselines else ("rdflib", "owlrl")
    results = []
    for triples in args.triples:
        config = BenchConfig(
            triples=triples,
            backend=args.backend,
            settings=settings,
            workdir=args.workdir,
            seed=args.seed,
            repeats=args.repeats,
            budget=args.budget,
            phases=phases,
            baselines=baselines,
            workers=args.workers,
        )
        print(f"kg bench: {triples:,} triples on {args.backend} ...", file=sys.stderr, flush=True)
        figures = run(config)
        results.append(figures)
        print(table([figures]), flush=True)
    if args.json:
        meta = {
            "version": __version__,
            "backend": args.backend,
            "seed": args.seed,
            "budget_s": args.budget,
            "phases": list(phases),
        }
        write_json(args.json, results, meta)
        print(f"wrote {args.json}", file=sys.stderr)
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``kg bench``."""
    p = subparsers.add_parser(
        "bench",
        help="benchmark load, queries, SHACL and reasoning on generated data",
        description="Figures for a scale and a backend, with rdflib and owlrl baselines "
        "(each skipped past the time budget, and said so).",
    )
    p.add_argument("--triples", type=int, nargs="+", default=[100_000], help="scales (repeatable)")
    p.add_argument("--backend", choices=["oxigraph", "memory", "sparql"], default="oxigraph")
    p.add_argument("--json", type=Path, help="write the figures to this JSON file")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeats", type=int, default=5, help="timed runs per query (p50/p95)")
    p.add_argument(
        "--budget",
        type=float,
        default=120.0,
        help="seconds a baseline may take before it is skipped",
    )
    p.add_argument(
        "--phases", default="load,query,memory,shacl,reason", help="comma-separated phases"
    )
    p.add_argument("--no-baselines", action="store_true", help="skip rdflib and owlrl")
    p.add_argument("--workers", type=int, default=2, help="SHACL worker processes")
    p.add_argument(
        "--workdir",
        type=Path,
        default=Path(".kg/bench"),
        help="where generated data and stores go (kept between runs)",
    )
    p.set_defaults(func=cmd_bench)
