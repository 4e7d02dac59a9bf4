"""The build: load -> validate per source -> reconcile -> reason -> snapshot -> store
(DESIGN.md §2). Each stage is a function of the previous stage's output; a source that fails
validation is reported and left out while the rest of the graph still builds (if a version of
it was served, that version is kept: a bad edit never removes a document from the graph).

A build is made in two halves: :func:`stage` writes the next version beside the one served
(snapshot, store and the sources it was built from) and :func:`commit` switches to it as one
step (:mod:`kg.build.switch`), keeping the version it retires (:mod:`kg.build.versions`). A
publish (:mod:`kg.build.publish`) is the same build from a changed copy of the sources.
"""

from __future__ import annotations

import getpass
import shutil
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kg.build.changes import changes_graph
from kg.build.inputs import load_inputs
from kg.build.reconcile import reconciliation_graph, reconciliation_input
from kg.build.snapshot import Manifest, snapshot_graph, write_snapshot
from kg.build.switch import Replace, complete_switch, discard_staged, staged, switch
from kg.build.versions import SNAPSHOT_SOURCES, kept_path, live_manifest, next_version, prune
from kg.rdf.namespaces import graph_iri
from kg.rdf.terms import Triples, ox_triples, rdflib_graph
from kg.reason.in_store import materialise_in_store
from kg.settings import SNAPSHOT_MANIFEST, SNAPSHOT_NQUADS, Settings
from kg.shacl.sources import SourceValidator
from kg.shacl.validate import ValidationReport, load_shapes
from kg.stores import load_snapshot
from kg.stores.oxigraph import changed_marker, stage_directory

Progress = Callable[[str], None]


def validate_sources(
    sources: dict[str, Triples],
    *,
    shapes: Graph,
    ontology: Graph,
    context: Triples,
    progress: Progress = lambda _msg: None,
) -> dict[str, ValidationReport]:
    """Validate each source on its own, the reference data as context, with the shapes
    compiled to SPARQL (:class:`kg.shacl.sources.SourceValidator`: pySHACL's report, in a
    second or two rather than the half-minute pySHACL took)."""
    validator = SourceValidator(shapes=shapes, ontology=ontology, context=rdflib_graph(context))
    reports: dict[str, ValidationReport] = {}
    for name, triples in sources.items():
        report = reports[name] = validator.validate_triples(triples)
        progress(
            f"      {name.rsplit('/', 1)[-1]}: "
            f"{'ok' if report.conforms else 'REJECTED'}, {len(report.violations())} violation(s), "
            f"{len(report.warnings())} warning(s)"
        )
    return reports


@dataclass
class VersionNote:
    """Who makes a version and why, for its manifest and the changes graph."""

    published_by: str = field(default_factory=lambda: _system_user())
    change: str = "kg build"
    changed_sources: dict[str, str] = field(default_factory=dict)
    #: Record the change in the changes graph (publishes and restores; a plain build is a
    #: function of the folders alone, so its snapshot stays byte-identical for the same input).
    record: bool = False


@dataclass
class BuildResult:
    manifest: Manifest
    reports: dict[str, ValidationReport]
    rejected: dict[str, str]
    graphs: dict[str, Triples]
    #: What :func:`commit` switches: the staged snapshot and store, and the sources if a
    #: publish changed them.
    changes: list[Replace] = field(default_factory=list)


class BuildRejected(Exception):
    """A strict build with a rejected source: nothing was written, what is served stays."""

    def __init__(
        self,
        reports: dict[str, ValidationReport],
        rejected: dict[str, str],
        sources: dict[str, Triples] | None = None,
    ) -> None:
        super().__init__(f"{len(rejected)} source(s) rejected; nothing was replaced")
        self.reports = reports
        self.rejected = rejected
        #: The sources as read, rejected or not (a publish's diff shows what was sent).
        self.sources = sources or {}


def build(
    settings: Settings,
    progress: Progress = lambda _msg: None,
    *,
    strict: bool = False,
    note: VersionNote | None = None,
) -> BuildResult:
    """Run the whole build and switch to it; returns the manifest and per-source reports.

    A source that fails validation is left out and the rest builds; with ``strict``, any
    rejected source stops the build before the snapshot and the store are touched
    (:class:`BuildRejected`), so a rejected build never replaces what is served."""
    started = time.perf_counter()
    prepare(settings, progress)
    result = stage(settings, progress, strict=strict, note=note or VersionNote(), started=started)
    commit(settings, result, progress)
    progress(f"done in {time.perf_counter() - started:.1f}s")
    return result


def prepare(settings: Settings, progress: Progress = lambda _msg: None) -> None:
    """Finish a switch a killed process left decided, and clear what one left staged."""
    if complete_switch(settings.build_journal):
        progress("      finished the switch to the version before, which was interrupted")
    discard_staged([settings.snapshot_dir, settings.store, settings.sources_dir])


def stage(
    settings: Settings,
    progress: Progress = lambda _msg: None,
    *,
    sources_dir: Path | None = None,
    strict: bool | Collection[str] = False,
    note: VersionNote,
    started: float | None = None,
) -> BuildResult:
    """Build the next version beside the one served, from ``sources_dir`` (the sources
    folder unless given), and say what :func:`commit` must switch.

    ``strict`` is ``True`` to refuse (:class:`BuildRejected`) if any source is rejected, or
    the graph IRIs of the sources that must not be."""
    started = time.perf_counter() if started is None else started
    base = settings.base_iri

    def step(n: int, message: str) -> None:
        progress(f"[{n}/6] {message} ({time.perf_counter() - started:.1f}s)")

    step(1, "loading ontology, reference data and sources")
    inputs = load_inputs(settings, sources_dir=sources_dir)
    shapes = load_shapes(settings.shapes_dir)
    context = inputs.reference_union()

    step(2, f"validating {len(inputs.sources)} sources against the shapes")
    reports = validate_sources(
        inputs.sources, shapes=shapes, ontology=inputs.ontology, context=context, progress=progress
    )
    rejected = dict(inputs.unreadable)
    accepted: dict[str, Triples] = {}
    for name, triples in inputs.sources.items():
        report = reports[name]
        if report.conforms:
            accepted[name] = triples
        else:
            rejected[name] = f"{len(report.violations())} SHACL violation(s)"
    must_conform = set(rejected) if strict is True else set(strict or ()) & set(rejected)
    if must_conform:
        refused = {name: rejected[name] for name in must_conform}
        raise BuildRejected(reports, refused, inputs.sources)
    # Nothing lost: a source whose file no longer conforms keeps the version served before
    # (validated when it was built or published), rather than dropping out of the graph.
    for name in sorted(rejected):
        served = snapshot_graph(settings.snapshot_dir, name)
        if served:
            accepted[name] = served
            rejected[name] += "; the version served before is kept"
            progress(f"      {name.rsplit('/', 1)[-1]}: keeping the version served before")

    step(3, "reconciling indicator claims with the GBF monitoring framework")
    graphs: dict[str, Triples] = {graph_iri(base, "ontology"): ox_triples(inputs.ontology)}
    graphs.update(inputs.reference)
    graphs.update(accepted)
    claims = reconciliation_input([context, *accepted.values()])
    graphs[graph_iri(base, "reconciliation")] = ox_triples(reconciliation_graph(claims))

    step(4, "materialising the entailments the ontology declares")
    graphs[graph_iri(base, "inferred")] = materialise(inputs.ontology, graphs)

    version = next_version(settings)
    changes = changes_graph(settings, version=version, note=note)
    if changes:
        graphs[graph_iri(base, "changes")] = changes

    next_snapshot = staged(settings.snapshot_dir)
    step(5, f"writing version {version}'s snapshot to {next_snapshot}")
    manifest = write_snapshot(
        next_snapshot,
        graphs,
        base_iri=base,
        rejected=rejected,
        version=version,
        published_by=note.published_by,
        change=note.change,
        changed_sources=note.changed_sources,
    )
    _carry_over(settings.snapshot_dir, next_snapshot)
    shutil.copytree(sources_dir or settings.sources_dir, next_snapshot / SNAPSHOT_SOURCES)

    if settings.backend == "oxigraph":
        step(6, f"loading {manifest.triples} triples into a new store beside {settings.store}")
    else:
        step(6, f"staged {manifest.triples} triples for the {_store_name(settings)}")
    changes_made = stage_switch(settings, with_sources=sources_dir is not None)
    return BuildResult(manifest, reports, rejected, graphs, changes_made)


def stage_switch(settings: Settings, *, with_sources: bool) -> list[Replace]:
    """Once the next snapshot is staged: stage its store (the ``oxigraph`` backend), and say
    what the switch replaces: the snapshot (the one served kept as a version), the store,
    and the sources folder when ``with_sources`` (its staged copy is the caller's)."""
    live = live_manifest(settings)
    kept = None if live is None else kept_path(settings, live.version)
    changes = [Replace(settings.snapshot_dir, keep=kept)]
    if settings.backend == "oxigraph":
        stage_directory(staged(settings.store), staged(settings.snapshot_dir) / SNAPSHOT_NQUADS)
        changes.append(Replace(settings.store))
    if with_sources:
        changes.append(Replace(settings.sources_dir))
    return changes


def commit(
    settings: Settings,
    result: BuildResult,
    progress: Progress = lambda _msg: None,
    *,
    before_switch: Callable[[], None] = lambda: None,
) -> None:
    """Switch to the version :func:`stage` made: what was served is kept as a version, and
    the oldest kept beyond ``KG_KEEP_VERSIONS`` removed. ``before_switch`` runs just before
    the switch (a server lets go of the store it is about to replace)."""
    progress(f"      switching to version {result.manifest.version}")
    if settings.backend != "oxigraph":  # another server, or none (memory): loaded as it is
        load_snapshot(settings, staged(settings.snapshot_dir) / SNAPSHOT_NQUADS)
    before_switch()
    switch(settings.build_journal, result.changes)
    changed_marker(settings.store).unlink(missing_ok=True)  # the store is its snapshot again
    removed = prune(settings)
    progress(
        f"      serving version {result.manifest.version}"
        + (f"; removed kept version(s) {', '.join(map(str, removed))}" if removed else "")
    )


def discard(settings: Settings) -> None:
    """Remove what :func:`stage` made without switching to it (a dry run)."""
    discard_staged([settings.snapshot_dir, settings.store, settings.sources_dir])


def materialise(ontology: Graph, graphs: dict[str, Triples]) -> Triples:
    """The entailments ``ontology`` declares over ``graphs`` (the ontology's own graph among
    them), materialised in an in-memory Oxigraph store by
    :func:`kg.reason.in_store.materialise_in_store` (owlrl's closure is the oracle the tests
    compare it with; measured 10x faster than owlrl at 100k triples)."""
    store = ox.Store()
    store.bulk_extend(
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name))
        for name, triples in graphs.items()
        for t in triples
    )
    inferred = "urn:x-kg:build:inferred"
    materialise_in_store(store, ontology, into_graph=inferred)
    return [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(inferred))]


def _carry_over(live: Path, next_snapshot: Path) -> None:
    """Copy the files kept beside a snapshot that the build does not write (the InforMEA
    feed's ledger of when each record last changed) into the next snapshot."""
    if not live.is_dir():
        return
    for path in live.iterdir():
        if path.is_file() and path.name not in (SNAPSHOT_NQUADS, SNAPSHOT_MANIFEST):
            shutil.copy2(path, next_snapshot / path.name)


def _store_name(settings: Settings) -> str:
    if settings.backend == "sparql":
        return f"SPARQL server at {settings.sparql_query}"
    return "memory backend (read from the snapshot when opened)"


def _system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "unknown"
