"""Benchmark of the graph projection and its traversals: prints figures, asserts nothing.

On the seed graph (the store named by ``KG_STORE`` / ``KG_SNAPSHOT_DIR``, built into a
temporary directory first if there is none) and on a generated MEA-shaped graph of
``--triples`` triples (``kg.bench.generate``, default one million):

* projection build time (from the snapshot file, and by scanning the store) and memory
  (growth of the process's resident set; on the seed graph also the Python heap peak);
* p50 / p95 of each traversal called directly and, on the seed graph, of each ``/api``
  traversal endpoint through the ASGI app (in-process, no network), against the 50 ms p50
  target.

Run: ``.venv/bin/python bench/graph_bench.py`` (``--triples 0`` skips the large graph;
``--repeat`` sets the samples per measurement).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kg.graph.projection import GraphProjection, graph_sizes, load_projection
from kg.settings import Settings
from kg.stores import open_store

TARGET_P50_MS = 50.0


def rss_mb() -> float:
    """Resident set size of this process, in MiB (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return p50 * 1000, p95 * 1000


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    fn()  # warm-up (lazy indexes, caches)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def row(name: str, p50: float, p95: float, *, check: bool = False) -> None:
    verdict = ""
    if check:
        verdict = "  ok" if p50 <= TARGET_P50_MS else f"  OVER {TARGET_P50_MS:.0f} ms"
    print(f"  {name:<46} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms{verdict}")


def build_figures(settings: Settings) -> GraphProjection:
    store = open_store(settings)
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    graph = load_projection(settings, store)
    took = time.perf_counter() - started
    grown = rss_mb() - before
    source = "snapshot file" if graph.info.snapshot else "store scan"
    print(
        f"  projection ({source}): {took:.2f} s, +{grown:.0f} MiB resident; "
        f"{graph.info.quads_read} quads -> {graph.node_count} nodes, {graph.edge_count} edges "
        f"({graph.info.inferred_edges} inferred)"
    )
    started = time.perf_counter()
    GraphProjection.from_store(store, base_iri=settings.base_iri)
    print(f"  projection (store scan):    {time.perf_counter() - started:.2f} s")
    return graph


def heap_peak(settings: Settings) -> None:
    store = open_store(settings)
    tracemalloc.start()
    load_projection(settings, store)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  projection Python heap peak: {peak / 2**20:.1f} MiB (tracemalloc)")


def traversal_figures(graph: GraphProjection, repeat: int, rng: random.Random) -> None:
    from kg.graph import analyses, contribution, traverse

    def pick(kind: str, n: int = 50) -> list[str]:
        found = sorted(graph.nodes(kind=kind))
        return rng.sample(found, min(n, len(found)))

    workplans, centres, activities = pick("Workplan"), pick("Centre"), pick("Activity")
    targets, indicators = pick("Target"), pick("GBFIndicator")
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("indicators(workplan)", lambda: contribution.indicators(graph, rng.choice(workplans))),
        ("indicators(centre)", lambda: contribution.indicators(graph, rng.choice(centres))),
        ("indicators(activity)", lambda: contribution.indicators(graph, rng.choice(activities))),
        ("reverse(target)", lambda: contribution.contributors(graph, rng.choice(targets))),
        (
            "path(activity, indicator, max 6)",
            lambda: traverse.paths(graph, rng.choice(activities), rng.choice(indicators)),
        ),
        (
            "neighbours(workplan, depth 1)",
            lambda: traverse.neighbours(graph, rng.choice(workplans), depth=1),
        ),
        ("coverage() (cached after first)", lambda: analyses.coverage(graph)),
        ("centrality() (cached after first)", lambda: analyses.centrality(graph)),
    ]
    for name, fn in cases:
        started = time.perf_counter()
        fn()
        first = (time.perf_counter() - started) * 1000
        p50, p95 = timed(fn, repeat)
        print(f"  {name:<46} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   first {first:9.1f} ms")


def endpoint_figures(settings: Settings, repeat: int) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    wp = "https://w3id.org/mea-kg/id/workplan/iucn-ca-tsc-workplan-2025-2026"
    cases = [
        ("/api/indicators?for=<CA workplan>", "/api/indicators", {"for": wp}),
        (
            "/api/indicators?for=centre/iucn-ca-tsc",
            "/api/indicators",
            {"for": "centre/iucn-ca-tsc"},
        ),
        (
            "/api/indicators?for=Regional workshops",
            "/api/indicators",
            {"for": "Regional workshops"},
        ),
        ("/api/reverse?for=kmgbf:target_3", "/api/reverse", {"for": "kmgbf:target_3"}),
        ("/api/reverse?for=kmgbf:indicator_A.1", "/api/reverse", {"for": "kmgbf:indicator_A.1"}),
        (
            "/api/path?from=agreement/basel&to=agreement/tehran",
            "/api/path",
            {"from": "agreement/basel", "to": "agreement/tehran"},
        ),
        ("/api/neighbours?for=<CA workplan>&depth=2", "/api/neighbours", {"for": wp, "depth": 2}),
        ("/api/coverage", "/api/coverage", {}),
        ("/api/coverage?party=UZB", "/api/coverage", {"party": "UZB"}),
        ("/api/centrality", "/api/centrality", {}),
    ]
    with TestClient(create_app(settings)) as client:
        for name, path, params in cases:

            def call(path: str = path, params: dict[str, Any] = params) -> None:
                response = client.get(path, params=params)
                assert response.status_code == 200, response.text

            row(name, *timed(call, repeat), check=True)


def seed_settings(workdir: Path) -> Settings:
    settings = Settings()
    if (settings.store / "CURRENT").exists():
        return settings
    from kg.build.pipeline import build

    print(f"  no built store at {settings.store}: building the seed graph into {workdir}")
    settings = Settings(store=workdir / "store", snapshot_dir=workdir / "snapshot")
    build(settings)
    return settings


def large_settings(workdir: Path, triples: int, seed: int) -> Settings:
    from kg.bench.generate import write
    from kg.build.snapshot import Manifest
    from kg.stores.oxigraph import load_directory

    settings = Settings(store=workdir / "store", snapshot_dir=workdir / "snapshot")
    settings.snapshot_dir.mkdir(parents=True)
    nquads = settings.snapshot_nquads
    started = time.perf_counter()
    lines = write(nquads, triples=triples, seed=seed)
    print(f"  generated {lines} quads in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    load_directory(settings.store, nquads)
    print(f"  bulk-loaded into Oxigraph in {time.perf_counter() - started:.1f} s")
    graphs = graph_sizes(open_store(settings))
    manifest = Manifest(
        built_at="generated",
        version_iri="",
        base_iri=settings.base_iri,
        sha256=f"generated-{triples}-{seed}",
        triples=sum(graphs.values()),
        graphs=graphs,
    )
    (settings.snapshot_dir / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="0 skips the large graph")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="kg-graph-bench-") as tmp:
        print("== seed graph")
        settings = seed_settings(Path(tmp) / "seed")
        graph = build_figures(settings)
        heap_peak(settings)
        print(f"  traversals, direct calls ({args.repeat} samples each):")
        traversal_figures(graph, args.repeat, rng)
        print(f"  /api endpoints through the app ({args.repeat} samples each):")
        endpoint_figures(settings, args.repeat)
        del graph
        if args.triples:
            print(f"\n== generated graph, {args.triples} triples (seed {args.seed})")
            large = large_settings(Path(tmp) / "large", args.triples, args.seed)
            graph = build_figures(large)
            repeat = max(5, args.repeat // 5)
            print(f"  traversals, direct calls ({repeat} samples each):")
            traversal_figures(graph, repeat, rng)
    return 0


if __name__ == "__main__":
    sys.exit(main())
