"""``kg bench``: every phase measured on a small generated graph, baselines skipped past
their budget and said so."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.bench.harness import in_process
from kg.bench.mix import QUERY_MIX


def test_a_baseline_past_its_budget_is_skipped_and_says_so() -> None:
    started = time.monotonic()
    assert in_process(time.sleep, (30,), 1.0) == {"skipped": "over the 1 s budget"}
    assert time.monotonic() - started < 20


def test_a_failing_baseline_says_why() -> None:
    answer = in_process(int, ("not a number",), 60)
    assert answer["skipped"].startswith("ValueError")


def _bench(tmp_path: Path, *args: str) -> dict:  # type: ignore[type-arg]
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, "-m", "kg.cli", "bench", "--workdir", str(tmp_path / "work"),
         "--json", str(out), "--repeats", "2", *args],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "| load |" in run.stdout and "| reasoning" in run.stdout
    assert "CPU-s" in run.stdout
    return json.loads(out.read_text())


def test_every_phase_is_measured_on_oxigraph(tmp_path: Path) -> None:
    figures = _bench(tmp_path, "--triples", "5000", "--no-baselines")
    (scale,) = figures["scales"]
    assert scale["backend"] == "oxigraph" and scale["quads_loaded"] > 5000
    assert scale["load_triples_per_s"] > 0
    # The processor time the load used, from which the table states this machine's ceiling.
    assert scale["load_cpu_s"] > 0 and scale["memory_load_cpu_s"] > 0 and scale["cores"] >= 1
    assert set(scale["queries"]) == set(QUERY_MIX)
    assert all(q["rows"] > 0 and q["p50_ms"] > 0 for q in scale["queries"].values())
    # The in-memory copy (what serving from memory loads) answers every query alike.
    assert scale["memory_load_triples_per_s"] > 0
    assert {n: q["rows"] for n, q in scale["memory_queries"].items()} == {
        n: q["rows"] for n, q in scale["queries"].items()
    }
    assert scale["shacl_violations"] == 0, scale["notes"]  # the generator's data conform
    assert scale["inferred"] > 1000
    assert scale["peak_rss_mib"] > 0 and scale["baselines"] == {}


@pytest.mark.slow
def test_baselines_run_beside_ours(tmp_path: Path) -> None:
    figures = _bench(tmp_path, "--triples", "3000", "--budget", "120")
    (scale,) = figures["scales"]
    rdflib, owl = scale["baselines"]["rdflib"], scale["baselines"]["owlrl"]
    assert rdflib["load_s"] > 0 and set(rdflib["queries"]) == set(QUERY_MIX)
    # The same query answers the same number of rows in both engines.
    for name, ours in scale["queries"].items():
        assert rdflib["queries"][name]["rows"] == ours["rows"], name
    assert owl["reason_s"] > 0 and owl["inferred"] > 0
