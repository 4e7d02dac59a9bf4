"""Benchmark of SHACL validation over a generated graph: kg.shacl.in_store against pySHACL.

For each scale, the script generates MEA-shaped data (``kg.bench.generate``, seed 1 unless told),
bulk-loads it into an on-disk Oxigraph store, validates the whole store with
:func:`kg.shacl.in_store.validate_store` in ``--workers`` processes and prints the figures: triples,
focus nodes, findings by severity, seconds (with the load average: the machine is shared).

For a ratio it then times pySHACL (what ``kg.shacl.validate.validate`` runs) on a sample of the same
generator and seed (``--sample`` synthetic triples, with the ontology and reference graphs),
in a child process stopped after ``--pyshacl-budget`` seconds (then the script says so), and
the store validator on that same sample: the ratio on the sample, and pySHACL's per-triple
rate against the store validator's at full scale.

    .venv/bin/python bench/shacl_bench.py --triples 1000000 --workers 2
    .venv/bin/python bench/shacl_bench.py --triples 100000 1000000 --sample 10000 --json out.json

Target (issue 5): SHACL validation at 1M triples in at most 60 s on 2 cores, with the same
report as a single pySHACL run (tests/integration/test_validate_store.py checks that).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from kg.bench.generate import write
from kg.shacl.in_store import compile_for, count_focus_nodes, validate_store_timed


def _load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} cores)"


def _store(nquads: Path, directory: Path) -> tuple[int, float]:
    """Bulk-load ``nquads`` into a new on-disk store; (quads, seconds)."""
    started = time.perf_counter()
    store = ox.Store(str(directory))
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    store.flush()
    quads = len(store)
    del store
    return quads, time.perf_counter() - started


def _pyshacl_child(nquads: str, queue: Any) -> None:
    """Run kg.shacl.validate.validate on the sample (in a child, so that it can be stopped)."""
    from rdflib import Dataset, Graph

    from kg.shacl.validate import validate

    data = Dataset()
    data.parse(nquads, format="nquads")
    ontology = Graph().parse(Path(__file__).resolve().parents[1] / "ontology" / "mea.ttl")
    started = time.perf_counter()
    report = validate(data, ontology=ontology)
    queue.put((time.perf_counter() - started, report.summary()))


def _pyshacl(nquads: Path, budget: float) -> tuple[float | None, str]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_pyshacl_child, args=(str(nquads), queue))
    child.start()
    child.join(budget)
    if child.is_alive():
        child.terminate()
        child.join()
        return None, f"skipped: still running after the {budget:.0f} s budget"
    if queue.empty():
        return None, f"failed (exit code {child.exitcode})"
    seconds, summary = queue.get()
    return float(seconds), str(summary)


def run_scale(triples: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    nquads = work / f"gen-{triples}.nq"
    write(nquads, triples=triples, seed=args.seed)
    quads, load_seconds = _store(nquads, work / f"store-{triples}")
    store_dir = work / f"store-{triples}"
    load_before = _load_average()
    run = validate_store_timed(store_dir, workers=args.workers)
    load_after = _load_average()
    report = run.report
    focus = count_focus_nodes(store_dir, compile_for(ox.Store.read_only(str(store_dir))))
    slowest = sorted(run.timings, key=lambda t: -t.seconds)[: args.top]
    return {
        "triples": quads,
        "load_seconds": round(load_seconds, 2),
        "focus_nodes": focus,
        "queries": run.queries,
        "workers": args.workers,
        "seconds": round(run.seconds, 2),
        "findings": len(report.findings),
        "by_severity": dict(Counter(f.severity for f in report.findings)),
        "conforms": report.conforms,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "slowest_queries": [
            {
                "shape": t.shape.rsplit("#", 1)[-1],
                "component": t.component.rsplit("#", 1)[-1],
                "seconds": round(t.seconds, 2),
                "rows": t.rows,
            }
            for t in slowest
        ],
    }


def run_sample(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    nquads = work / f"sample-{args.sample}.nq"
    write(nquads, triples=args.sample, seed=args.seed)
    quads, _seconds = _store(nquads, work / "store-sample")
    store_run = validate_store_timed(work / "store-sample", workers=1)
    pyshacl_seconds, pyshacl_summary = _pyshacl(nquads, args.pyshacl_budget)
    return {
        "triples": quads,
        "store_seconds": round(store_run.seconds, 2),
        "store_summary": store_run.report.summary(),
        "pyshacl_seconds": None if pyshacl_seconds is None else round(pyshacl_seconds, 2),
        "pyshacl_summary": pyshacl_summary,
        "ratio": None if pyshacl_seconds is None else round(pyshacl_seconds / store_run.seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", type=int, default=10_000, help="pySHACL sample (triples)")
    parser.add_argument("--pyshacl-budget", type=float, default=300.0, help="seconds")
    parser.add_argument("--top", type=int, default=8, help="slowest queries to list")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--work", type=Path, help="directory for data and stores (default: temp)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="shacl-bench-") as temporary:
        work = args.work or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        results: dict[str, Any] = {"scales": []}
        for triples in args.triples:
            figures = run_scale(triples, args, work)
            results["scales"].append(figures)
            severities = ", ".join(
                f"{n} {s.lower()}" for s, n in sorted(figures["by_severity"].items())
            )
            print(
                f"{figures['triples']:,} quads (generated, seed {args.seed}; load "
                f"{figures['load_seconds']} s): {figures['focus_nodes']:,} focus nodes, "
                f"{figures['queries']} queries, {figures['findings']:,} findings "
                f"({severities or 'none'}; conforms: {figures['conforms']}), "
                f"validated in {figures['seconds']} s with {args.workers} worker(s)"
            )
            print(f"  load average: before {figures['load_average_before']}")
            print(f"                after  {figures['load_average_after']}")
            for q in figures["slowest_queries"]:
                print(
                    f"  {q['seconds']:7.2f} s  {q['rows']:7,} rows  {q['shape']} {q['component']}"
                )
        sample = run_sample(args, work)
        results["sample"] = sample
        print(
            f"sample of {sample['triples']:,} quads: store validator {sample['store_seconds']} s "
            f"({sample['store_summary']}); pySHACL "
            + (
                f"{sample['pyshacl_seconds']} s ({sample['pyshacl_summary']}): "
                f"{sample['ratio']}x slower on the same data"
                if sample["pyshacl_seconds"] is not None
                else sample["pyshacl_summary"]
            )
        )
        if sample["pyshacl_seconds"] is not None:
            rate = sample["pyshacl_seconds"] / sample["triples"]
            for figures in results["scales"]:
                estimate = rate * figures["triples"]
                print(
                    f"  at {figures['triples']:,} quads pySHACL would need about "
                    f"{estimate:,.0f} s at its sample rate (linear, an estimate): "
                    f"{estimate / figures['seconds']:,.0f}x the store validator's "
                    f"{figures['seconds']} s"
                )
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
