"""The ``oxigraph`` backend (the default): an embedded Oxigraph store in a directory.

A ``pyoxigraph.Store`` already has the interface of :class:`kg.stores.base.GraphStore`, so
this module only decides where stores live. The build loads a fresh directory and then swaps
it in, so a reader never opens a directory that is being written (RECIPES.md: read-only
handles under a writer are undefined).

:func:`memory_copy` makes an in-memory Oxigraph store holding what the directory holds, for
serving from memory (``KG_SERVE_FROM=memory``): a join's index lookups cost about 2 µs there
against about 19 µs in RocksDB on disk (README, "Measured"). It reads the build's snapshot
when that still equals the store (bulk-loading N-Quads into memory: ~320k quads/s), and
otherwise copies the store itself (a server with writes enabled changed it since the build;
about three times slower). A write through the server leaves a marker file beside the store
(:func:`mark_changed`) so that the two cases can be told apart without comparing contents.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox

from kg.stores.base import StoreMissingError
from kg.stores.bulk_load import bulk_load_nquads


def changed_marker(store_dir: Path) -> Path:
    """The file whose presence says the store at ``store_dir`` differs from its snapshot."""
    return store_dir.with_name(store_dir.name + ".changed")


def mark_changed(store_dir: Path) -> None:
    """Record that the store at ``store_dir`` was written to after the build loaded it."""
    changed_marker(store_dir).touch()


def stage_directory(target: Path, nquads: Path) -> None:
    """Make ``target`` a new store holding the quads of ``nquads`` (a build's snapshot)."""
    if target.exists():
        shutil.rmtree(target)
    # The snapshot is the build's own output, written from parsed and validated graphs, so
    # the loader may skip re-validating it (lenient), and loads it in parallel parts.
    bulk_load_nquads(target, nquads, lenient=True, optimize=True)


def load_directory(store_dir: Path, nquads: Path) -> None:
    """Replace the store at ``store_dir`` with one bulk-loaded from ``nquads`` (the build
    stages its store and switches it with its snapshot instead: :mod:`kg.build.switch`)."""
    building = store_dir.with_name(store_dir.name + ".building")
    retired = store_dir.with_name(store_dir.name + ".old")
    if retired.exists():
        shutil.rmtree(retired)
    stage_directory(building, nquads)
    if store_dir.exists():
        store_dir.rename(retired)
    building.rename(store_dir)
    changed_marker(store_dir).unlink(missing_ok=True)  # the store equals its snapshot again
    if retired.exists():
        shutil.rmtree(retired)


def open_directory(store_dir: Path, *, read_only: bool = True) -> ox.Store:
    """Open the built store; raise :class:`StoreMissingError` with the fix if there is none."""
    if not (store_dir / "CURRENT").exists():
        raise StoreMissingError(f"no graph store at {store_dir}: run `kg build` first")
    if read_only:
        return ox.Store.read_only(str(store_dir))
    return ox.Store(str(store_dir))


def memory_copy(store_dir: Path, snapshot: Path) -> ox.Store:
    """An in-memory store with the quads of the store at ``store_dir``, read from the build's
    N-Quads ``snapshot`` when the store has not been written to since it was loaded from it."""
    memory = ox.Store()
    built = (store_dir / "CURRENT").exists()
    if built and snapshot.exists() and not changed_marker(store_dir).exists():
        # Our own output, validated when it was built: no need to validate it again.
        memory.bulk_load(path=str(snapshot), format=ox.RdfFormat.N_QUADS, lenient=True)
    else:  # opening says clearly when nothing is built
        disk = open_directory(store_dir, read_only=True)
        memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    return memory
