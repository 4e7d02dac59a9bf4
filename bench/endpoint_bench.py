"""Benchmark of the SPARQL endpoint against in-process Oxigraph and rdflib's in-memory engine.

On the same generated data (``kg.bench.generate``) at each scale, the query mix below runs through
these paths, and the script prints p50 / p95 per query, the ratios, and a table in the
README's format:

* ``api``       — the live ``kg serve`` on loopback (HTTP + worker process + JSON results),
  in its default configuration but for the deadline and row cap, asked through one
  persistent keep-alive connection (``http.client``): the figure is the server's latency plus
  a socket round trip, not a client library's own overhead;
* ``oxigraph``  — ``pyoxigraph.Store.query`` in this process on the same store the server
  reads, results serialised to JSON, on the query as written;
* ``ordered``   — the same, on the text the server's workers run: the query with its triple
  patterns in join order, and serving from disk its big joins hashed (:mod:`kg.sparql.join_order`);
  the same as ``oxigraph`` where nothing moved.
  API ÷ this is what the endpoint adds to the engine's own work;
* ``rdflib``    — rdflib's in-memory ``Dataset`` (what rdflib-endpoint uses), JSON results,
  on the query as written (the order of its patterns makes no difference to rdflib).

Both of the server's ways of reading are measured (``--serve-from``): from the store on disk
(``KG_SERVE_FROM=disk``, the default; in-process Oxigraph then reads that store read-only)
and from memory (``KG_SERVE_FROM=memory``; in-process Oxigraph then reads an in-memory
store loaded from the same file). The API and in-process Oxigraph runs alternate, so load
from other jobs hits both alike; rdflib, far slower, runs once per scale after them with a
time budget, and its figures are compared with both. Then it measures a trivial query's
latency through the API while a heavy query runs.
Targets (issue 3): API p50 ≤ 1.5x in-process Oxigraph on the same text; the endpoint ≥ 20x
faster than rdflib on joins and aggregates; trivial p50 ≤ 50 ms under load. Figures are
printed (with the load average, as this runs on a shared 2-core machine), never asserted.

``--overhead`` instead splits a request's fixed cost (the reason sub-millisecond queries
cannot come within 1.5x of in-process through HTTP): ``ASK {}`` in process, the round trip
to a query worker over its pipe (no HTTP), a bare uvicorn app and a bare FastAPI app
answering a constant (the same uvloop/httptools server, no query), and the full API; then the
HTTP paths again while a spinning process keeps one core awake, which shows how much of the
cost is this virtual machine waking idle cores.

``--diagnose`` instead times, on each engine in process, the parts of the join and aggregate
queries and equivalent formulations of them (join order, hash joins forced by sub-queries,
COUNT(DISTINCT), the decimal cast): the measurements behind the README's explanation of the
rdflib ÷ Oxigraph ratios. Those variants are diagnostics, never part of the mix.

    .venv/bin/python bench/endpoint_bench.py --triples 100000 1000000 --json bench/endpoint.json
    .venv/bin/python bench/endpoint_bench.py --triples 100000 --serve-from memory --runs 5
    .venv/bin/python bench/endpoint_bench.py --triples 100000 --diagnose --runs 5
    .venv/bin/python bench/endpoint_bench.py --triples 10000 --overhead
    .venv/bin/python bench/endpoint_bench.py --triples 1000000 --diagnose \\
        --engines oxigraph ox-memory
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
from rdflib import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kg.bench.generate import write
from kg.bench.mix import PREFIX, QUERY_MIX
from kg.settings import SNAPSHOT_NQUADS
from kg.sparql.join_order import DISK_LOOKUP_ROWS, PatternCounts
from kg.stores.oxigraph import memory_copy
from tests.support import free_port

JSON_RESULTS = "application/sparql-results+json"
#: The kinds the rdflib ÷ Oxigraph target (≥ 20x) applies to.
TARGET_KINDS = ("join", "aggregate")

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"

#: ``--diagnose``: name -> (question, query). Each group times a mix query's parts and
#: equivalent formulations on both engines; they are measurements, not candidates for the mix.
DIAGNOSIS: dict[str, tuple[str, str]] = {
    "ji/pattern-1": (
        "join-indicators: size of each pattern",
        "SELECT (COUNT(*) AS ?n) WHERE { ?a mea:contributesToOutcome ?o }",
    ),
    "ji/pattern-2": ("", "SELECT (COUNT(*) AS ?n) WHERE { ?o mea:contributesToTarget ?t }"),
    "ji/pattern-3": ("", "SELECT (COUNT(*) AS ?n) WHERE { ?t mea:hasHeadlineIndicator ?i }"),
    "ji/as-written": (
        "join-indicators: the mix's text, the selective pattern first, hash joins forced",
        "SELECT (COUNT(*) AS ?n) WHERE { ?a mea:contributesToOutcome ?o . "
        "?o mea:contributesToTarget ?t . ?t mea:hasHeadlineIndicator ?i }",
    ),
    "ji/selective-first": (
        "",
        "SELECT (COUNT(*) AS ?n) WHERE { ?t mea:hasHeadlineIndicator ?i . "
        "?o mea:contributesToTarget ?t . ?a mea:contributesToOutcome ?o }",
    ),
    "ji/hash-joins": (
        "",
        "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?a ?o WHERE { ?a mea:contributesToOutcome ?o } } "
        "{ SELECT ?o ?t WHERE { ?o mea:contributesToTarget ?t } } "
        "{ SELECT ?t ?i WHERE { ?t mea:hasHeadlineIndicator ?i } } }",
    ),
    "jp/as-written": (
        "join-party-activities: the mix's text, COUNT(*) instead of COUNT(DISTINCT), "
        "no grouping, hash joins forced",
        "SELECT ?party (COUNT(DISTINCT ?a) AS ?n) WHERE { ?centre mea:serves ?party . "
        "?centre mea:hasWorkplan ?w . ?w mea:hasActivity ?a } GROUP BY ?party",
    ),
    "jp/count-star": (
        "",
        "SELECT ?party (COUNT(*) AS ?n) WHERE { ?centre mea:serves ?party . "
        "?centre mea:hasWorkplan ?w . ?w mea:hasActivity ?a } GROUP BY ?party",
    ),
    "jp/join-only": (
        "",
        "SELECT (COUNT(*) AS ?n) WHERE { ?centre mea:serves ?party . "
        "?centre mea:hasWorkplan ?w . ?w mea:hasActivity ?a }",
    ),
    "jp/hash-joins": (
        "",
        "SELECT ?party (COUNT(DISTINCT ?a) AS ?n) WHERE { "
        "{ SELECT ?centre ?party WHERE { ?centre mea:serves ?party } } "
        "{ SELECT ?centre ?w WHERE { ?centre mea:hasWorkplan ?w } } "
        "{ SELECT ?w ?a WHERE { ?w mea:hasActivity ?a } } } GROUP BY ?party",
    ),
    "ab/as-written": (
        "aggregate-budget: the mix's text, without the cast, the join alone, one pattern "
        "summed, hash joins forced",
        "SELECT ?currency (SUM(?v) AS ?total) (COUNT(*) AS ?n) WHERE { "
        "?a mea:indicativeBudget ?m . ?m mea:amount ?amount ; mea:currency ?currency "
        "BIND(xsd:decimal(?amount) AS ?v) } GROUP BY ?currency",
    ),
    "ab/no-cast": (
        "",
        "SELECT ?currency (SUM(?amount) AS ?total) (COUNT(*) AS ?n) WHERE { "
        "?a mea:indicativeBudget ?m . ?m mea:amount ?amount ; mea:currency ?currency } "
        "GROUP BY ?currency",
    ),
    "ab/join-only": (
        "",
        "SELECT (COUNT(*) AS ?n) WHERE { "
        "?a mea:indicativeBudget ?m . ?m mea:amount ?amount ; mea:currency ?currency }",
    ),
    "ab/sum-one-pattern": (
        "",
        "SELECT (SUM(xsd:decimal(?amount)) AS ?total) WHERE { ?m mea:amount ?amount }",
    ),
    "ab/hash-joins": (
        "",
        "SELECT ?currency (SUM(?v) AS ?total) (COUNT(*) AS ?n) WHERE { "
        "{ SELECT ?a ?m WHERE { ?a mea:indicativeBudget ?m } } "
        "{ SELECT ?m ?amount WHERE { ?m mea:amount ?amount } } "
        "{ SELECT ?m ?currency WHERE { ?m mea:currency ?currency } } "
        "BIND(xsd:decimal(?amount) AS ?v) } GROUP BY ?currency",
    ),
}

Figures = dict[str, float]


def percentiles(samples: list[float]) -> Figures:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": statistics.median(ordered), "p95": p95}


def timed(run: Callable[[], object], runs: int, budget: float) -> list[float] | None:
    """Seconds per run; stops early once the runs took ``budget`` seconds, and is ``None``
    when that left fewer than 3 samples."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
        if sum(samples) > budget:
            return samples if len(samples) >= 3 else None
    return samples


def interleaved(
    paths: dict[str, Callable[[], object]], runs: int, budget: float
) -> dict[str, Figures]:
    """p50 / p95 of each of ``paths``, run in turn within each round after one warm-up each,
    so that a change in the machine's load (other jobs on these 2 cores) hits every path
    alike and their ratio stays meaningful."""
    for run in paths.values():
        run()
    samples: dict[str, list[float]] = {name: [] for name in paths}
    spent = 0.0
    for _ in range(runs):
        for name, run in paths.items():
            started = time.perf_counter()
            run()
            samples[name].append(time.perf_counter() - started)
            spent += samples[name][-1]
        if spent > budget:
            break
    return {name: percentiles(values) for name, values in samples.items()}


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


class KeepAlive:
    """GET ``/sparql`` over one persistent HTTP/1.1 connection (stdlib ``http.client``).

    httpx costs about 1.3-2 ms of Python per request on this machine, more than the server
    spends on a point lookup; a lean client keeps that out of the server's figures."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)

    def reopen(self) -> None:
        """Start a fresh connection: the server closes one idle for 5 s (uvicorn's keep-alive
        timeout), as it is while the other engines run."""
        self.connection.close()

    def query(self, query: str, **params: str) -> bytes:
        path = "/sparql?" + urlencode({"query": query, **params})
        self.connection.request("GET", path, headers={"Accept": JSON_RESULTS})
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
        return body


def run_heavy(port: int) -> None:
    """:data:`HEAVY` with a 15 s deadline, on a connection of its own; its 503 is expected."""
    try:
        KeepAlive(port).query(HEAVY, timeout="15")
    except RuntimeError as err:
        if not str(err).startswith("HTTP 503"):
            raise


def start_server(
    store: Path, snapshot_dir: Path, serve_from: str
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "KG_STORE": str(store),
        "KG_SNAPSHOT_DIR": str(snapshot_dir),
        "KG_SERVE_FROM": serve_from,
        "KG_MAX_ROWS": "1000000",
        "KG_QUERY_TIMEOUT": "900",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(1200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=2)
            return process, port
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("kg serve did not start")


def prepare(triples: int, workdir: Path) -> tuple[Path, Path, float, int, str]:
    """Generate the data, load it into an on-disk Oxigraph store; return the data file, the
    store directory, the load time, the quad count and an activity IRI."""
    # The server's in-memory copy reads the build's snapshot: ``<snapshot_dir>/graph.nq``.
    data = workdir / f"snapshot-{triples}" / SNAPSHOT_NQUADS
    data.parent.mkdir(parents=True, exist_ok=True)
    write(data, triples=triples, seed=1)
    store_dir = workdir / f"store-{triples}"
    started = time.perf_counter()
    store = ox.Store(str(store_dir))
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    store.flush()
    load_seconds = time.perf_counter() - started
    size = len(store)
    first = oxigraph_rows(
        store, "SELECT ?a WHERE { ?a a <https://w3id.org/mea-kg/ontology#Activity> } LIMIT 1"
    )
    activity = first[0]["a"].value
    del store
    return data, store_dir, load_seconds, size, activity


def oxigraph_json(store: ox.Store, query: str) -> bytes:
    """The answer to ``query`` on the union default graph, as SPARQL JSON results."""
    results: Any = store.query(query, use_default_graph_as_union=True)
    return bytes(results.serialize(format=ox.QueryResultsFormat.JSON))


def oxigraph_rows(store: ox.Store, query: str) -> list[Any]:
    results: Any = store.query(query, use_default_graph_as_union=True)
    return list(results)


def rdflib_json(dataset: Dataset, query: str) -> bytes:
    return bytes(dataset.query(query).serialize(format="json") or b"")


def rdflib_rows(dataset: Dataset, query: str) -> list[Any]:
    return list(dataset.query(query))


def load_rdflib(data: Path) -> tuple[Dataset, float]:
    started = time.perf_counter()
    dataset = Dataset(default_union=True)
    dataset.parse(str(data), format="nquads")
    return dataset, time.perf_counter() - started


def in_process_store(serve_from: str, store_dir: Path, data: Path) -> ox.Store:
    """The store in-process Oxigraph reads: what the server reads, in this process."""
    if serve_from == "disk":
        return ox.Store.read_only(str(store_dir))
    return memory_copy(store_dir, data)  # the server's own copy, made the same way


def bench_mode(
    serve_from: str, store_dir: Path, data: Path, activity: str, runs: int
) -> dict[str, Any]:
    """API and in-process Oxigraph, alternating, for every query of the mix; then a trivial
    query through the API while a heavy one runs."""
    reader = in_process_store(serve_from, store_dir, data)
    started = time.perf_counter()
    server, port = start_server(store_dir, data.parent, serve_from)
    startup = time.perf_counter() - started
    print(f"-- serving from {serve_from}: the server answered after {startup:.1f} s", flush=True)
    client = KeepAlive(port)
    # What the server's workers do, serving this way (kg.serve.jobs.pattern_counts).
    counts = PatternCounts(reader, lookup_rows=DISK_LOOKUP_ROWS if serve_from == "disk" else None)
    queries: dict[str, dict[str, Any]] = {}
    try:
        for name, (kind, _intent, template) in QUERY_MIX.items():
            query = template.replace("{activity}", activity)
            ordered = counts.reorder(query, None)
            client.reopen()
            queries[name] = {"kind": kind, "reordered": ordered != query}
            queries[name].update(
                interleaved(
                    {
                        "api": partial(client.query, query),
                        "oxigraph": partial(oxigraph_json, reader, query),
                        "ordered": partial(oxigraph_json, reader, ordered),
                    },
                    runs,
                    900,
                )
            )
            print(format_row(name, queries[name]), flush=True)

        # A trivial query while a heavy one runs (the heavy one has its own connection).
        heavy = threading.Thread(target=run_heavy, args=(port,), daemon=True)
        heavy.start()
        time.sleep(0.5)
        client.reopen()
        client.query("ASK {}")  # the connection's set-up is not part of the figure
        samples = timed(lambda: client.query("ASK {}"), 30, 60)
        heavy.join()
        assert samples is not None
        under_load = percentiles(samples)
        print(
            f"trivial query while a heavy one runs: p50 {under_load['p50'] * 1000:.1f} ms, "
            f"p95 {under_load['p95'] * 1000:.1f} ms; load average {load_average()}",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"startup_seconds": startup, "queries": queries, "trivial_under_load": under_load}


def bench_scale(
    triples: int, runs: int, rdflib_budget: float, workdir: Path, modes: list[str]
) -> dict[str, Any]:
    data, store_dir, load_oxigraph, size, activity = prepare(triples, workdir)
    print(
        f"\n== {size:,} quads (loaded into Oxigraph on disk in {load_oxigraph:.1f} s); "
        f"load average {load_average()} ==",
        flush=True,
    )
    figures: dict[str, Any] = {
        "quads": size,
        "load_seconds": {"oxigraph": load_oxigraph},
        "modes": {mode: bench_mode(mode, store_dir, data, activity, runs) for mode in modes},
    }
    dataset, figures["load_seconds"]["rdflib"] = load_rdflib(data)
    print(f"rdflib in-memory load: {figures['load_seconds']['rdflib']:.1f} s", flush=True)
    for name, (_kind, _intent, template) in QUERY_MIX.items():
        rdflib_run = partial(rdflib_json, dataset, template.replace("{activity}", activity))
        rdflib_run()  # warm-up (and the query's parse cache)
        samples = timed(rdflib_run, runs, rdflib_budget)
        rdflib = None if samples is None else percentiles(samples)
        for mode in modes:
            row = figures["modes"][mode]["queries"][name]
            row["rdflib"] = rdflib
            print(f"[{mode:6}] " + format_row(name, row), flush=True)
    figures["load_average_after"] = load_average()
    return figures


def format_row(name: str, row: dict[str, Any]) -> str:
    def ms(path: str) -> str:
        value = row.get(path)
        if value is None:
            return "skipped"
        return f"{value['p50'] * 1000:8.1f} / {value['p95'] * 1000:8.1f}"

    text = (
        f"{name:22} api {ms('api')}  oxigraph {ms('oxigraph')}  ordered {ms('ordered')}  "
        f"rdflib {ms('rdflib')} ms"
    )
    api, oxi, same, rdf = (row.get(k) for k in ("api", "oxigraph", "ordered", "rdflib"))
    if api and same:
        text += f"  api/ordered {api['p50'] / same['p50']:5.2f}x"
    if rdf and api:
        text += f"  rdflib/api {rdf['p50'] / api['p50']:7.1f}x"
    if rdf and oxi:
        text += f"  rdflib/ox {rdf['p50'] / oxi['p50']:7.1f}x"
    return text


def markdown(figures: dict[str, dict[str, Any]]) -> str:
    """The README's tables, one per scale and way of serving, and the targets each misses."""
    out = []
    for scale in figures.values():
        load = scale["load_seconds"]
        out.append(
            f"**{scale['quads']:,} quads** (generated, seed 1): load into Oxigraph on disk "
            f"{load['oxigraph']:.1f} s, into rdflib {load['rdflib']:.1f} s.\n"
        )
        for mode, measured in scale["modes"].items():
            under = measured["trivial_under_load"]
            out.append(
                f"*Serving from {mode}* (`KG_SERVE_FROM={mode}`; the server answered "
                f"{measured['startup_seconds']:.1f} s after it started; in-process Oxigraph "
                f"reads {'the same store' if mode == 'disk' else 'an in-memory store'}). "
                f"A trivial query while a heavy one runs: p50 **{under['p50'] * 1000:.1f} ms**, "
                f"p95 {under['p95'] * 1000:.1f} ms.\n"
            )
            out.append(
                "| query | kind | API p50 / p95 | Oxigraph in-process, as written | "
                "Oxigraph in-process, in join order | rdflib in-memory p50 / p95 | "
                "API ÷ Oxigraph (same text) | rdflib ÷ API | rdflib ÷ Oxigraph (as written) |"
            )
            out.append("|---|---|---|---|---|---|---|---|---|")
            missed = []
            for name, row in measured["queries"].items():
                cells = []
                for path in ("api", "oxigraph", "ordered", "rdflib"):
                    value = row.get(path)
                    if path == "ordered" and not row.get("reordered"):
                        cells.append("(unchanged)")
                        continue
                    cells.append(
                        "skipped"
                        if value is None
                        else f"{value['p50'] * 1000:.1f} / {value['p95'] * 1000:.1f} ms"
                    )
                api, oxi, rdf = row.get("api"), row.get("oxigraph"), row.get("rdflib")
                same = row.get("ordered") if row.get("reordered") else oxi
                api_ratio = api["p50"] / same["p50"] if api and same else None
                rdf_api = rdf["p50"] / api["p50"] if rdf and api else None
                rdf_ratio = rdf["p50"] / oxi["p50"] if rdf and oxi else None
                cells.append("–" if api_ratio is None else f"{api_ratio:.2f}×")
                cells.append("–" if rdf_api is None else f"{rdf_api:.1f}×")
                cells.append("–" if rdf_ratio is None else f"{rdf_ratio:.1f}×")
                out.append(f"| {name} | {row['kind']} | " + " | ".join(cells) + " |")
                if api_ratio is not None and api_ratio > 1.5:
                    missed.append(f"{name} API ÷ Oxigraph {api_ratio:.2f}× > 1.5×")
                if row["kind"] in TARGET_KINDS and rdf_api is not None and rdf_api < 20:
                    missed.append(f"{name} rdflib ÷ API {rdf_api:.1f}× < 20×")
            if under["p50"] > 0.050:
                missed.append(f"trivial under load {under['p50'] * 1000:.1f} ms > 50 ms")
            out.append("")
            out.append("Targets missed: " + ("; ".join(missed) if missed else "none") + ".\n")
    return "\n".join(out)


def diagnose(
    triples: int, runs: int, rdflib_budget: float, workdir: Path, names: list[str]
) -> None:
    """Time :data:`DIAGNOSIS` on the engines ``names``: ``oxigraph`` (the on-disk store, as
    the mix uses it), ``ox-memory`` (the same data in an in-memory Oxigraph store) and
    ``rdflib``. rdflib's first run of each variant is never cut short, and forced hash joins
    take it minutes at 1M triples: leave it out there."""
    data, store_dir, _, size, _ = prepare(triples, workdir)
    print(f"\n== diagnosis on {size:,} quads; load average {load_average()} ==", flush=True)
    engines: dict[str, Callable[[str], list[Any]]] = {}
    if "oxigraph" in names:
        engines["oxigraph"] = partial(oxigraph_rows, ox.Store.read_only(str(store_dir)))
    if "ox-memory" in names:
        memory = ox.Store()
        memory.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
        engines["ox-memory"] = partial(oxigraph_rows, memory)
    if "rdflib" in names:
        engines["rdflib"] = partial(rdflib_rows, load_rdflib(data)[0])
    print(f"{'':22} {'answer':>9}  " + "  ".join(f"{e + ' p50':>14}" for e in engines))
    for name, (question, text) in DIAGNOSIS.items():
        if question:
            print(f"-- {question}")
        query = PREFIX + text
        cells, first = [], None
        for engine, run in engines.items():
            rows = run(query)
            first = first if first is not None else rows
            budget = rdflib_budget if engine == "rdflib" else 900
            samples = timed(partial(run, query), runs, budget)
            cells.append(
                f"{'skipped':>14}"
                if samples is None
                else f"{statistics.median(samples) * 1000:11.1f} ms"
            )
        assert first is not None
        # One row: its last value (a count); otherwise how many rows (groups) there are.
        shown = first[0][len(first[0]) - 1].value if len(first) == 1 else f"{len(first)} rows"
        print(f"{name:22} {shown:>9}  " + "  ".join(cells), flush=True)
    print(f"load average after: {load_average()}")


#: ``--overhead``: a server answering every request with a constant (``{app}``: a raw ASGI
#: callable, or FastAPI with one route), on the same uvicorn set-up as ``kg serve``.
BARE_SERVER = """
import sys, uvicorn
from fastapi import FastAPI, Response
BODY = b'{"head":{},"boolean":true}'
async def raw(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/sparql-results+json")]})
    await send({"type": "http.response.body", "body": BODY})
fast = FastAPI()
@fast.get("/sparql")
async def sparql() -> Response:
    return Response(BODY, media_type="application/sparql-results+json")
app = raw if sys.argv[2] == "raw" else fast
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=False, log_level="error")
"""


def start_bare_server(kind: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", BARE_SERVER, str(port), kind])
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/sparql", timeout=2)
            return process, port
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the bare server did not start")


def pool_round_trips(store_dir: Path, runs: int) -> list[float]:
    """``ASK {}`` through a :class:`kg.serve.pool.QueryPool` from an event loop, as the server
    asks its workers: the pipe to a worker process and back, without HTTP."""
    import asyncio

    from kg.serve.jobs import QueryJob
    from kg.serve.pool import QueryPool
    from kg.settings import Settings

    pool = QueryPool(Settings(store=store_dir), min_workers=1)
    job = QueryJob("ASK {}", JSON_RESULTS, max_rows=10_000)

    async def measure() -> list[float]:
        for _ in range(20):
            await pool.run_async(job, 10)
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            await pool.run_async(job, 10)
            samples.append(time.perf_counter() - started)
        return samples

    try:
        return asyncio.run(measure())
    finally:
        pool.close()


def overhead(triples: int, runs: int, workdir: Path) -> None:
    """Where the fixed cost of one request goes (see the module's docstring)."""
    from kg.serve.jobs import QueryJob, run_job

    data, store_dir, _, size, _ = prepare(triples, workdir)
    print(f"\n== a request's fixed cost, ASK {{}} on {size:,} quads; p50 / p95 of {runs} ==")
    print(f"load average {load_average()}", flush=True)
    store = ox.Store.read_only(str(store_dir))
    job = QueryJob("ASK {}", JSON_RESULTS, max_rows=10_000)
    rows: list[tuple[str, list[float]]] = [
        (
            "in process (kg.serve.jobs.run_job)",
            timed(partial(run_job, store, job), runs, 60) or [],
        )
    ]
    del store
    rows.append(("worker round trip (pipe, no HTTP)", pool_round_trips(store_dir, runs)))
    servers = [start_bare_server("raw"), start_bare_server("fastapi")]
    api, api_port = start_server(store_dir, data.parent, "disk")
    paths = [
        ("bare uvicorn app (HTTP, constant)", servers[0][1]),
        ("bare FastAPI app (HTTP, constant)", servers[1][1]),
        ("kg serve (HTTP + worker)", api_port),
    ]
    try:
        for spinning in (False, True):
            spinner = (
                subprocess.Popen([sys.executable, "-c", "while True: pass"]) if spinning else None
            )
            try:
                for label, port in paths:
                    client = KeepAlive(port)
                    for _ in range(20):
                        client.query("ASK {}")
                    samples = timed(partial(client.query, "ASK {}"), runs, 60) or []
                    rows.append((label + (", one core kept awake" if spinning else ""), samples))
            finally:
                if spinner is not None:
                    spinner.kill()
                    spinner.wait()
    finally:
        for process, _ in (*servers, (api, api_port)):
            process.terminate()
            process.wait(10)
    for label, samples in rows:
        figures = percentiles(samples)
        print(f"{label:58} {figures['p50'] * 1000:7.3f} / {figures['p95'] * 1000:7.3f} ms")
    print(f"load average after: {load_average()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--triples", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--rdflib-budget",
        type=float,
        default=120.0,
        help="seconds of rdflib runs per query before it is cut short",
    )
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument(
        "--serve-from",
        nargs="+",
        choices=["disk", "memory"],
        default=["disk", "memory"],
        help="the server's ways of reading to measure (KG_SERVE_FROM)",
    )
    parser.add_argument(
        "--diagnose", action="store_true", help="time the join/aggregate diagnostics instead"
    )
    parser.add_argument(
        "--overhead",
        action="store_true",
        help="split a request's fixed cost (in process, worker pipe, bare HTTP, full API)",
    )
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=["oxigraph", "ox-memory", "rdflib"],
        default=["oxigraph", "ox-memory", "rdflib"],
        help="engines --diagnose times",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        if args.overhead:
            for triples in args.triples:
                overhead(triples, max(args.runs, 200), Path(tmp))
            return 0
        if args.diagnose:
            for triples in args.triples:
                diagnose(triples, args.runs, args.rdflib_budget, Path(tmp), args.engines)
            return 0
        print(
            "p50 / p95 per path; ratios of p50s (api/ordered target <= 1.5x; rdflib/api target "
            f">= 20x on joins and aggregates); load average {load_average()}"
        )
        figures = {}
        for triples in args.triples:
            figures[str(triples)] = bench_scale(
                triples, args.runs, args.rdflib_budget, Path(tmp), args.serve_from
            )
    print("\n" + markdown(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
