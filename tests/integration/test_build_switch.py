"""A build that dies at any point leaves one build served: its snapshot with its store.

``kg build`` used to write the new snapshot in place and then load the store: killed at its
last step, it left a new snapshot beside the old store (a server from disk and one from
memory on the same folders served 9,406 and 10,089 triples). It now stages both and switches
them together (:mod:`kg.build.switch`); these tests kill real builds at their steps, and
stop a switch between its renames.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build.pipeline import build
from kg.build.switch import complete_switch, staged
from kg.settings import Settings
from kg.stores import open_store
from tests.support import PROJECT_ROOT

ONE = ("tehran-pow-2009-2010",)
TWO = ("tehran-pow-2009-2010", "ceic2-aze-progress-2018")


def _data(root: Path, sources: tuple[str, ...]) -> Path:
    data = root / "data"
    if data.exists():
        shutil.rmtree(data)
    shutil.copytree(PROJECT_ROOT / "data", data)
    for path in (data / "sources").glob("*.ttl"):
        if path.stem not in sources:
            path.unlink()
    return data


def _settings(root: Path, data: Path) -> Settings:
    return Settings(store=root / "store", snapshot_dir=root / "snapshot", data_dir=data)


def served(settings: Settings) -> tuple[set[ox.Quad], set[ox.Quad]]:
    """(the snapshot's quads, the store's quads), after what a server does first."""
    complete_switch(settings.build_journal)
    snapshot = set(ox.parse(path=str(settings.snapshot_nquads), format=ox.RdfFormat.N_QUADS))
    store = set(open_store(settings).quads_for_pattern(None, None, None, None))
    return snapshot, store


def _kill_build_at(root: Path, data: Path, step: str) -> None:
    """Start ``kg build`` on ``data`` and kill -9 it when it says ``step``."""
    env = {
        **os.environ,
        "KG_STORE": str(root / "store"),
        "KG_SNAPSHOT_DIR": str(root / "snapshot"),
        "KG_DATA_DIR": str(data),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "build"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 120
    for line in process.stderr:
        if line.startswith(step):
            process.send_signal(signal.SIGKILL)
            break
        assert time.monotonic() < deadline
    process.wait(timeout=60)


@pytest.mark.parametrize("step", ["[5/6]", "[6/6]"])
def test_a_build_killed_at_a_step_leaves_the_build_before_served(tmp_path: Path, step: str) -> None:
    before = build(_settings(tmp_path, _data(tmp_path, ONE)))
    _kill_build_at(tmp_path, _data(tmp_path, TWO), step)
    snapshot, store = served(_settings(tmp_path, tmp_path / "data"))
    assert snapshot == store
    assert len(store) == before.manifest.triples


def test_the_next_build_after_a_killed_one_serves_its_own(tmp_path: Path) -> None:
    build(_settings(tmp_path, _data(tmp_path, ONE)))
    data = _data(tmp_path, TWO)
    _kill_build_at(tmp_path, data, "[6/6]")
    after = build(_settings(tmp_path, data))
    snapshot, store = served(_settings(tmp_path, data))
    assert snapshot == store and len(store) == after.manifest.triples
    assert not staged(tmp_path / "store").exists() and not staged(tmp_path / "snapshot").exists()


@pytest.mark.parametrize("renamed", [0, 1])
def test_a_switch_stopped_between_its_renames_is_finished_before_serving(
    tmp_path: Path, renamed: int
) -> None:
    """The state a build killed after its journal leaves: none or one of the two renames
    done. A server (or the next build) finishes the switch: the new build is served whole."""
    settings = _settings(tmp_path, _data(tmp_path, ONE))
    build(settings)
    new = tmp_path / "new"
    newer = build(_settings(new, _data(new, TWO)))
    lives = [settings.snapshot_dir, settings.store]
    for live, built_dir in zip(lives, [new / "snapshot", new / "store"], strict=True):
        shutil.copytree(built_dir, staged(live))
    settings.build_journal.write_text(f'["{lives[0]}", "{lives[1]}"]')
    if renamed:  # the snapshot is already in place, the store not yet
        shutil.rmtree(lives[0])
        staged(lives[0]).rename(lives[0])
    snapshot, store = served(settings)
    assert snapshot == store and len(store) == newer.manifest.triples
    assert not settings.build_journal.exists()
