"""The measurements behind kg.stores.bulk_load's and kg.reason.in_store's design choices, on
generated MEA data.

Three comparisons, each of what the project chose against what it chose it over:

1. ``--candidates``: the ways of loading :mod:`kg.stores.bulk_load` chose between, at ``--triples``:
   one ``bulk_load(path=)`` (strict, lenient, lenient + ``optimize()``), the file in
   ``--parts`` parts loaded from threads (:func:`kg.stores.bulk_load.bulk_load_nquads`), and the
   ``oxigraph`` CLI on the whole file and on it cut into files (only if it is on ``PATH``);
2. owlrl, the reasoner's test oracle, at growing ``--owlrl-scales`` until one does not
   finish within ``--owlrl-budget`` seconds, then
   :func:`kg.reason.in_store.materialise_in_store` on
   the largest scale owlrl finished (the ratio is owlrl's time over ours); ``--no-owlrl``
   skips it;
3. ``--compare-reasoners``: the rules as SPARQL ``INSERT … WHERE`` updates run to a fixpoint
   in the store (:func:`sparql_fixpoint`) against
   :func:`kg.reason.in_store.materialise_in_store`,
   at ``--triples``, on the same data (they infer the same triples).

With neither ``--candidates`` nor ``--compare-reasoners`` both run, so the script with no
options makes all three comparisons at 100,000 triples.

This is not a product benchmark and is kept apart from ``kg bench``: its figures are the
evidence the module docstrings of :mod:`kg.stores.bulk_load` and :mod:`kg.reason.in_store` cite
for rejecting
the alternatives, which the product never runs. For what the product does at a scale (load,
the query mix, SHACL, reasoning, peak memory, rdflib and owlrl baselines) run
``kg bench --triples N``.

Every measurement runs in a process of its own (:func:`kg.bench.harness.in_process`, as
``kg bench`` does), on data from :mod:`kg.bench.generate` (seeded; generated once per scale in
``--workdir``, under ``kg bench``'s file names). The machine's load average is printed with
every figure: on a shared machine the wall-clock figures move with it. Prints the figures;
``--json FILE`` also writes them.

Run: ``.venv/bin/python bench/scale_bench.py`` (all three: minutes on two cores, most of
them owlrl's), or ``.venv/bin/python bench/scale_bench.py --candidates --triples 1000000
--no-owlrl``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import owlrl
import pyoxigraph as ox
from rdflib import Dataset, Graph

from kg.bench.harness import BenchConfig, generated_file, in_process
from kg.build.inputs import load_ontology
from kg.rdf.namespaces import CANONICAL_BASE, graph_iri
from kg.reason.in_store import materialise_in_store, nt_term
from kg.reason.rules import Rules
from kg.settings import Settings
from kg.stores.bulk_load import bulk_load_nquads, split_points

DEFAULT_WORKDIR = Path("/tmp/kg-scale-bench")
DEFAULT_TRIPLES = 100_000
INFERRED = graph_iri(CANONICAL_BASE, "inferred")
#: The budget of every run but owlrl's: a day, i.e. none (these runs are never cut short).
UNLIMITED_S = 24 * 3600.0


def progress(doing: str) -> None:
    """Say what runs now, on stderr: the figures are printed at the end."""
    print(f"scale_bench: {doing} ...", file=sys.stderr, flush=True)


def load_average() -> float:
    """The machine's one-minute load average."""
    return float(Path("/proc/loadavg").read_text().split()[0])


@contextmanager
def scratch_dir(path: Path) -> Iterator[Path]:
    """``path``, absent on entry (a bulk load goes into a new store) and removed on exit."""
    shutil.rmtree(path, ignore_errors=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@dataclass
class GeneratedData:
    """The generated N-Quads files this run uses, made by ``kg bench``'s
    :func:`~kg.bench.harness.generated_file`: once per scale and seed in the work directory,
    so later runs reuse them if kept (``--keep``)."""

    workdir: Path
    seed: int
    used: set[Path] = field(default_factory=set)

    def file(self, triples: int) -> Path:
        config = BenchConfig(
            triples=triples,
            backend="oxigraph",
            settings=Settings(),
            workdir=self.workdir,
            seed=self.seed,
        )
        path, _generate_s = generated_file(config)
        self.used.add(path)
        return path

    def remove(self) -> None:
        for path in self.used:
            path.unlink(missing_ok=True)


def load_for_reasoning(data: Path, store_dir: Path) -> ox.Store:
    """A new store holding ``data``, compacted with ``optimize()``: every reasoner starts
    from the same store, and neither the load nor the compaction is in its time."""
    bulk_load_nquads(store_dir, data, lenient=True)  # lenient: our own generated data
    store = ox.Store(str(store_dir))
    store.optimize()
    return store


# ----------------------------------------------------------------------------- 1. loading


@dataclass(frozen=True)
class LoadWay:
    """One way of loading that :mod:`kg.stores.bulk_load` chose between. One part is a single
    ``bulk_load(path=)`` (:func:`kg.stores.bulk_load.bulk_load_nquads` hands the file to
    Oxigraph)."""

    label: str
    parts: int
    lenient: bool
    optimize: bool = False


def load_ways(parts: int) -> list[LoadWay]:
    return [
        LoadWay("pyoxigraph bulk_load(path=)", 1, lenient=False),
        LoadWay("pyoxigraph bulk_load(path=) lenient", 1, lenient=True),
        LoadWay("pyoxigraph bulk_load(path=) lenient + optimize", 1, lenient=True, optimize=True),
        LoadWay(f"kg.stores.bulk_load {parts} parts lenient", parts, lenient=True),
        LoadWay(
            f"kg.stores.bulk_load {parts} parts lenient + optimize",
            parts,
            lenient=True,
            optimize=True,
        ),
        LoadWay(f"kg.stores.bulk_load {parts} parts strict", parts, lenient=False),
    ]


def child_load(data: Path, store_dir: Path, way: LoadWay) -> dict[str, Any]:
    """Load ``data`` one way (runs in its own process)."""
    stats = bulk_load_nquads(
        store_dir, data, lenient=way.lenient, parts=way.parts, optimize=way.optimize
    )
    return {"s": stats.seconds, "quads": stats.quads}


def oxigraph_cli() -> str | None:
    """The ``oxigraph`` command (PyPI package ``oxigraph``), from this venv or ``PATH``."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which("oxigraph", path=search)


def run_command(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of an external command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # os.wait4 rather than Popen.wait: it also returns the command's own peak RSS.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so tell Popen
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} exited {process.returncode}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def split_files(data: Path, into: Path, parts: int) -> list[Path]:
    """``data`` cut into ``parts`` files in the directory ``into``, at the line boundaries
    :mod:`kg.stores.bulk_load` uses."""
    paths = []
    with data.open("rb") as source:
        for i, (start, end) in enumerate(split_points(data, parts)):
            path = into / f"part-{i}.nq"
            source.seek(start)
            with path.open("wb") as sink:
                remaining = end - start
                while remaining:
                    chunk = source.read(min(remaining, 1 << 24))
                    sink.write(chunk)
                    remaining -= len(chunk)
            paths.append(path)
    return paths


def time_cli_load(cli: str, data: Path, store_dir: Path, files: int) -> dict[str, Any]:
    """The CLI loading ``data`` cut into ``files`` files, the cutting included: kg.stores.bulk_load
    reads the parts from the one file, the CLI needs them written out first."""
    load_avg = load_average()
    started = time.perf_counter()
    inputs = [data] if files == 1 else split_files(data, store_dir.parent, files)
    split_s = time.perf_counter() - started
    command = [cli, "load", "--lenient", "--location", str(store_dir), "--file"]
    try:
        seconds, rss = run_command(command + [str(path) for path in inputs])
    except RuntimeError as err:
        return {"skipped": str(err), "load_avg": load_avg}
    finally:
        for path in inputs:
            if path != data:
                path.unlink()
    return {"s": seconds + split_s, "split_s": split_s, "rss_mib": rss, "load_avg": load_avg}


def bench_oxigraph_cli(data: Path, workdir: Path, parts: int) -> dict[str, Any]:
    cli = oxigraph_cli()
    if cli is None:
        return {"oxigraph CLI": {"skipped": "no `oxigraph` on PATH (pip install oxigraph)"}}
    results = {}
    for files in sorted({1, parts}):
        label = f"oxigraph CLI load --lenient, {files} file{'s' if files > 1 else ''}"
        with scratch_dir(workdir / "candidate-store") as store_dir:
            results[label] = time_cli_load(cli, data, store_dir, files)
    return results


def add_rates(results: dict[str, Any], data: Path) -> None:
    """Quads per second of every way that finished. The CLI reports no count: its rate is
    taken over the file's lines (N-Quads holds one quad a line)."""
    with data.open("rb") as lines:
        line_count = sum(1 for _ in lines)
    for figures in results.values():
        if "s" in figures:
            figures["quads_per_s"] = figures.get("quads", line_count) / figures["s"]


def bench_candidates(data: Path, workdir: Path, parts: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for way in load_ways(parts):
        with scratch_dir(workdir / "candidate-store") as store_dir:
            load_avg = load_average()
            answer = in_process(child_load, (data, store_dir, way), UNLIMITED_S)
            results[way.label] = answer | {"load_avg": load_avg}
    results |= bench_oxigraph_cli(data, workdir, parts)
    add_rates(results, data)
    return results


# ----------------------------------------------------------------------------- 2. owlrl


def child_owlrl(data: Path) -> dict[str, Any]:
    """owlrl's OWL 2 RL closure of ``data`` with the ontology (runs in its own process)."""
    started = time.perf_counter()
    dataset = Dataset()
    dataset.parse(str(data), format="nquads")
    graph = Graph()  # owlrl closes one graph: every named graph merged, as in the union
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    del dataset
    graph += load_ontology(Settings())
    before = len(graph)
    parse_s = time.perf_counter() - started
    started = time.perf_counter()
    # Without axiomatic and datatype triples: the least work owlrl can be asked for, which
    # keeps the ratio to ours conservative.
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(graph)
    return {
        "parse_s": parse_s,
        "owlrl_s": time.perf_counter() - started,
        "derived": len(graph) - before,
        "load_avg": load_average(),
    }


def child_materialise(data: Path, store_dir: Path) -> dict[str, Any]:
    """``materialise_in_store`` on ``data`` (runs in its own process)."""
    store = load_for_reasoning(data, store_dir)
    ontology = load_ontology(Settings())
    load_avg = load_average()
    started = time.perf_counter()
    inferred = materialise_in_store(store, ontology, into_graph=INFERRED)
    return {"reason_s": time.perf_counter() - started, "inferred": inferred, "load_avg": load_avg}


def bench_owlrl(data: GeneratedData, scales: list[int], budget: float) -> dict[str, Any]:
    """owlrl at growing scales until one exceeds ``budget``; ours at the largest it finished."""
    runs: dict[str, Any] = {}
    largest = None
    for triples in scales:
        progress(f"owlrl at {triples:,} triples")
        runs[str(triples)] = in_process(child_owlrl, (data.file(triples),), budget)
        if "owlrl_s" not in runs[str(triples)]:
            break
        largest = triples
    out: dict[str, Any] = {"runs": runs, "budget_s": budget, "largest": largest}
    if largest is None:
        return out
    with scratch_dir(data.workdir / f"owlrl-store-{largest}") as store_dir:
        ours = in_process(child_materialise, (data.file(largest), store_dir), UNLIMITED_S)
    out["ours"] = ours
    if "reason_s" in ours:
        out["ratio"] = runs[str(largest)]["owlrl_s"] / ours["reason_s"]
    return out


# ----------------------------------------------------------------------------- 3. reasoners


def values_rows(pairs: list[tuple[Any, Any]]) -> str:
    """The rows of a SPARQL ``VALUES (?a ?b)`` block (terms already in N-Triples syntax)."""
    return " ".join(f"({a} {b})" for a, b in pairs)


def fixpoint_updates(rules: Rules, into: str) -> list[str]:
    """The rules as SPARQL updates (one for subclasses, one each for subproperties and
    inverses, one per chain or transitive property), each inserting into ``into`` what its
    rule entails and no graph holds yet (``NOT EXISTS``)."""
    updates = []
    subclass = [(c, d) for c, ds in rules.superclasses.items() for d in ds]
    if subclass:
        updates.append(
            f"INSERT {{ GRAPH <{into}> {{ ?x a ?d }} }} WHERE {{ VALUES (?c ?d) "
            f"{{ {values_rows(subclass)} }} GRAPH ?g {{ ?x a ?c }} "
            f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?x a ?d }} }} }}"
        )
    for mapping, flip in ((rules.superproperties, False), (rules.inverses, True)):
        pairs = [(p, q) for p, qs in mapping.items() for q in qs]
        if pairs:
            entailed = "?y ?q ?x" if flip else "?x ?q ?y"
            updates.append(
                f"INSERT {{ GRAPH <{into}> {{ {entailed} }} }} WHERE {{ VALUES (?p ?q) "
                f"{{ {values_rows(pairs)} }} GRAPH ?g {{ ?x ?p ?y }} "
                f"FILTER NOT EXISTS {{ GRAPH ?h {{ {entailed} }} }} }}"
            )
    # A transitive property is the chain p p ⟹ p.
    chains = [((p, p), p) for p in rules.transitive] + list(rules.chains)
    for steps, head in chains:
        path = " ".join(f"GRAPH ?g{i} {{ ?n{i} {step} ?n{i + 1} }}" for i, step in enumerate(steps))
        last = f"?n{len(steps)}"
        updates.append(
            f"INSERT {{ GRAPH <{into}> {{ ?n0 {head} {last} }} }} WHERE {{ {path} "
            f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?n0 {head} {last} }} }} }}"
        )
    return updates


def count_graph(store: ox.Store, graph: str) -> int:
    answer: Any = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(answer))["n"].value)


def sparql_fixpoint(store: ox.Store, ontology: Graph, into: str) -> int:
    """The alternative to :func:`kg.reason.in_store.materialise_in_store`: every rule's update,
    all
    again until a round adds nothing (naive iteration). It loses: every update is a
    transaction, and Oxigraph writes a quad in one about ten times slower than a bulk load
    does. Returns how many triples ``into`` holds."""
    updates = fixpoint_updates(Rules.from_ontology(ontology, convert=nt_term), into)
    before, after = -1, count_graph(store, into)
    while after != before:
        before = after
        for update in updates:
            store.update(update)
        after = count_graph(store, into)
    return after


def bulk_materialise(store: ox.Store, ontology: Graph, into: str) -> int:
    return materialise_in_store(store, ontology, into_graph=into)


#: The two ways of reasoning in the store, by the names the figures go under.
REASONERS: dict[str, Callable[[ox.Store, Graph, str], int]] = {
    "materialise_in_store": bulk_materialise,
    "sparql_fixpoint": sparql_fixpoint,
}


def time_reasoner(name: str, data: Path, store_dir: Path, ontology: Graph) -> dict[str, Any]:
    """One reasoner on a fresh store of ``data``; the store is closed on return."""
    store = load_for_reasoning(data, store_dir)
    load_avg = load_average()
    started = time.perf_counter()
    inferred = REASONERS[name](store, ontology, INFERRED)
    seconds = time.perf_counter() - started
    return {name: inferred, f"{name}_s": seconds, f"{name}_load_avg": load_avg}


def child_reasoners(data: Path, stores: Path) -> dict[str, Any]:
    """Both ways of reasoning in the store on the same data (runs in its own process)."""
    ontology = load_ontology(Settings())
    out: dict[str, Any] = {}
    for name in REASONERS:
        with scratch_dir(stores / name) as store_dir:
            out |= time_reasoner(name, data, store_dir, ontology)
    return out


def bench_reasoners(data: Path, stores: Path) -> dict[str, Any]:
    with scratch_dir(stores):
        return in_process(child_reasoners, (data, stores), UNLIMITED_S)


# ----------------------------------------------------------------------------- report


def print_candidates(candidates: dict[str, Any]) -> None:
    for triples, ways in candidates.items():
        print(f"\n== load candidates at {int(triples):,} triples")
        for how, c in ways.items():
            if "s" in c:
                print(
                    f"{how}: {c['s']:.1f} s = {c['quads_per_s']:,.0f} quads/s "
                    f"[load avg {c['load_avg']:.1f}]"
                )
            else:
                print(f"{how}: {c}")


def print_reasoners(reasoners: dict[str, Any]) -> None:
    for triples, r in reasoners.items():
        print(f"\n== in-store reasoning, two ways, at {int(triples):,} triples")
        if not all(f"{name}_s" in r for name in REASONERS):
            print(r)
            continue
        for name in REASONERS:
            print(
                f"{name}: {r[name]:,} inferred in {r[name + '_s']:.1f} s "
                f"[load avg {r[name + '_load_avg']:.1f}]"
            )


def print_owlrl(owl: dict[str, Any]) -> None:
    print(f"\n== owlrl (budget {owl['budget_s']:.0f} s per scale)")
    for triples, run in owl["runs"].items():
        if "owlrl_s" in run:
            print(
                f"owlrl at {int(triples):,}: {run['owlrl_s']:.1f} s "
                f"({run['derived']:,} triples added) [load avg {run['load_avg']:.1f}]"
            )
        else:
            print(f"owlrl at {int(triples):,}: did not finish ({run})")
    ours = owl.get("ours")
    if ours is None:
        return
    if "ratio" not in owl:
        print(f"materialise_in_store at {owl['largest']:,}: {ours}")
        return
    print(
        f"materialise_in_store at {owl['largest']:,}: {ours['reason_s']:.2f} s "
        f"({ours['inferred']:,} inferred) [load avg {ours['load_avg']:.1f}]; "
        f"owlrl / ours = {owl['ratio']:,.0f}x"
    )


def print_report(report: dict[str, Any]) -> None:
    print_candidates(report["candidates"])
    print_reasoners(report["reasoners"])
    if "owlrl" in report:
        print_owlrl(report["owlrl"])


# ----------------------------------------------------------------------------- main


def scales(text: str) -> list[int]:
    """``"10000,20000"`` -> ``[10000, 20000]``."""
    return [int(n) for n in text.split(",") if n.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--triples",
        type=int,
        action="append",
        help="scale of --candidates and --compare-reasoners "
        f"(repeatable; default {DEFAULT_TRIPLES})",
    )
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--parts",
        type=int,
        help="kg.stores.bulk_load's parts and the oxigraph CLI's files in --candidates "
        "(default: one per core, at least 2)",
    )
    parser.add_argument(
        "--candidates",
        action="store_true",
        help="time the ways of loading kg.stores.bulk_load chose from",
    )
    parser.add_argument(
        "--compare-reasoners",
        action="store_true",
        help="time the SPARQL-update fixpoint against materialise_in_store",
    )
    parser.add_argument(
        "--owlrl-scales",
        type=scales,
        default="10000,20000,50000,100000",
        help="comma-separated scales owlrl runs at, smallest first",
    )
    parser.add_argument(
        "--owlrl-budget", type=float, default=120.0, help="seconds owlrl may take per scale"
    )
    parser.add_argument("--no-owlrl", action="store_true", help="skip the owlrl comparison")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if not (args.candidates or args.compare_reasoners):
        args.candidates = args.compare_reasoners = True
    args.triples = args.triples or [DEFAULT_TRIPLES]
    args.parts = args.parts or max(2, os.cpu_count() or 1)
    return args


def run(args: argparse.Namespace, data: GeneratedData) -> dict[str, Any]:
    report: dict[str, Any] = {"cores": os.cpu_count(), "candidates": {}, "reasoners": {}}
    for triples in args.triples:
        if args.candidates:
            progress(f"load candidates at {triples:,} triples")
            report["candidates"][str(triples)] = bench_candidates(
                data.file(triples), args.workdir, args.parts
            )
        if args.compare_reasoners:
            progress(f"reasoners at {triples:,} triples")
            report["reasoners"][str(triples)] = bench_reasoners(
                data.file(triples), args.workdir / f"reasoners-{triples}"
            )
    if not args.no_owlrl:
        report["owlrl"] = bench_owlrl(data, args.owlrl_scales, args.owlrl_budget)
    return report


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = GeneratedData(args.workdir, args.seed)
    try:
        report = run(args, data)
    finally:
        if not args.keep:
            data.remove()
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
