"""The live graph a server answers from: the store, the query workers and, when writes are
enabled, the write path.

Read-only (no write token): workers and the server open the built store read-only.

Writable: the server holds the only read-write handle, and uses it only under the write
lock; after every successful write it takes a checkpoint (``Store.backup``, hard links, so
cheap) into a new *generation* directory, and requests and query workers read that. They
therefore only ever read directories nobody writes to — Oxigraph leaves reading under a
writer undefined (RECIPES.md) — and a publish can close the read-write handle, switch the
store and open the new one while requests go on reading the last checkpoint. Old
generations are removed once two newer ones exist.

Serving from memory (``KG_SERVE_FROM=memory``): the workers answer from an in-memory copy
of the store (:mod:`kg.serve.workers`), so the server is read-only.

Other backends (``KG_BACKEND``): with ``sparql`` the remote server is the one store, so a
write is sent there and the workers see it at once; the ``memory`` backend is a private copy
per process and serves read-only.
"""

from __future__ import annotations

import gc
import os
import shutil
import threading
from collections.abc import Callable
from typing import TypeVar

import pyoxigraph as ox
from rdflib import Graph

from kg.build.pipeline import commit, discard
from kg.build.publish import Published
from kg.build.switch import complete_switch
from kg.build.writer import acquire as acquire_writer
from kg.build.writer import finish_interrupted_switch
from kg.graph.contribution import Suggested
from kg.graph.projection import GraphProjection, load_projection
from kg.publish.dump import description_only, export_rdf, exported_quads
from kg.publish.informea.feed import Feed, compute_feed
from kg.query.describe import graph_counts
from kg.rdf.namespaces import graph_iri, source_key
from kg.rdf.terms import rdflib_graph
from kg.serve.budgets import ClientBudgets
from kg.serve.pool import QueryPool
from kg.serve.publishing import stage_bounded
from kg.serve.tokens import WriteTokens
from kg.serve.trial_update import trial_update
from kg.serve.views import DerivedViews
from kg.settings import Settings
from kg.shacl.sources import SourceValidator
from kg.shacl.validate import load_shapes
from kg.stores import GraphStore, StoreError, open_store
from kg.stores.oxigraph import mark_changed
from kg.suggest.run import SuggestionRun, suggest_graph

T = TypeVar("T")


class SourceWriteRefused(Exception):
    """A SPARQL Update that would change source documents' graphs: nothing was written.
    A source changes only as a whole document, validated and versioned
    (``PUT /sources/{key}``); ``keys`` are the sources the update touched."""

    def __init__(self, keys: list[str]) -> None:
        routes = ", ".join(f"PUT /sources/{key}" for key in keys)
        super().__init__(
            f"Nothing was written: a SPARQL Update cannot change a source document's graph "
            f"({', '.join(keys)}). Publish the whole document instead ({routes}, or kg "
            "publish), so that it is validated and kept as a version"
        )
        self.keys = keys


KEEP_GENERATIONS = 3


def check_serving(settings: Settings, writable: bool) -> None:
    """Raise :class:`StoreError`, saying what to change, for settings no server can serve."""
    if writable and settings.backend == "memory":
        raise StoreError(
            "KG_BACKEND=memory serves read-only: unset KG_WRITE_TOKEN, or use the "
            "oxigraph or sparql backend for writes"
        )
    if settings.serve_from == "memory":
        if settings.backend != "oxigraph":
            raise StoreError(
                f"KG_SERVE_FROM=memory applies to the oxigraph backend, not "
                f"KG_BACKEND={settings.backend}"
            )
        if writable:
            raise StoreError(
                "KG_SERVE_FROM=memory serves read-only: unset KG_WRITE_TOKEN, or serve "
                "from disk for writes"
            )


class GraphService:
    """Everything a request needs to read or change the graph."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        #: Who may write (named tokens, ``KG_WRITE_TOKEN``); none: the server is read-only.
        self.tokens = WriteTokens(settings)
        self.writable = self.tokens.any
        self._write_lock = threading.Lock()
        #: How many writes have been applied: every view derived from the graph and kept
        #: (:attr:`views`) is made again when this has moved on.
        self.version = 0
        self.views = DerivedViews(lambda: self.version)
        #: What each client may still spend on queries (:mod:`kg.serve.budgets`).
        self.budgets = ClientBudgets(
            window=settings.budget_window,
            query_seconds=settings.budget_query_seconds,
            failures=settings.budget_failures,
            loopback=settings.budget_loopback,
        )
        self._generation = 0
        self._generations_dir = settings.store.with_name(settings.store.name + ".generations")
        self._checkpoints = settings.backend == "oxigraph" and self.writable
        check_serving(settings, self.writable)
        #: A writable server is the folders' one writer while it runs (kg.build.writer).
        self._writer_lock = acquire_writer(settings) if self.writable else None
        if self._writer_lock is not None:  # a build killed mid-switch: finish it first
            complete_switch(settings.build_journal)
        else:
            finish_interrupted_switch(settings)
        #: What requests read: the store, or with checkpoints the last one (read-only).
        self.store: GraphStore
        #: The read-write handle on the store, used only under the write lock (checkpoints
        #: only): no request holds it, so a publish can close it and reopen the new store.
        self._writer: ox.Store | None = None
        self._worker_path: str | None = None
        if self._checkpoints:
            open_store(settings, read_only=True)  # same clear error when nothing is built
            if self._generations_dir.exists():
                shutil.rmtree(self._generations_dir)
            self._take_hold()
        else:
            self.store = open_store(settings, read_only=True)
            self.counts = graph_counts(self.store)
        self.pool = QueryPool(
            settings,
            self._worker_path,
            min_workers=settings.query_workers,
            max_workers=settings.max_query_workers,
        )

    @property
    def graph_names(self) -> frozenset[str]:
        return frozenset(self.counts)

    def _checkpoint(self) -> None:
        """Checkpoint the written store into a new generation and serve it: requests read a
        read-only handle on it, query workers are pointed at it."""
        assert self._writer is not None
        self._generation += 1
        target = self._generations_dir / f"{self._generation:06d}"
        target.parent.mkdir(parents=True, exist_ok=True)
        self._writer.flush()
        self._writer.backup(str(target))
        reader = ox.Store.read_only(str(target))
        counts = graph_counts(reader)
        # Replaced together: no request pairs one version's store with the other's counts.
        self.store, self.counts = reader, counts
        self._worker_path = str(target)
        if hasattr(self, "pool"):  # not at start: the pool is made on the first checkpoint
            self.pool.switch(self._worker_path)
        for old in sorted(self._generations_dir.iterdir())[:-KEEP_GENERATIONS]:
            shutil.rmtree(old, ignore_errors=True)

    def publish(
        self, key: str, turtle: bytes | None, *, who: str, dry_run: bool = False
    ) -> Published:
        """Publish ``turtle`` as the source ``key`` (``None`` removes it) as a new version,
        or with ``dry_run`` only report; :mod:`kg.build.publish` says what each step does.

        The version is staged in a bounded child process (:mod:`kg.serve.publishing`); the
        server then lets go of its store, switches to the staged one, opens it and points
        the query workers at it, all under the write lock. Readers meanwhile read the last
        checkpoint (a directory nobody writes), so they see the version before or the one
        after, never a mix.

        :raises PublishRejected: the document does not conform; nothing was switched.
        :raises PublishFailed: out of time or memory staging it; nothing was switched."""
        if not self.writable:
            raise PermissionError("writes are disabled")
        with self._write_lock:
            done, result = stage_bounded(self.settings, key, turtle, who=who)
            if dry_run:
                discard(self.settings)
                return done
            try:
                commit(self.settings, result, before_switch=self._let_go)
            finally:
                self._take_hold()
            done.manifest = result.manifest
            self.version += 1
            return done

    def _let_go(self) -> None:
        """Before a switch: close the store about to be replaced. Requests go on reading the
        last checkpoint; nothing else refers to the read-write handle, so dropping it closes
        it (RocksDB refuses a second handle on the same path in one process)."""
        self._writer = None
        gc.collect()

    def _take_hold(self) -> None:
        """After a switch (or a failed one), and at start: open the store served for writing
        and serve a checkpoint of it."""
        if not self._checkpoints:
            self.counts = graph_counts(self.store)
            return
        self._writer = ox.Store(str(self.settings.store))
        self._checkpoint()

    def write(self, change: Callable[[GraphStore], T]) -> T:
        """Apply ``change`` to the store, one writer at a time, then publish the result to the
        query workers. If ``change`` raises, nothing is published."""
        if not self.writable:
            raise PermissionError("writes are disabled")
        with self._write_lock:
            return self._apply(change)

    def update(self, text: str, *, base_iri: str | None, timeout: float) -> None:
        """Apply the SPARQL Update ``text`` within ``timeout`` seconds, or change nothing.

        On the on-disk store the update first runs on a checkpoint of the store (hard links,
        so cheap) in a process that is killed at the deadline
        (:func:`kg.serve.trial_update.trial_update`, raising
        :class:`~kg.serve.trial_update.UpdateTimedOut`): Oxigraph cannot stop an update, so one
        that would run past its deadline never reaches the live store and never holds the
        write lock for longer than the deadline and its second run. The remote ``sparql``
        backend's server applies its own limits."""

        def apply(store: GraphStore) -> None:
            store.update(text, base_iri=base_iri)

        if not self.writable:
            raise PermissionError("writes are disabled")
        with self._write_lock:
            if self._checkpoints:
                trial = self.settings.store.with_name(self.settings.store.name + ".trial")
                shutil.rmtree(trial, ignore_errors=True)
                assert self._writer is not None
                self._writer.flush()
                self._writer.backup(str(trial))
                try:
                    base = self.settings.base_iri
                    changed = trial_update(
                        str(trial), text, base_iri, timeout, watch=graph_iri(base, "")
                    )
                    keys = [k for k in (source_key(base, g) for g in changed) if k]
                    if keys:
                        raise SourceWriteRefused(keys)
                finally:
                    shutil.rmtree(trial, ignore_errors=True)
            self._apply(apply)

    def _apply(self, change: Callable[[GraphStore], T]) -> T:
        """:meth:`write`'s work; the caller holds the write lock."""
        if not self._checkpoints:
            result = change(self.store)
            self.counts = graph_counts(self.store)
        else:
            assert self._writer is not None
            result = change(self._writer)
            mark_changed(self.settings.store)  # the snapshot no longer equals the store
            self._checkpoint()
        self.version += 1
        return result

    # ------------------------------------------------------------ views derived from the graph

    def projection(self) -> GraphProjection:
        """The traversal projection of the graph as it is now (seconds to make; kept)."""
        return self.views.get("projection", lambda: load_projection(self.settings, self.store))

    def informea_feed(self) -> Feed:
        """The InforMEA feed of the graph as it is now (reads the whole store; kept).

        :raises kg.build.snapshot.SnapshotMissing: nothing was built."""
        return self.views.get("informea", lambda: compute_feed(self.store, self.settings))

    def rdf_dump(self, fmt: str) -> bytes:
        """The RDF dump in ``fmt`` of the graph as it is now (the whole graph; kept per
        format).

        :raises kg.publish.dump.ExportError: an unknown format.
        :raises kg.rdf.syntax_limits.UnwritableGraph: the format cannot carry the graph."""
        return self.views.get(("rdf-dump", fmt), lambda: export_rdf(self.store, self.settings, fmt))

    def dump_description(self) -> list[ox.Quad]:
        """The DCAT / VoID description of the RDF dump of the graph as it is now (kept)."""
        return self.views.get(
            "dump-description",
            lambda: description_only(
                exported_quads(self.store, self.settings), self.settings.base_iri
            ),
        )

    def suggestions(self) -> SuggestionRun:
        """``kg suggest``'s lexical run over the graph as it is now (kept): the targets
        suggested for each entity no document aligns."""
        return self.views.get(
            "suggestions",
            lambda: suggest_graph(
                self.store.quads_for_pattern(None, None, None, None), self.settings.base_iri
            ),
        )

    def suggested_targets(self) -> dict[str, list[Suggested]]:
        """:meth:`suggestions` as the traversals take them (kept)."""
        return self.views.get(
            "suggested-targets",
            lambda: {
                subject: [(s.target, s.score, s.method, s.evidence) for s in found]
                for subject, found in self.suggestions().by_subject.items()
            },
        )

    def source_validator(self) -> SourceValidator:
        """A validator of sources as the build validates them, against the reference graphs
        and the ontology as they are now in the store (kept)."""
        return self.views.get("source-validator", self._make_source_validator)

    def _make_source_validator(self) -> SourceValidator:
        base = self.settings.base_iri
        reference = graph_iri(base, "reference/")
        context = Graph()
        for name in sorted(self.graph_names):
            if name.startswith(reference):
                context += _rdflib_graph(self.store, name)
        return SourceValidator(
            shapes=load_shapes(self.settings.shapes_dir),
            ontology=_rdflib_graph(self.store, graph_iri(base, "ontology")),
            context=context,
        )

    def close(self) -> None:
        self.pool.close()
        if self._writer_lock is not None:
            os.close(self._writer_lock)
            self._writer_lock = None
        if self._checkpoints and self._generations_dir.exists():
            shutil.rmtree(self._generations_dir, ignore_errors=True)


def _triples_of(store: GraphStore, name: str) -> list[ox.Triple]:
    """The triples of the named graph ``name`` of ``store``."""
    return [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(name))]


def _rdflib_graph(store: GraphStore, name: str) -> Graph:
    """The named graph ``name`` of ``store`` as an rdflib graph."""
    return rdflib_graph(_triples_of(store, name))
