"""The build: load -> validate per source -> reconcile -> reason -> snapshot -> store
(DESIGN.md §2). Each stage is a function of the previous stage's output; a source that fails
validation is reported and left out while the rest of the graph still builds.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from kg.build.inputs import load_inputs
from kg.build.reconcile import reconciliation_graph
from kg.build.snapshot import Manifest, write_snapshot
from kg.rdf.namespaces import graph_iri
from kg.reason.rules import reason
from kg.settings import Settings
from kg.shacl.validate import ValidationReport, load_shapes, validate
from kg.stores import load_snapshot

Progress = Callable[[str], None]


@dataclass(frozen=True)
class _ValidationJob:
    sources: dict[str, Graph]
    shapes: Graph
    ontology: Graph
    context: Graph


_JOB: _ValidationJob | None = None  # inherited by forked workers; never pickled


def _validate_one(name: str) -> tuple[str, ValidationReport]:
    assert _JOB is not None
    graph = _JOB.sources[name]
    return name, validate(graph, shapes=_JOB.shapes, ontology=_JOB.ontology, context=_JOB.context)


def validate_sources(
    sources: dict[str, Graph], *, shapes: Graph, ontology: Graph, context: Graph
) -> dict[str, ValidationReport]:
    """Validate each source on its own, in parallel worker processes (one per core).

    pySHACL is pure Python and single-threaded, so processes, not threads, give the speed-up.
    Workers are forked and inherit the graphs; only names go out and reports come back.
    """
    global _JOB
    workers = min(len(sources), os.cpu_count() or 1)
    _JOB = _ValidationJob(sources, shapes, ontology, context)
    try:
        if workers <= 1:
            return dict(map(_validate_one, sources))
        fork = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=fork) as pool:
            return dict(pool.map(_validate_one, sources))
    finally:
        _JOB = None


@dataclass
class BuildResult:
    manifest: Manifest
    reports: dict[str, ValidationReport]
    rejected: dict[str, str]
    graphs: dict[str, Graph]


def build(settings: Settings, progress: Progress = lambda _msg: None) -> BuildResult:
    """Run the whole build and load the store; returns the manifest and per-source reports."""
    started = time.perf_counter()
    base = settings.base_iri

    def step(n: int, message: str) -> None:
        progress(f"[{n}/6] {message} ({time.perf_counter() - started:.1f}s)")

    step(1, "loading ontology, reference data and sources")
    inputs = load_inputs(settings)
    shapes = load_shapes(settings.shapes_dir)
    context = inputs.reference_union()

    step(2, f"validating {len(inputs.sources)} sources against the shapes")
    reports = validate_sources(
        inputs.sources, shapes=shapes, ontology=inputs.ontology, context=context
    )
    rejected = dict(inputs.unreadable)
    accepted: dict[str, Graph] = {}
    for name, graph in inputs.sources.items():
        report = reports[name]
        if report.conforms:
            accepted[name] = graph
        else:
            rejected[name] = f"{len(report.violations())} SHACL violation(s)"
        progress(
            f"      {name.rsplit('/', 1)[-1]}: "
            f"{'ok' if report.conforms else 'REJECTED'}, {len(report.violations())} violation(s), "
            f"{len(report.warnings())} warning(s)"
        )

    step(3, "reconciling indicator claims with the GBF monitoring framework")
    data_union = Graph()
    data_union += context
    for graph in accepted.values():
        data_union += graph
    graphs: dict[str, Graph] = {graph_iri(base, "ontology"): inputs.ontology}
    graphs.update(inputs.reference)
    graphs.update(accepted)
    graphs[graph_iri(base, "reconciliation")] = reconciliation_graph(data_union)

    step(4, "materialising the entailments the ontology declares")
    graphs[graph_iri(base, "inferred")] = reason(inputs.ontology, graphs.values())

    step(5, f"writing the snapshot to {settings.snapshot_dir}")
    manifest = write_snapshot(settings.snapshot_dir, graphs, base_iri=base, rejected=rejected)

    step(6, f"loading {manifest.triples} triples into the {_store_name(settings)}")
    load_snapshot(settings, settings.snapshot_nquads)
    progress(f"done in {time.perf_counter() - started:.1f}s")
    return BuildResult(manifest=manifest, reports=reports, rejected=rejected, graphs=graphs)


def _store_name(settings: Settings) -> str:
    if settings.backend == "oxigraph":
        return f"Oxigraph store at {settings.store}"
    if settings.backend == "sparql":
        return f"SPARQL server at {settings.sparql_query}"
    return "memory backend (read from the snapshot when opened)"


def source_files(settings: Settings) -> list[Path]:
    return sorted((settings.data_dir / "sources").glob("*.ttl"))
