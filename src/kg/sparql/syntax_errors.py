r"""Oxigraph's syntax errors, made readable: one line saying where (line and column, and the
text there) and what was expected, in words, rather than the parser's token list with its
character classes (``['A' ..= 'Z' | 'a' ..= 'z' | '\u{00C0}'..='\u{00D6}' ...``). An
undeclared prefix is named as such, with the prefixes the endpoint knows.

>>> print(readable("error at 1:10: expected CONSTRUCT", "SELEKT * WHERE {}"))
Syntax error at line 1, column 10 (at "WHERE {}"): expected CONSTRUCT
>>> print(readable("error at 1:26: expected one of OPTIONAL, Prefix not found, ['%']",
...                "SELECT * WHERE { ?s foo:p ?o }", {"mea": "https://w3id.org/mea-kg/ontology#"}))
The prefix foo: is not declared (line 1, column 21): add PREFIX foo: <...> to the query; ...
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)
_PREFIXED = re.compile(r"([A-Za-z][\w.-]*)?:[\w.%-]*$")
#: One item of the parser's list: a quoted token (which may be a comma), a character class,
#: or a name.
_ITEM = re.compile(r'"(?:[^"\\]|\\.)*"|\[[^\]]*\]|[^,\s"\[][^,"\[]*')
#: How many expected tokens are named before "or ..." (the parser lists dozens).
SHOWN = 6


def readable(message: str, query: str, prefixes: Mapping[str, str] | None = None) -> str:
    """One line for a user from Oxigraph's syntax error ``message`` on ``query``."""
    match = _POSITION.match(message.strip())
    if match is None:
        return f"Syntax error: {message.strip().splitlines()[0][:300]}"
    line, column, rest = int(match.group(1)), int(match.group(2)), match.group(3)
    expected = _expected(rest)
    text_line = query.splitlines()[line - 1] if 0 < line <= len(query.splitlines()) else ""
    if "Prefix not found" in rest:
        before = text_line[: max(column - 1, 0)]
        name = _PREFIXED.search(before.rstrip())
        if name is not None:
            prefix = name.group(1) or ""
            known = ", ".join(f"{p}:" for p in sorted(prefixes or {}))
            return (
                f"The prefix {prefix}: is not declared (line {line}, column "
                f"{name.start() + 1}): add PREFIX {prefix}: <...> to the query"
                + (f"; this endpoint knows {known}" if known else "")
            )
    near = text_line[max(column - 1, 0) :].strip()[:40]
    where = f"line {line}, column {column}" + (f' (at "{near}")' if near else " (at the end)")
    return f"Syntax error at {where}: expected {expected}"


def _expected(rest: str) -> str:
    """The parser's list of what it expected, as words: keywords and punctuation, without
    character classes; the first :data:`SHOWN`, then how many more."""
    body = rest.removeprefix("expected one of ").removeprefix("expected ").replace("\n", " ")
    items = [item.strip() for item in _ITEM.findall(body)]
    words = [i for i in items if i and not i.startswith("[") and i != "Prefix not found"]
    # Quoted keywords lose their quotes; punctuation keeps them ("," is clearer than ,).
    words = [w[1:-1] if w.startswith('"') and w[1:-1].isalpha() else w for w in words]
    if not words:
        return "the query to end here or to go on as SPARQL allows"
    shown = ", ".join(words[:SHOWN])
    if len(words) > SHOWN:
        more = len(words) - SHOWN
        shown += f" or {more} other token{'s' if more > 1 else ''}"
    return shown if len(words) == 1 else f"one of {shown}"
