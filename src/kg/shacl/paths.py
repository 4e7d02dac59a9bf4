"""SHACL property paths written as SPARQL property paths, for the SHACL compiler.

Spec: SHACL property paths https://www.w3.org/TR/shacl/#property-paths (§2.3.1); SPARQL 1.1
property paths https://www.w3.org/TR/sparql11-query/#propertypaths (§9).

>>> from rdflib import Graph, URIRef
>>> sparql_path(Graph(), URIRef("urn:x-shape"), URIRef("http://example.org/p"))
'<http://example.org/p>'
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kg.shacl.model import ShapeCompileError
from kg.shacl.sparql_text import sparql_term

__all__ = ["simple_path", "sparql_path"]


def sparql_path(g: Graph, shape: Node, path: Node, depth: int = 0) -> str:
    """A SHACL property path (SHACL §2.3.1) in SPARQL property-path syntax."""
    if depth > 16:
        raise ShapeCompileError(f"shape {shape.n3()}: property path nests too deep")
    if isinstance(path, URIRef):
        return sparql_term(path)
    if isinstance(path, Literal):
        raise ShapeCompileError(f"shape {shape.n3()}: a literal is no property path")
    unary = {
        SH.inversePath: "^({})",
        SH.zeroOrMorePath: "({})*",
        SH.oneOrMorePath: "({})+",
        SH.zeroOrOnePath: "({})?",
    }
    for predicate, template in unary.items():
        inner = g.value(path, predicate)
        if inner is not None:
            return template.format(sparql_path(g, shape, inner, depth + 1))
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        parts = [sparql_path(g, shape, p, depth + 1) for p in Collection(g, alternatives)]
        return "(" + "|".join(parts) + ")"
    if g.value(path, RDF.first) is not None:
        parts = [sparql_path(g, shape, p, depth + 1) for p in Collection(g, path)]
        return "(" + "/".join(parts) + ")"
    raise ShapeCompileError(f"shape {shape.n3()}: unknown kind of property path")


def simple_path(g: Graph, path: Node | None) -> bool:
    """A path whose triples can be scanned from an unbound subject without enumerating
    every node (no zero-length or transitive steps)."""
    if path is None:
        return False
    if isinstance(path, URIRef):
        return True
    if any((path, p, None) in g for p in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath)):
        return False
    inner = g.value(path, SH.inversePath)
    if inner is not None:
        return simple_path(g, inner)
    head = g.value(path, SH.alternativePath) or path
    try:
        return all(simple_path(g, p) for p in Collection(g, head))
    except Exception:
        return False
