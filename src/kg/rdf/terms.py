"""RDF terms between pyoxigraph and rdflib: the store answers in the first; pySHACL, owlrl
and rdflib's SPARQL engine work in the second.

>>> import pyoxigraph as ox
>>> to_rdflib(ox.Literal("7.0", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")))
rdflib.term.Literal('7.0', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#decimal'))
>>> to_rdflib(ox.Literal("plain")) == to_rdflib(ox.Literal("plain"), normalize=None)
True
>>> to_rdflib(None) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from kg.rdf.namespaces import PREFIXES

__all__ = ["XSD_STRING", "Triples", "ox_triples", "rdflib_graph", "to_ox", "to_rdflib"]

#: The datatype of a plain string literal (RDF 1.1).
XSD_STRING = PREFIXES["xsd"] + "string"


def to_rdflib(term: Any, *, normalize: bool | None = False) -> Node | None:
    """``term`` as an rdflib term (``None`` stays ``None``; the default graph is rdflib's).

    A typed literal keeps its lexical form as the store holds it (``normalize=False``: the
    bytes Oxigraph gives back), or, with ``normalize=None``, is normalised as rdflib's Turtle
    parser would (what pySHACL reports). An ``xsd:string`` literal is plain, as rdflib keeps
    a Turtle string without a datatype."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=normalize)
    if isinstance(term, ox.DefaultGraph):
        return DATASET_DEFAULT_GRAPH_ID
    raise TypeError(f"no rdflib term for {term!r}")


def to_ox(node: Node | None) -> Any:
    """An rdflib term as a pyoxigraph term (``None`` stays ``None``)."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        datatype = str(node.datatype) if node.datatype else XSD_STRING
        return ox.Literal(str(node), datatype=ox.NamedNode(datatype))
    raise TypeError(f"no pyoxigraph term for {node!r}")


def rdflib_graph(triples: Iterable[ox.Triple]) -> Graph:
    """``triples`` as an rdflib graph (through N-Triples, pyoxigraph's fastest writer and
    rdflib's fastest parser).

    >>> p = ox.NamedNode("urn:x:p")
    >>> len(rdflib_graph([ox.Triple(p, p, ox.Literal("1")), ox.Triple(p, p, ox.BlankNode())]))
    2
    """
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=data or b"", format="nt")


#: A graph as the build handles it: its triples, as pyoxigraph terms (building an rdflib
#: graph costs about 20 µs a triple; the build's large paths never make one).
Triples = list[ox.Triple]


def ox_triples(graph: Graph) -> Triples:
    """The triples of an rdflib ``graph`` as pyoxigraph terms (through N-Triples).

    >>> g = Graph().parse(data="<urn:a> <urn:b> 'c' .", format="turtle")
    >>> [str(t) for t in ox_triples(g)]
    ['<urn:a> <urn:b> "c"']
    """
    data = graph.serialize(format="nt", encoding="utf-8")
    return [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
