"""The ``memory`` backend: an rdflib ``Dataset`` behind the store interface.

For small graphs and tests: no files, nothing to build, but rdflib's SPARQL engine is one to
two orders of magnitude slower than Oxigraph's (see the benchmarks in the README), so the
server refuses writes on it and the build only uses it when asked. Terms cross the edge as
pyoxigraph terms; query answers are :mod:`kg.stores.base` shapes.

>>> store = MemoryStore()
>>> g = ox.NamedNode("https://example.org/g")
>>> store.add(ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"),
...                   ox.Literal("x", language="en"), g))
>>> answer = store.query("SELECT ?o { ?s ?p ?o }", use_default_graph_as_union=True)
>>> [row["o"].language for row in answer]
['en']
>>> len(store), [n.value for n in store.named_graphs()]
(1, ['https://example.org/g'])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox
import rdflib.plugins.sparql
from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql.processor import prepareUpdate
from rdflib.query import Result
from rdflib.term import Node

from kg.rdf.terms import to_ox, to_rdflib
from kg.sparql.guard import without_dataset_clauses
from kg.stores.base import Boolean, Solutions, Triples, parse_load_input

# FROM <iri> must name a graph we hold, never fetch one from the web on a user's behalf.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False


def _graph_id(term: Any) -> Any:
    """The rdflib identifier of a pyoxigraph graph name."""
    return to_rdflib(term)


def _graph_name(identifier: Node) -> Any:
    return ox.DefaultGraph() if identifier == DATASET_DEFAULT_GRAPH_ID else to_ox(identifier)


class MemoryStore:
    """An in-memory rdflib dataset with pyoxigraph's store methods."""

    def __init__(self) -> None:
        self.dataset = Dataset(default_union=True)

    # -- reading -----------------------------------------------------------------------------

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: Any = None,
        named_graphs: Any = None,
        prefixes: dict[str, str] | None = None,
    ) -> Any:
        target = self._dataset_for(use_default_graph_as_union, default_graph, named_graphs)
        if default_graph is not None or named_graphs is not None:
            # The protocol's dataset overrides the query's (rdflib would read FROM instead).
            query = without_dataset_clauses(query)
        try:
            result = target.query(query, initNs=prefixes or {}, base=base_iri)
        except Exception as err:  # pyparsing's ParseException and kin: a syntax error
            if type(err).__name__ in ("ParseException", "ParseSyntaxException"):
                raise SyntaxError(str(err)) from None
            raise
        return _answer(result)

    def _dataset_for(self, union: bool, default_graph: Any, named_graphs: Any) -> Dataset:
        """The dataset a query sees: the whole store, or a view for protocol parameters."""
        if default_graph is None and named_graphs is None:
            if union:
                return self.dataset
            view = Dataset(default_union=False)
            for quad in self.dataset.graph(DATASET_DEFAULT_GRAPH_ID):
                view.add(quad)
            for graph in self._named():
                target = view.graph(graph.identifier)
                for triple in graph:
                    target.add(triple)
            return view
        view = Dataset(default_union=False)
        defaults = default_graph if isinstance(default_graph, list) else [default_graph]
        for name in defaults if default_graph is not None else []:
            for triple in self.dataset.graph(_graph_id(name)):
                view.default_graph.add(triple)
        for name in named_graphs or []:
            target = view.graph(_graph_id(name))
            for triple in self.dataset.graph(_graph_id(name)):
                target.add(triple)
        return view

    def quads_for_pattern(
        self, subject: Any, predicate: Any, object: Any, graph_name: Any = None
    ) -> Iterator[ox.Quad]:
        pattern = (to_rdflib(subject), to_rdflib(predicate), to_rdflib(object))
        graphs: Iterable[Graph]
        if graph_name is None:
            graphs = self.dataset.graphs()
        else:
            graphs = [self.dataset.graph(_graph_id(graph_name))]
        for graph in graphs:
            name = _graph_name(graph.identifier)
            for s, p, o in graph.triples(pattern):
                yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), name)

    def _named(self) -> Iterator[Graph]:
        for graph in self.dataset.graphs():
            if graph.identifier != DATASET_DEFAULT_GRAPH_ID and len(graph):
                yield graph

    def named_graphs(self) -> Iterator[Any]:
        for graph in self._named():
            yield to_ox(graph.identifier)

    def contains_named_graph(self, graph_name: Any) -> bool:
        name = to_rdflib(graph_name)
        return any(graph.identifier == name for graph in self.dataset.graphs())

    def __len__(self) -> int:
        return sum(len(graph) for graph in self.dataset.graphs())

    # -- writing -----------------------------------------------------------------------------

    def update(self, update: str, *, base_iri: str | None = None) -> None:
        try:
            self.dataset.update(prepareUpdate(update, base=base_iri))
        except Exception as err:
            if type(err).__name__ in ("ParseException", "ParseSyntaxException"):
                raise SyntaxError(str(err)) from None
            raise

    def add(self, quad: ox.Quad) -> None:
        graph = self.dataset.graph(_graph_id(quad.graph_name))
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))  # type: ignore[arg-type]

    def remove(self, quad: ox.Quad) -> None:
        graph = self.dataset.graph(_graph_id(quad.graph_name))
        graph.remove((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        for quad in quads:
            self.add(quad)

    def load(
        self,
        input: bytes | str | IO[bytes] | IO[str] | None = None,
        format: ox.RdfFormat | None = None,
        *,
        path: str | Path | None = None,
        base_iri: str | None = None,
        to_graph: Any = None,
    ) -> None:
        """Parse with Oxigraph's parsers (fast, strict) and add the quads."""
        quads = parse_load_input(input, format, path=path, base_iri=base_iri, to_graph=to_graph)
        for quad in quads:
            self.add(quad)

    bulk_load = load

    def add_graph(self, graph_name: Any) -> None:
        self.dataset.graph(_graph_id(graph_name))

    def clear_graph(self, graph_name: Any) -> None:
        self.dataset.graph(_graph_id(graph_name)).remove((None, None, None))

    def remove_graph(self, graph_name: Any) -> None:
        self.dataset.remove_graph(to_rdflib(graph_name))  # type: ignore[arg-type]

    def flush(self) -> None:
        """Nothing to write: the dataset lives in memory."""


def _answer(result: Result) -> Any:
    if result.type == "ASK":
        return Boolean(bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph = result.graph
        assert graph is not None
        return Triples(ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph)
    names = [str(v) for v in result.vars or []]
    return Solutions(names, ([to_ox(row[n]) for n in names] for row in result))  # type: ignore[call-overload,index]
