"""Scale benchmark: bulk load, queries, in-store reasoning and owlrl, on generated MEA data.

For each ``--triples N`` (repeatable; default one million), in a fresh process so that its
peak memory is its own:

1. generate ``N`` triples with :mod:`kg.generate` (seeded; cached in ``--workdir``);
2. load them with :func:`kg.loader.bulk_load_nquads` (``lenient=True``: our own data) into a
   new on-disk store: quads per second until the store answers queries, ``optimize()`` not
   included (its cost is printed on its own);
3. run a few queries (count by graph, a join, an aggregate), then ``optimize()``;
4. materialise the ontology's declared entailments in the store with
   :func:`kg.reason.materialise_in_store`;
5. record the process's peak RSS (``getrusage``) after the load and at the end.

Then owlrl, the reasoner's test oracle, runs on the same generated data at growing scales
(``--owlrl-scales``), each in its own process under ``--owlrl-budget`` seconds, until one
does not finish; the largest scale it finished is compared with ``materialise_in_store`` on
the same data (the ratio is owlrl's time over ours). With ``--candidates`` the ways of
loading that :mod:`kg.loader` chose between are timed too, each in its own process (the
``oxigraph`` CLI only if it is on ``PATH``).

The machine's load average is printed with every figure: on a shared machine the wall-clock
figures move with it. Prints a table; ``--json FILE`` also writes the figures.

Run: ``.venv/bin/python bench/scale_bench.py --triples 1000000 --triples 10000000``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_WORKDIR = Path("/tmp/kg-scale-bench")
INFERRED = "https://w3id.org/mea-kg/graph/inferred"
MEA = "https://w3id.org/mea-kg/ontology#"
QUERIES = {
    "quads per graph (top 5)": (
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
        "GROUP BY ?g ORDER BY DESC(?n) LIMIT 5"
    ),
    "activities per target (join)": (
        f"SELECT ?t (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a <{MEA}contributesToOutcome> ?o . "
        f"?o <{MEA}contributesToTarget> ?t }} GROUP BY ?t"
    ),
    "workplans by agreement": (
        f"SELECT ?ag (COUNT(?w) AS ?n) WHERE {{ ?w a <{MEA}Workplan> ; "
        f"<{MEA}underAgreement> ?ag }} GROUP BY ?ag"
    ),
    "labels of one centre's activities": (
        f"SELECT ?a ?l WHERE {{ ?w <{MEA}hasActivity> ?a . ?a <http://www.w3.org/2000/01/"
        f"rdf-schema#label> ?l }} LIMIT 100"
    ),
}


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generated(workdir: Path, triples: int, seed: int) -> tuple[Path, float | None]:
    """The generated N-Quads file for this scale, made once (seconds if made now)."""
    from kg.generate import write
    from kg.settings import Settings

    path = workdir / f"generated-{triples}-seed{seed}.nq"
    if path.exists():
        return path, None
    workdir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    started = time.perf_counter()
    write(partial, triples=triples, seed=seed, settings=Settings())
    partial.rename(path)
    return path, time.perf_counter() - started


# ----------------------------------------------------------------------------- children


def child_scale(args: dict[str, Any]) -> dict[str, Any]:
    """Load, query, optimize and reason at one scale (runs in its own process)."""
    import pyoxigraph as ox

    from kg.inputs import load_ontology
    from kg.loader import bulk_load_nquads
    from kg.reason import materialise_in_store
    from kg.settings import Settings

    data, store_dir = Path(args["data"]), Path(args["store"])
    out: dict[str, Any] = {"load_avg_start": load_average()}
    stats = bulk_load_nquads(store_dir, data, lenient=True, parts=args.get("parts"))
    out |= {
        "quads": stats.quads,
        "load_s": stats.seconds,
        "load_quads_per_s": stats.quads_per_second,
        "load_parts": stats.parts,
        "rss_after_load_mib": peak_rss_mib(),
        "load_avg_load": load_average(),
    }
    store = ox.Store(str(store_dir))
    out["queries"] = {}
    for name, query in QUERIES.items():
        started = time.perf_counter()
        answer: Any = store.query(query, use_default_graph_as_union=True)
        rows = sum(1 for _ in answer)
        out["queries"][name] = {"s": time.perf_counter() - started, "rows": rows}
    started = time.perf_counter()
    store.optimize()
    out["optimize_s"] = time.perf_counter() - started
    if args.get("reason", True):
        ontology = load_ontology(Settings())
        out["load_avg_reason"] = load_average()
        started = time.perf_counter()
        out["inferred"] = materialise_in_store(store, ontology, into_graph=INFERRED)
        out["reason_s"] = time.perf_counter() - started
    out["rss_peak_mib"] = peak_rss_mib()
    out["load_avg_end"] = load_average()
    return out


def child_owlrl(args: dict[str, Any]) -> dict[str, Any]:
    """owlrl's OWL 2 RL closure of the generated data (runs in its own process)."""
    import owlrl
    from rdflib import Dataset, Graph

    from kg.inputs import load_ontology
    from kg.settings import Settings

    started = time.perf_counter()
    dataset = Dataset()
    dataset.parse(args["data"], format="nquads")
    graph = Graph()  # owlrl closes one graph: every named graph merged, as in the union
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    del dataset
    graph += load_ontology(Settings())
    before = len(graph)
    parsed = time.perf_counter() - started
    started = time.perf_counter()
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(graph)
    return {
        "parse_s": parsed,
        "owlrl_s": time.perf_counter() - started,
        "derived": len(graph) - before,
        "load_avg": load_average(),
    }


def child_ours_small(args: dict[str, Any]) -> dict[str, Any]:
    """``materialise_in_store`` at an owlrl comparison scale (runs in its own process)."""
    import pyoxigraph as ox

    from kg.inputs import load_ontology
    from kg.loader import bulk_load_nquads
    from kg.reason import materialise_in_store
    from kg.settings import Settings

    bulk_load_nquads(Path(args["store"]), Path(args["data"]), lenient=True)
    store = ox.Store(args["store"])
    store.optimize()
    ontology = load_ontology(Settings())
    started = time.perf_counter()
    inferred = materialise_in_store(store, ontology, into_graph=INFERRED)
    return {"reason_s": time.perf_counter() - started, "inferred": inferred}


def sparql_fixpoint(store: Any, ontology: Any, into: str) -> int:
    """The other way to reason in the store: one SPARQL INSERT per rule, all rules again until
    a round adds nothing (naive iteration; NOT EXISTS keeps asserted triples out). Kept here
    to compare with :func:`kg.reason.materialise_in_store`, which it loses to: every INSERT
    is a transaction, and Oxigraph writes a quad in one about ten times slower than a bulk
    load does."""
    from kg.reason import Rules, nt_term

    rules = Rules.from_ontology(ontology, convert=nt_term)

    def values(pairs: list[tuple[Any, Any]]) -> str:
        return " ".join(f"({a} {b})" for a, b in pairs)

    updates = []
    subclass = [(c, d) for c, ds in rules.superclasses.items() for d in ds]
    if subclass:
        updates.append(
            f"INSERT {{ GRAPH <{into}> {{ ?x a ?d }} }} WHERE {{ VALUES (?c ?d) "
            f"{{ {values(subclass)} }} GRAPH ?g {{ ?x a ?c }} "
            f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?x a ?d }} }} }}"
        )
    for mapping, flip in ((rules.superproperties, False), (rules.inverses, True)):
        pairs = [(p, q) for p, qs in mapping.items() for q in qs]
        if pairs:
            entailed = "?y ?q ?x" if flip else "?x ?q ?y"
            updates.append(
                f"INSERT {{ GRAPH <{into}> {{ {entailed} }} }} WHERE {{ VALUES (?p ?q) "
                f"{{ {values(pairs)} }} GRAPH ?g {{ ?x ?p ?y }} "
                f"FILTER NOT EXISTS {{ GRAPH ?h {{ {entailed} }} }} }}"
            )
    chains = [((p, p), p) for p in rules.transitive] + list(rules.chains)
    for steps, head in chains:
        path = " ".join(f"GRAPH ?g{i} {{ ?n{i} {step} ?n{i + 1} }}" for i, step in enumerate(steps))
        last = f"?n{len(steps)}"
        updates.append(
            f"INSERT {{ GRAPH <{into}> {{ ?n0 {head} {last} }} }} WHERE {{ {path} "
            f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?n0 {head} {last} }} }} }}"
        )
    count_query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{into}> {{ ?s ?p ?o }} }}"

    def count() -> int:
        answer: Any = store.query(count_query)
        return int(next(iter(answer))["n"].value)

    before, after = -1, count()
    while after != before:
        before = after
        for update in updates:
            store.update(update)
        after = count()
    return after


def child_reasoners(args: dict[str, Any]) -> dict[str, Any]:
    """Both ways of reasoning in the store on the same data (runs in its own process)."""
    import pyoxigraph as ox

    from kg.inputs import load_ontology
    from kg.loader import bulk_load_nquads
    from kg.reason import materialise_in_store
    from kg.settings import Settings

    ontology = load_ontology(Settings())
    out: dict[str, Any] = {}
    for name in ("materialise_in_store", "sparql_fixpoint"):
        store_dir = Path(args["store"]) / name
        bulk_load_nquads(store_dir, Path(args["data"]), lenient=True)
        store = ox.Store(str(store_dir))
        store.optimize()
        out[f"{name}_load_avg"] = load_average()
        started = time.perf_counter()
        if name == "sparql_fixpoint":
            out[name] = sparql_fixpoint(store, ontology, INFERRED)
        else:
            out[name] = materialise_in_store(store, ontology, into_graph=INFERRED)
        out[f"{name}_s"] = time.perf_counter() - started
        del store
        shutil.rmtree(store_dir)
    return out


def child_candidate(args: dict[str, Any]) -> dict[str, Any]:
    """One way of loading (runs in its own process); see :mod:`kg.loader`."""
    import pyoxigraph as ox

    from kg.loader import bulk_load_nquads

    data, store_dir, how = Path(args["data"]), Path(args["store"]), args["how"]
    started = time.perf_counter()
    if how.startswith("pyoxigraph bulk_load(path=)"):
        store = ox.Store(str(store_dir))
        store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS, lenient="lenient" in how)
        if "optimize" in how:
            store.optimize()
        store.flush()
        seconds = time.perf_counter() - started
        quads = len(store)
    else:  # kg.loader with N parts
        stats = bulk_load_nquads(
            store_dir,
            data,
            lenient="lenient" in how,
            parts=args["parts"],
            optimize="optimize" in how,
        )
        seconds, quads = stats.seconds, stats.quads
    return {"s": seconds, "quads": quads}


CHILDREN = {
    "scale": child_scale,
    "owlrl": child_owlrl,
    "ours": child_ours_small,
    "candidate": child_candidate,
    "reasoners": child_reasoners,
}


def run_child(kind: str, args: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
    """Run a child of this script; its JSON answer plus its own peak RSS (``wait4``)."""
    command = [sys.executable, __file__, "--child", kind, json.dumps(args)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        stdout, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return {"timeout": timeout}
    # communicate() has reaped the child; its peak RSS is in RUSAGE_CHILDREN only as a max
    # over all children, so each child also reports its own (ru_maxrss of itself).
    if process.returncode != 0:
        return {"error": f"exit {process.returncode}"}
    return json.loads(stdout.strip().splitlines()[-1])


def run_command(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of an external command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} exited {process.returncode}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024


# ----------------------------------------------------------------------------- parent


def bench_scale(
    workdir: Path, triples: int, seed: int, parts: int | None, *, reason: bool
) -> dict[str, Any]:
    data, generate_s = generated(workdir, triples, seed)
    store = workdir / f"store-{triples}"
    shutil.rmtree(store, ignore_errors=True)
    figures = run_child(
        "scale", {"data": str(data), "store": str(store), "parts": parts, "reason": reason}
    )
    shutil.rmtree(store, ignore_errors=True)
    figures["triples"] = triples
    figures["generate_s"] = generate_s
    figures["file_mib"] = data.stat().st_size / 2**20
    return figures


def bench_candidates(workdir: Path, triples: int, seed: int) -> dict[str, Any]:
    data, _ = generated(workdir, triples, seed)
    store = workdir / f"candidate-{triples}"
    results: dict[str, Any] = {}
    ways: list[tuple[str, dict[str, Any]]] = [
        ("pyoxigraph bulk_load(path=)", {}),
        ("pyoxigraph bulk_load(path=) lenient", {}),
        ("pyoxigraph bulk_load(path=) lenient + optimize", {}),
        ("kg.loader 2 parts lenient", {"parts": 2}),
        ("kg.loader 2 parts lenient + optimize", {"parts": 2}),
        ("kg.loader 2 parts strict", {"parts": 2}),
    ]
    for how, extra in ways:
        shutil.rmtree(store, ignore_errors=True)
        load_avg = load_average()
        answer = run_child(
            "candidate", {"data": str(data), "store": str(store), "how": how} | extra
        )
        results[how] = answer | {"load_avg": load_avg}
    cli = shutil.which("oxigraph", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    if cli is None:
        results["oxigraph CLI"] = {"skipped": "no `oxigraph` on PATH (pip install oxigraph)"}
    else:
        for label, files in (("1 file", 1), ("2 files", 2)):
            shutil.rmtree(store, ignore_errors=True)
            load_avg = load_average()
            started = time.perf_counter()
            inputs = [data] if files == 1 else _split_files(data, workdir, files)
            split_s = time.perf_counter() - started
            seconds, rss = run_command(
                [cli, "load", "--lenient", "--location", str(store), "--file", *map(str, inputs)]
            )
            results[f"oxigraph CLI load --lenient, {label}"] = {
                "s": seconds + split_s,
                "split_s": split_s,
                "rss_mib": rss,
                "load_avg": load_avg,
            }
            if files > 1:
                for path in inputs:
                    path.unlink()
    shutil.rmtree(store, ignore_errors=True)
    lines = sum(1 for _ in data.open("rb"))
    for figures in results.values():
        if "s" in figures:
            figures["quads_per_s"] = figures.get("quads", lines) / figures["s"]
    return results


def _split_files(data: Path, workdir: Path, parts: int) -> list[Path]:
    from kg.loader import split_points

    paths = []
    with data.open("rb") as source:
        for i, (start, end) in enumerate(split_points(data, parts)):
            path = workdir / f"part-{i}.nq"
            source.seek(start)
            with path.open("wb") as sink:
                remaining = end - start
                while remaining:
                    chunk = source.read(min(remaining, 1 << 24))
                    sink.write(chunk)
                    remaining -= len(chunk)
            paths.append(path)
    return paths


def bench_reasoners(workdir: Path, triples: int, seed: int) -> dict[str, Any]:
    data, _ = generated(workdir, triples, seed)
    store = workdir / f"reasoners-{triples}"
    shutil.rmtree(store, ignore_errors=True)
    try:
        return run_child("reasoners", {"data": str(data), "store": str(store)})
    finally:
        shutil.rmtree(store, ignore_errors=True)


def bench_owlrl(workdir: Path, scales: list[int], seed: int, budget: float) -> dict[str, Any]:
    """owlrl at growing scales until one exceeds ``budget``; ours at the largest it finished."""
    runs: dict[str, Any] = {}
    largest = None
    for triples in scales:
        data, _ = generated(workdir, triples, seed)
        answer = run_child("owlrl", {"data": str(data)}, timeout=budget)
        runs[str(triples)] = answer
        if "owlrl_s" not in answer:
            break
        largest = triples
    out: dict[str, Any] = {"runs": runs, "budget_s": budget, "largest": largest}
    if largest is not None:
        data, _ = generated(workdir, largest, seed)
        store = workdir / f"owlrl-store-{largest}"
        shutil.rmtree(store, ignore_errors=True)
        ours = run_child("ours", {"data": str(data), "store": str(store)})
        shutil.rmtree(store, ignore_errors=True)
        out["ours"] = ours
        out["ratio"] = runs[str(largest)]["owlrl_s"] / ours["reason_s"]
    return out


def print_report(report: dict[str, Any]) -> None:
    for figures in report["scales"]:
        if "quads" not in figures:
            print(f"\n== {figures['triples']:,} triples: {figures}")
            continue
        print(
            f"\n== {figures['triples']:,} triples requested: {figures['quads']:,} quads, "
            f"{figures['file_mib']:.0f} MiB of N-Quads"
            + (f", generated in {figures['generate_s']:.1f} s" if figures["generate_s"] else "")
        )
        print(
            f"load ({figures['load_parts']} part(s), lenient, optimize() not included): "
            f"{figures['load_s']:.1f} s = {figures['load_quads_per_s']:,.0f} quads/s "
            f"[load avg {figures['load_avg_start']:.1f}]; peak RSS after load "
            f"{figures['rss_after_load_mib']:,.0f} MiB"
        )
        for name, q in figures["queries"].items():
            print(f"query {name}: {q['s'] * 1000:,.0f} ms, {q['rows']} rows")
        print(f"optimize(): {figures['optimize_s']:.1f} s")
        if "reason_s" not in figures:
            print("materialise_in_store: not run at this scale (--reason-max)")
        else:
            print(
                f"materialise_in_store: {figures['inferred']:,} triples inferred in "
                f"{figures['reason_s']:.1f} s [load avg {figures['load_avg_reason']:.1f}]"
            )
        print(
            f"peak RSS of the process: {figures['rss_peak_mib']:,.0f} MiB "
            f"[load avg at end {figures['load_avg_end']:.1f}]"
        )
    for triples, candidates in report.get("candidates", {}).items():
        print(f"\n== load candidates at {int(triples):,} triples")
        for how, c in candidates.items():
            if "s" in c:
                print(
                    f"{how}: {c['s']:.1f} s = {c['quads_per_s']:,.0f} quads/s "
                    f"[load avg {c['load_avg']:.1f}]"
                )
            else:
                print(f"{how}: {c}")
    for triples, r in report.get("reasoners", {}).items():
        print(f"\n== in-store reasoning, two ways, at {int(triples):,} triples")
        if "sparql_fixpoint_s" not in r:
            print(r)
            continue
        for name in ("materialise_in_store", "sparql_fixpoint"):
            print(
                f"{name}: {r[name]:,} inferred in {r[name + '_s']:.1f} s "
                f"[load avg {r[name + '_load_avg']:.1f}]"
            )
    owl = report.get("owlrl")
    if owl:
        print(f"\n== owlrl (budget {owl['budget_s']:.0f} s per scale)")
        for triples, run in owl["runs"].items():
            if "owlrl_s" in run:
                print(
                    f"owlrl at {int(triples):,}: {run['owlrl_s']:.1f} s "
                    f"({run['derived']:,} triples added) [load avg {run['load_avg']:.1f}]"
                )
            else:
                print(f"owlrl at {int(triples):,}: did not finish ({run})")
        if owl.get("ours"):
            print(
                f"materialise_in_store at {owl['largest']:,}: {owl['ours']['reason_s']:.2f} s "
                f"({owl['ours']['inferred']:,} inferred); owlrl / ours = {owl['ratio']:,.0f}x"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, action="append", help="scale (repeatable)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parts", type=int, default=None, help="loader parts (default: cores)")
    parser.add_argument("--owlrl-scales", default="10000,20000,50000,100000")
    parser.add_argument("--owlrl-budget", type=float, default=120.0)
    parser.add_argument("--no-owlrl", action="store_true")
    parser.add_argument(
        "--candidates",
        action="store_true",
        help="time the loading candidates (at scales up to --reason-max)",
    )
    parser.add_argument(
        "--compare-reasoners",
        type=int,
        action="append",
        default=[],
        help="also time the SPARQL-update fixpoint against materialise_in_store at this scale",
    )
    parser.add_argument(
        "--reason-max",
        type=int,
        default=2_000_000,
        help="skip in-store reasoning above this scale (its Python sets grow with the data)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, payload = args.child
        print(json.dumps(CHILDREN[kind](json.loads(payload))))
        return 0
    scales = args.triples or [1_000_000]
    report: dict[str, Any] = {
        "cores": os.cpu_count(),
        "scales": [],
        "candidates": {},
        "reasoners": {},
    }
    try:
        for triples in scales:
            if args.candidates and triples <= args.reason_max:
                report["candidates"][str(triples)] = bench_candidates(
                    args.workdir, triples, args.seed
                )
            report["scales"].append(
                bench_scale(
                    args.workdir, triples, args.seed, args.parts, reason=triples <= args.reason_max
                )
            )
        for triples in args.compare_reasoners:
            report["reasoners"][str(triples)] = bench_reasoners(args.workdir, triples, args.seed)
        if not args.no_owlrl:
            owlrl_scales = [int(n) for n in args.owlrl_scales.split(",") if n]
            report["owlrl"] = bench_owlrl(args.workdir, owlrl_scales, args.seed, args.owlrl_budget)
    finally:
        if not args.keep:
            for path in args.workdir.glob("generated-*.nq"):
                path.unlink()
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
