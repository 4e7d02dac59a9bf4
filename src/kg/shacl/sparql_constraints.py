"""The text of SHACL-SPARQL constraints (``sh:select``), read and rewritten for the compiler.

A light reader, not a SPARQL parser: :func:`_masked` blanks out strings and IRIs so that
regular expressions can find keywords, braces and comments by position; on that,
:func:`split_select` cuts a SELECT into projection, WHERE group and the rest, and
:func:`group_elements` cuts a group into its top-level elements. :func:`optimise_body`
rewrites a constraint's WHERE group into an equivalent one that Oxigraph evaluates quickly;
text it does not understand is left as it is. :mod:`kg.shacl.sparql_based` compiles the
constraints with these.

Spec: SPARQL 1.1 Query https://www.w3.org/TR/sparql11-query/ (grammar §19; filters and
groups §18.2); SHACL-SPARQL https://www.w3.org/TR/shacl/#sparql-constraints (§5).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from rdflib.term import Node

from kg.shacl.model import ShapeCompileError

__all__ = [
    "group_elements",
    "optimise_body",
    "refuse_keywords",
    "split_select",
    "strip_comments",
]

_STRINGS_AND_IRIS = re.compile(
    r"'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|<[^<>\s{}|^`\"]*>",
    re.DOTALL,
)


def _masked(text: str) -> str:
    """The text with the inside of strings and IRIs replaced by spaces, so keywords, braces
    and comments can be found by position."""
    return _STRINGS_AND_IRIS.sub(
        lambda m: m.group(0)[0] + " " * (len(m.group(0)) - 2) + m.group(0)[-1], text
    )


def _has_keyword(text: str, keyword: str) -> bool:
    return re.search(rf"(?<![\w:?$]){keyword}\b", _masked(text), re.IGNORECASE) is not None


def strip_comments(text: str) -> str:
    """The text without its ``#`` comments (a ``#`` inside a string or an IRI is kept)."""
    masked = _masked(text)
    out = []
    i = 0
    for match in re.finditer(r"#[^\n]*", masked):
        out.append(text[i : match.start()])
        i = match.end()
    out.append(text[i:])
    return "".join(out)


def refuse_keywords(shape: Node, text: str, keywords: Iterable[str]) -> None:
    """Raise :class:`ShapeCompileError` if ``text`` uses one of ``keywords`` (SPARQL
    features the compiler does not rewrite)."""
    for keyword in keywords:
        if _has_keyword(text, keyword):
            raise ShapeCompileError(
                f"shape {shape.n3()}: {keyword} in SHACL-SPARQL text is not compiled"
            )


def split_select(shape: Node, text: str) -> tuple[str, str, str]:
    """Split ``SELECT <projection> WHERE { <body> } <rest>`` into its three parts."""
    masked = _masked(text)
    select = re.search(r"\bSELECT\b", masked, re.IGNORECASE)
    if select is None:
        raise ShapeCompileError(f"shape {shape.n3()}: a SPARQL constraint must be a SELECT")
    if masked[: select.start()].strip():
        raise ShapeCompileError(f"shape {shape.n3()}: text before SELECT is not compiled")
    open_at = masked.find("{", select.end())
    if open_at < 0:
        raise ShapeCompileError(f"shape {shape.n3()}: SELECT without a WHERE group")
    projection = text[select.end() : open_at]
    where = re.search(r"\bWHERE\s*$", masked[select.end() : open_at], re.IGNORECASE)
    if where:
        projection = projection[: where.start()]
    depth = 0
    for i in range(open_at, len(masked)):
        if masked[i] == "{":
            depth += 1
        elif masked[i] == "}":
            depth -= 1
            if depth == 0:
                return projection, text[open_at + 1 : i], text[i + 1 :]
    raise ShapeCompileError(f"shape {shape.n3()}: unbalanced braces in SPARQL constraint")


_KEYWORD = re.compile(r"(FILTER|BIND|OPTIONAL|GRAPH|MINUS|SERVICE|VALUES)\b", re.IGNORECASE)


def _closing(masked: str, start: int, open_: str, close: str) -> int:
    """The index of the bracket closing the one at ``start``."""
    depth = 0
    for i in range(start, len(masked)):
        if masked[i] == open_:
            depth += 1
        elif masked[i] == close:
            depth -= 1
            if depth == 0:
                return i
    raise ValueError("unbalanced brackets")


def group_elements(shape: Node, body: str) -> list[tuple[str, str]] | None:
    """Split a group's text into its top-level elements, in order: ``triples``, ``filter``
    (the expression), ``not exists`` / ``exists`` (the ``{…}`` group), ``bind`` and
    ``group`` (OPTIONAL, GRAPH, nested groups and UNIONs, kept as written). None when the
    text is not understood (then it is left as it is)."""
    masked = _masked(body)
    elements: list[tuple[str, str]] = []
    start = 0
    i = 0

    def flush(end: int) -> None:
        chunk = body[start:end].strip().strip(".").strip()
        if chunk:
            elements.append(("triples", chunk))

    try:
        while i < len(masked):
            char = masked[i]
            if char == "{":
                flush(i)
                end = _closing(masked, i, "{", "}") + 1
                while union := re.match(r"\s*UNION\s*\{", masked[end:], re.IGNORECASE):
                    end = _closing(masked, end + union.end() - 1, "{", "}") + 1
                elements.append(("group", body[i:end]))
                i = start = end
                continue
            keyword = _KEYWORD.match(masked, i)
            before = masked[i - 1] if i else " "
            after = masked[keyword.end()] if keyword and keyword.end() < len(masked) else " "
            if keyword is None or re.match(r"[\w:?$]", before) or after == ":":
                i += 1
                continue
            flush(i)
            word = keyword.group(1).upper()
            j = keyword.end()
            while j < len(masked) and masked[j].isspace():
                j += 1
            if word == "FILTER":
                exists = re.match(r"(NOT\s+)?EXISTS\s*\{", masked[j:], re.IGNORECASE)
                if exists:
                    brace = j + exists.end() - 1
                    end = _closing(masked, brace, "{", "}") + 1
                    kind = "not exists" if exists.group(1) else "exists"
                    elements.append((kind, body[brace:end]))
                else:
                    paren = masked.index("(", j)
                    end = _closing(masked, paren, "(", ")") + 1
                    call = body[j:end].strip()
                    elements.append(("filter", call[1:-1] if paren == j else call))
            elif word == "BIND":
                end = _closing(masked, masked.index("(", j), "(", ")") + 1
                elements.append(("bind", body[i:end]))
            elif word in ("OPTIONAL", "GRAPH"):
                end = _closing(masked, masked.index("{", j), "{", "}") + 1
                elements.append(("group", body[i:end]))
            else:
                return None  # MINUS, SERVICE, VALUES: refused before this is reached
            i = start = end
        flush(len(masked))
    except ValueError:
        return None
    return elements


def _conjuncts(expression: str) -> list[str]:
    """The top-level ``&&`` operands of an expression (the whole if there is none)."""
    masked = _masked(expression)
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(masked):
        char = masked[i]
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        elif depth == 0 and masked.startswith("&&", i):
            parts.append(expression[start:i].strip())
            start = i + 2
            i += 1
        i += 1
    parts.append(expression[start:].strip())
    return [p for p in parts if p]


_IRI_OR_NAME = r"(?:<[^<>\s\"{}|^`]*>|[A-Za-z][\w.-]*:[\w.-]*|[A-Za-z]?:[\w.-]+)"
_IN_IRIS = re.compile(
    rf"^\?(\w+)\s+IN\s*\(\s*({_IRI_OR_NAME}(?:\s*,\s*{_IRI_OR_NAME})*)\s*\)$",
    re.IGNORECASE,
)


def _values_hint(conjunct: str, bound_by_triples: str) -> str:
    """``VALUES ?v { … }`` for a conjunct ``?v IN (<iri>, …)`` whose variable the group's
    triple patterns bind, else ''. IRIs only: IN compares literals by value, VALUES by term."""
    match = _IN_IRIS.match(conjunct.strip())
    if match is None or not re.search(rf"[?$]{match.group(1)}\b", bound_by_triples):
        return ""
    items = " ".join(i.strip() for i in match.group(2).split(","))
    return f"VALUES ?{match.group(1)} {{ {items} }}"


def _chain(tests: Sequence[str]) -> str:
    """``IF(t1, IF(t2, t3, false), false)``: true iff every test is, each evaluated only if
    the ones before are true."""
    chain = tests[-1]
    for test in reversed(tests[:-1]):
        chain = f"IF({test}, {chain}, false)"
    return chain


def optimise_body(shape: Node, body: str, fresh: Callable[[str], str]) -> str:
    """The WHERE group of a SHACL-SPARQL constraint, rewritten into an equivalent form
    that Oxigraph evaluates quickly.

    - The group's FILTERs become one ``FILTER(IF(f1, IF(f2, f3, false), false))`` at its
      end: a solution passes iff every filter is true, either way (SPARQL §18.6: the
      filters of a group restrict the whole group), but Oxigraph evaluates every FILTER
      on every row, while IF evaluates the next test only when the previous one holds.
    - A filter's top-level ``&&`` conjuncts are tests of their own in that chain (a row
      passes iff each is true, as with ``&&``). A conjunct ``?v IN (<iri>, …)`` where
      ``?v`` is bound by a triple pattern of the group also adds ``VALUES ?v { … }``:
      it only removes rows the test rejects, and lets Oxigraph look up those
      predicates instead of scanning every triple.
    - ``FILTER NOT EXISTS { triples FILTER(…) }`` becomes ``OPTIONAL { triples FILTER(…)
      BIND(true AS ?m) }`` at the end of the group and ``!BOUND(?m)`` in that chain: a
      left join whose FILTER sees the outer solution (SPARQL §18.2.2.5) keeps a solution
      unmatched iff the NOT EXISTS pattern has no solution for it. Oxigraph evaluates
      NOT EXISTS once per row, which is very much slower. Groups with anything but
      triples and filters are left as they are.

    ``fresh`` gives a new variable for each marker (the compiler's ``?shq_m…`` names).
    """
    elements = group_elements(shape, body)
    if elements is None:
        return body
    hints: list[str] = []
    triples: list[str] = []
    parts: list[str] = []
    tail: list[str] = []
    tests: list[str] = []
    bound = " ".join(t for k, t in elements if k == "triples")
    for kind, text in elements:
        if kind == "filter":
            for conjunct in _conjuncts(text):
                tests.append(f"({conjunct})")
                hint = _values_hint(conjunct, bound)
                if hint:
                    hints.append(hint)
        elif kind == "not exists":
            inner = group_elements(shape, text[1:-1])
            simple = inner is not None and all(
                k == "triples" or (k == "filter" and not _has_keyword(t, "EXISTS"))
                for k, t in inner
            )
            if simple:
                marker = fresh("m")
                tail.append(f"OPTIONAL {{ {text[1:-1]} BIND(true AS {marker}) }}")
                tests.append(f"!BOUND({marker})")
            else:
                tests.append(f"(NOT EXISTS {text})")
        elif kind == "exists":
            tests.append(f"(EXISTS {text})")
        elif kind == "triples":
            (parts if parts else triples).append(f"{text} .")
        else:
            parts.append(text)
    # Tests on variables the leading triple patterns bind run inside a group with them,
    # before any BIND: Oxigraph applies a group's FILTER after its BINDs otherwise, and
    # BINDs that decode terms cost more than the tests. Same solutions either way: the
    # tests do not read what the BINDs add.
    early: list[str] = []
    late: list[str] = []
    for test in tests:
        names = set(re.findall(r"[?$](\w+)", test))
        plain = not _has_keyword(test, "EXISTS") and not test.startswith("!BOUND(")
        in_triples = all(re.search(rf"[?$]{n}\b", " ".join(triples)) for n in names)
        (early if triples and plain and in_triples else late).append(test)
    head = " ".join(hints + triples)
    if early:
        head = f"{{ {head} FILTER({_chain(early)}) }}"
    filtered = f" FILTER({_chain(late)})" if late else ""
    return " ".join([head, *parts, *tail]) + filtered
