"""The lexer the guard (:mod:`kg.sparql.guard`) reads requests with: SPARQL's tokens, as
Oxigraph 0.5 splits them, and the bracket structure around them.

The scan tokenises per the SPARQL 1.1 grammar (https://www.w3.org/TR/sparql11-query/#grammar;
the numbers in brackets below are its productions) where Oxigraph follows it, and as Oxigraph
0.5 does where it does not: comments, string literals and IRIs are skipped as wholes, so
``"SERVICE"`` in a string or ``mea:fromDocument`` never trigger anything. A keyword the guard
cannot see is a request it cannot judge, so every place where the two lexers could part ways
is resolved towards seeing more (:func:`readings`). While it reads, :class:`Lexer` measures
how deep brackets nest and how long operator chains run, which the guard limits.

>>> [token.text for token in tokenize("SELECT * WHERE { ?s a <urn:x:C> }")]
['SELECT', '*', 'WHERE', '{', '?s', 'a', '<urn:x:C>', '}']
>>> query_form('PREFIX ex: <http://ex/> # SELECT\\nCONSTRUCT WHERE { ?s ex:p "ASK" }')
'CONSTRUCT'
"""

from __future__ import annotations

import re
from typing import NamedTuple

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")

# Regular-expression pieces for the grammar's terminals.
_BASE = (  # [164] PN_CHARS_BASE
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_CHARS_U = _BASE + "_"  # [165] PN_CHARS_U
_CHARS = _CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f\u2040"  # [167] PN_CHARS
# [170] PLX = [171] PERCENT | [173] PN_LOCAL_ESC
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"  # §19.2 codepoint escapes
_ECHAR = r"""\\[tbnrf"'\\]"""  # [160]
# Runs of name characters are matched possessively, a dot only when a name character follows
# it (as [168] and [169] end on one): no token is re-scanned, so the scan is linear-time.
_PN_PREFIX = f"[{_BASE}](?:[{_CHARS}]++|\\.++(?=[{_CHARS}]))*+"  # [168]
_LOCAL_START = f"(?:[{_CHARS_U}:0-9]|{_PLX})"
_LOCAL_CHAR = f"(?:[{_CHARS}:]|{_PLX})"
# [169] PN_LOCAL allows any number of inner dots (``ex:a.b.c``). Oxigraph 0.5 allows one run:
# it reads ``ex:a.b.c`` as ``ex:a.b`` ``.`` ``c``, so ``ex:a.b.SERVICE <x> {}`` is a SERVICE.
_PN_LOCAL_W3C = f"{_LOCAL_START}(?:{_LOCAL_CHAR}++|\\.++(?={_LOCAL_CHAR}))*+"
_PN_LOCAL_OXIGRAPH = f"{_LOCAL_START}{_LOCAL_CHAR}*+(?:\\.++{_LOCAL_CHAR}++)?"


def _short_string(quote: str) -> str:
    # [156] / [157], plus the \u escapes Oxigraph reads inside strings. A string without its
    # closing quote runs to the end of its line: the request is a syntax error anyway (no
    # other token starts with a quote), and one token per line keeps the scan linear.
    return f"{quote}(?:[^{quote}\\\\\\r\\n]|{_ECHAR}|{_UCHAR})*+(?:{quote}|[^\\r\\n]*+)"


def _token_pattern(local: str) -> re.Pattern[str]:
    terminals = {
        "iri": f'<(?:[^<>"{{}}|^`\\\\\\x00-\\x20]|{_UCHAR})*+>',  # [139] IRIREF, Oxigraph's \\u
        "long": "'''|\"\"\"",  # [158] / [159], read by Lexer._on_long
        "string": f"{_short_string(chr(39))}|{_short_string(chr(34))}",
        "var": f"[?$][{_CHARS_U}0-9][{_CHARS_U}0-9\u00b7\u0300-\u036f\u203f\u2040]*+",  # [143]
        "bnode": f"_:[{_CHARS_U}0-9](?:[{_CHARS}]++|\\.++(?=[{_CHARS}]))*+",  # [142]
        # A prefix-shaped run: a prefixed name if a colon follows ([140], [141]), else words.
        "name": f"{_PN_PREFIX}(?::(?:{local})?)?",
        "pname": f":(?:{local})?",  # the empty prefix
        "word": "[A-Za-z_][A-Za-z0-9_]*+",
        "number": r"(?:[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)(?:[eE][+-]?[0-9]++)?",  # [146]-[148]
        "langtag": "@[a-zA-Z]++(?:-[a-zA-Z0-9]++)*+(?:--[a-zA-Z]++)?",  # [145], 1.2 direction
        "punct": r"\|\||&&|\^\^|<=|>=|!=|<<\(|<<|>>|\{\||\|\}|[{}()\[\];,.|/^*+\-?!=<>~]",
        "other": r"[\s\S]",
        "end": r"\Z",
    }
    tokens = "|".join(f"(?P<{name}>{pattern})" for name, pattern in terminals.items())
    # [162] WS and comments (a comment ends at either end-of-line character, as in Oxigraph).
    return re.compile(f"(?:[ \\t\\r\\n]++|#[^\\r\\n]*+)*+(?:{tokens})")


#: The next token as Oxigraph 0.5 reads it, and as the grammar does (they differ in where a
#: prefixed name ends).
OXIGRAPH_TOKEN = _token_pattern(_PN_LOCAL_OXIGRAPH)
W3C_TOKEN = _token_pattern(_PN_LOCAL_W3C)
_W3C_PNAME = re.compile(f"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL_W3C})?")
_LONG_BODY = {
    quote: re.compile(f"(?:{quote[0]}{{0,2}}(?:[^{quote[0]}\\\\]|{_ECHAR}|{_UCHAR}))*+")
    for quote in ("'''", '"""')
}
_SHORT_STRING = {quote: re.compile(_short_string(quote)) for quote in ("'", '"')}
# The pieces of a run like ``true-1`` or ``true.FILTER``, which Oxigraph reads as
# keywords, numbers and punctuation: a keyword ends where its letters do.
_RUN_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*+|[0-9]++|[\s\S]")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

# Operators whose runs Oxigraph nests one tree level per operator: in an expression, and in
# a property path (where ``*``, ``+``, ``?`` are postfix modifiers of one step, not chains).
_EXPRESSION_OPERATORS = {"||", "&&", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "!"}
_PATH_OPERATORS = {"/", "|", "^", "!"}
_OPENERS = {"{", "{|", "(", "[", "<<", "<<("}
_CLOSERS = {"}", "|}", ")", "]"}


_RUN_ENDS = {",", ";", "."}  # end a chain: separate arguments, triples, objects
# Punctuation that neither opens nor closes a bracket, nor is a ``<`` to read in context.
_PLAIN_PUNCTUATION = (_EXPRESSION_OPERATORS | _PATH_OPERATORS | _RUN_ENDS | {"^^", "?", "~"}) - {
    "<",
    "<=",
}
# A group's elements: Oxigraph joins them one tree level each, as deep as the group is long.
_GROUP_ELEMENTS = {"OPTIONAL", "MINUS", "BIND", "FILTER", "UNION", "GRAPH", "VALUES", "LATERAL"}
_WORD = re.compile("[A-Za-z_][A-Za-z0-9_]*")
# What each named group of the token pattern is, by group number (faster than by name).
_GROUP_KIND = [
    "",
    *sorted(OXIGRAPH_TOKEN.groupindex, key=lambda name: OXIGRAPH_TOKEN.groupindex[name]),
]
# Tokens that are whole terms and need nothing else from the lexer.
_TERM_KINDS = {"var", "string", "number", "langtag", "bnode"}
_EXPRESSION, _PATTERN, _LIST = "expression", "pattern", "list"


class GuardError(ValueError):
    """A request refused before it runs; ``str(err)`` is the message for the user."""


class Token(NamedTuple):
    kind: str  # iri, string, var, name (a keyword or prefixed name), bnode, number, ...
    text: str
    start: int = 0  # offset in the text that was scanned

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "name" and ":" not in self.text else ""


def decode_escapes(text: str) -> str:
    """Apply SPARQL's codepoint escapes (``\\u0053`` is ``S``) as the grammar does first (§19.2).

    >>> decode_escapes("\\\\u0053ELECT")
    'SELECT'
    >>> decode_escapes("\\\\U00110000")
    Traceback (most recent call last):
    ...
    kg.sparql.lexer.GuardError: \\U00110000 is not a Unicode code point
    """
    return _ESCAPE.sub(_codepoint, text)


def _codepoint(match: re.Match[str]) -> str:
    value = int(match.group(1) or match.group(2), 16)
    if value > 0x10FFFF:
        raise GuardError(f"{match.group()} is not a Unicode code point")
    if 0xD800 <= value <= 0xDFFF:
        raise GuardError(
            f"{match.group()} is half of a UTF-16 surrogate pair, not a character: "
            "write the character itself, or \\U and its eight-digit code point"
        )
    return chr(value)


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` after escape decoding, without whitespace and comments.

    >>> [token.text for token in tokenize('ASK { ?s ex:p "a\\\\"b"@en } # note')]
    ['ASK', '{', '?s', 'ex:p', '"a\\\\"b"', '@en', '}']
    """
    return Lexer(decode_escapes(text), W3C_TOKEN).run().tokens()


class _Frame:
    """One open bracket, and the operator chains seen inside it."""

    __slots__ = (
        "chain",
        "chain_inner",
        "elements",
        "heaviest",
        "inner",
        "kind",
        "opener",
        "query_level",
        "values",
    )

    def __init__(self, opener: str, kind: str, query_level: bool = False) -> None:
        self.opener = opener
        # _EXPRESSION: ``<`` after an operand is less-than, operators are expression ones;
        # _PATTERN: a group, which a sub-select makes a query level; _LIST: a collection,
        # VALUES row, property-path group, ``[ ]`` or ``<< >>``.
        self.kind = kind
        self.query_level = query_level  # where SELECT / GROUP BY ... ( ) hold expressions
        self.values = False  # after VALUES at a query level, ( ) lists variables
        self.chain = 0  # operators in the current run
        self.chain_inner = 0  # the heaviest bracket closed inside the current run
        self.heaviest = 0  # the heaviest run so far, its brackets' chains included
        self.elements = 0  # a group's elements: OPTIONAL, UNION, FILTER, { } ...
        self.inner = 0  # the heaviest bracket closed inside

    def end_chain(self) -> None:
        self.heaviest = max(self.heaviest, self.chain + self.chain_inner)
        self.chain = self.chain_inner = 0

    def weight(self) -> int:
        """How deep a tree Oxigraph builds for this bracket's chains and elements, at most."""
        return max(self.heaviest, self.chain + self.chain_inner, self.elements + self.inner)


class Lexer:
    """Tokenises in one left-to-right pass, tracking enough of the bracket structure to read
    ``<`` as Oxigraph does and to measure nesting and operator chains.

    ``<`` is ambiguous: ``?s <p> ?o`` starts an IRI, ``FILTER(?a<?b)`` compares. Oxigraph
    reads less-than exactly where an expression has an operand before it; reading it the
    other way would let ``FILTER(?a<?b#>`` hide the rest of the line from the guard (Oxigraph
    sees a comment there) or ``<?b&&'''>`` open a string Oxigraph never opens.
    """

    def __init__(self, text: str, pattern: re.Pattern[str]) -> None:
        self.text = text
        self.pattern = pattern
        self.kinds: list[str] = []
        self.texts: list[str] = []
        self.starts: list[int] = []
        self.words: list[int] = []  # which tokens are keywords
        self.word_depths: list[int] = []  # and how deep in brackets each stands
        self.distinct_words: dict[str, str] = {}  # upper case: as first written
        self.prefixes: set[str] = set()  # the prefixes of the prefixed names used
        self.frames = [_Frame("", _PATTERN, query_level=True)]
        self.deepest = 0
        self.after_operand = False
        # Where a failed long-string scan stopped, per quote: an opening before it fails too.
        self.long_string_fails = {"'''": -1, '"""': -1}
        self.pname_split = False  # a prefixed name Oxigraph and [169] end at different places

    def run(self) -> Lexer:
        """Read every token. Terms, most of a big VALUES block, are taken in the loop itself;
        the rest go to ``_on_<kind>``, which returns where the next token starts."""
        handlers = {
            "punct": self._on_punct,
            "iri": self._on_iri,
            "name": self._on_name,
            "pname": self._on_pname,
            "word": self._on_word,
            "long": self._on_long,
            "other": self._on_other,
        }
        text, match, kinds, texts, starts = (
            self.text,
            self.pattern.match,
            self.kinds,
            self.texts,
            self.starts,
        )
        pos = 0
        while True:
            found = match(text, pos)
            assert found is not None  # the pattern matches any character, or the end
            group = found.lastindex or 0
            kind = _GROUP_KIND[group]
            start, pos = found.span(group)
            if kind in _TERM_KINDS:
                kinds.append(kind)
                texts.append(text[start:pos])
                starts.append(start)
                self.after_operand = True
            elif kind == "end":
                break
            else:
                pos = handlers[kind](start, pos)
        while len(self.frames) > 1:  # unclosed brackets: the request is invalid anyway
            self._close_frame()
        self.frames[0].end_chain()
        return self

    def tokens(self) -> list[Token]:
        kinds = ["name" if kind in ("word", "pname") else kind for kind in self.kinds]
        return list(map(Token, kinds, self.texts, self.starts))

    @property
    def chain(self) -> int:
        return self.frames[0].weight()

    def query_form(self) -> str | None:
        """The first query-form keyword read (SELECT, ASK, CONSTRUCT or DESCRIBE), if any."""
        texts = self.texts
        return next((w for w in (texts[i].upper() for i in self.words) if w in QUERY_FORMS), None)

    def _emit(self, kind: str, start: int, end: int, operand: bool) -> int:
        self.kinds.append(kind)
        self.texts.append(self.text[start:end])
        self.starts.append(start)
        self.after_operand = operand
        return end

    def _on_other(self, start: int, end: int) -> int:
        return self._emit("other", start, end, operand=False)

    def _less_than_here(self) -> bool:
        return self.after_operand and self.frames[-1].kind == _EXPRESSION

    def _on_iri(self, start: int, end: int) -> int:
        if self._less_than_here():  # ``?a<?b>``: less than (or ``<=``), then what follows
            return self._on_punct(start, start + 1 + (self.text[start + 1] == "="))
        return self._emit("iri", start, end, operand=True)

    def _on_name(self, start: int, end: int) -> int:
        run = self.text[start:end]
        if ":" in run:
            self._on_pname(start, end)
        elif _WORD.fullmatch(run):
            self._on_word(start, end)
        else:  # ``true-1``, ``true.FILTER``: Oxigraph reads keywords, numbers, punctuation
            for part in _RUN_PART.finditer(self.text, start, end):
                self._on_run_part(part.group(), part.start(), part.end())
        return end

    def _on_run_part(self, part: str, start: int, end: int) -> None:
        if _WORD.match(part):
            self._on_word(start, end)
        elif part.isdigit():
            self._emit("number", start, end, operand=True)
        elif part in ("-", "."):
            self._on_punct(start, end)
        else:
            self._emit("other", start, end, operand=False)

    def _on_pname(self, start: int, end: int) -> int:
        self.prefixes.add(self.text[start : self.text.index(":", start)])
        if self.text.startswith(".", end) and self.pattern is OXIGRAPH_TOKEN:
            longer = _W3C_PNAME.match(self.text, start)
            self.pname_split = self.pname_split or (longer is not None and longer.end() > end)
        return self._emit("pname", start, end, operand=True)

    def _on_word(self, start: int, end: int) -> int:
        word = self.text[start:end].upper()
        frame = self.frames[-1]
        if word == "SELECT":
            frame.query_level, frame.values = True, False
        elif word == "VALUES":
            frame.values = True
        elif word in ("GROUP", "HAVING", "ORDER"):
            frame.values = False
        if word == "AS" or (frame.kind != _EXPRESSION and word not in ("A", "TRUE", "FALSE")):
            frame.end_chain()  # AS ends an expression; a keyword ends a property path
        if word in _GROUP_ELEMENTS and frame.kind == _PATTERN:
            frame.elements += 1
        self.words.append(len(self.kinds))
        self.word_depths.append(len(self.frames) - 1)
        self.distinct_words.setdefault(word, self.text[start:end])
        return self._emit("word", start, end, operand=word in ("TRUE", "FALSE"))

    def _on_long(self, start: int, end: int) -> int:
        quote = self.text[start:end]
        if start >= self.long_string_fails[quote]:
            body = _LONG_BODY[quote].match(self.text, end)
            assert body is not None  # the body may be empty
            if self.text.startswith(quote, body.end()):
                return self._emit("string", start, body.end() + 3, operand=True)
            self.long_string_fails[quote] = body.end()
        # Like Oxigraph's parser (and the grammar's longest match), a long string without
        # its end is two quotes, an empty short string, and what the third quote starts.
        # Running it to the end of the text instead would hide the SERVICE in
        # ``?s ?p ("""" ) . SERVICE <x> { }``, which Oxigraph runs: ( "" "" ) is a collection.
        # The failed scan stopped where any later one from before it would stop (the body
        # syntax realigns within a character or two), so none is repeated: linear time.
        short = _SHORT_STRING[quote[0]].match(self.text, start)
        assert short is not None
        return self._emit("string", start, short.end(), operand=True)

    def _on_punct(self, start: int, end: int) -> int:
        symbol = self.text[start:end]
        if symbol in _PLAIN_PUNCTUATION:  # neither a bracket nor a ``<`` to decide on
            self._count(symbol)
            return self._emit("other", start, end, operand=False)
        if symbol[0] == "<" and symbol != "<=" and self._less_than_here():
            symbol, end = "<", start + 1  # ``?a<<x>``: less than, then the IRI <x>
        frame = self.frames[-1]
        if symbol in _OPENERS:
            opened = _Frame(symbol, self._bracket_kind(symbol))  # from the tokens before it
            if symbol == "{" and frame.kind == _PATTERN and self._starts_group_element():
                frame.elements += 1
            self._emit("other", start, end, operand=False)
            self.frames.append(opened)
            self.deepest = max(self.deepest, len(self.frames) - 1)
            return end
        if symbol in _CLOSERS or (symbol == ">>" and frame.opener == "<<"):
            return self._close(symbol, start, end)
        self._count(symbol)
        return self._emit("other", start, end, operand=False)

    def _count(self, symbol: str) -> None:
        """Count an operator into the current chain, or end the chain at a separator."""
        frame = self.frames[-1]
        if symbol in _RUN_ENDS:
            frame.end_chain()
        elif symbol in (_EXPRESSION_OPERATORS if frame.kind == _EXPRESSION else _PATH_OPERATORS):
            frame.chain += 1

    def _starts_group_element(self) -> bool:
        """Whether a ``{`` is a group of its own (``{ } { }``), not the body of OPTIONAL,
        UNION, GRAPH ?g, WHERE and the like, which count as elements already."""
        return not self.kinds or self.kinds[-1] not in ("word", "iri", "pname", "var")

    def _bracket_kind(self, opener: str) -> str:
        if opener in ("{", "{|"):
            return _PATTERN
        return self._paren_kind() if opener == "(" else _LIST

    def _paren_kind(self) -> str:
        """Whether a ``(`` opens an expression, by what stands before it in the grammar."""
        frame = self.frames[-1]
        if frame.kind != _PATTERN:
            return frame.kind  # inside an expression, or a nested collection / path group
        if frame.query_level:  # SELECT ( ... AS ?x ), GROUP BY / HAVING / ORDER BY ( ... )
            return _LIST if frame.values else _EXPRESSION
        # In a group: FILTER ( ... ), BIND ( ... ), FILTER fn( ... ); else a collection.
        kinds, texts = self.kinds, self.texts
        if not kinds or kinds[-1] not in ("word", "iri", "pname"):
            return _LIST  # VALUES rows, nested collections: the bulk, decided quickly
        previous = texts[-1].upper()
        before = texts[-2].upper() if len(texts) > 1 else ""
        if previous in ("FILTER", "BIND") or before == "FILTER":
            return _EXPRESSION
        if kinds[-1] == "pname" and previous.startswith("FILTER"):
            return _EXPRESSION  # ``FILTERex:f(...)``: Oxigraph reads FILTER ex:f(...)
        return _LIST

    def _close(self, symbol: str, start: int, end: int) -> int:
        if len(self.frames) > 1:
            opener = self.frames[-1].opener
            self._close_frame()
            if opener == "<<(" and self.text.startswith(">>", end):
                end += 2  # )>> ends a triple term expression
        return self._emit("other", start, end, operand=symbol in (")", ">>"))

    def _close_frame(self) -> None:
        closed = self.frames.pop()
        frame = self.frames[-1]
        weight = closed.weight()
        if weight > frame.chain_inner:
            frame.chain_inner = weight
        if weight > frame.inner:
            frame.inner = weight
        if closed.kind == _PATTERN and frame.query_level:
            frame.values = False  # after a WHERE body come GROUP BY / HAVING / ORDER BY


def readings(text: str) -> tuple[Lexer, Lexer | None]:
    """Read ``text`` the way Oxigraph 0.5 does and, where another reading could differ, that
    way too (the second reading, ``None`` when there is none); a check refuses what any
    reading refuses. Raises :class:`GuardError` when the text's escapes cannot be decoded.

    Oxigraph does not decode ``\\u`` escapes before parsing, as §19.2 asks: it reads them as
    escapes inside strings and IRIs only, so ``"x\\u0022 } LIMIT 1 #"`` is one string to it but
    a string, ``}``, ``LIMIT 1`` and a comment to the grammar. An engine that follows §19.2
    (a later Oxigraph, rdflib) reads the decoded text; prefixed names split differently too.
    So the escape-decoded text is read as well when it differs.
    """
    oxigraph = Lexer(text, OXIGRAPH_TOKEN).run()
    if not oxigraph.pname_split and not _ESCAPE.search(text):
        return oxigraph, None
    return oxigraph, Lexer(decode_escapes(text), W3C_TOKEN).run()


def query_form(text: str) -> str | None:
    """The form of the query ``text``: SELECT, ASK, CONSTRUCT or DESCRIBE, the first such
    keyword either reading finds (:func:`readings`), so the same as the guard's
    :attr:`kg.sparql.guard.Inspection.form` (``None`` for an update, and for a text whose
    escapes cannot be decoded). Checks nothing: this is no guard.

    >>> query_form("PREFIX ex: <http://ex/> DESCRIBE ?s WHERE { ?s ex:select 1 }")
    'DESCRIBE'
    >>> query_form("INSERT DATA { <urn:x:a> <urn:x:b> 'SELECT' }") is None
    True
    """
    try:
        oxigraph, decoded = readings(text)
    except GuardError:
        return None
    return oxigraph.query_form() or (decoded.query_form() if decoded else None)
