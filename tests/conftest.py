"""Shared fixtures: one seed build per test session, into a temporary directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg.build.pipeline import BuildResult, build
from kg.settings import Settings
from kg.stores import GraphStore, open_store
from tests.support import PROJECT_ROOT, Canary, project_copy

SHARED = PROJECT_ROOT.parent / "shared"


@dataclass
class Built:
    settings: Settings
    result: BuildResult
    store: GraphStore

    def select(self, query: str) -> list[dict[str, str]]:
        """Rows of a SELECT over the union graph, values as plain strings."""
        solutions = self.store.query(query, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
        return [
            {n: s[n].value for n in names if s[n] is not None}
            for s in solutions  # type: ignore[union-attr]
        ]


def make_settings(root: Path, **overrides: object) -> Settings:
    return Settings(store=root / "store", snapshot_dir=root / "snapshot", **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="session", autouse=True)
def own_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test, and every server a test starts, works in a copy of the project: a
    publish switches ``data/sources``, and no test may change the checkout."""
    root = project_copy(tmp_path_factory.mktemp("project"))
    before = os.environ.get("KG_PROJECT_DIR")
    os.environ["KG_PROJECT_DIR"] = str(root)
    yield root
    if before is None:
        del os.environ["KG_PROJECT_DIR"]
    else:
        os.environ["KG_PROJECT_DIR"] = before


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    settings = make_settings(tmp_path_factory.mktemp("kg"))
    result = build(settings)
    return Built(settings, result, open_store(settings))


@pytest.fixture
def canary() -> Iterator[Canary]:
    """A loopback listener counting the connections made to it."""
    listener = Canary()
    yield listener
    listener.close()
