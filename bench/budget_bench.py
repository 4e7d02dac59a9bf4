"""What one client's flood does to another client's latency, with and without per-client
budgets (``kg.serve.budgets``). Loopback only, bounded in count and time.

A well-behaved client (from 127.0.0.2) sends cheap queries one after another for
``--seconds`` and records their latency. Meanwhile a flooding client (from 127.0.0.1, in
``--flooders`` threads) sends queries with a deadline of a microsecond (each kills a query
worker, which the pool then replaces) and heavy joins. Three runs on the seed build: no
flood (the baseline), the flood without budgets, the flood with budgets (loopback counted,
the default 30 failed queries and 120 query-seconds a minute). Prints p50 / p99 of the
well-behaved client and how the flood's requests were answered.

    .venv/bin/python bench/budget_bench.py --seconds 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
from kg.build.pipeline import build  # noqa: E402
from kg.settings import Settings  # noqa: E402
from tests.support import live_server, project_copy  # noqa: E402

CHEAP = "SELECT ?l WHERE { <https://w3id.org/mea-kg/id/agreement/basel> ?p ?l } LIMIT 5"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
MAX_FLOOD_REQUESTS = 20_000


def well_behaved(base: str, seconds: float) -> list[float]:
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    latencies = []
    with httpx.Client(transport=transport, timeout=30) as client:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            r = client.get(f"{base}/sparql", params={"query": CHEAP})
            latencies.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200, r.text
    return latencies


def flood(base: str, stop: threading.Event, answers: Counter[int]) -> None:
    with httpx.Client(timeout=30) as client:
        n = 0
        while not stop.is_set() and n < MAX_FLOOD_REQUESTS:
            n += 1
            params = {"query": HEAVY, "timeout": "0.000001" if n % 2 else "2"}
            try:
                answers[client.get(f"{base}/sparql", params=params).status_code] += 1
            except httpx.HTTPError:
                answers[0] += 1


def run(base: str, seconds: float, flooders: int) -> tuple[list[float], Counter[int]]:
    answers: Counter[int] = Counter()
    stop = threading.Event()
    threads = [threading.Thread(target=flood, args=(base, stop, answers)) for _ in range(flooders)]
    for thread in threads:
        thread.start()
    try:
        latencies = well_behaved(base, seconds)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    return latencies, answers


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--flooders", type=int, default=4)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kg-budget-bench-") as tmp:
        root = project_copy(Path(tmp) / "project")
        build(Settings(project_dir=root))
        env = {"KG_PROJECT_DIR": str(root), "KG_ACCESS_LOG": "false"}
        print(
            f"# budget benchmark · {time.strftime('%Y-%m-%d %H:%M')} · load "
            f"{os.getloadavg()[0]:.2f} · {args.seconds:g} s per run, {args.flooders} flooders"
        )
        print("| run | well-behaved p50 (ms) | p99 (ms) | requests | flood answers |")
        print("|---|---:|---:|---:|---|")
        runs = [
            ("no flood", {}, 0),
            ("flood, no budget", {}, args.flooders),
            ("flood, budgets on", {"KG_BUDGET_LOOPBACK": "true"}, args.flooders),
        ]
        for name, extra, flooders in runs:
            with live_server({**env, **extra}, startup=60) as base:
                latencies, answers = run(base, args.seconds, flooders)
            flood_text = ", ".join(f"{status}: {n}" for status, n in sorted(answers.items()))
            print(
                f"| {name} | {percentile(latencies, 50):.1f} | {percentile(latencies, 99):.1f} "
                f"| {len(latencies)} | {flood_text or '-'} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
