"""The bulk loader: parts cut at line boundaries, the same store whatever the parts, errors."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kg.bench.generate import generate
from kg.settings import Settings
from kg.stores.bulk_load import bulk_load_nquads, split_points


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "gen.nq"
    path.write_text("".join(generate(triples=5_000, seed=2, settings=Settings())))
    return path


def _quads(store_dir: Path) -> set[ox.Quad]:
    return set(ox.Store.read_only(str(store_dir)).quads_for_pattern(None, None, None, None))


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_split_points_cover_the_file_at_line_starts(generated: Path, parts: int) -> None:
    data = generated.read_bytes()
    ranges = split_points(generated, parts)
    assert len(ranges) == parts
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    assert all(a_end == b_start for (_, a_end), (b_start, _) in itertools.pairwise(ranges))
    assert all(data[start - 1 : start] == b"\n" for start, _ in ranges[1:])
    assert b"".join(data[a:b] for a, b in ranges) == data


def test_split_points_of_a_file_with_fewer_lines_than_parts(tmp_path: Path) -> None:
    path = tmp_path / "two.nq"
    path.write_bytes(b"<urn:x:a> <urn:x:b> <urn:x:c> .\n<urn:x:a> <urn:x:b> <urn:x:d> .")
    assert split_points(path, 5) == [(0, 32), (32, 63)]


@pytest.mark.parametrize("parts", [2, 5])
def test_parallel_parts_load_the_same_store_as_one(
    generated: Path, tmp_path: Path, parts: int
) -> None:
    one = bulk_load_nquads(tmp_path / "one", generated)
    many = bulk_load_nquads(tmp_path / "many", generated, parts=parts, lenient=True)
    lines = {line for line in generated.read_text().splitlines() if line.strip()}
    assert one.parts == 1 and many.parts == parts
    assert one.quads == many.quads == len(lines) > 5_000
    assert _quads(tmp_path / "one") == _quads(tmp_path / "many")
    assert many.lenient and not many.optimized
    assert many.quads_per_second == pytest.approx(many.quads / many.seconds)
    assert many.peak_rss_bytes > 10 * 2**20


def test_the_loaded_store_answers_queries(generated: Path, tmp_path: Path) -> None:
    stats = bulk_load_nquads(tmp_path / "store", generated, parts=2, optimize=True)
    assert stats.optimized
    store = ox.Store.read_only(str(tmp_path / "store"))
    answer: Any = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?w a <https://w3id.org/mea-kg/ontology#Workplan> }",
        use_default_graph_as_union=True,
    )
    workplan_type = "#type> <https://w3id.org/mea-kg/ontology#Workplan> "
    typed = {
        line.split(" ")[0] for line in generated.read_text().splitlines() if workplan_type in line
    }
    assert int(next(iter(answer))["n"].value) == len(typed) >= 10


def test_refuses_a_store_that_already_holds_data(generated: Path, tmp_path: Path) -> None:
    bulk_load_nquads(tmp_path / "store", generated)
    with pytest.raises(FileExistsError, match="not empty"):
        bulk_load_nquads(tmp_path / "store", generated)


def test_invalid_data_is_an_error_unless_lenient(tmp_path: Path) -> None:
    path = tmp_path / "bad.nq"
    path.write_text("<urn:x:a> <urn:x:b> <not an iri> <urn:x:g> .\n")
    with pytest.raises(SyntaxError):
        bulk_load_nquads(tmp_path / "strict", path)
    assert bulk_load_nquads(tmp_path / "lenient", path, lenient=True).quads == 1
