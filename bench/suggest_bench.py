"""How long suggesting GBF targets takes, per 1,000 entities, and the memory it needs.

Generated MEA-shaped data (``kg.bench.generate``) at each size, with every asserted target
link removed so that each activity, output, outcome and workplan is one to align, goes through
the suggester as ``kg suggest`` runs it (:func:`kg.suggest.run.suggest_graph`), in a child
process so that its peak memory is its own. Prints entities, suggestions, seconds, seconds per
1,000 entities and peak RSS; figures go in ``docs/suggest.md``.

    .venv/bin/python bench/suggest_bench.py --triples 100000 300000
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import time

import pyoxigraph as ox

from kg.bench.generate import generate
from kg.settings import Settings
from kg.suggest.corpus import ASSERTED


def _run(triples: int, conn: object) -> None:
    settings = Settings()
    text = "".join(generate(triples=triples, seed=1, settings=settings)).encode()
    quads = [
        q for q in ox.parse(text, format=ox.RdfFormat.N_QUADS) if q.predicate.value not in ASSERTED
    ]
    from kg.suggest.run import suggest_graph

    started = time.perf_counter()
    run = suggest_graph(quads, settings.base_iri)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    conn.send((len(quads), len(run.items), len(run.suggestions), seconds, peak))  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, nargs="+", default=[100_000])
    args = parser.parse_args()
    print(f"{'quads':>9} {'entities':>9} {'suggestions':>12} {'seconds':>8} "
          f"{'s / 1,000':>10} {'peak MiB':>9}")  # fmt: skip
    for size in args.triples:
        ours, theirs = multiprocessing.Pipe()
        process = multiprocessing.Process(target=_run, args=(size, theirs))
        process.start()
        quads, items, suggestions, seconds, peak = ours.recv()
        process.join()
        per = seconds / items * 1000 if items else 0.0
        print(
            f"{quads:>9,} {items:>9,} {suggestions:>12,} {seconds:>8.2f} {per:>10.3f} {peak:>9.0f}"
        )


if __name__ == "__main__":
    main()
