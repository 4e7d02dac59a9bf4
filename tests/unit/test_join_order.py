"""Join ordering (kg.sparql.join_order): which text is rewritten and how, and that no rewrite ever
changes an answer, on the catalogue over the seed build and on random joins over generated
data."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kg.bench.generate import write
from kg.bench.mix import QUERY_MIX
from kg.serve.jobs import QueryJob, pattern_counts, run_job
from kg.settings import Settings
from kg.sparql.join_order import COUNT_CAP, DISK_LOOKUP_ROWS, PatternCounts, reorder
from tests.conftest import Built
from tests.support import PROJECT_ROOT

#: Made-up match counts by predicate, for the text-level tests.
SIZES = {"<big>": 5000, "<mid>": 300, "<small>": 7, "ex:small": 7, "a": 900, "?p": COUNT_CAP}


def by_predicate(pattern: str) -> int:
    return SIZES.get(pattern.split()[1], 100)


def ordered(query: str) -> str:
    return reorder(query, by_predicate)


def test_a_path_written_from_its_big_end_starts_from_its_small_end() -> None:
    query = "SELECT * WHERE { ?a <big> ?b . ?b <mid> ?c . ?c <small> ?d }"
    assert ordered(query) == "SELECT * WHERE { ?c <small> ?d . ?b <mid> ?c . ?a <big> ?b }"


def test_the_next_pattern_shares_a_variable_with_those_placed() -> None:
    # <mid> is smaller than <big>, but it is not joined to ?c yet: no cross product.
    query = "SELECT * WHERE { ?x <mid> ?y . ?a <big> ?c . ?c <small> ?d }"
    assert ordered(query) == "SELECT * WHERE { ?c <small> ?d . ?a <big> ?c . ?x <mid> ?y }"


def test_a_good_order_is_left_as_written_byte_for_byte() -> None:
    query = "SELECT * WHERE {\n  ?c <small> ?d .   # first\n  ?b <mid> ?c ;\n}"
    assert ordered(query) == query


def test_ties_keep_the_written_order() -> None:
    query = "SELECT * WHERE { ?a <x> ?b . ?b <y> ?c . ?c <small> ?d }"
    assert ordered(query) == "SELECT * WHERE { ?c <small> ?d . ?b <y> ?c . ?a <x> ?b }"


def test_predicate_and_object_lists_become_triples() -> None:
    query = 'SELECT * WHERE { ?s <big> ?o ; a ex:T , ex:U ; ex:small "x"@en . }'
    assert ordered(query) == (
        'SELECT * WHERE { ?s ex:small "x"@en . ?s a ex:T . ?s a ex:U . ?s <big> ?o . }'
    )


def test_typed_literals_booleans_numbers_and_blank_node_labels_are_plain_terms() -> None:
    query = 'ASK { _:b <big> "1"^^xsd:int . _:b <mid> true . _:b <small> 4.5 }'
    assert ordered(query) == 'ASK { _:b <small> 4.5 . _:b <mid> true . _:b <big> "1"^^xsd:int }'


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # A FILTER ends the run: each side is ordered on its own.
        (
            "SELECT * { ?a <big> ?b . ?b <small> ?c FILTER(?c) ?d <big> ?e . ?e <small> ?f }",
            "SELECT * { ?b <small> ?c . ?a <big> ?b FILTER(?c) ?e <small> ?f . ?d <big> ?e }",
        ),
        # Runs inside OPTIONAL, EXISTS and sub-queries are ordered; none crosses a bracket.
        (
            "SELECT * { ?a <big> ?b OPTIONAL { ?b <big> ?c . ?c <small> ?d } }",
            "SELECT * { ?a <big> ?b OPTIONAL { ?c <small> ?d . ?b <big> ?c } }",
        ),
        (
            "ASK { FILTER NOT EXISTS { ?a <big> ?b . ?b <small> ?c } }",
            "ASK { FILTER NOT EXISTS { ?b <small> ?c . ?a <big> ?b } }",
        ),
        (
            "SELECT * { { SELECT ?a WHERE { ?a <big> ?b . ?b <small> ?c } } }",
            "SELECT * { { SELECT ?a WHERE { ?b <small> ?c . ?a <big> ?b } } }",
        ),
        # BIND ends a run too.
        (
            "SELECT * { ?a <big> ?b . ?b <small> ?c BIND(1 AS ?x) }",
            "SELECT * { ?b <small> ?c . ?a <big> ?b BIND(1 AS ?x) }",
        ),
    ],
)
def test_runs_end_at_every_other_element(query: str, expected: str) -> None:
    assert ordered(query) == expected


@pytest.mark.parametrize(
    "query",
    [
        # A property path, a blank node property list, a collection, an inverse path: the
        # triple holding it ends the run, and what is left is a single pattern each time.
        "SELECT * { ?a <big> ?b . ?b <mid>/<small> ?c }",
        "SELECT * { ?a <big> ?b . ?b <mid>* ?c }",
        "SELECT * { ?a <big> ?b . ?b <small> [ <mid> ?c ] }",
        "SELECT * { ?a <big> ?b . ?b <small> ( 1 2 ) }",
        "SELECT * { ?a <big> ?b . ?b ^<small> ?c }",
        "SELECT * { ?a <big> ?b . ?b <small> -1 }",
        # RDF 1.2 annotations and reifiers.
        "SELECT * { ?a <big> ?b {| <small> ?c |} . ?b <small> ?c }",
        "SELECT * { ?a <big> ?b ~ ?r . ?b <small> ?c }",
        # Data blocks and CONSTRUCT templates are not patterns.
        "SELECT * { VALUES (?a ?b) { (<big> <x>) } ?a <big> ?b }",
        "CONSTRUCT { ?a <big> ?b . ?b <small> ?c } WHERE { ?a <big> ?b }",
        # Backslashes: lexers may disagree, so the text is not touched.
        'SELECT * { ?a <big> "\\"" . ?b <small> ?c }',
        # Not SPARQL at all.
        "SELECT * { ?a <big> ?b . ?b <small> ?c",
        "\\U00110000",
    ],
)
def test_what_is_not_plainly_a_run_of_triples_is_left_alone(query: str) -> None:
    assert ordered(query) == query


def test_on_disk_a_pattern_looked_up_more_often_than_it_is_long_is_hash_joined() -> None:
    # <small> (7 rows) goes first; 7 lookups into <mid> cost 210 rows' worth, less than
    # reading its 300: looked up. Then up to 300 rows x 30 > the 5,000 of <big>: hashed.
    query = "SELECT * WHERE { ?a <big> ?b . ?b <mid> ?c . ?c <small> ?d }"
    hashed = reorder(query, by_predicate, lookup_rows=30)
    assert hashed == (
        "SELECT * WHERE { ?c <small> ?d . ?b <mid> ?c . { SELECT * WHERE { ?a <big> ?b } } }"
    )
    # From a single row, looking up is cheaper than reading a whole pattern.
    lookup = "SELECT * WHERE { ?b <mid> ?c . <x> <small> ?b }"
    assert reorder(lookup, by_predicate, lookup_rows=30) == (
        "SELECT * WHERE { <x> <small> ?b . ?b <mid> ?c }"
    )
    # Inside GRAPH and EXISTS, and in CONSTRUCT WHERE's template, the order alone changes.
    for form in (
        "SELECT * WHERE {{ GRAPH ?g {{ {} }} }}",
        "SELECT * WHERE {{ ?x ?y ?z FILTER EXISTS {{ {} }} }}",
        "CONSTRUCT WHERE {{ {} }}",
    ):
        assert reorder(form.format(query[17:-2]), by_predicate, lookup_rows=30) == form.format(
            "?c <small> ?d . ?b <mid> ?c . ?a <big> ?b"
        )
    # Blank node labels are scoped to their basic graph pattern: no sub-queries around them.
    labels = "SELECT * WHERE { _:x <big> ?b . ?b <small> ?c }"
    assert "SELECT * WHERE {" not in reorder(labels, by_predicate, lookup_rows=30)[15:]


@pytest.mark.parametrize(
    ("query", "hashes"),
    [
        ("SELECT ?a WHERE { ?a <big> ?b . ?b <mid> ?c } LIMIT 10", False),
        ("ASK { ?a <big> ?b . ?b <mid> ?c }", False),
        ("SELECT ?a WHERE { ?a <big> ?b . ?b <mid> ?c } ORDER BY ?a LIMIT 10", True),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?a <big> ?b . ?b <mid> ?c } LIMIT 10", True),
        ("SELECT ?a WHERE { ?a <big> ?b . ?b <mid> ?c }", True),
    ],
)
def test_a_query_that_stops_early_is_never_hash_joined(query: str, hashes: bool) -> None:
    counts = PatternCounts(ox.Store(), lookup_rows=30)
    counts.count = lambda _prologue, _base, pattern: by_predicate(pattern)  # type: ignore[method-assign]
    assert ("{ SELECT * WHERE" in counts.reorder(query, None)) is hashes


def test_construct_where_orders_its_pattern() -> None:
    query = "CONSTRUCT WHERE { ?a <big> ?b . ?b <small> ?c }"
    assert ordered(query) == "CONSTRUCT WHERE { ?b <small> ?c . ?a <big> ?b }"


# -- counting in a real store ---------------------------------------------------------------

EX = "http://example.org/"


def small_store() -> ox.Store:
    store = ox.Store()
    graph = ox.NamedNode(EX + "g")
    big, small = ox.NamedNode(EX + "big"), ox.NamedNode(EX + "small")
    for i in range(300):
        store.add(ox.Quad(ox.NamedNode(f"{EX}a{i}"), big, ox.NamedNode(f"{EX}b{i % 30}"), graph))
    for i in range(30):
        store.add(ox.Quad(ox.NamedNode(f"{EX}b{i}"), small, ox.Literal(str(i)), graph))
    return store


def test_counts_come_from_the_store_with_the_query_s_prefixes() -> None:
    counts = PatternCounts(small_store())
    query = f"PREFIX ex: <{EX}> SELECT * WHERE {{ ?a ex:big ?b . ?b ex:small ?c }}"
    assert counts.reorder(query, None) == (
        f"PREFIX ex: <{EX}> SELECT * WHERE {{ ?b ex:small ?c . ?a ex:big ?b }}"
    )
    prologue = f"PREFIX ex: <{EX}> "
    assert counts.count(prologue, None, "?a ex:big ?b") == 300
    assert counts.count(prologue, None, '?b ex:small "7"') == 1
    # Relative IRIs resolve against the request's base, as in the query itself.
    assert counts.count("", EX, "?a <big> <b3>") == 10
    # A pattern the store cannot count (an undeclared prefix) counts as big.
    assert counts.count("", None, "?a nope:big ?b") == COUNT_CAP


def test_a_query_seen_before_is_not_counted_again() -> None:
    store = small_store()
    counts = PatternCounts(store)
    query = f"SELECT * WHERE {{ ?a <{EX}big> ?b . ?b <{EX}small> ?c }}"
    first = counts.reorder(query, None)
    store.clear()  # the counts would now all be 0: a remembered order does not look
    assert counts.reorder(query, None) == first != query


def test_workers_order_joins_only_on_oxigraph_and_only_when_asked(tmp_path: Path) -> None:
    settings = Settings(store=tmp_path / "store", snapshot_dir=tmp_path / "snapshot")
    on_disk = pattern_counts(ox.Store(), settings)
    assert isinstance(on_disk, PatternCounts) and on_disk.lookup_rows == DISK_LOOKUP_ROWS
    in_memory = pattern_counts(ox.Store(), settings.model_copy(update={"serve_from": "memory"}))
    assert isinstance(in_memory, PatternCounts) and in_memory.lookup_rows is None
    assert pattern_counts(ox.Store(), settings.model_copy(update={"join_order": False})) is None
    assert pattern_counts(object(), settings) is None  # type: ignore[arg-type]


# -- the same answers -----------------------------------------------------------------------


def answer(store: Any, query: str) -> Any:
    results = store.query(query, use_default_graph_as_union=True)
    if isinstance(results, ox.QueryBoolean):
        return bool(results)
    if isinstance(results, ox.QueryTriples):
        return Counter(str(t) for t in results)
    return Counter(tuple(str(s[v]) for v in results.variables) for s in results)


CATALOGUE = sorted((PROJECT_ROOT / "queries").glob("*.rq"))


@pytest.mark.parametrize("path", CATALOGUE, ids=lambda p: p.stem)
def test_the_catalogue_answers_the_same_in_join_order(built: Built, path: Path) -> None:
    query = path.read_text(encoding="utf-8")
    rewritten = PatternCounts(built.store).reorder(query, None)
    assert answer(built.store, rewritten) == answer(built.store, query)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    data = tmp_path_factory.mktemp("join-order") / "graph.nq"
    write(data, triples=20_000, seed=3)
    store = ox.Store()
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    return store


def test_the_mix_is_reordered_and_answers_the_same(generated: ox.Store) -> None:
    counts = PatternCounts(generated)
    first = generated.query(
        "SELECT ?a { ?a a <https://w3id.org/mea-kg/ontology#Activity> } LIMIT 1",
        use_default_graph_as_union=True,
    )
    activity = next(iter(first))[0].value
    moved = []
    for name, (_kind, _intent, template) in QUERY_MIX.items():
        query = template.replace("{activity}", activity)
        rewritten = counts.reorder(query, None)
        if "LIMIT" not in query:  # a LIMIT without ORDER BY may keep any rows
            assert answer(generated, rewritten) == answer(generated, query), name
        if rewritten != query:
            moved.append(name)
    # The path from activities to headline indicators is written from its big end.
    assert {"join-indicators", "page-indicators"} <= set(moved)


#: Where a random join is put: ``{g}`` is a named graph of the data, ``{p}`` the join,
#: ``{outer}`` binds ?v0 to a few subjects (an EXISTS as written may otherwise be evaluated
#: once per row of a big pattern: minutes, against milliseconds in join order).
CONTEXTS = {
    "where": "SELECT * WHERE {{ {p} }}",
    "count": "SELECT (COUNT(*) AS ?n) WHERE {{ {p} }}",
    "graph": "SELECT * WHERE {{ GRAPH ?g {{ {p} }} }}",
    "graph-count": "SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {p} }} }} GROUP BY ?g",
    "graph-iri": "SELECT * WHERE {{ GRAPH <{g}> {{ {p} }} }}",
    "optional": "SELECT * WHERE {{ {outer} . OPTIONAL {{ {p} }} }}",
    "minus": "SELECT * WHERE {{ {outer} MINUS {{ {p} }} }}",
    "exists": "SELECT * WHERE {{ {outer} FILTER EXISTS {{ {p} }} }}",
    "not-exists": "SELECT * WHERE {{ {outer} FILTER NOT EXISTS {{ {p} }} }}",
    "union": "SELECT * WHERE {{ {{ {p} }} UNION {{ {outer} }} }}",
    "filter": "SELECT * WHERE {{ {p} FILTER(isIRI(?v1)) }}",
    "from": "SELECT * FROM <{g}> WHERE {{ {p} }}",
    "from-named": "SELECT * FROM NAMED <{g}> WHERE {{ GRAPH ?g {{ {p} }} }}",
    "sub-select": "SELECT ?v0 (COUNT(*) AS ?n) {{ {{ SELECT * WHERE {{ {p} }} }} }} GROUP BY ?v0",
    "construct": "CONSTRUCT WHERE {{ {p} }}",
    "ask": "ASK {{ {p} }}",
    "bind": "SELECT * WHERE {{ {p} BIND(STR(?v1) AS ?s) }}",
    "values": "SELECT * WHERE {{ VALUES ?x {{ 1 2 }} {p} }}",
}


@pytest.mark.parametrize("lookup_rows", [None, DISK_LOOKUP_ROWS], ids=["memory", "disk"])
def test_random_joins_answer_the_same_in_join_order(
    generated: ox.Store, lookup_rows: float | None
) -> None:
    """Chains and stars of 2-4 patterns over the generated graph's predicates, some with
    constant objects, in random written orders and in every kind of place a basic graph pattern can
    be, ordered as in memory and as on disk (hash joins): the rewritten query's answer is the
    same multiset. (Hash joins inside GRAPH ?g gave wrong answers before they were kept out:
    Oxigraph 0.5 runs a sub-query there over every graph.)"""
    rows = generated.query(
        "SELECT ?p (SAMPLE(?s) AS ?s1) (SAMPLE(?o) AS ?o1) { ?s ?p ?o } GROUP BY ?p",
        use_default_graph_as_union=True,
    )
    samples = [(r["p"], r["s1"], r["o1"]) for r in rows]
    graph = next(iter(generated.named_graphs())).value
    outer = "VALUES ?v0 { " + " ".join(str(s) for _, s, _ in samples[:: len(samples) // 6]) + " }"
    rng = random.Random(7)
    counts = PatternCounts(generated, lookup_rows=lookup_rows)
    rewritten: Counter[str] = Counter()
    hashed: Counter[str] = Counter()
    for _ in range(400):
        patterns = []
        for k in range(rng.randint(2, 4)):
            predicate, _subject, obj = rng.choice(samples)
            # Every pattern joins one before it (no cross products: they take minutes).
            left = f"?v{rng.randint(0, k)}"
            right = f"?v{k + 1}" if rng.random() < 0.85 else str(obj)
            patterns.append(f"{left} {predicate} {right}")
        rng.shuffle(patterns)
        context = rng.choice(sorted(CONTEXTS))
        query = CONTEXTS[context].format(p=" . ".join(patterns), g=graph, outer=outer)
        ordered = counts.reorder(query, None)
        rewritten[context] += ordered != query
        hashed[context] += ordered.count("SELECT * WHERE") > query.count("SELECT * WHERE")
        assert answer(generated, ordered) == answer(generated, query), (query, ordered)
    assert sum(rewritten.values()) > 150
    never_hashed = {"graph", "graph-count", "graph-iri", "from-named", "exists", "not-exists"}
    assert not any(hashed[c] for c in never_hashed | {"construct", "ask"})
    if lookup_rows is not None:
        assert all(hashed[c] for c in set(CONTEXTS) - never_hashed - {"construct", "ask"})
    else:
        assert not any(hashed.values())


def test_run_job_answers_from_the_ordered_text(generated: ox.Store) -> None:
    query = QUERY_MIX["join-indicators"][2]
    job = QueryJob(query, "application/sparql-results+json", max_rows=10)
    as_written = run_job(generated, job)
    in_order = run_job(generated, job, PatternCounts(generated))
    assert as_written.answer is not None and in_order.answer is not None
    assert in_order.answer.body == as_written.answer.body


def test_a_syntax_error_is_reported_on_the_text_the_user_wrote() -> None:
    store = small_store()
    query = f"SELECT * WHERE {{ ?a <{EX}big> ?b . ?b <{EX}small> ?c ; <{EX}big> ?d FILTER(?c = ) }}"
    rewritten = PatternCounts(store).reorder(query, None)
    assert len(rewritten) > len(query)  # the error would be further on in the rewritten text
    job = QueryJob(query, "application/sparql-results+json", max_rows=10)
    as_written = run_job(store, job)
    assert as_written.status == "bad_query"
    assert run_job(store, job, PatternCounts(store)) == as_written


@pytest.mark.parametrize("join_order", [True, False])
def test_a_worker_orders_joins_as_its_settings_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, join_order: bool
) -> None:
    import multiprocessing
    import threading

    from kg.serve import workers

    given: list[object] = []

    def recording_run_job(store: Any, job: QueryJob, counts: Any = None) -> Any:
        given.append(counts)
        return run_job(store, job, counts)

    monkeypatch.setattr(workers, "run_job", recording_run_job)
    settings = Settings(store=tmp_path / "s", snapshot_dir=tmp_path / "n", join_order=join_order)
    ours, theirs = multiprocessing.Pipe()
    worker = threading.Thread(
        target=workers._answer_jobs, args=(theirs, small_store(), settings, None)
    )
    worker.start()
    ours.send((None, QueryJob("ASK {}", "application/sparql-results+json", max_rows=10)))
    outcome, _ = ours.recv()
    ours.send(None)
    worker.join(10)
    assert outcome.status == "ok"
    assert isinstance(given[0], PatternCounts) is join_order


def test_kg_query_orders_joins_with_its_implicit_prefixes() -> None:
    from kg.query.execute import QueryError, execute

    store = small_store()
    prefixes = {"ex": EX}
    query = "SELECT ?a ?c WHERE { ?a ex:big ?b . ?b ex:small ?c }"
    # Counted with the prefixes the query may leave undeclared, the patterns can be ordered;
    # without them every count fails, ties, and the text stays as written.
    with_prefixes = PatternCounts(store, prefixes=prefixes).reorder(query, None)
    assert with_prefixes == "SELECT ?a ?c WHERE { ?b ex:small ?c . ?a ex:big ?b }"
    assert PatternCounts(store).reorder(query, None) == query

    full = f"SELECT ?a ?c WHERE {{ ?a <{EX}big> ?b . ?b <{EX}small> ?c }}"
    solutions = execute(store, full, join_order=True)
    ordered = Counter(tuple(str(s[v]) for v in solutions.variables) for s in solutions)
    assert ordered == answer(store, full)
    broken = f"SELECT * WHERE {{ ?a <{EX}big> ?b ; <{EX}small> ?c ; <{EX}big> ?d FILTER(?c = ) }}"
    assert len(PatternCounts(store).reorder(broken, None)) > len(broken)  # it is rewritten
    with pytest.raises(QueryError) as as_ordered:
        execute(store, broken, join_order=True)
    with pytest.raises(QueryError) as as_written:
        execute(store, broken)
    assert str(as_ordered.value) == str(as_written.value)
