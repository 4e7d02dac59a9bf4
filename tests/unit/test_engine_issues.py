"""Known engine issues, each with its minimal reproduction (``tests/data/engine/``): these
tests pass while the issue is there and fail when an upgrade fixes it, saying which
workaround may then go (``docs/endpoint.md``, "Known engine issues")."""

from __future__ import annotations

import subprocess
import sys

import pyoxigraph as ox

from kg.sparql.order_keys import safe_order
from tests.support import PROJECT_ROOT

REPRO = PROJECT_ROOT / "tests" / "data" / "engine" / "oxigraph_sort_panic.py"


def test_oxigraph_still_aborts_sorting_integers_and_strings() -> None:
    done = subprocess.run([sys.executable, str(REPRO)], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "total order" in done.stderr, (
        "pyoxigraph sorts integers and strings together without aborting now: the sort keys "
        "of kg.sparql.order_keys may go (check the seed graph's ORDER BY ?o first)"
    )


def test_the_same_sort_with_group_keys_answers() -> None:
    """What the workers run instead: the repro's query, each condition keyed by group."""
    code = REPRO.read_text().replace(
        '"SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"',
        repr(safe_order("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o")),
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "40"


def test_numbers_sort_before_strings_and_each_group_in_its_own_order() -> None:
    store = ox.Store()
    p = ox.NamedNode("urn:x:p")
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    values = [
        ox.Literal("10", datatype=integer),
        ox.Literal("b"),
        ox.Literal("9", datatype=integer),
    ]
    values += [ox.Literal("a"), ox.NamedNode("urn:x:iri")]
    for n, value in enumerate(values):
        store.add(ox.Quad(ox.NamedNode(f"urn:x:s{n}"), p, value))
    query = safe_order("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o")
    assert [str(s["o"].value) for s in store.query(query)] == ["urn:x:iri", "9", "10", "a", "b"]
    query = safe_order("SELECT ?o WHERE { ?s ?p ?o } ORDER BY DESC(?o)")
    assert [str(s["o"].value) for s in store.query(query)] == ["b", "a", "10", "9", "urn:x:iri"]
