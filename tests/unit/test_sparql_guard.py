"""kg.sparql.guard against the ways a request can hide SERVICE / LOAD, a LIMIT or its shape
from a lexer that reads it differently from Oxigraph.

Each bypass found in review is a test here, and where it can be, the test shows Oxigraph
itself reading the request as the attack intends: a SERVICE to port 1 of the loopback makes
Oxigraph raise at once (it refuses the port without connecting), so "Oxigraph reaches out"
needs no network. Requests near the depths that crash Oxigraph run in a child process only.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Callable

import pyoxigraph as ox
import pytest

from kg.sparql.guard import (
    MAX_CHAIN,
    MAX_DEPTH,
    Inspection,
    add_using_clauses,
    inspect_query,
    inspect_update,
)
from kg.sparql.lexer import (
    QUERY_FORMS,
    W3C_TOKEN,
    GuardError,
    Lexer,
    Token,
    decode_escapes,
    query_form,
    tokenize,
)

PORT_1 = "<http://127.0.0.1:1/sparql>"
SERVICE = f"SERVICE {PORT_1} {{ }}"
SERVICE_REFUSED = "SERVICE is not allowed: this endpoint does not send requests to other services"
PREFIXES = "PREFIX ex: <http://x/> PREFIX c: <http://127.0.0.1:1/> "


def _store() -> ox.Store:
    store = ox.Store()
    subject, predicate = ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p")
    values = (ox.Literal(True), ox.Literal(1), ox.Literal(1000.0), ox.NamedNode("http://x/a.b"))
    for value in (*values, ox.Literal("")):
        store.add(ox.Quad(subject, predicate, value))
    return store


def oxigraph_reaches_out(text: str, *, update: bool = False) -> bool:
    """Whether Oxigraph, given ``text``, tries to open a connection to port 1."""
    store = _store()
    try:
        if update:
            store.update(text)
        else:
            results = store.query(text)
            if isinstance(results, ox.QuerySolutions):
                list(results)
    except OSError as err:
        return "port 1 is not allowed" in str(err)
    except (SyntaxError, RuntimeError, ValueError):
        return False
    return False


def refusal(text: str) -> str | None:
    return inspect_query(text).refusal


# Requests Oxigraph 0.5 reads as a SERVICE (or LOAD) that an earlier guard did not see.
HIDDEN_SERVICES = {
    # The brief's report: \# ends a prefixed name's local part ([173] PN_LOCAL_ESC), it does
    # not start a comment.
    "pn_local_esc": (
        "PREFIX ex: <http://ex/> SELECT * WHERE { BIND(ex:a\\#b AS ?h) SERVICE "
        '<http://127.0.0.1:1/sparql> { SELECT ?n { BIND("x" AS ?n) } } }'
    ),
    "pn_local_percent": PREFIXES + "SELECT * WHERE { BIND(ex:a%23b AS ?h) " + SERVICE + " }",
    # A comment ends at a carriage return as well as at a line feed.
    "comment_ends_at_cr": "SELECT * WHERE { BIND(1 AS ?a) # note\r" + SERVICE + " }",
    # ``<`` after an operand in an expression is less-than: ``<?b#>`` is no IRI, and Oxigraph
    # reads ``#>...`` as a comment, or ``'''>'''`` as a string.
    "less_than_then_comment": (
        "SELECT * WHERE { BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b#>\n) " + SERVICE + " }"
    ),
    "less_than_then_long_string": (
        "SELECT * WHERE { BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b&&'''>'''!=\"\")\n"
        + SERVICE
        + "\n#'''\n}"
    ),
    "less_than_in_select_expression": "SELECT (1<?b#>\n AS ?x) WHERE { " + SERVICE + " }",
    "less_than_after_language_tag": 'SELECT * WHERE { FILTER("a"@en<?b#>\n) ' + SERVICE + " }",
    "less_than_after_exists": (
        "SELECT * WHERE { ?s ?p ?o FILTER(EXISTS { ?s ?p (1 <http://x/y#z>) } && ?o<?b#>\n) "
        + SERVICE
        + " }"
    ),
    "less_than_in_update": (
        "INSERT { <http://x/a> <http://x/b> <http://x/c> } WHERE { BIND(1 AS ?a) "
        "FILTER(?a<?b#>\n) " + SERVICE + " }"
    ),
    # Oxigraph reads \u escapes inside IRIs: <...\u0041#> is one IRI, its # no comment.
    "iri_codepoint_escape": "SELECT * WHERE { BIND(<http://x/\\u0041#> AS ?h) " + SERVICE + " }",
    # Oxigraph matches a keyword as a run of letters, whatever follows it.
    "service_silent_run_together": "SELECT * { SERVICESILENT" + PORT_1 + "{} }",
    "service_prefixed_name": PREFIXES + "SELECT * { SERVICEc:x{} }",
    "service_empty_prefix": "PREFIX : <http://127.0.0.1:1/> SELECT * { SERVICE:x{} }",
    "true_then_service": "SELECT * { ?s <http://x/p> trueSERVICE" + PORT_1 + "{} }",
    "integer_then_service": "SELECT * { ?s <http://x/p> 1" + SERVICE + " }",
    "double_then_service": "SELECT * { ?s <http://x/p> 1e3" + SERVICE + " }",
    "distinct_run_together": "SELECT (COUNT(DISTINCT1<?b#>\n) AS ?c) WHERE { " + SERVICE + " }",
    "true_dot_filter": "SELECT * WHERE { ?s <http://x/p> true.FILTER(1<?b#>\n)" + SERVICE + " }",
    # Oxigraph 0.5 ends a local name after one run of dots: ex:a.b .SERVICE
    "prefixed_name_second_dot": PREFIXES + "SELECT * { ?s <http://x/p> ex:a.b." + SERVICE + " }",
    "blank_node_label_dots": "SELECT * WHERE { _:a.b ?p ?o . " + SERVICE + "}",
    # A long string without its end is an empty string and a short one, as the grammar's
    # longest match has it: not a string to the end of the text.
    "unterminated_long_string": 'SELECT * { ?s ?p ("""" ) . ' + SERVICE + " }",
    "long_string_bad_escape": 'SELECT * { ?s ?p """a" . ' + SERVICE + ' #\n\\q""" }',
    "triple_term": "SELECT * WHERE { <<?s?p'''>>''' >> ?q ?r . " + SERVICE + " #''' \n}",
    "path_modifier_then_variable": "SELECT * WHERE { ?s <http://x/p>??o . " + SERVICE + " }",
    "values_row_hash_iri": "SELECT * WHERE { VALUES (?a ?b) { (1 <http://x/y#z>) } "
    + SERVICE
    + " }",
    "less_than_less_than": (
        "SELECT * WHERE { BIND(<<(<http://x/a> <http://x/b> <http://x/c>)>> AS ?t) "
        "FILTER(?t<<http://x/b#>\n) " + SERVICE + " }"
    ),
}


@pytest.mark.parametrize("name", sorted(HIDDEN_SERVICES))
def test_service_hidden_from_a_naive_lexer_is_refused(name: str) -> None:
    query = HIDDEN_SERVICES[name]
    update = query.startswith("INSERT")
    inspection = inspect_update(query) if update else inspect_query(query)
    assert inspection.refusal is not None
    assert "SERVICE" in inspection.refusal or "not a SPARQL keyword" in inspection.refusal


REACHING_OUT = [
    "pn_local_esc",
    "pn_local_percent",
    "comment_ends_at_cr",
    "less_than_then_comment",
    "less_than_then_long_string",
    "less_than_in_select_expression",
    "less_than_after_language_tag",
    "less_than_after_exists",
    "iri_codepoint_escape",
    "service_prefixed_name",
    "service_empty_prefix",
    "true_then_service",
    "integer_then_service",
    "double_then_service",
    "distinct_run_together",
    "true_dot_filter",
    "prefixed_name_second_dot",
    "blank_node_label_dots",
    "path_modifier_then_variable",
    "values_row_hash_iri",
]


@pytest.mark.parametrize("name", REACHING_OUT)
def test_the_hidden_service_is_real(name: str) -> None:
    """Oxigraph does run these SERVICEs: the tests above are about real bypasses."""
    assert oxigraph_reaches_out(HIDDEN_SERVICES[name])


@pytest.mark.parametrize("char", list("_~.-!$&'()*+,;=/?#@%"))
def test_every_local_name_escape_stays_in_the_name(char: str) -> None:
    query = PREFIXES + f"SELECT * WHERE {{ BIND(ex:a\\{char}b AS ?h) {SERVICE} }}"
    assert refusal(query) == SERVICE_REFUSED
    if char != "%":  # a bare % makes no IRI: Oxigraph refuses ex:a\%b itself
        assert oxigraph_reaches_out(query)


@pytest.mark.parametrize(
    "update",
    [
        "LOADSILENT<http://127.0.0.1:1/x>",
        PREFIXES + "LOADc:x",
        "INSERT DATA {};LOAD<http://127.0.0.1:1/x>",
        "INSERT DATA { <http://x/a> <http://x/b> 'x\\'' } ; LOAD <http://127.0.0.1:1/x>",
    ],
)
def test_load_in_every_spelling_is_refused(update: str) -> None:
    assert "LOAD" in str(inspect_update(update).refusal)  # as LOAD, or as the prefix LOADc:
    assert oxigraph_reaches_out(update, update=True) or "SILENT" in update


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE <http://x/> {}" }',
        "SELECT * WHERE { ?s ?p '''SERVICE\n<http://x/> { }''' }",
        'SELECT * WHERE { ?s ?p """a""b "" SERVICE""" }',
        "SELECT * WHERE { ?s <http://x/SERVICE> ?o } # SERVICE <http://x/> {}",
        'PREFIX ex: <http://x/> SELECT * WHERE { ?s ex:serviceType ?o ; ex:load "LOAD" }',
        "SELECT ?service ?load WHERE { ?service ?p ?load }",
        "SELECT * WHERE { ?s ?p \"a\\\"b SERVICE\" , 'c\\'d LOAD' }",
        'SELECT * WHERE { ?s ?p "x"@en-US , "y"@en--ltr , "1"^^<http://x/t> , 1e3 , _:b.c }',
    ],
)
def test_service_and_load_inside_strings_names_and_comments_are_fine(query: str) -> None:
    assert refusal(query) is None


@pytest.mark.parametrize(
    "query",
    [
        # After each kind of term, the SERVICE that follows is still seen.
        'SELECT * WHERE { ?s ?p "a\\"b" . ' + SERVICE + " }",
        "SELECT * WHERE { ?s ?p 'a\\'b' . " + SERVICE + " }",
        "SELECT * WHERE { ?s ?p '''a''b''' . " + SERVICE + " }",
        'SELECT * WHERE { ?s ?p """a""b\\"""" . ' + SERVICE + " }",
        'SELECT * WHERE { ?s ?p "x"@en-US . ' + SERVICE + " }",
        'SELECT * WHERE { ?s ?p "x"^^<http://x/t> . ' + SERVICE + " }",
        "SELECT * WHERE { _:a.b ?p $o . " + SERVICE + " }",
        "SELECT * WHERE { ?s ?p 1e3 . " + SERVICE + " }",
        "SELECT * WHERE { ?s <http://x/p#q> ?o . " + SERVICE + " }",
        "SELECT * WHERE { BIND(?a AS ?b) SERVICE ?b { } }",
        "SELECT * WHERE { sErViCe " + PORT_1 + " { } }",
        "SELECT * WHERE { SERVICE SILENT " + PORT_1 + " { } }",
    ],
)
def test_service_after_any_term_is_refused(query: str) -> None:
    assert refusal(query) == SERVICE_REFUSED


def test_a_prefix_spelling_service_is_refused_with_its_own_reason() -> None:
    query = "PREFIX service: <http://x/> SELECT * WHERE { ?s service:p ?o }"
    assert refusal(query) == (
        "The prefix 'service:' is not accepted: Oxigraph may read its letters as the keyword "
        "SERVICE; give the prefix another name"
    )


def test_a_name_oxigraph_splits_at_its_second_dots_gets_a_hint() -> None:
    query = "PREFIX dbr: <http://x/> SELECT * WHERE { dbr:U.S.state ?p ?o }"
    assert refusal(query) == (
        "'state' is not a SPARQL keyword or function name: put a space between keywords, and "
        "name your own functions by IRI (Oxigraph ends a prefixed name at its second run of "
        "dots: write ex:a.b\\.c)"
    )
    assert refusal("PREFIX dbr: <http://x/> SELECT * WHERE { dbr:U.S\\.state ?p ?o }") is None


@pytest.mark.parametrize("word", ["NOTEXISTS", "SELECTDISTINCT", "LIMIT1", "u0053ELECT"])
def test_words_run_together_are_refused(word: str) -> None:
    assert f"'{word}' is not a SPARQL keyword" in str(refusal(f"SELECT * {{ }} {word}"))


# Codepoint escapes (§19.2): Oxigraph reads them inside strings and IRIs only.


def test_an_escaped_quote_does_not_make_a_limit() -> None:
    query = 'SELECT * WHERE { ?s ?p ?o FILTER(?o != "x\\u0022 } LIMIT 1 #") }'
    inspection = inspect_query(query)
    assert inspection.refusal is None
    assert inspection.limit is None
    assert len(list(_store().query(query))) > 1  # Oxigraph: no LIMIT, one string


def test_a_service_either_reading_sees_is_refused() -> None:
    # Oxigraph: one string, then SERVICE. §19.2: a string, x, then a string to the end.
    only_oxigraph = 'SELECT * WHERE { BIND("a\\u0022 x " AS ?x) ' + SERVICE + ' BIND("" AS ?y) }'
    assert oxigraph_reaches_out(only_oxigraph)
    assert refusal(only_oxigraph) == SERVICE_REFUSED
    # §19.2: the escape ends the comment. Oxigraph: all one comment.
    only_decoded = "SELECT * WHERE { ?s ?p ?o # \\u000A " + SERVICE + "\n}"
    assert str(refusal(only_decoded)).startswith(SERVICE_REFUSED + " (reading the text with")


def test_a_refusal_of_the_decoded_text_says_how_to_write_a_quote() -> None:
    query = 'SELECT * WHERE { ?s ?p "say \\u0022hi\\u0022" }'
    assert refusal(query) == (
        "'hi' is not a SPARQL keyword or function name: put a space between keywords, and "
        "name your own functions by IRI (reading the text with its \\u escapes decoded first, "
        'as SPARQL 1.1 §19.2 has it: in a string, write \\" for a quote, not \\u0022)'
    )
    assert refusal('SELECT * WHERE { ?s ?p "caf\\u00E9" }') is None


def test_limit_is_given_only_without_backslashes() -> None:
    assert inspect_query("SELECT * WHERE { ?s ?p ?o } LIMIT 5").limit == 5
    assert inspect_query('SELECT * WHERE { ?s ?p "a\\nb" } LIMIT 5').limit is None
    assert inspect_query("SELECT * WHERE { ?s ?p ?o } LIMIT 5 # \\").limit is None


@pytest.mark.parametrize(
    ("query", "limit"),
    [
        ("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 5 } } LIMIT 100", 100),
        ("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 5 } }", None),
        ("SELECT * { ?s ?p ?o } LIMIT 1e3", None),
        ("SELECT * { ?s ?p ?o } LIMIT #c\n 7", 7),
        ("SELECT * { ?s ?p ?o FILTER(?o<?b#>\n) } LIMIT 2", 2),
        ("SELECT * { ?s ?p ?o FILTER(?o<?b#> } LIMIT 1\n) }", None),
        ("SELECT * { ?s ?p ?o # } LIMIT 1\n }", None),
        ("SELECT * { ?s ?p ?o # } LIMIT 1\r }", None),
        ("SELECT * { ?s ?p '''} LIMIT 1''' }", None),
        ("SELECT * { ?s ?p <http://x/}LIMIT1> }", None),
    ],
)
def test_the_outer_limit_is_the_one_oxigraph_applies(query: str, limit: int | None) -> None:
    assert inspect_query(query).limit == limit
    if limit is not None:  # never more rows than the LIMIT given
        assert len(list(_store().query(query))) <= limit


def test_an_escape_beyond_unicode_is_a_refusal_not_an_error() -> None:
    query = 'SELECT * WHERE { BIND("\\U00110000" AS ?x) }'
    assert refusal(query) == "\\U00110000 is not a Unicode code point"
    assert refusal("SELECT * WHERE { ?s ?p ?o } # \\uD800") is not None
    with pytest.raises(GuardError, match="not a Unicode code point"):
        decode_escapes("\\U00110000")


def test_graphs_are_read_with_escapes_decoded() -> None:
    query = "PREFIX ex: <http://x/> SELECT * FROM <http://x/\\u0041> FROM NAMED ex:b\\.c {}"
    inspection = inspect_query(query)
    assert inspection.refusal is None
    assert inspection.from_graphs == ("http://x/A",)
    assert inspection.from_named_graphs == ("http://x/b.c",)


# Linear time.

ADVERSARIAL = {
    "quote_backslash": "ASK { ?s ?p " + '"\\' * 32768 + " }",
    "long_quotes": "ASK { ?s ?p " + "'''" * 21845 + " }",
    "long_quote_bad_escape": "ASK { ?s ?p " + '"""\\q' * 13107 + " }",
    "less_than": "ASK { ?s ?p " + "<" * 65536 + " }",
    "less_than_letter": "ASK { ?s ?p " + "<a" * 32768 + " }",
    "hash_without_newline": "ASK { ?s ?p ?o } " + "#" * 65536,
    "backslash_u": "ASK { ?s ?p " + "\\u" * 32768 + " }",
    "quotes": "ASK { ?s ?p " + "'" * 65536 + " }",
    "name_dashes": "ASK { ?s ?p " + "a-" * 32768 + " }",
    "letters_outside_ascii": "ASK { ?s ?p " + "é" * 65536 + " }",
    "local_name_dots": "PREFIX ex: <http://x/> ASK { ?s ?p ex:a" + "." * 65536 + " }",
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_input_is_scanned_in_linear_time(name: str) -> None:
    text = ADVERSARIAL[name]
    assert len(text) >= 64 * 1024
    started = time.perf_counter()
    inspect_query(text)
    inspect_update(text)
    assert time.perf_counter() - started < 2.0  # a complexity guard, not a benchmark


class _LexerScanningEveryLongString(Lexer):
    """The reference: no memory of failed long-string scans."""

    def __init__(self, text: str) -> None:
        super().__init__(text, W3C_TOKEN)
        self.long_string_fails = _NeverFailed()


class _NeverFailed(dict[str, int]):
    def __getitem__(self, key: str) -> int:
        return -1

    def __setitem__(self, key: str, value: int) -> None:
        pass


def test_skipping_repeated_long_string_scans_changes_no_token() -> None:
    """A failed long-string scan is not repeated from a later opening before where it stopped
    (that is what keeps the scan linear); the tokens are those of scanning every time."""
    rng = random.Random(20261122)
    for _ in range(3000):
        text = "".join(
            rng.choice(["'", '"', "\\", "a", "\n", "t", "'''", '"""', " "]) for _ in range(30)
        )
        fast = Lexer(text, W3C_TOKEN).run()
        slow = _LexerScanningEveryLongString(text).run()
        assert (fast.kinds, fast.texts) == (slow.kinds, slow.texts), text


# Nesting and chains, refused before they can overflow Oxigraph's stack.


@pytest.mark.parametrize(
    ("query", "noun", "depth"),
    [
        ("SELECT * WHERE " + "{" * 5000 + "}" * 5000, "query", 5000),
        ("SELECT * WHERE { FILTER(" + "(" * 300 + "1" + ")" * 300 + ") }", "query", 302),
        ("SELECT * WHERE { ?s ?p " + "[ ?p " * 400 + "1" + " ]" * 400 + " }", "query", 401),
        ("INSERT DATA { <x:a> <x:b> " + "(" * 257 + "1" + ")" * 257 + " }", "update", 258),
    ],
)
def test_deep_nesting_is_refused(query: str, noun: str, depth: int) -> None:
    inspection = inspect_update(query) if noun == "update" else inspect_query(query)
    assert inspection.refusal == (
        f"The {noun} nests brackets {depth:,} deep; this endpoint accepts at most {MAX_DEPTH}"
    )


def _chain_refusal(count: int) -> str:
    return (
        f"The query chains {count:,} operators or group elements (such as ||, /, UNION, "
        f"OPTIONAL, FILTER) in one expression, property path or group; this endpoint accepts "
        f"at most {MAX_CHAIN:,}: for many alternatives, use VALUES"
    )


@pytest.mark.parametrize(
    ("build", "extra"),
    [
        (lambda n: "SELECT * { BIND(1 AS ?a) FILTER(" + " || ".join(["?a"] * (n + 1)) + ") }", 3),
        (lambda n: "SELECT * { BIND(" + "+".join(["1"] * (n + 1)) + " AS ?x) }", 2),
        (lambda n: "SELECT * { FILTER(" + "!" * n + "true) }", 2),
        (lambda n: "SELECT * { ?s " + "/".join(["<x:p>"] * (n + 1)) + " ?o }", 1),
        (lambda n: "SELECT * { ?s (" + "|".join(["<x:p>"] * (n + 1)) + ") ?o }", 1),
        (lambda n: "SELECT * { " + " UNION ".join(["{ ?s ?p ?o }"] * (n + 1)) + " }", 2),
        (lambda n: "SELECT * { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o } " * n + "}", 1),
        (lambda n: "SELECT * { " + "FILTER(true) " * n + "}", 1),
        # Nesting adds up: a bracket that is the first operand of a chain sits that deep.
        (
            lambda n: (
                "SELECT * { FILTER("
                + "(" * 100
                + "true"
                + (" || true" * (n // 100) + ")") * 100
                + ") }"
            ),
            1,
        ),
    ],
)
def test_long_chains_are_refused(build: Callable[[int], str], extra: int) -> None:
    assert refusal(build(MAX_CHAIN - extra)) is None
    assert refusal(build(MAX_CHAIN * 4)) is not None
    assert "chains" in str(refusal(build(MAX_CHAIN * 4)))


def test_chains_add_up_through_brackets() -> None:
    # 190 brackets, each the first operand of a 50-operator chain: a tree 9,500 deep, which
    # crashes Oxigraph although no bracket depth or single chain is long.
    query = (
        "SELECT * WHERE { BIND(1 AS ?a) FILTER("
        + "(" * 190
        + "true"
        + (" || ?a" * 50 + ")") * 190
        + ") }"
    )
    assert "chains 9,50" in str(refusal(query))


def test_the_chain_message_counts_the_operators() -> None:
    query = "SELECT * { ?s " + "/".join(["<x:p>"] * 5001) + " ?o }"
    assert refusal(query) == _chain_refusal(5001)


def test_big_values_blocks_and_in_lists_are_fine() -> None:
    rows = " ".join(f"(<http://x/{i}> -{i} '{i}')" for i in range(20000))
    assert refusal(f"SELECT * {{ VALUES (?a ?b ?c) {{ {rows} }} }}") is None
    items = ", ".join(f"-{i}" for i in range(20000))
    assert refusal(f"SELECT * {{ ?s ?p ?o FILTER(?o IN ({items})) }}") is None


_CHILD = """
import sys, threading, pyoxigraph as ox
text, update, in_thread = sys.stdin.read(), sys.argv[1] == "update", sys.argv[2] == "thread"
def run():
    store = ox.Store()
    try:
        if update:
            store.update(text)
        else:
            results = store.query(text)
            if isinstance(results, (ox.QuerySolutions, ox.QueryTriples)):
                list(results)
    except Exception:
        pass
if in_thread:
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
else:
    run()
"""

_D = MAX_DEPTH - 2
_C = MAX_CHAIN - 3
# The deepest and longest the guard lets through, in each shape.
AT_THE_LIMITS = {
    "groups": "SELECT * WHERE " + "{" * _D + "}" * _D,
    "parentheses": "SELECT * WHERE { FILTER(" + "(" * _D + "true" + ")" * _D + ") }",
    "or": "SELECT * WHERE { BIND(1 AS ?a) FILTER(" + " || ".join(["?a"] * _C) + ") }",
    "plus": "SELECT * WHERE { BIND(" + " + ".join(["1"] * _C) + " AS ?x) }",
    "union": "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * _C) + " }",
    "nested_chains": (
        "SELECT * WHERE { BIND(1 AS ?a) FILTER("
        + "(" * _D
        + "true"
        + (" || ?a" * (_C // _D) + ")") * _D
        + ") }"
    ),
    "update": "INSERT { <x:a> <x:b> <x:c> } WHERE { FILTER(" + "(" * _D + "true" + ")" * _D + ") }",
    "exists": "SELECT * WHERE { " + "FILTER EXISTS { " * _D + "}" * _D + " }",
    "exists_then_chain": (
        "SELECT * WHERE { BIND(1 AS ?a) "
        + "FILTER EXISTS { " * _D
        + "FILTER("
        + " || ".join(["?a"] * (_C - _D))
        + ")"
        + "}" * _D
        + " }"
    ),
}


@pytest.mark.parametrize("thread", ["main", "thread"])
@pytest.mark.parametrize("name", sorted(AT_THE_LIMITS))
def test_what_the_guard_lets_through_does_not_crash_oxigraph(name: str, thread: str) -> None:
    text = AT_THE_LIMITS[name]
    update = text.startswith("INSERT")
    assert (inspect_update(text) if update else inspect_query(text)).refusal is None
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, "update" if update else "query", thread],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-500:]


# The public API, as its callers use it.


def test_inspection_fields() -> None:
    query = (
        "PREFIX ex: <http://x/> BASE <http://b/> SELECT * FROM <g1> FROM NAMED ex:g2 "
        "WHERE { ?s ?p ?o }"
    )
    inspection = inspect_query(query)
    assert isinstance(inspection, Inspection)
    assert inspection.form == "SELECT" and inspection.form in QUERY_FORMS
    assert inspection.from_graphs == ("http://b/g1",)
    assert inspection.from_named_graphs == ("http://x/g2",)
    assert inspection.refusal is None
    assert Token("name", "SELECT", 0)._fields == ("kind", "text", "start")
    assert [token.keyword for token in inspection.tokens if token.keyword][:2] == ["PREFIX", "BASE"]
    assert inspect_query("INSERT DATA { }").refusal == (
        "Not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE"
    )
    update = inspect_update("WITH <http://g/> DELETE { ?s ?p ?o } USING <http://u/> WHERE { }")
    assert update.form is None and update.has_with and update.using_graphs == ("http://u/",)


def test_tokenize_decodes_escapes_and_skips_comments() -> None:
    tokens = tokenize("\\u0041SK { ?s <x:p> 'a' } # c")
    assert [token.kind for token in tokens] == ["name", "other", "var", "iri", "string", "other"]
    assert tokens[0].keyword == "ASK"


@pytest.mark.parametrize(
    "text",
    [
        "PREFIX ex: <http://x/> # SELECT\nCONSTRUCT WHERE { ?s ex:p 'ASK' }",
        "DESCRIBE <http://x/select>",
        "\\u0041SK { }",  # a form only the escape-decoded reading sees
        'CONSTRUCT WHERE { ?s ?p "\\U00110000" }',  # undecodable: no form, as the guard says
        "CONSTRUCT WHERE { ?s ex:a.b.SELECT 1 }",  # two readings, the first form wins
        "SELECTDISTINCT * { }",
        "INSERT DATA { <x:s> <x:p> 'SELECT' }",
        "SELECT * WHERE { SERVICE <http://x/> { } }",  # refused, still a SELECT
        "",
    ],
)
def test_query_form_is_the_form_the_guard_reads(text: str) -> None:
    assert query_form(text) == inspect_query(text).form


def test_query_form_agrees_with_the_guard_on_random_text() -> None:
    rng = random.Random(20260301)
    pieces = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "ex:a.b.", "\\u0041SK", "'", '"']
    pieces += ["#", "\n", "<x:", ">", " ", "{", "}", "PREFIX ex: <x:> ", "\\", "a"]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(12))
        assert query_form(text) == inspect_query(text).form, text


def test_using_clauses_go_before_each_operation_where() -> None:
    update = (
        'DELETE { ?s ?p "a\\u0022" } WHERE { ?s ?p ?o } ; '
        "DELETE WHERE { ?s ?p ?o } ; INSERT { ?s ?p 1 } WHERE { { SELECT * WHERE { } } }"
    )
    result = add_using_clauses(update, ["http://g/1"], ["http://g/2"])
    assert result == (
        'DELETE { ?s ?p "a\\u0022" } USING <http://g/1> USING NAMED <http://g/2> WHERE '
        "{ ?s ?p ?o } ; DELETE WHERE { ?s ?p ?o } ; INSERT { ?s ?p 1 } USING <http://g/1> "
        "USING NAMED <http://g/2> WHERE { { SELECT * WHERE { } } }"
    )
    again = inspect_update(result)  # what the server checks again before running it
    assert again.refusal is None
    assert again.using_graphs == ("http://g/1", "http://g/2", "http://g/1", "http://g/2")


@pytest.mark.parametrize(
    ("graph", "shown"),
    [
        ("http://g/a b", "U+0020"),
        ("http://g/> } ; LOAD <http://127.0.0.1:1/x", "'>'"),
        ("http://g/<", "'<'"),
        ('http://g/"', "'\"'"),
        ("http://g/{", "'{'"),
        ("http://g/|", "'|'"),
        ("http://g/^", "'^'"),
        ("http://g/`", "'`'"),
        ("http://g/\\u0041", "'\\'"),
        ("http://g/\n", "U+000A"),
    ],
)
def test_using_graphs_must_be_iris(graph: str, shown: str) -> None:
    with pytest.raises(GuardError) as refused:
        add_using_clauses("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", [graph], [])
    assert str(refused.value).endswith(f"it contains {shown}, which an IRI cannot")
    with pytest.raises(GuardError):
        add_using_clauses("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", [], [graph])


def test_using_clauses_are_refused_when_the_update_is() -> None:
    with pytest.raises(GuardError, match="give the dataset one way only"):
        add_using_clauses("WITH <http://g/> DELETE { ?s ?p ?o } WHERE { }", ["http://g/1"], [])
    with pytest.raises(GuardError, match="LOAD is not allowed"):
        add_using_clauses("LOAD <http://127.0.0.1:1/x>", ["http://g/1"], [])
    with pytest.raises(GuardError, match="empty"):
        add_using_clauses("DELETE { ?s ?p ?o } WHERE { }", [""], [])
