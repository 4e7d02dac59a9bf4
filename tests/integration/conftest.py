"""Fixtures shared by the integration suites."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import live_server


@pytest.fixture(scope="module", name="server")
def capped_server(built) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """``kg serve`` on the seed build with a row cap of 50 and a 20 s deadline (a module may
    define its own ``server`` instead)."""
    env = {"KG_STORE": str(built.settings.store), "KG_MAX_ROWS": "50", "KG_QUERY_TIMEOUT": "20"}
    with live_server(env) as base:
        yield base
