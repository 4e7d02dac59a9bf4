"""Benchmark of the SPARQL endpoint against in-process Oxigraph and rdflib's in-memory engine.

On the same generated data (``kg.generate``) at each scale, the canonical query mix runs
through three paths, and the script prints p50 / p95 per query and the ratios:

* ``api``       — the live ``kg serve`` on loopback (HTTP + worker process + JSON results);
* ``oxigraph``  — ``pyoxigraph.Store.query`` in this process, results serialised to JSON;
* ``rdflib``    — rdflib's in-memory ``Dataset`` (what rdflib-endpoint uses), JSON results.

Then it measures a trivial query's latency through the API while a heavy query runs.
Targets (issue 3): API p50 ≤ 1.5x in-process Oxigraph; ≥ 20x faster than rdflib on joins and
aggregates; trivial p50 ≤ 50 ms under load. Figures are printed, never asserted.

    .venv/bin/python bench/endpoint_bench.py --triples 100000 1000000 --json bench/endpoint.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pyoxigraph as ox
from rdflib import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kg.generate import write
from tests.support import free_port

PREFIX = (
    "PREFIX mea: <https://w3id.org/mea-kg/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
)
#: name -> (kind, query). ``{activity}`` is filled with an activity IRI from the data.
QUERY_MIX: dict[str, tuple[str, str]] = {
    "lookup": ("lookup", "SELECT ?p ?o WHERE { <{activity}> ?p ?o }"),
    "join-indicators": (
        "join",
        PREFIX + "SELECT ?a ?i WHERE { ?a mea:contributesToOutcome ?o . "
        "?o mea:contributesToTarget ?t . ?t mea:hasHeadlineIndicator ?i } LIMIT 1000",
    ),
    "join-party-activities": (
        "join",
        PREFIX + "SELECT ?party (COUNT(DISTINCT ?a) AS ?n) WHERE { ?centre mea:serves ?party . "
        "?centre mea:hasWorkplan ?w . ?w mea:hasActivity ?a } GROUP BY ?party",
    ),
    "aggregate-types": (
        "aggregate",
        "SELECT ?type (COUNT(*) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)",
    ),
    "aggregate-budget": (
        "aggregate",
        PREFIX + "SELECT ?currency (SUM(?v) AS ?total) (COUNT(*) AS ?n) WHERE { "
        "?a mea:indicativeBudget ?m . ?m mea:amount ?amount ; mea:currency ?currency "
        "BIND(xsd:decimal(?amount) AS ?v) } "
        "GROUP BY ?currency",
    ),
    "text-filter": (
        "filter",
        PREFIX + "SELECT ?s ?l WHERE { ?s rdfs:label ?l "
        'FILTER(CONTAINS(LCASE(STR(?l)), "capacity")) } LIMIT 100',
    ),
    "trivial": ("trivial", "ASK {}"),
}
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed(run: Callable[[], object], runs: int, budget: float) -> list[float] | None:
    """Seconds per run; ``None`` when the first run alone exceeds ``budget``."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
        if sum(samples) > budget:
            return samples if len(samples) >= 3 else None
    return samples


def start_server(store: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "KG_STORE": str(store),
        "KG_MAX_ROWS": "1000000",
        "KG_QUERY_TIMEOUT": "600",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=2)
            return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("kg serve did not start")


def bench_scale(triples: int, runs: int, rdflib_budget: float, workdir: Path) -> dict[str, object]:
    data = workdir / f"mea-{triples}.nq"
    write(data, triples=triples, seed=1)
    store_dir = workdir / f"store-{triples}"
    started = time.perf_counter()
    store = ox.Store(str(store_dir))
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    store.flush()
    load_oxigraph = time.perf_counter() - started
    size = len(store)
    activity = next(
        iter(
            store.query(
                "SELECT ?a WHERE { ?a a <https://w3id.org/mea-kg/ontology#Activity> } LIMIT 1",
                use_default_graph_as_union=True,
            )
        )
    )["a"].value  # type: ignore[index]
    del store
    print(f"\n== {size:,} quads (loaded into Oxigraph in {load_oxigraph:.1f} s) ==", flush=True)

    reader = ox.Store.read_only(str(store_dir))
    started = time.perf_counter()
    dataset = Dataset(default_union=True)
    dataset.parse(str(data), format="nquads")
    load_rdflib = time.perf_counter() - started
    print(f"rdflib in-memory load: {load_rdflib:.1f} s", flush=True)

    server, base = start_server(store_dir)
    client = httpx.Client(timeout=600)
    results: dict[str, dict[str, object]] = {}
    try:
        for name, (kind, template) in QUERY_MIX.items():
            query = template.replace("{activity}", activity)
            paths: dict[str, Callable[[], object]] = {
                "api": lambda q=query: client.get(
                    f"{base}/sparql",
                    params={"query": q},
                    headers={"accept": "application/sparql-results+json"},
                ).raise_for_status(),
                "oxigraph": lambda q=query: reader.query(
                    q, use_default_graph_as_union=True
                ).serialize(format=ox.QueryResultsFormat.JSON),
                "rdflib": lambda q=query: dataset.query(q).serialize(format="json"),
            }
            row: dict[str, object] = {"kind": kind}
            for path, run in paths.items():
                run()  # warm-up (and the rdflib query's parse cache)
                samples = timed(run, runs, rdflib_budget if path == "rdflib" else 600)
                row[path] = (
                    None
                    if samples is None
                    else dict(zip(("p50", "p95"), percentiles(samples), strict=True))
                )
            results[name] = row
            print(format_row(name, row), flush=True)

        # A trivial query while a heavy one runs.
        heavy = threading.Thread(
            target=lambda: httpx.get(
                f"{base}/sparql", params={"query": HEAVY, "timeout": "15"}, timeout=60
            )
        )
        heavy.start()
        time.sleep(0.5)
        samples = timed(
            lambda: client.get(f"{base}/sparql", params={"query": "ASK {}"}).raise_for_status(),
            30,
            60,
        )
        heavy.join()
        assert samples is not None
        under_load = dict(zip(("p50", "p95"), percentiles(samples), strict=True))
        print(
            f"trivial query while a heavy one runs: p50 {under_load['p50'] * 1000:.1f} ms, "
            f"p95 {under_load['p95'] * 1000:.1f} ms",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {
        "quads": size,
        "load_seconds": {"oxigraph": load_oxigraph, "rdflib": load_rdflib},
        "queries": results,
        "trivial_under_load": under_load,
    }


def format_row(name: str, row: dict[str, object]) -> str:
    def ms(path: str) -> str:
        value = row.get(path)
        return (
            "skipped"
            if value is None
            else f"{value['p50'] * 1000:8.1f} / {value['p95'] * 1000:8.1f}"
        )  # type: ignore[index]

    text = f"{name:22} api {ms('api')}  oxigraph {ms('oxigraph')}  rdflib {ms('rdflib')} ms"
    api, oxi, rdf = row.get("api"), row.get("oxigraph"), row.get("rdflib")
    if api and oxi:
        text += f"  api/ox {api['p50'] / oxi['p50']:5.2f}x"  # type: ignore[index]
    if rdf and oxi:
        text += f"  rdflib/ox {rdf['p50'] / oxi['p50']:7.1f}x"  # type: ignore[index]
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--rdflib-budget",
        type=float,
        default=120.0,
        help="seconds of rdflib runs per query before it is cut short",
    )
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    print(
        "p50 / p95 per path; ratios of p50s (api/ox target <= 1.5x; rdflib/ox target >= 20x "
        "on joins and aggregates)"
    )
    figures = {}
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        for triples in args.triples:
            figures[str(triples)] = bench_scale(triples, args.runs, args.rdflib_budget, Path(tmp))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
