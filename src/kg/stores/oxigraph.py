"""The ``oxigraph`` backend (the default): an embedded Oxigraph store in a directory.

A ``pyoxigraph.Store`` already has the interface of :class:`kg.stores.base.GraphStore`, so
this module only decides where stores live. The build loads a fresh directory and then swaps
it in, so a reader never opens a directory that is being written (RECIPES.md: read-only
handles under a writer are undefined).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox

from kg.loader import bulk_load_nquads
from kg.stores.base import StoreMissingError


def load_directory(store_dir: Path, nquads: Path) -> None:
    """Replace the store at ``store_dir`` with one bulk-loaded from ``nquads``."""
    building = store_dir.with_name(store_dir.name + ".building")
    retired = store_dir.with_name(store_dir.name + ".old")
    for stale in (building, retired):
        if stale.exists():
            shutil.rmtree(stale)
    # The snapshot is the build's own output, written from parsed and validated graphs, so
    # the loader may skip re-validating it (lenient), and loads it in parallel parts.
    bulk_load_nquads(building, nquads, lenient=True, optimize=True)
    if store_dir.exists():
        store_dir.rename(retired)
    building.rename(store_dir)
    if retired.exists():
        shutil.rmtree(retired)


def open_directory(store_dir: Path, *, read_only: bool = True) -> ox.Store:
    """Open the built store; raise :class:`StoreMissingError` with the fix if there is none."""
    if not (store_dir / "CURRENT").exists():
        raise StoreMissingError(f"no graph store at {store_dir}: run `kg build` first")
    if read_only:
        return ox.Store.read_only(str(store_dir))
    return ox.Store(str(store_dir))
