"""RDF terms and pySHACL's value tests written as SPARQL text, for the SHACL compiler.

Terms become SPARQL literals and IRIs (:func:`sparql_term`, :func:`sparql_string`); the
tests reproduce how pySHACL (through rdflib) decides what is a string, how literals are
ordered (:func:`literal_order`, :func:`less_or_equal`) and which literals match a
``sh:datatype`` (:func:`datatype_condition`).

Specs: SHACL https://www.w3.org/TR/shacl/ (§4.1.2 sh:datatype, §4.5.4 sh:lessThanOrEquals);
SPARQL 1.1 Query https://www.w3.org/TR/sparql11-query/.
"""

from __future__ import annotations

import json

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from kg.shacl.model import ShapeCompileError

__all__ = [
    "datatype_condition",
    "is_string",
    "less_or_equal",
    "literal_order",
    "sparql_string",
    "sparql_term",
]

#: Literal datatypes whose lexical form pySHACL (through rdflib) checks, and the SPARQL cast
#: that succeeds exactly on well-formed ones (SHACL §4.1.2: ill-typed literals do not match).
_CHECKED_DATATYPES = {
    XSD.integer,
    XSD.decimal,
    XSD.float,
    XSD.double,
    XSD.boolean,
    XSD.date,
    XSD.dateTime,
    XSD.time,
}


def sparql_term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        lexical = sparql_string(str(node))
        if node.language:
            return f"{lexical}@{node.language}"
        if node.datatype is not None:
            return f"{lexical}^^<{node.datatype}>"
        return lexical
    raise ShapeCompileError(f"cannot write {node.n3()} into a query")


def sparql_string(text: str) -> str:
    """A SPARQL string literal (JSON string escapes are a subset of SPARQL's)."""
    return json.dumps(text, ensure_ascii=False)


def is_string(var: str) -> str:
    """pySHACL's "is a string": a literal whose Python value is a str (plain, xsd:string or
    language-tagged text)."""
    return f'(isLiteral({var}) && (datatype({var}) = <{XSD.string}> || LANG({var}) != ""))'


def less_or_equal(a: str, b: str) -> str:
    """pySHACL's sh:lessThanOrEquals test: IRIs and strings compare as text with each other,
    never with other values; other literals are ordered as rdflib orders them."""
    text_a = f"(isIRI({a}) || {is_string(a)})"
    text_b = f"(isIRI({b}) || {is_string(b)})"
    both_literals = f"(isLiteral({a}) && isLiteral({b}))"
    return (
        f"IF({text_a}, IF({text_b}, STR({a}) <= STR({b}), false), "
        f"IF({text_b}, false, {both_literals} && {literal_order(a, b, '<=')}))"
    )


def literal_order(a: str, b: str, op: str) -> str:
    """``a op b`` for two non-string literals in rdflib's order (``Literal.__gt__`` and
    ``Literal.eq``): numbers by value; different datatypes by datatype IRI (never equal);
    the same datatype by value, or by lexical form where values do not compare (ill-typed)."""
    strict = op.rstrip("=")
    return (
        f"COALESCE(IF(isNumeric({a}) && isNumeric({b}), {a} {op} {b}, "
        f"IF(datatype({a}) != datatype({b}), STR(datatype({a})) {strict} STR(datatype({b})), "
        f"COALESCE({a} {op} {b}, STR({a}) {op} STR({b})))), false)"
    )


def datatype_condition(datatype: Node, var: str) -> str:
    """True iff ``var`` matches ``sh:datatype`` as pySHACL (rdflib) decides it (SHACL §4.1.2)."""
    if datatype == RDFS.Literal:
        return f"isLiteral({var})"
    if datatype == RDF.langString:
        return f'(isLiteral({var}) && LANG({var}) != "")'
    if datatype == XSD.string:
        return f"(isLiteral({var}) && datatype({var}) = <{XSD.string}>)"
    same = f"(isLiteral({var}) && datatype({var}) = {sparql_term(datatype)})"
    if datatype in _CHECKED_DATATYPES:
        # An ill-typed literal keeps its datatype but cannot be cast: the cast errors out.
        cast = f"COALESCE(isLiteral(<{datatype}>(STR({var}))), false)"
        return f"({same} && {cast})"
    return same
