"""``kg bench``: load, query, reason and validate generated MEA data at a chosen scale, on a
chosen backend, against rdflib's in-memory engine and owlrl in the same run.

Each scale runs in a fresh process, so its peak memory is its own. Within it, the phases run
in the order that keeps each one honest:

1. **generate** ``N`` triples (:mod:`kg.bench.generate`, seeded; cached under the work directory);
2. **load** them into the backend (for Oxigraph, :func:`kg.stores.bulk_load.bulk_load_nquads`); the
   figure is triples per second until the store answers queries;
3. **query** the canonical mix (:mod:`kg.bench.mix`), every row read, p50/p95 of repeats;
   then (Oxigraph only) **memory**: the same file bulk-loaded into an in-memory Oxigraph
   store, as a server with ``KG_SERVE_FROM=memory`` does when it starts, and the mix again
   on that copy;
4. **shacl** — :func:`kg.shacl.in_store.validate_store`, shapes compiled to SPARQL, in
   worker processes on the read-only store;
5. **reason** — :func:`kg.reason.in_store.materialise_in_store`: the ontology's declared
entailments
   materialised into the store.

Baselines run in their own processes with a time budget and are skipped past it (said so in
the output, never silently): rdflib's in-memory ``Dataset`` loading the same file and running
the same mix, and owlrl's OWL 2 RL closure of the same data.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.bench.mix import FIND_ACTIVITY, QUERY_MIX
from kg.settings import Settings
from kg.stores.base import is_boolean

PHASES = ("load", "query", "memory", "shacl", "reason")


@dataclass
class BenchConfig:
    triples: int
    backend: str
    settings: Settings
    workdir: Path
    seed: int = 1
    repeats: int = 5
    budget: float = 120.0
    phases: tuple[str, ...] = PHASES
    baselines: tuple[str, ...] = ("rdflib", "owlrl")
    workers: int = 2


@dataclass
class ScaleFigures:
    """What one scale measured; ``None`` means not measured (the reason is in ``notes``)."""

    triples: int
    backend: str
    quads_loaded: int = 0
    generate_s: float | None = None
    load_s: float | None = None
    load_triples_per_s: float | None = None
    #: Processor time the load used, on every core (user + system): with ``cores`` it bounds
    #: the rate this machine can reach, however the work is spread.
    load_cpu_s: float | None = None
    cores: int = 1
    queries: dict[str, dict[str, float]] = field(default_factory=dict)
    #: The in-memory copy a server serving from memory loads (Oxigraph only).
    memory_load_s: float | None = None
    memory_load_triples_per_s: float | None = None
    memory_load_cpu_s: float | None = None
    memory_queries: dict[str, dict[str, float]] = field(default_factory=dict)
    shacl_s: float | None = None
    shacl_findings: int | None = None
    shacl_violations: int | None = None
    reason_s: float | None = None
    inferred: int | None = None
    peak_rss_mib_loaded: float | None = None
    peak_rss_mib: float | None = None
    peak_rss_mib_workers: float | None = None
    baselines: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- helpers


def _rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def _cpu_s() -> float:
    """Processor seconds this process has used so far, on all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _ceiling(quads: int, cpu_s: float | None, cores: int) -> str:
    """The fastest rate ``cores`` could reach doing the same work: cores / CPU-s per quad."""
    if not cpu_s:
        return "-"
    return f"{cpu_s:.1f} CPU-s, ≤ {quads * cores / cpu_s:,.0f}/s on {cores} cores"


def _consume(results: Any) -> int:
    """Read every row (or triple, or the boolean) of a query answer; return how many."""
    if is_boolean(results):
        return 1
    if getattr(results, "type", None) == "ASK":  # an rdflib Result
        return 1
    count = 0
    for row in results:
        for _ in row:
            pass
        count += 1
    return count


def time_mix(
    run: Callable[[str], Any], activity: str, repeats: int, budget: float
) -> dict[str, dict[str, float]]:
    """p50/p95 (ms) of each query of the mix through ``run``, after one warm-up run; a query
    stops repeating once it has used ``budget`` seconds."""
    figures: dict[str, dict[str, float]] = {}
    for name, (_kind, _intent, template) in QUERY_MIX.items():
        query = template.replace("{activity}", activity)
        started = time.perf_counter()
        rows = _consume(run(query))
        samples: list[float] = []
        while len(samples) < repeats and time.perf_counter() - started < budget:
            t0 = time.perf_counter()
            _consume(run(query))
            samples.append((time.perf_counter() - t0) * 1000)
        if not samples:
            samples = [(time.perf_counter() - started) * 1000]
        samples.sort()
        figures[name] = {
            "p50_ms": statistics.median(samples),
            "p95_ms": samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))],
            "rows": rows,
            "runs": len(samples),
        }
    return figures


def generated_file(config: BenchConfig) -> tuple[Path, float | None]:
    """The generated N-Quads for this scale and seed, made once and kept in the work dir."""
    from kg.bench.generate import write

    path = config.workdir / f"generated-{config.triples}-seed{config.seed}.nq"
    if path.exists():
        return path, None
    config.workdir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    started = time.perf_counter()
    write(partial, triples=config.triples, seed=config.seed, settings=config.settings)
    partial.rename(path)
    return path, time.perf_counter() - started


# ----------------------------------------------------------------------------- our side


def _load(config: BenchConfig, data: Path, figures: ScaleFigures) -> Any:
    """Load ``data`` into the configured backend; return the store."""
    from kg.stores import MemoryStore, load_snapshot, open_store

    started, cpu = time.perf_counter(), _cpu_s()
    if config.backend == "oxigraph":
        from kg.stores.bulk_load import bulk_load_nquads

        store_dir = config.workdir / f"store-{config.triples}"
        if store_dir.exists():
            shutil.rmtree(store_dir)
        stats = bulk_load_nquads(store_dir, data, lenient=True)  # our own generated data
        store: Any = ox.Store(str(store_dir))
        figures.quads_loaded = stats.quads
    elif config.backend == "memory":
        store = MemoryStore()
        store.load(path=data, format=ox.RdfFormat.N_QUADS)
        figures.quads_loaded = len(store)
    else:
        load_snapshot(config.settings, data)
        store = open_store(config.settings)
        figures.quads_loaded = len(store)
    figures.load_s = time.perf_counter() - started
    figures.load_cpu_s = _cpu_s() - cpu
    figures.load_triples_per_s = figures.quads_loaded / figures.load_s
    return store


def _memory_copy(config: BenchConfig, data: Path, figures: ScaleFigures) -> None:
    """Make the in-memory copy a server serving from memory makes (``data`` standing for the
    build's snapshot), and time the mix on it."""
    from kg.stores.oxigraph import memory_copy

    started, cpu = time.perf_counter(), _cpu_s()
    memory = memory_copy(config.workdir / f"store-{config.triples}", data)
    figures.memory_load_s = time.perf_counter() - started
    figures.memory_load_cpu_s = _cpu_s() - cpu
    figures.memory_load_triples_per_s = len(memory) / figures.memory_load_s
    if "query" in config.phases:
        figures.memory_queries = time_mix(
            lambda q: memory.query(q, use_default_graph_as_union=True),
            _activity(memory),
            config.repeats,
            config.budget,
        )


def _activity(store: Any) -> str:
    rows = list(store.query(FIND_ACTIVITY, use_default_graph_as_union=True))
    return rows[0]["a"].value if rows else "https://w3id.org/mea-kg/id/activity/none"


def run_scale(config: BenchConfig) -> ScaleFigures:
    """Every phase at one scale, in this process (call it in a fresh one)."""
    from rdflib import Graph

    figures = ScaleFigures(config.triples, config.backend, cores=os.cpu_count() or 1)
    data, figures.generate_s = generated_file(config)
    store = _load(config, data, figures)
    if "query" in config.phases:
        activity = _activity(store)
        figures.queries = time_mix(
            lambda q: store.query(q, use_default_graph_as_union=True),
            activity,
            config.repeats,
            config.budget,
        )
    figures.peak_rss_mib_loaded = _rss_mib()
    if "memory" in config.phases and config.backend == "oxigraph":
        _memory_copy(config, data, figures)
    ontology = Graph().parse(config.settings.ontology_dir / "mea.ttl")
    if "shacl" in config.phases:
        from kg.shacl.in_store import validate_store

        started = time.perf_counter()
        if config.backend == "oxigraph":
            store_dir = config.workdir / f"store-{config.triples}"
            store.flush()
            del store  # the workers open the directory read-only: no writer beside them
            report = validate_store(store_dir, ontology=ontology, workers=config.workers)
            store = ox.Store(str(store_dir))
        else:
            report = validate_store(store, ontology=ontology, workers=1)
        figures.shacl_s = time.perf_counter() - started
        figures.shacl_findings = len(report.findings)
        figures.shacl_violations = len(report.violations())
        if not report.conforms:
            figures.notes.append(f"SHACL: {report.summary()}")
    if "reason" in config.phases:
        from kg.reason.in_store import materialise_in_store

        into = config.settings.base_iri + "/graph/inferred"
        started = time.perf_counter()
        # On disk, the asserted data are read by worker processes from the directory.
        store_path = (
            str(config.workdir / f"store-{config.triples}")
            if config.backend == "oxigraph"
            else None
        )
        figures.inferred = materialise_in_store(
            store, ontology, into_graph=into, workers=config.workers, store_path=store_path
        )
        figures.reason_s = time.perf_counter() - started
    figures.peak_rss_mib = _rss_mib()
    # SHACL workers and reasoning's readers; none when neither phase ran.
    figures.peak_rss_mib_workers = _rss_mib(resource.RUSAGE_CHILDREN) or None
    return figures


# ----------------------------------------------------------------------------- baselines


def baseline_rdflib(data: Path, repeats: int, budget: float) -> dict[str, Any]:
    """rdflib's in-memory engine (what rdflib-endpoint serves from) on the same file."""
    from rdflib import Dataset

    started = time.perf_counter()
    dataset = Dataset(default_union=True)
    dataset.parse(str(data), format="nquads")
    load_s = time.perf_counter() - started
    rows = list(dataset.query(FIND_ACTIVITY))
    activity = str(rows[0][0]) if rows else "https://w3id.org/mea-kg/id/activity/none"  # type: ignore[index]
    queries = time_mix(lambda q: dataset.query(q), activity, repeats, budget / len(QUERY_MIX))
    return {"load_s": load_s, "queries": queries, "peak_rss_mib": _rss_mib()}


def baseline_owlrl(data: Path, ontology_path: Path) -> dict[str, Any]:
    """owlrl's OWL 2 RL closure of the data with the ontology (the reasoner's test oracle)."""
    import owlrl
    from rdflib import Dataset, Graph

    dataset = Dataset()
    dataset.parse(str(data), format="nquads")
    graph = Graph()
    for s, p, o, _g in dataset.quads():
        graph.add((s, p, o))
    graph.parse(ontology_path)
    before = len(graph)
    started = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return {"reason_s": time.perf_counter() - started, "inferred": len(graph) - before}


def _child(conn: Connection, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        conn.send(("ok", target(*args)))
    except BaseException as err:  # reported, not raised: the parent decides
        conn.send(("error", f"{type(err).__name__}: {err}"))


def in_process(target: Callable[..., Any], args: tuple[Any, ...], budget: float) -> Any:
    """Run ``target(*args)`` in a fresh process; stop it after ``budget`` seconds.

    Returns its result, or ``{"skipped": reason}``."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(child, target, args), daemon=False)
    process.start()
    child.close()
    try:
        if not parent.poll(budget):
            return {"skipped": f"over the {budget:g} s budget"}
        status, value = parent.recv()
    except EOFError:
        return {"skipped": "the process died (out of memory?)"}
    finally:
        if process.is_alive():
            process.kill()
        process.join()
    if status != "ok":
        return {"skipped": value}
    return value


def run(config: BenchConfig) -> ScaleFigures:
    """One scale: our side in a fresh process, then each baseline in its own."""
    figures: ScaleFigures = in_process(run_scale, (config,), budget=24 * 3600)
    if isinstance(figures, dict):
        raise RuntimeError(f"the benchmark at {config.triples} triples failed: {figures}")
    data = config.workdir / f"generated-{config.triples}-seed{config.seed}.nq"
    if "rdflib" in config.baselines:
        figures.baselines["rdflib"] = in_process(
            baseline_rdflib, (data, config.repeats, config.budget), config.budget * 2
        )
    if "owlrl" in config.baselines:
        figures.baselines["owlrl"] = in_process(
            baseline_owlrl, (data, config.settings.ontology_dir / "mea.ttl"), config.budget
        )
    return figures


# ----------------------------------------------------------------------------- output


def _ratio(theirs: float | None, ours: float | None) -> str:
    if not theirs or not ours:
        return "-"
    return f"{theirs / ours:.1f}x"


def _fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}{unit}"


def _baseline_cell(name: str, figures: dict[str, Any], key: str, unit: str, digits: int) -> str:
    if key in figures:
        return f"{name} {_fmt(figures[key], unit, digits)}"
    return f"{name}: {figures.get('skipped', 'not run')}"


def _query_row(
    name: str, ours: dict[str, float], rdflib_queries: dict[str, Any], where: str = ""
) -> str:
    """A table row: one query of the mix, ours against rdflib's."""
    theirs = rdflib_queries.get(name, {})
    return (
        f"| query {name}{where} (p50 / p95) | {ours['p50_ms']:,.1f} / {ours['p95_ms']:,.1f} ms "
        f"| {_fmt(theirs.get('p50_ms'), ' ms')} "
        f"| {_ratio(theirs.get('p50_ms'), ours['p50_ms'])} |"
    )


def table(all_figures: list[ScaleFigures]) -> str:
    """The figures as a Markdown table (pasted into the README as measured)."""
    lines = []
    for f in all_figures:
        rdflib = f.baselines.get("rdflib", {})
        owl = f.baselines.get("owlrl", {})
        rdflib_queries = rdflib.get("queries", {})
        rss = " / ".join(
            _fmt(v, " MiB", 0)
            for v in (f.peak_rss_mib_loaded, f.peak_rss_mib, f.peak_rss_mib_workers)
        )
        rate = _fmt(f.load_triples_per_s, "", 0)
        lines += [
            f"### {f.triples:,} triples requested, {f.quads_loaded:,} loaded ({f.backend})",
            "",
            "| phase | ours | baseline | ratio |",
            "|---|---:|---:|---:|",
            f"| load | {_fmt(f.load_s, ' s', 2)} ({rate} triples/s; "
            f"{_ceiling(f.quads_loaded, f.load_cpu_s, f.cores)}) "
            f"| {_baseline_cell('rdflib', rdflib, 'load_s', ' s', 2)} "
            f"| {_ratio(rdflib.get('load_s'), f.load_s)} |",
        ]
        lines += [_query_row(name, q, rdflib_queries) for name, q in f.queries.items()]
        if f.memory_load_s is not None:
            lines.append(
                f"| load into memory (`KG_SERVE_FROM=memory`) | {_fmt(f.memory_load_s, ' s', 2)} "
                f"({_fmt(f.memory_load_triples_per_s, '', 0)} triples/s; "
                f"{_fmt(f.memory_load_cpu_s, ' CPU-s', 1)}, one core: Oxigraph's in-memory "
                "store takes one writer at a time) "
                f"| {_baseline_cell('rdflib', rdflib, 'load_s', ' s', 2)} "
                f"| {_ratio(rdflib.get('load_s'), f.memory_load_s)} |"
            )
        lines += [
            _query_row(name, q, rdflib_queries, where=", in memory")
            for name, q in f.memory_queries.items()
        ]
        lines += [
            f"| SHACL ({_fmt(f.shacl_violations, '', 0)} violations, "
            f"{_fmt(f.shacl_findings, '', 0)} findings) "
            f"| {_fmt(f.shacl_s, ' s', 1)} | - | - |",
            f"| reasoning ({_fmt(f.inferred, '', 0)} inferred) | {_fmt(f.reason_s, ' s', 1)} "
            f"| {_baseline_cell('owlrl', owl, 'reason_s', ' s', 1)} "
            f"| {_ratio(owl.get('reason_s'), f.reason_s)} |",
            f"| peak RSS: loaded and queried / overall / largest worker process | {rss} "
            f"| rdflib {_fmt(rdflib.get('peak_rss_mib'), ' MiB', 0)} | - |",
        ]
        lines += [f"\n_{note}_" for note in f.notes]
        lines.append("")
    return "\n".join(lines)


def write_json(path: Path, all_figures: list[ScaleFigures], meta: dict[str, Any]) -> None:
    from dataclasses import asdict

    path.write_text(
        json.dumps({"meta": meta, "scales": [asdict(f) for f in all_figures]}, indent=1) + "\n",
        encoding="utf-8",
    )
