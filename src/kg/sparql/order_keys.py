"""ORDER BY that cannot crash the engine: each sort condition is preceded by a key that puts
terms Oxigraph cannot compare with each other in separate groups.

Oxigraph 0.5.13 orders an integer and a string by their lexical forms but two integers by
value, so among ``5``, ``"10"`` and ``9`` it finds ``9 < 10``, ``10 < "5"`` and ``"5" < 9``: a
cycle, and Rust's sort aborts the process ("user-provided comparison function does not
correctly implement a total order"). ``SELECT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }
ORDER BY ?o`` took down a query worker on the seed graph (``docs/endpoint.md``, "Known engine
issues", has a minimal reproduction).

SPARQL 1.1 §15.1 orders unbound < blank nodes < IRIs < literals, and leaves the order of
literals ``<`` cannot compare to the implementation. So before each condition ``c`` on an
expression ``e`` this writes a key, in ``c``'s direction: unbound (or an error) first, then
blank nodes and IRIs, numbers, strings (plain and language-tagged), then every other datatype
grouped by its IRI. Within a group Oxigraph's comparison is consistent; a condition on values
of one kind (every usual ORDER BY) sorts exactly as before.

>>> print(safe_order("SELECT * { ?s ?p ?o } ORDER BY DESC(?o) LIMIT 3"))  # doctest: +ELLIPSIS
SELECT * { ?s ?p ?o } ORDER BY DESC(COALESCE(IF(isNUMERIC(?o), "2", ...), "0")) DESC(?o) LIMIT 3
>>> safe_order("ASK { ?s ?p ?o }")
'ASK { ?s ?p ?o }'
"""

from __future__ import annotations

from kg.sparql.lexer import GuardError, Token, tokenize

_XSD_STRING = "<http://www.w3.org/2001/XMLSchema#string>"
#: Keywords that end a solution-modifier clause's conditions.
_AFTER_ORDER = {"LIMIT", "OFFSET", "VALUES"}


def order_key(expression: str) -> str:
    """The group of the value of ``expression``, as a string that sorts the groups in
    SPARQL's order (§15.1): "0" unbound (or an error), "1" blank node or IRI, "2" number,
    "3" string, "4<datatype IRI>" any other literal."""
    e = expression
    return (
        f'COALESCE(IF(isNUMERIC({e}), "2", IF(isLITERAL({e}), '
        f'IF(LANG({e}) != "" || DATATYPE({e}) = {_XSD_STRING}, "3", '
        f'CONCAT("4", STR(DATATYPE({e})))), "1")), "0")'
    )


def safe_order(text: str) -> str:
    """``text`` with a group key before each ORDER BY condition (any sub-query's too);
    unchanged when it has no ORDER BY, or cannot be read (the engine then says why)."""
    if "\\" in text or "ORDER" not in text.upper():
        return text
    try:
        tokens = tokenize(text)
    except GuardError:
        return text
    inserts: list[tuple[int, str]] = []
    i = 0
    while i < len(tokens) - 1:
        if tokens[i].keyword == "ORDER" and tokens[i + 1].keyword == "BY":
            i = _conditions(tokens, i + 2, text, inserts)
        else:
            i += 1
    if not inserts:
        return text
    pieces, last = [], 0
    for at, key in inserts:
        pieces += [text[last:at], key]
        last = at
    return "".join(pieces) + text[last:]


def _conditions(tokens: list[Token], i: int, text: str, inserts: list[tuple[int, str]]) -> int:
    """Note a key before each condition from ``tokens[i]``; the index after the last one."""
    while i < len(tokens):
        token = tokens[i]
        if token.keyword in _AFTER_ORDER or token.text in ("}", ")"):
            return i
        if token.kind == "var":
            inserts.append((token.start, f"{order_key(token.text)} "))
            i += 1
            continue
        direction = token.keyword if token.keyword in ("ASC", "DESC") else ""
        start = i + 1 if direction else i
        if start >= len(tokens):
            return start
        opening = start if tokens[start].text == "(" else start + 1  # (e), or f(args)
        end = _closing(tokens, opening)
        if end is None:
            return len(tokens)  # not a condition this reads: leave the rest as it is
        if direction:
            inner = text[tokens[opening].start + 1 : tokens[end].start]
        else:
            inner = text[tokens[start].start : tokens[end].start + 1]
        key = f"{direction}({order_key(inner)})" if direction else f"({order_key(inner)})"
        inserts.append((token.start, f"{key} "))
        i = end + 1
    return i


def _closing(tokens: list[Token], opening: int) -> int | None:
    """The index of the bracket closing ``tokens[opening]``."""
    if opening >= len(tokens) or tokens[opening].text != "(":
        return None
    depth = 0
    for j in range(opening, len(tokens)):
        if tokens[j].text == "(":
            depth += 1
        elif tokens[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    return None
