"""Put the triple patterns of a query's basic graph patterns in a good order to join them.

Oxigraph 0.5 joins the patterns of a basic graph pattern as they are written when it has
nothing better to go on: each pattern has a constant predicate, so its own estimates tie. A
researcher writes a path in reading order (activity -> outcome -> target -> indicator), and
the engine then starts from the biggest pattern and looks up the next one once per solution:
for the catalogue's three-step path over 1M triples that is 1.0-1.2 s on disk and 150 ms in
memory, against 220 ms and 78 ms when it starts from the 37 indicator links
(``bench/endpoint_bench.py --diagnose``).

So before a worker runs a query it counts what each pattern matches in the store (up to
:data:`COUNT_CAP`, remembered per store) and rewrites each run of plain triple patterns:
the smallest pattern first, then always the smallest pattern that shares a variable with
those already placed. A basic graph pattern is a set of triple patterns (SPARQL 1.1 §18.2.1):
their order changes how the engine joins them, never the answer. Patterns whose counts tie
keep their written order, and a query whose order would not change is left as it was.

On disk an index lookup costs Oxigraph about 30 times what reading one row of a scan does,
and it looks a pattern up once per solution found so far. So, serving from disk, a pattern
that would be looked up more often than scanning it whole would cost is written as a
sub-query, ``{ SELECT * WHERE { s p o } }``, which Oxigraph evaluates once and joins by
hashing: the same path at 1M triples, 0.98 s as written, 0.41 s in order, 0.08 s hashed.
Not for a query that stops early (ASK, or a LIMIT with nothing that needs every solution
first): a hash join reads its whole side before its first answer.

Only what is plainly a run of triples is touched: subjects, verbs and objects that are
variables, IRIs, prefixed names, blank node labels or literals, joined by ``.``, ``;`` and
``,``. Anything else (property paths, ``[ ]``, collections, RDF 1.2 annotations) ends the run
before the triple it is in, and a run never reaches past a FILTER, BIND, OPTIONAL or group, so
no pattern moves out of the basic graph pattern it was written in. A text with a backslash is
left alone, like the guard's ``LIMIT`` (``kg.sparql.guard``): lexers may split it differently.

>>> counts = {"<h>": 37, "<t>": 17_974, "<o>": 28_295}
>>> def estimate(pattern: str) -> int:
...     return counts[pattern.split()[1]]
>>> print(reorder("SELECT * WHERE { ?a <o> ?o . ?o <t> ?t . ?t <h> ?i }", estimate))
SELECT * WHERE { ?t <h> ?i . ?o <t> ?t . ?a <o> ?o }
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from kg.sparql.lexer import GuardError, Token, tokenize

log = logging.getLogger(__name__)

#: A pattern's count stops here: an order needs to know which patterns are small, not how
#: big the big ones are (10,000 matches take a few milliseconds to count, once per store).
COUNT_CAP = 10_000
#: How many pattern counts a store's :class:`PatternCounts` remembers.
MAX_REMEMBERED = 50_000

_QUERY_FORMS = {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}
_LITERAL_WORDS = {"true", "false"}
#: What may follow a triple's last object: the end of a run, or the start of something else.
_AFTER_TRIPLES = {".", "}", "{"}
_AFTER_TRIPLES_KEYWORDS = {"FILTER", "OPTIONAL", "MINUS", "BIND", "GRAPH", "VALUES", "SERVICE"}
_ESTIMATE_VAR = "?kg_join_order_n"
#: What one index lookup costs on Oxigraph's disk store (RocksDB), in rows of a scan: about
#: 19 µs against 0.65 µs (1M triples, ``bench/endpoint_bench.py --diagnose``). In memory a
#: lookup costs about 2 µs, and looking up stays cheaper than hashing there.
DISK_LOOKUP_ROWS = 30.0
#: Keywords after which a query needs every solution before its first answer.
_NEEDS_ALL = {"ORDER", "GROUP", "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
#: A cheap first look (a C regex, not the tokenizer): two triple patterns need a ``.``, ``;``
#: or ``,`` outside IRIs and strings. What it misreads (``?x<5 && ?y>3`` as an IRI) can at
#: worst leave a query as written: an optimisation missed, never an answer changed.
_BETWEEN_TERMS = re.compile(r"<[^<>\s]*>|\"[^\"\n]*\"|'[^'\n]*'")
_MAY_JOIN = re.compile(r"[.;,]")


@dataclass(frozen=True)
class _Triple:
    text: str  # "s p o", each part as written
    variables: frozenset[str]
    has_constant: bool


@dataclass(frozen=True)
class _Run:
    start: int  # offsets in the text: the first and past the last character of the run
    end: int
    triples: tuple[_Triple, ...]
    #: Outside GRAPH and EXISTS (and CONSTRUCT WHERE's template): Oxigraph 0.5 evaluates a
    #: sub-query inside ``GRAPH ?g`` over every graph rather than the one ``?g`` names, so no
    #: hash join is written there.
    may_hash: bool = True


def reorder(text: str, estimate: Callable[[str], int], *, lookup_rows: float | None = None) -> str:
    """``text`` with each run of triple patterns in join order; ``estimate`` gives how many
    matches a pattern (``"s p o"`` as written) has. Unchanged when nothing would move.

    With ``lookup_rows`` (what one index lookup costs, in rows of a scan), a pattern that
    would be looked up more often than scanning it whole costs is written as a sub-query,
    ``{ SELECT * WHERE { s p o } }``, which Oxigraph joins by hashing (see
    :data:`DISK_LOOKUP_ROWS`)."""
    tokens = _tokens(text)
    return text if tokens is None else _reorder(text, tokens, estimate, lookup_rows)


def _tokens(text: str) -> list[Token] | None:
    if "\\" in text:
        return None
    try:
        return tokenize(text)
    except GuardError:
        return None


def _reorder(
    text: str, tokens: list[Token], estimate: Callable[[str], int], lookup_rows: float | None
) -> str:
    pieces: list[str] = []
    last = 0
    for run in _runs(tokens, text):
        ordered = _join_order(run.triples, estimate, lookup_rows if run.may_hash else None)
        if ordered == [(t, False) for t in run.triples]:
            continue
        parts = (
            f"{{ SELECT * WHERE {{ {t.text} }} }}" if hashed else t.text for t, hashed in ordered
        )
        pieces += [text[last : run.start], " . ".join(parts)]
        last = run.end
    if not pieces:
        return text
    return "".join(pieces) + text[last:]


def _join_order(
    triples: tuple[_Triple, ...], estimate: Callable[[str], int], lookup_rows: float | None
) -> list[tuple[_Triple, bool]]:
    """Smallest first, then the smallest sharing a variable with those placed (ties: as
    written); a pattern without constants is never counted (it matches everything). Each
    with whether to hash-join it: when the rows it would be looked up for (estimated as the
    biggest pattern placed before it: joins along a path mostly keep or shrink the count)
    cost more in lookups than scanning it once. Never in a run with blank node labels, whose
    scope a sub-query would cut."""
    if len(triples) < 2:
        return [(t, False) for t in triples]
    sizes = {
        t: (estimate(t.text) if t.has_constant else COUNT_CAP, i) for i, t in enumerate(triples)
    }
    may_hash = lookup_rows is not None and not any(
        v.startswith("_:") for t in triples for v in t.variables
    )
    placed: list[tuple[_Triple, bool]] = []
    bound: set[str] = set()
    rows = 0
    left = list(triples)
    while left:
        joined = [t for t in left if t.variables & bound]
        best = min(joined or left, key=sizes.__getitem__)
        size = sizes[best][0]
        hashed = may_hash and bool(joined) and rows * (lookup_rows or 0) > size
        placed.append((best, hashed))
        bound |= best.variables
        rows = max(rows, size)
        left.remove(best)
    return placed


def _runs(tokens: list[Token], text: str) -> list[_Run]:
    """The runs of plain triple patterns at the top level of the query's groups."""
    runs: list[_Run] = []
    # Per open bracket: is it a group whose top level holds triples, and is it inside a
    # GRAPH or EXISTS group (at any depth)?
    stack: list[tuple[bool, bool]] = []
    awaiting: str | None = None  # "data" after VALUES, "template" after CONSTRUCT
    scoped = False  # a GRAPH or EXISTS was seen, and its group has not opened yet
    i, n = 0, len(tokens)
    while i < n:
        token = tokens[i]
        word = token.keyword
        if word == "VALUES":
            awaiting = "data"
        elif word == "CONSTRUCT":
            awaiting = "template"
        elif word == "WHERE" and awaiting == "template":
            # CONSTRUCT WHERE { }: the template is the pattern, so it may only hold triples.
            awaiting, scoped = None, True
        elif word in ("GRAPH", "EXISTS"):
            scoped = True
        if token.text in ("{", "(", "[", "<<", "<<(", "{|"):
            inside = bool(stack) and stack[-1][1]
            if token.text == "{":
                inside, scoped = inside or scoped, False
            stack.append((token.text == "{" and awaiting is None, inside))
            if token.text == "{":
                awaiting = None
            i += 1
            continue
        if token.text in ("}", ")", "]", ">>", "|}"):
            if not stack:
                return []  # not SPARQL: leave it, and its syntax error, as written
            stack.pop()
            i += 1
            continue
        if stack and stack[-1][0] and _starts_triples(tokens, i):
            run, i = _read_run(tokens, i, text)
            if run is not None:
                runs.append(replace(run, may_hash=not stack[-1][1]))
            continue
        i += 1
    return runs if not stack else []


def _starts_triples(tokens: list[Token], i: int) -> bool:
    """Whether a subject may start at ``tokens[i]``: a term right after the group opens, or
    after a ``.`` or the end of a bracketed element at the group's top level."""
    return _term_end(tokens, i) is not None and i > 0 and tokens[i - 1].text in {"{", ".", "}", ")"}


def _read_run(tokens: list[Token], i: int, text: str) -> tuple[_Run | None, int]:
    """The run starting at ``tokens[i]``, and where scanning goes on."""
    start = i
    triples: list[_Triple] = []
    end_offset = tokens[i].start
    while True:
        unit = _same_subject(tokens, i, text)
        if unit is None:
            break
        unit_triples, after = unit
        triples += unit_triples
        end_offset = tokens[after - 1].start + len(tokens[after - 1].text)
        i = after
        if i < len(tokens) and tokens[i].text == "." and _term_end(tokens, i + 1) is not None:
            i += 1
            continue
        break
    if len(triples) < 2:
        return None, max(i, start + 1)
    return _Run(tokens[start].start, end_offset, tuple(triples)), i


def _same_subject(tokens: list[Token], i: int, text: str) -> tuple[list[_Triple], int] | None:
    """One subject with its verbs and objects (TriplesSameSubject, all plain terms) as
    triples, and the index after it; None if any part is not plain."""
    subject_end = _term_end(tokens, i)
    if subject_end is None:
        return None
    subject = _span(tokens, i, subject_end, text)
    triples: list[_Triple] = []
    i = subject_end
    while True:  # verb object (, object)* (; verb object ...)*
        verb_end = _verb_end(tokens, i)
        if verb_end is None:
            return None
        verb = _span(tokens, i, verb_end, text)
        i = verb_end
        while True:
            object_end = _term_end(tokens, i)
            if object_end is None:
                return None
            triples.append(_triple(subject, verb, _span(tokens, i, object_end, text)))
            i = object_end
            if i < len(tokens) and tokens[i].text == ",":
                i += 1
                continue
            break
        while i < len(tokens) and tokens[i].text == ";":
            i += 1
        if i < len(tokens) and _verb_end(tokens, i) is not None and tokens[i - 1].text == ";":
            continue
        break
    if i < len(tokens) and not (
        tokens[i].text in _AFTER_TRIPLES or tokens[i].keyword in _AFTER_TRIPLES_KEYWORDS
    ):
        return None
    return triples, i


def _triple(subject: tuple[str, Token], verb: tuple[str, Token], obj: tuple[str, Token]) -> _Triple:
    parts = (subject, verb, obj)
    variables = frozenset(t.text[1:] for _, t in parts if t.kind == "var")
    labels = frozenset("_:" + t.text[2:] for _, t in parts if t.kind == "bnode")
    return _Triple(
        " ".join(text for text, _ in parts),
        variables | labels,
        any(t.kind not in ("var", "bnode") for _, t in parts),
    )


def _span(tokens: list[Token], i: int, end: int, text: str) -> tuple[str, Token]:
    last = tokens[end - 1]
    return text[tokens[i].start : last.start + len(last.text)], tokens[i]


def _verb_end(tokens: list[Token], i: int) -> int | None:
    if i >= len(tokens):
        return None
    token = tokens[i]
    if token.kind in ("var", "iri") or (token.kind == "name" and ":" in token.text):
        return i + 1
    return i + 1 if token.kind == "name" and token.text == "a" else None


def _term_end(tokens: list[Token], i: int) -> int | None:
    """The index after a plain term starting at ``tokens[i]``, or None."""
    if i >= len(tokens):
        return None
    token = tokens[i]
    if token.kind in ("var", "iri", "number", "bnode"):
        return i + 1
    if token.kind == "name":
        plain = ":" in token.text or token.text.lower() in _LITERAL_WORDS
        return i + 1 if plain else None
    if token.kind == "string":
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if following is not None and following.kind == "langtag":
            return i + 2
        if following is not None and following.text == "^^":
            datatype = _verb_end(tokens, i + 2)
            return datatype if datatype is not None and tokens[i + 2].kind != "var" else None
        return i + 1
    return None


class PatternCounts:
    """How many quads each triple pattern matches in one Oxigraph store (up to
    :data:`COUNT_CAP`), counted by the store itself and remembered.

    A pattern is counted with the query's own prologue and base IRI, so prefixed names,
    relative IRIs and literals mean what they mean in the query. Counts are over the union
    of the named graphs; they only steer the order, so that is close enough for patterns
    inside ``GRAPH``. A pattern that cannot be counted counts as big."""

    def __init__(
        self,
        store: Any,
        *,
        lookup_rows: float | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        self.store = store
        self.lookup_rows = lookup_rows
        #: Prefixes the queries may use without declaring them (``Store.query(prefixes=)``).
        self.prefixes = prefixes
        self._counts: dict[tuple[str, str | None, str], int] = {}
        self._ordered: dict[tuple[str, str | None], str] = {}

    def query(self, query: str, **options: Any) -> Any:
        """``Store.query`` on the text in join order. An order is only an optimisation: if
        ordering fails the query runs as written, and a syntax error is raised from the text
        as written, so that its positions are the user's."""
        try:
            text = self.reorder(query, options.get("base_iri"))
        except Exception:
            log.exception("could not put the query's patterns in join order")
            text = query
        try:
            return self.store.query(text, prefixes=self.prefixes, **options)
        except SyntaxError:
            if text == query:
                raise
            return self.store.query(query, prefixes=self.prefixes, **options)

    def reorder(self, query: str, base_iri: str | None) -> str:
        """``query`` with its triple patterns in join order (see :func:`reorder`); a query
        seen before costs a dictionary lookup, one without two patterns to join about 20 µs."""
        key = (query, base_iri)
        ordered = self._ordered.get(key)
        if ordered is None:
            ordered = self._order(query, base_iri)
            _remember(self._ordered, key, ordered)
        return ordered

    def _order(self, query: str, base_iri: str | None) -> str:
        if not _MAY_JOIN.search(_BETWEEN_TERMS.sub(" ", query)):
            return query
        tokens = _tokens(query)
        form = next((t for t in tokens or () if t.keyword in _QUERY_FORMS), None)
        if tokens is None or form is None:
            return query
        prologue = query[: form.start]  # the PREFIX and BASE declarations
        # A hash join reads its whole side before the first answer: no use to a query that
        # stops early (ASK, or a LIMIT with nothing that needs every solution first).
        words = {t.keyword for t in tokens}
        stops_early = form.keyword == "ASK" or ("LIMIT" in words and not words & _NEEDS_ALL)
        return _reorder(
            query,
            tokens,
            lambda pattern: self.count(prologue, base_iri, pattern),
            None if stops_early else self.lookup_rows,
        )

    def count(self, prologue: str, base_iri: str | None, pattern: str) -> int:
        key = (prologue, base_iri, pattern)
        known = self._counts.get(key)
        if known is not None:
            return known
        counting = (
            f"{prologue} SELECT (COUNT(*) AS {_ESTIMATE_VAR}) WHERE "
            f"{{ SELECT * WHERE {{ {pattern} }} LIMIT {COUNT_CAP} }}"
        )
        try:
            results: Any = self.store.query(
                counting,
                base_iri=base_iri,
                use_default_graph_as_union=True,
                prefixes=self.prefixes,
            )
            found = int(next(iter(results))[0].value)
        except Exception:
            found = COUNT_CAP
        _remember(self._counts, key, found)
        return found


def _remember(memory: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memory) >= MAX_REMEMBERED:
        memory.clear()
    memory[key] = value
