"""A lexical look at a SPARQL request before it runs: what form it has, and whether it would
make the server reach out on a user's behalf (DESIGN.md §8).

Oxigraph executes ``SERVICE`` and ``LOAD`` by opening HTTP connections, so they are refused
here, in every spelling (``SERVICE SILENT``, a variable, a prefixed name, ``\\u`` escapes).
``FROM`` / ``FROM NAMED`` (and ``USING``) must name graphs the store holds: Oxigraph never
fetches them, but a user naming a graph we do not have deserves a clear 400, not silence.

The scan tokenises per the SPARQL 1.1 grammar (https://www.w3.org/TR/sparql11-query/#grammar):
comments, string literals and IRIs are skipped as wholes, so ``"SERVICE"`` in a string or
``mea:fromDocument`` never trigger anything; escape sequences are decoded first (§19.2).

>>> inspect_query("SELECT * WHERE { SERVICE <http://x/sparql> { ?s ?p ?o } }").refusal
'SERVICE is not allowed: this endpoint does not send requests to other services'
>>> query = 'PREFIX ex: <http://ex/> SELECT * FROM ex:g WHERE { ?s ex:from "SERVICE" }'
>>> inspect_query(query).from_graphs
('http://ex/g',)
>>> inspect_query("# a comment\\nASK {}").form
'ASK'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<name>[A-Za-z_\u00C0-\uFFFF][\w\-.\u00B7\u00C0-\uFFFF]*(?::[\w\-.:%\\\u00B7\u00C0-\uFFFF]*)?
             |:[\w\-.:%\\\u00B7\u00C0-\uFFFF]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


class GuardError(ValueError):
    """A request refused before it runs; ``str(err)`` is the message for the user."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int = 0  # offset in the escape-decoded text

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "name" and ":" not in self.text else ""


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
    #: answer has more rows, since LIMIT is applied last (SPARQL 1.1 §18.2.5).
    limit: int | None = None
    tokens: tuple[Token, ...] = field(default=(), repr=False)


def decode_escapes(text: str) -> str:
    """Apply SPARQL's codepoint escapes (``\\u0053`` is ``S``) as the grammar does first."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` after escape decoding, without whitespace and comments."""
    tokens = []
    for match in _TOKEN.finditer(decode_escapes(text)):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            tokens.append(Token(kind, match.group(), match.start()))
    return tokens


def _scan(text: str) -> Inspection:
    tokens = tokenize(text)
    prefixes: dict[str, str] = {}
    base = ""
    form: str | None = None
    from_graphs: list[str] = []
    from_named: list[str] = []
    using: list[str] = []
    has_with = False
    refusal: str | None = None

    def resolve(token: Token) -> str | None:
        if token.kind == "iri":
            return urljoin(base, token.text[1:-1]) if base else token.text[1:-1]
        if token.kind == "name" and ":" in token.text:
            prefix, _, local = token.text.partition(":")
            return prefixes[prefix] + local if prefix in prefixes else None
        return None

    i = 0
    while i < len(tokens):
        word = tokens[i].keyword
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if word == "PREFIX" and nxt is not None and i + 2 < len(tokens):
            iri = resolve(tokens[i + 2])
            if iri is not None:
                prefixes[nxt.text.rstrip(":")] = iri
            i += 3
            continue
        if word == "BASE" and nxt is not None and nxt.kind == "iri":
            base = nxt.text[1:-1]
            i += 2
            continue
        if word in QUERY_FORMS and form is None:
            form = word
        elif word == "SERVICE":
            refusal = (
                "SERVICE is not allowed: this endpoint does not send requests to other services"
            )
        elif word == "LOAD":
            refusal = "LOAD is not allowed: this endpoint does not fetch data from other servers"
        elif word in ("FROM", "USING") and nxt is not None:
            named = nxt.keyword == "NAMED"
            target = tokens[i + 2] if named and i + 2 < len(tokens) else nxt
            iri = resolve(target)
            if iri is None:
                refusal = f"{word} must name a graph by IRI"
            elif word == "USING":
                using.append(iri)
            else:
                (from_named if named else from_graphs).append(iri)
        elif word == "WITH":
            has_with = True
        i += 1
    return Inspection(
        form=form,
        from_graphs=tuple(from_graphs),
        from_named_graphs=tuple(from_named),
        using_graphs=tuple(using),
        has_with=has_with,
        refusal=refusal,
        limit=_outer_limit(tokens),
        tokens=tuple(tokens),
    )


def _outer_limit(tokens: list[Token]) -> int | None:
    """The integer after a ``LIMIT`` outside every ``{ }`` (a sub-query's LIMIT is inside).

    >>> _outer_limit(tokenize("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 5 } } LIMIT 100"))
    100
    >>> _outer_limit(tokenize("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 5 } }")) is None
    True
    """
    depth = 0
    for i, token in enumerate(tokens):
        if token.kind == "other" and token.text == "{":
            depth += 1
        elif token.kind == "other" and token.text == "}":
            depth -= 1
        elif depth == 0 and token.keyword == "LIMIT":
            # An INTEGER is tokenised digit by digit (``other``), adjacent in the text.
            digits, position = "", None
            for digit in tokens[i + 1 :]:
                if not (digit.kind == "other" and digit.text.isdigit()):
                    break
                if position is not None and digit.start != position + 1:
                    break
                digits, position = digits + digit.text, digit.start
            return int(digits) if digits else None
    return None


def inspect_query(text: str) -> Inspection:
    """Scan a query; ``refusal`` says why it must not run, if it must not."""
    inspection = _scan(text)
    if inspection.form is None and inspection.refusal is None:
        return Inspection(
            form=None,
            refusal="Not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE",
        )
    return inspection


def inspect_update(text: str) -> Inspection:
    """Scan an update request; ``refusal`` says why it must not run, if it must not."""
    return _scan(text)


def add_using_clauses(text: str, using: list[str], using_named: list[str]) -> str:
    """Apply the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` to an update by
    adding ``USING`` clauses before the ``WHERE`` of each DELETE/INSERT operation
    (SPARQL 1.1 Protocol §2.2.3). Raises :class:`GuardError` when an operation already has
    ``USING`` or ``WITH`` (the protocol forbids both at once)."""
    inspection = _scan(text)
    if inspection.using_graphs or inspection.has_with:
        raise GuardError(
            "The request gives using-graph-uri / using-named-graph-uri and the update has "
            "its own USING or WITH: give the dataset one way only"
        )
    clauses = " ".join(
        [f"USING <{g}>" for g in using] + [f"USING NAMED <{g}>" for g in using_named]
    )
    decoded = decode_escapes(text)
    insert_at: list[int] = []
    depth = 0
    previous = ""
    for token in inspection.tokens:
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        # A top-level WHERE after DELETE/INSERT templates (not the DELETE WHERE short form).
        if depth == 0 and token.keyword == "WHERE" and previous != "DELETE":
            insert_at.append(token.start)
        previous = token.keyword
    for offset in reversed(insert_at):
        decoded = f"{decoded[:offset]}{clauses} {decoded[offset:]}"
    return decoded
