"""Which source the in-memory copy of a store is read from: the build's snapshot while the
store still equals it, the store itself once a write changed it, and the snapshot again after
the next build."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.stores.oxigraph import changed_marker, load_directory, mark_changed, memory_copy

QUAD = '<urn:x:s> <urn:x:p> "{}" <urn:x:g> .\n'


def values(store: ox.Store) -> set[str]:
    return {q.object.value for q in store.quads_for_pattern(None, None, None, None)}


def test_copy_follows_the_snapshot_until_the_store_is_changed(tmp_path: Path) -> None:
    snapshot = tmp_path / "graph.nq"
    snapshot.write_text(QUAD.format("built"))
    store_dir = tmp_path / "store"
    load_directory(store_dir, snapshot)
    # The snapshot is read (a different file than the store was built from proves it).
    snapshot.write_text(QUAD.format("built") + QUAD.format("in the snapshot only"))
    assert values(memory_copy(store_dir, snapshot)) == {"built", "in the snapshot only"}

    writer = ox.Store(str(store_dir))
    writer.add(
        ox.Quad(
            ox.NamedNode("urn:x:s"),
            ox.NamedNode("urn:x:p"),
            ox.Literal("written"),
            ox.NamedNode("urn:x:g"),
        )
    )
    writer.flush()
    del writer
    mark_changed(store_dir)
    assert values(memory_copy(store_dir, snapshot)) == {"built", "written"}

    load_directory(store_dir, snapshot)  # a new build
    assert not changed_marker(store_dir).exists()
    assert values(memory_copy(store_dir, snapshot)) == {"built", "in the snapshot only"}


def test_a_missing_snapshot_means_copying_the_store(tmp_path: Path) -> None:
    snapshot = tmp_path / "graph.nq"
    snapshot.write_text(QUAD.format("built"))
    load_directory(tmp_path / "store", snapshot)
    snapshot.unlink()
    assert values(memory_copy(tmp_path / "store", snapshot)) == {"built"}
