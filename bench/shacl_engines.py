"""Which SHACL engine the build should run: the store-compiled validator against pySHACL and
pyshacl-turbo, on the same data, every report compared with pySHACL's (the oracle).

Two workloads, each validated the way ``kg build`` validates a source (the data, the
reference graphs as context that is looked up but not reported on, the ontology's class
hierarchy):

* ``seeds`` — the five seed sources of ``data/sources/``, one after another;
* ``generated`` — ``--triples`` of MEA-shaped generated data (``kg.bench.generate``).

Engines:

* ``compiled`` — :class:`kg.shacl.sources.SourceValidator` (what the build runs);
* ``pyshacl`` — :func:`kg.shacl.validate.validate` (pySHACL 0.3x, pure Python);
* ``pyshacl-turbo`` — the same function with pySHACL's ``validate`` swapped for
  ``pyshacl_turbo.validate`` (a Rust engine with pySHACL's API), when it is installed:
  ``.venv/bin/pip install pyshacl-turbo`` (it is not a dependency of the project).

An engine past ``--budget`` seconds on a workload is stopped (it runs in a child process)
and the table says so. A report "equal" to pySHACL's has the same findings (focus node, path,
value, severity, message, shape) once blank-node labels and numeric lexical forms are
canonicalised, as ``tests/integration/test_validate_store.py`` compares them.

    .venv/bin/python bench/shacl_engines.py --triples 10000 100000 --budget 400
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import sys
import tempfile
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from kg.build.inputs import load_inputs
from kg.rdf.terms import rdflib_graph
from kg.settings import Settings
from kg.shacl.validate import ValidationReport, load_shapes

ENGINES = ("compiled", "pyshacl", "pyshacl-turbo")
Finding = tuple[str | None, ...]


def _canonical(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return str(Decimal(text).normalize())
    except InvalidOperation:
        return re.sub(r"_:\w+", "_:b", text)


def findings(report: ValidationReport) -> list[Finding]:
    """The report's findings, canonical and sorted (comparable across engines). Messages are
    compared as written: they name values, which every engine must print alike."""
    return sorted(
        (
            (_canonical(f.focus), f.path, _canonical(f.value), f.severity, f.shape, f.message)
            for f in report.findings
        ),
        key=str,
    )


def _workload(name: str, triples: int) -> tuple[list[Graph], Graph, Graph]:
    """(sources, context, ontology) of a workload."""
    inputs = load_inputs(Settings())
    context = rdflib_graph(inputs.reference_union())
    if name == "seeds":
        return [rdflib_graph(t) for t in inputs.sources.values()], context, inputs.ontology
    from kg.bench.generate import write

    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "data.nq"
        write(path, triples=triples, seed=1)
        dataset = Dataset()
        dataset.parse(path, format="nquads")
    data = Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        data.add((s, p, o))
    return [data], context, inputs.ontology


def _run(engine: str, workload: str, triples: int, queue: Any) -> None:
    """Validate ``workload`` with ``engine`` in this (child) process; put (seconds, findings)."""
    sources, context, ontology = _workload(workload, triples)
    shapes = load_shapes()
    started = time.perf_counter()
    reports: list[ValidationReport] = []
    if engine == "compiled":
        from kg.shacl.sources import SourceValidator

        validator = SourceValidator(shapes=shapes, ontology=ontology, context=context)
        reports = [validator.validate(source) for source in sources]
    else:
        import kg.shacl.validate as module

        if engine == "pyshacl-turbo":
            import types

            import pyshacl_turbo

            module.pyshacl = types.SimpleNamespace(validate=pyshacl_turbo.validate)  # type: ignore[assignment]
        reports = [
            module.validate(source, shapes=shapes, ontology=ontology, context=context)
            for source in sources
        ]
    seconds = time.perf_counter() - started
    queue.put((seconds, [findings(r) for r in reports]))


def measure(engine: str, workload: str, triples: int, budget: float) -> tuple[float | None, Any]:
    """(seconds, findings per source), or (None, why) when stopped or failed."""
    if engine == "pyshacl-turbo":
        try:
            import pyshacl_turbo  # noqa: F401
        except ImportError:
            return None, "not installed"
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_run, args=(engine, workload, triples, queue))
    child.start()
    try:
        seconds, found = queue.get(timeout=budget + 120)  # + loading and generating
    except Exception:
        return None, f"stopped after {budget:.0f} s"
    finally:
        child.kill()
        child.join()
    if seconds > budget:
        return None, f"took {seconds:.0f} s, past the budget"
    return seconds, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, nargs="*", default=[10_000])
    parser.add_argument("--budget", type=float, default=300.0, help="seconds per engine and run")
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    args = parser.parse_args(argv)
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} cores")
    print("| workload | engine | seconds | findings | report equals pySHACL's | × compiled |")
    print("|---|---|---:|---:|---|---:|")
    workloads = [("seeds", 0)] + [("generated", n) for n in args.triples]
    for workload, triples in workloads:
        label = "5 seed sources" if workload == "seeds" else f"{triples:,} generated triples"
        results = {e: measure(e, workload, triples, args.budget) for e in args.engines}
        oracle = results.get("pyshacl", (None, None))
        base = results.get("compiled", (None, None))[0]
        for engine, (seconds, found) in results.items():
            if seconds is None:
                print(f"| {label} | {engine} | – ({found}) | – | – | – |", flush=True)
                continue
            total = sum(len(f) for f in found)
            if engine == "pyshacl":
                same = "(the oracle)"
            elif oracle[0] is None:
                same = "pySHACL did not finish"
            else:
                same = "yes" if found == oracle[1] else "NO"
            ratio = f"{seconds / base:.1f}" if base else "–"
            print(
                f"| {label} | {engine} | {seconds:.2f} | {total} | {same} | {ratio} |", flush=True
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
