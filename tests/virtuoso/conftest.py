"""Fixtures of the Virtuoso suite (``pytest -m virtuoso``; every test here carries the mark).

``virtuoso``
    A :class:`~tests.virtuoso.server.Virtuoso` started for the session in a temporary
    directory, on free loopback ports: ``query_url``, ``update_url``, ``gsp_url``, ``user``,
    ``password``, ``isql_port``. Installs ``virtuoso-opensource-7-bin`` with apt-get first when
    ``virtuoso-t`` is missing (root only; otherwise the tests skip and say why). Stopped by
    its process id at the end of the session; a failed start fails with Virtuoso's log.
``loaded``
    The session's built snapshot (``built`` fixture), bulk-loaded into ``virtuoso``: its
    manifest and the list of our named graphs.
``sparql_settings``
    :class:`~kg.settings.Settings` that point the ``sparql`` backend at ``virtuoso`` (the
    ``KG_SPARQL_*`` variables of docs/scale-out.md) with an empty snapshot directory, so
    everything is read from the server and never from the snapshot file.

The suite is slow (a Debian package, a server start and a seed build), so pyproject.toml's
``addopts`` leave it out of the default run; ``make test-virtuoso`` runs it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kg.build.snapshot import Manifest
from kg.settings import SNAPSHOT_NQUADS, Settings
from tests.virtuoso.server import (
    Virtuoso,
    VirtuosoError,
    ensure_installed,
    missing_binaries,
    start_virtuoso,
)

#: Seconds each set-up step took, printed at the end of the run.
TIMINGS: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TIMINGS:
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in TIMINGS.items())
        terminalreporter.write_line(f"Virtuoso suite set-up: {steps}")


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """A fresh Virtuoso on loopback for the session (installed first if need be)."""
    started = time.monotonic()
    installing = bool(missing_binaries())
    try:
        reason = ensure_installed()
    except VirtuosoError as err:
        pytest.fail(str(err), pytrace=False)
    if reason:
        pytest.skip(reason)
    if installing:
        TIMINGS["apt-get install"] = time.monotonic() - started
    started = time.monotonic()
    try:
        server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    except VirtuosoError as err:
        pytest.fail(str(err), pytrace=False)
    TIMINGS["start"] = time.monotonic() - started
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class Loaded:
    """The built snapshot as loaded into Virtuoso."""

    manifest: Manifest
    nquads: Path

    @property
    def graphs(self) -> list[str]:
        """Our named graphs (Virtuoso also holds system graphs of its own)."""
        return sorted(self.manifest.graphs)


@pytest.fixture(scope="session")
def loaded(virtuoso: Virtuoso, built: Any) -> Loaded:
    """The session's seed build, bulk-loaded into ``virtuoso`` (graph names kept)."""
    snapshot_dir = built.settings.snapshot_dir
    try:
        TIMINGS["bulk load"] = virtuoso.bulk_load(snapshot_dir / SNAPSHOT_NQUADS)
    except VirtuosoError as err:
        pytest.fail(f"{err}\n--- Virtuoso log ---\n{virtuoso.log_tail()}", pytrace=False)
    return Loaded(Manifest.read(snapshot_dir), snapshot_dir / SNAPSHOT_NQUADS)


@pytest.fixture(scope="session")
def sparql_settings(
    virtuoso: Virtuoso, built: Any, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """The ``sparql`` backend pointed at ``virtuoso``'s open endpoints; no snapshot beside it."""
    return Settings(
        backend="sparql",
        base_iri=built.settings.base_iri,
        sparql_query=virtuoso.query_url,
        sparql_update=virtuoso.update_url,
        sparql_gsp=virtuoso.gsp_url,
        store=tmp_path_factory.mktemp("no-store"),
        snapshot_dir=tmp_path_factory.mktemp("no-snapshot"),
    )
