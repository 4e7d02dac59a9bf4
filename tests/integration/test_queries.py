"""The query catalogue: every query in ``queries/manifest.ttl`` gives its expected result on the
built seed graph (SPARQL 1.1 CSV results, compared row by row)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.query.catalogue import read_catalogue
from tests.support import PROJECT_ROOT

QUERIES = PROJECT_ROOT / "queries"


def _entries() -> list[tuple[str, Path, Path]]:
    return sorted(
        (e.name, e.query_file, e.result_file)
        for e in read_catalogue(QUERIES)
        if e.result_file is not None
    )


ENTRIES = _entries()


def _rows(data: bytes | str) -> list[list[str]]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return [row for row in csv.reader(io.StringIO(text)) if row]


def test_catalogue_has_at_least_15_queries_and_lists_every_file() -> None:
    assert len(ENTRIES) >= 15
    listed = {q.name for _, q, _ in ENTRIES}
    on_disk = {p.name for p in QUERIES.glob("*.rq")}
    assert on_disk == listed, f"queries not in the manifest: {on_disk - listed}"


@pytest.mark.parametrize(("name", "query", "expected"), ENTRIES, ids=[e[0] for e in ENTRIES])
def test_query_gives_expected_result(built, name: str, query: Path, expected: Path) -> None:  # type: ignore[no-untyped-def]
    text = query.read_text(encoding="utf-8")
    assert text.startswith("# Question:"), f"{query.name} must say in plain words what it asks"
    results = built.store.query(text, use_default_graph_as_union=True)
    got = _rows(results.serialize(format=ox.QueryResultsFormat.CSV))  # type: ignore[union-attr]
    want = _rows(expected.read_text(encoding="utf-8"))
    assert got[0] == want[0], "columns differ"
    assert got[1:] == want[1:], f"{name}: {len(got) - 1} rows, expected {len(want) - 1}"
