"""A lexical look at a SPARQL request before it runs: what form it has, whether it would make
the server reach out on a user's behalf, and whether it is shaped to crash the engine
(DESIGN.md §8).

Oxigraph executes ``SERVICE`` and ``LOAD`` by opening HTTP connections, so they are refused
here, in every spelling (``SERVICE SILENT``, a variable, a prefixed name, ``\\u`` escapes,
keywords run together the way Oxigraph accepts them: ``SERVICESILENT``, ``SERVICEex:s``).
``FROM`` / ``FROM NAMED`` (and ``USING``) must name graphs the store holds: Oxigraph never
fetches them, but a user naming a graph we do not have deserves a clear 400, not silence.
Brackets nested deeper than :data:`MAX_DEPTH` and operator chains longer than
:data:`MAX_CHAIN` are refused too: Oxigraph's parser and evaluator recurse on them, and a
stack overflow kills the process rather than failing the query.

The request is read by :mod:`kg.sparql.lexer`, which tokenises as Oxigraph 0.5 does and, where
another reading could differ, reads it that way too; what the readings leave unresolved is
refused (a word that is no SPARQL keyword, such as ``SELECTDISTINCT``, is refused rather than
guessed at).

>>> inspect_query("SELECT * WHERE { SERVICE <http://x/sparql> { ?s ?p ?o } }").refusal
'SERVICE is not allowed: this endpoint does not send requests to other services'
>>> query = 'PREFIX ex: <http://ex/> SELECT * FROM ex:g WHERE { ?s ex:from "SERVICE" }'
>>> inspect_query(query).from_graphs
('http://ex/g',)
>>> inspect_query("# a comment\\nASK {}").form
'ASK'
>>> inspect_query("SELECT * WHERE { ?s ?p ?o } LIMIT 10").limit
10
>>> print(inspect_query("SELECT * WHERE " + "{" * 300 + "}" * 300).refusal)
The query nests brackets 300 deep; this endpoint accepts at most 256
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from kg.sparql.lexer import (
    OXIGRAPH_TOKEN,
    W3C_TOKEN,
    GuardError,
    Lexer,
    Token,
    decode_escapes,
    readings,
    tokenize,
)

# Oxigraph's parser, optimiser and evaluator recurse on nesting and on the trees it builds
# for chains, and a stack overflow kills the process (SIGSEGV). Measured with pyoxigraph
# 0.5.13, in the main thread (8 MiB stack) and in a thread of default size (also 8 MiB on
# Linux: threading.stack_size() is 0, which takes the process's stack limit), the same in
# both and in queries and updates alike, it crashes at:
#   nesting: 837 FILTER EXISTS { }, 2,200 { }, 2,550 sub-SELECTs, 4,700 ( );
#   chains: 6,600 UNIONs or OPTIONALs in a group, 6,900 +, 8,200 { } { } or / (path steps),
#   9,400 || or && or !, 11,000 | (path), 13,800 nested path groups; and at 190 ( ) nested
#   with 50 || each (a tree 9,500 deep), which is why chains are counted through brackets.
# IN lists and function arguments are flat: no crash at 100,000. Nested [ ] and collections
# never got that far: the time to plan a query grows about as the cube of its triple
# patterns (0.7 s for 200, 25 s for a path of 640 steps); the query timeout ends those.
#: How deep ``{ }``, ``( )``, ``[ ]`` and ``<< >>`` may nest together: 3x below the shallowest
#: crash (EXISTS), far beyond what anyone writes by hand or generates.
MAX_DEPTH = 256
#: How many operators (``||``, ``+``, ``/`` ...) or group elements (UNION, OPTIONAL, FILTER
#: ...) may chain, added up along nested brackets (``(a || b) || c`` chains 2): the depth of
#: the tree Oxigraph builds, 6x below the shallowest crash.
MAX_CHAIN = 1000

# Words a request may contain outside strings, IRIs and prefixed names: the keywords and
# built-in function names of SPARQL 1.1 and 1.2 and Oxigraph's extensions (ADJUST, LATERAL).
# Oxigraph matches a keyword as a run of letters without looking at what follows it, so it
# reads ``NOTEXISTS`` as NOT EXISTS and ``trueSERVICE`` as true SERVICE; any other word is
# such a run, which the guard refuses instead of re-splitting the way Oxigraph would.
_KEYWORD_LIST = """
    BASE PREFIX VERSION SELECT CONSTRUCT DESCRIBE ASK DISTINCT REDUCED AS FROM NAMED WHERE
    GROUP BY HAVING ORDER ASC DESC LIMIT OFFSET VALUES UNDEF OPTIONAL GRAPH SERVICE SILENT
    BIND MINUS FILTER UNION NOT IN EXISTS LATERAL A TRUE FALSE LOAD CLEAR DROP CREATE ADD
    MOVE COPY INSERT DELETE DATA WITH USING DEFAULT ALL INTO TO SEPARATOR
    STR LANG LANGMATCHES LANGDIR DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND
    CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER
    YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384
    SHA512 COALESCE IF STRLANG STRLANGDIR STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL
    ISNUMERIC ISTRIPLE HASLANG HASLANGDIR REGEX SUBSTR REPLACE TRIPLE SUBJECT PREDICATE
    OBJECT ADJUST COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT
"""
_KEYWORDS = frozenset(_KEYWORD_LIST.split())
# The words that make the server reach out, and why they are refused.
_OUTREACH = {
    "SERVICE": "SERVICE is not allowed: this endpoint does not send requests to other services",
    "LOAD": "LOAD is not allowed: this endpoint does not fetch data from other servers",
}


@dataclass(frozen=True)
class Inspection:
    """What the scan found."""

    form: str | None  # SELECT / ASK / CONSTRUCT / DESCRIBE for a query, None for an update
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()
    using_graphs: tuple[str, ...] = ()
    has_with: bool = False
    refusal: str | None = None
    #: The query's own ``LIMIT`` (the outermost one, not a sub-query's), if it has one: no
    #: answer has more rows, since LIMIT is applied last (SPARQL 1.1 §18.2.5). Only given for
    #: a query without a backslash, which every lexer splits the same way (see _scan).
    limit: int | None = None
    #: The escape-decoded text the tokens come from.
    scanned: str = field(default="", repr=False, compare=False)

    @property
    def tokens(self) -> tuple[Token, ...]:
        """The tokens of the scanned text (made on demand: most callers never look)."""
        return tuple(Lexer(self.scanned, W3C_TOKEN).run().tokens())


def _scan(text: str, noun: str = "query") -> Inspection:
    """Inspect every reading of ``text`` (:func:`kg.sparql.lexer.readings`) and refuse what any
    reading refuses: a ``SERVICE`` either reading finds is refused, and the graphs either
    names are reported."""
    try:
        oxigraph, decoded = readings(text)
    except GuardError as err:  # \U00110000: refuse with the reason, not a Python error
        return Inspection(form=None, refusal=str(err))
    if decoded is None:
        return _inspect(oxigraph, noun, limit="\\" not in text)
    first = _inspect(oxigraph, noun, limit=False)
    second = _inspect(decoded, noun, limit=False)
    return Inspection(
        form=first.form or second.form,
        from_graphs=_union(first.from_graphs, second.from_graphs),
        from_named_graphs=_union(first.from_named_graphs, second.from_named_graphs),
        using_graphs=_union(first.using_graphs, second.using_graphs),
        has_with=first.has_with or second.has_with,
        refusal=first.refusal or _decoded_refusal(second.refusal),
        scanned=decoded.text,
    )


def _decoded_refusal(refusal: str | None) -> str | None:
    if refusal is None:
        return None
    return (
        f"{refusal} (reading the text with its \\u escapes decoded first, as SPARQL 1.1 "
        '§19.2 has it: in a string, write \\" for a quote, not \\u0022)'
    )


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return first + tuple(graph for graph in second if graph not in first)


def _inspect(lexer: Lexer, noun: str, *, limit: bool) -> Inspection:
    """What one reading of a request holds. ``limit`` says whether to give the outer LIMIT:
    it feeds a path that skips the row cap, so it is given only for a text without any
    backslash, where no lexer of SPARQL can split tokens differently from this one."""
    texts, kinds = lexer.texts, lexer.kinds
    prefixes: dict[str, str] = {}
    base = ""
    graphs: dict[str, list[str]] = {"FROM": [], "FROM NAMED": [], "USING": []}  # USING [NAMED]
    has_with = False
    refusal = _shape_refusal(lexer, noun) or _words_refusal(lexer)

    def resolve(i: int) -> str | None:
        if i >= len(texts):
            return None
        if kinds[i] == "iri":
            iri = decode_escapes(texts[i][1:-1])  # Oxigraph reads \u escapes in IRIs
            return urljoin(base, iri) if base else iri
        if kinds[i] == "pname":
            prefix, _, local = texts[i].partition(":")
            local = _LOCAL_ESCAPE.sub(r"\1", local)  # [173] \# stands for #
            return prefixes[prefix] + local if prefix in prefixes else None
        return None

    for i in lexer.words:
        word = texts[i].upper()
        if word == "PREFIX" and i + 2 < len(texts):
            iri = resolve(i + 2)
            if iri is not None:
                prefixes[texts[i + 1].rstrip(":")] = iri
        elif word == "BASE" and i + 1 < len(texts) and kinds[i + 1] == "iri":
            base = decode_escapes(texts[i + 1][1:-1])
        elif word in ("FROM", "USING") and i + 1 < len(texts):
            named = kinds[i + 1] == "word" and texts[i + 1].upper() == "NAMED"
            iri = resolve(i + 2 if named else i + 1)
            if iri is None:
                refusal = refusal or f"{word} must name a graph by IRI"
            else:
                graphs[f"{word} NAMED" if named and word == "FROM" else word].append(iri)
        elif word == "WITH":
            has_with = True
    return Inspection(
        form=lexer.query_form(),
        from_graphs=tuple(graphs["FROM"]),
        from_named_graphs=tuple(graphs["FROM NAMED"]),
        using_graphs=tuple(graphs["USING"]),
        has_with=has_with,
        refusal=refusal,
        limit=_outer_limit(lexer) if limit else None,
        scanned=lexer.text,
    )


_LOCAL_ESCAPE = re.compile(r"\\(.)")


def _shape_refusal(lexer: Lexer, noun: str) -> str | None:
    if lexer.deepest > MAX_DEPTH:
        return (
            f"The {noun} nests brackets {lexer.deepest:,} deep; "
            f"this endpoint accepts at most {MAX_DEPTH:,}"
        )
    if lexer.chain > MAX_CHAIN:
        return (
            f"The {noun} chains {lexer.chain:,} operators or group elements (such as ||, /, "
            f"UNION, OPTIONAL, FILTER) in one expression, property path or group; this endpoint "
            f"accepts at most {MAX_CHAIN:,}: for many alternatives, use VALUES"
        )
    return None


def _words_refusal(lexer: Lexer) -> str | None:
    """Why the keywords and prefixes used are refused, if they are.

    SERVICE and LOAD are refused even run into other letters (``SERVICESILENT``,
    ``trueSERVICE``), and so is a prefix containing them, since Oxigraph reads
    ``SERVICEex:s`` as SERVICE ex:s; so is any other word that is not a keyword.
    """
    words = lexer.distinct_words
    for outreach, reason in _OUTREACH.items():
        if any(outreach in word for word in words):
            return reason
    for prefix in sorted(lexer.prefixes):
        hidden = next((word for word in _OUTREACH if word in prefix.upper()), None)
        if hidden:
            return (
                f"The prefix '{prefix}:' is not accepted: Oxigraph may read its letters as the "
                f"keyword {hidden}; give the prefix another name"
            )
    unknown = sorted(words.keys() - _KEYWORDS)
    if unknown:
        word = words[unknown[0]]
        shown = word if len(word) <= 40 else word[:40] + "..."
        hint = (
            " (Oxigraph ends a prefixed name at its second run of dots: write ex:a.b\\.c)"
            if lexer.pname_split
            else ""
        )
        return (
            f"'{shown}' is not a SPARQL keyword or function name: put a space between "
            f"keywords, and name your own functions by IRI{hint}"
        )
    return None


def _outer_limit(lexer: Lexer) -> int | None:
    """The integer after a ``LIMIT`` outside every bracket (a sub-query's LIMIT is inside).

    >>> def limit(query):
    ...     return _outer_limit(Lexer(query, OXIGRAPH_TOKEN).run())
    >>> limit("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 5 } } LIMIT 100")
    100
    >>> limit("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 5 } }") is None
    True
    """
    texts, kinds = lexer.texts, lexer.kinds
    for i, depth in zip(lexer.words, lexer.word_depths, strict=True):
        if depth == 0 and texts[i].upper() == "LIMIT":
            after = i + 1
            if after < len(texts) and kinds[after] == "number" and texts[after].isdigit():
                return int(texts[after])  # [146] INTEGER, which LIMIT takes; 1e3 is not one
            return None
    return None


def inspect_query(text: str) -> Inspection:
    """Scan a query; ``refusal`` says why it must not run, if it must not."""
    inspection = _scan(text, "query")
    if inspection.form is None and inspection.refusal is None:
        return Inspection(
            form=None,
            refusal="Not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE",
        )
    return inspection


def inspect_update(text: str) -> Inspection:
    """Scan an update request; ``refusal`` says why it must not run, if it must not."""
    return _scan(text, "update")


# [139] IRIREF excludes these, so a graph IRI containing one cannot be written between < >.
_NOT_IN_IRI = re.compile(r'[<>"{}|^`\\\x00-\x20]')


def add_using_clauses(text: str, using: list[str], using_named: list[str]) -> str:
    """Apply the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` to an update by
    adding ``USING`` clauses before the ``WHERE`` of each DELETE/INSERT operation
    (SPARQL 1.1 Protocol §2.2.3). Raises :class:`GuardError` when a graph is not an IRI,
    when the update is refused, or when an operation already has ``USING`` or ``WITH`` (the
    protocol forbids both at once). Only the clauses are added, the rest of the text is kept
    as given, so :func:`inspect_update` can check the result again.

    >>> add_using_clauses("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://g/1"], [])
    'DELETE { ?s ?p ?o } USING <http://g/1> WHERE { ?s ?p ?o }'
    """
    for graph in [*using, *using_named]:
        _check_graph_iri(graph)
    inspection = _scan(text, "update")
    if inspection.refusal:
        raise GuardError(inspection.refusal)
    if inspection.using_graphs or inspection.has_with:
        raise GuardError(
            "The request gives using-graph-uri / using-named-graph-uri and the update has "
            "its own USING or WITH: give the dataset one way only"
        )
    clauses = " ".join(
        [f"USING <{g}>" for g in using] + [f"USING NAMED <{g}>" for g in using_named]
    )
    insert_at = _operation_wheres(Lexer(text, OXIGRAPH_TOKEN).run())
    for offset in reversed(insert_at):
        text = f"{text[:offset]}{clauses} {text[offset:]}"
    return text


def _operation_wheres(lexer: Lexer) -> list[int]:
    """Where each top-level ``WHERE`` of a DELETE/INSERT operation starts, in Oxigraph's
    reading of the text as given (decoding its escapes would change what strings say)."""
    offsets = []
    for i, depth in zip(lexer.words, lexer.word_depths, strict=True):
        after_delete = (
            i > 0 and lexer.kinds[i - 1] == "word" and lexer.texts[i - 1].upper() == "DELETE"
        )
        # The DELETE WHERE short form takes no USING.
        if depth == 0 and lexer.texts[i].upper() == "WHERE" and not after_delete:
            offsets.append(lexer.starts[i])
    return offsets


def _check_graph_iri(graph: str) -> None:
    if not graph:
        raise GuardError("A using-graph-uri / using-named-graph-uri is empty: give a graph IRI")
    bad = _NOT_IN_IRI.search(graph)
    if bad:
        char = bad.group()
        shown = f"'{char}'" if char > " " else f"U+{ord(char):04X}"
        raise GuardError(
            f"The graph {graph!r} is not an IRI: it contains {shown}, which an IRI cannot"
        )


def names_dataset(text: str) -> bool:
    """Whether the query has its own FROM / FROM NAMED clauses.

    >>> names_dataset("SELECT * FROM <http://g> WHERE { ?s ?p ?o }"), names_dataset("ASK {}")
    (True, False)
    """
    try:
        inspection = inspect_query(text)
    except GuardError:
        return False
    return bool(inspection.from_graphs or inspection.from_named_graphs)


def without_dataset_clauses(text: str) -> str:
    """``text`` without its FROM / FROM NAMED clauses: what an engine that lets the query's
    dataset win is given when the protocol's dataset must override it (SPARQL 1.1 Protocol
    §2.1.4). Unchanged when the text has codepoint escapes (its offsets are the decoded
    text's).

    >>> without_dataset_clauses("SELECT * FROM <http://a> FROM NAMED ex:b WHERE { ?s ?p ?o }")
    'SELECT *   WHERE { ?s ?p ?o }'
    """
    if "\\" in text:
        return text
    try:
        tokens = tokenize(text)
    except GuardError:
        return text
    cut: list[tuple[int, int]] = []
    for i, token in enumerate(tokens):
        if token.keyword != "FROM":
            continue
        j = i + 2 if i + 1 < len(tokens) and tokens[i + 1].keyword == "NAMED" else i + 1
        if j < len(tokens) and tokens[j].kind in ("iri", "name"):
            cut.append((token.start, tokens[j].start + len(tokens[j].text)))
    for start, end in reversed(cut):
        text = text[:start] + text[end:]
    return text
