"""What every store backend offers: the part of ``pyoxigraph.Store``'s API the project uses.

The embedded Oxigraph store is the reference implementation, so the interface *is* its method
names and its term model (``ox.NamedNode``, ``ox.Literal``, ``ox.Quad`` ...): the default
backend pays nothing for the abstraction, and the other backends (:mod:`kg.stores.memory`,
:mod:`kg.stores.sparql`) translate to and from it at their edge.

Query answers from the other backends are the small classes below, shaped like Oxigraph's:
a SELECT answer iterates rows with ``row["name"]`` access and has ``.variables``; an ASK
answer is truthy or not; a CONSTRUCT answer iterates ``ox.Triple``.

>>> rows = Solutions(["x", "y"], [(ox.Literal("1"), None)])
>>> [v.value for v in rows.variables], [(r["x"].value, r["y"]) for r in rows]
(['x', 'y'], [('1', None)])
>>> is_solutions(rows), is_boolean(Boolean(True)), bool(Boolean(False))
(True, True, False)
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable

import pyoxigraph as ox

#: Graph name terms a pattern may use: a named graph, the default graph, or any (``None``).
GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


class StoreError(RuntimeError):
    """A store that cannot be opened or reached; ``str(err)`` says what to do about it."""


class StoreMissingError(StoreError):
    """No built store at the configured location."""


@runtime_checkable
class GraphStore(Protocol):
    """A quad store the build loads and the service, traversals and exports read."""

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: Any = None,
        named_graphs: Any = None,
        prefixes: dict[str, str] | None = None,
    ) -> Any: ...

    def update(self, update: str, *, base_iri: str | None = None) -> None: ...

    def quads_for_pattern(
        self, subject: Any, predicate: Any, object: Any, graph_name: Any = None
    ) -> Iterator[ox.Quad]: ...

    def named_graphs(self) -> Iterator[Any]: ...

    def contains_named_graph(self, graph_name: Any) -> bool: ...

    def add_graph(self, graph_name: Any) -> None: ...

    def clear_graph(self, graph_name: Any) -> None: ...

    def remove_graph(self, graph_name: Any) -> None: ...

    def load(
        self,
        input: bytes | str | IO[bytes] | IO[str] | None = None,
        format: ox.RdfFormat | None = None,
        *,
        path: str | Path | None = None,
        base_iri: str | None = None,
        to_graph: Any = None,
    ) -> None: ...

    def extend(self, quads: Iterable[ox.Quad]) -> None: ...

    def add(self, quad: ox.Quad) -> None: ...

    def remove(self, quad: ox.Quad) -> None: ...

    def flush(self) -> None: ...

    def __len__(self) -> int: ...


class Row:
    """One SELECT solution: ``row["var"]``, ``row[0]`` or ``row[ox.Variable("var")]``."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: Sequence[Any]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, key: str | int | ox.Variable) -> Any:
        if isinstance(key, int):
            return self._values[key]
        name = key.value if isinstance(key, ox.Variable) else key
        return self._values[self._index[name]]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class Solutions:
    """A SELECT answer from a backend other than Oxigraph (iterate it once)."""

    def __init__(self, variables: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        self.variables = [ox.Variable(name) for name in variables]
        self._index = {name: i for i, name in enumerate(variables)}
        self._rows = iter(rows)

    def __iter__(self) -> Iterator[Row]:
        return (Row(self._index, values) for values in self._rows)


class Boolean:
    """An ASK answer from a backend other than Oxigraph."""

    def __init__(self, value: bool) -> None:
        self.value = bool(value)

    def __bool__(self) -> bool:
        return self.value


class Triples:
    """A CONSTRUCT or DESCRIBE answer from a backend other than Oxigraph."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self._triples = iter(triples)

    def __iter__(self) -> Iterator[ox.Triple]:
        return self._triples


def is_solutions(results: object) -> bool:
    return isinstance(results, ox.QuerySolutions | Solutions)


def is_boolean(results: object) -> bool:
    return isinstance(results, ox.QueryBoolean | Boolean)


def is_triples(results: object) -> bool:
    return isinstance(results, ox.QueryTriples | Triples)


def parse_load_input(
    input: bytes | str | IO[bytes] | IO[str] | None,
    format: ox.RdfFormat | None,
    *,
    path: str | Path | None,
    base_iri: str | None,
    to_graph: Any,
) -> list[ox.Quad]:
    """The quads of a ``load`` call's input (pyoxigraph's ``Store.load`` arguments), parsed
    with Oxigraph's strict parsers and moved into ``to_graph`` when given: what the backends
    without Oxigraph's own ``load`` add.

    >>> [str(q.graph_name) for q in parse_load_input(
    ...     "<urn:a> <urn:b> <urn:c> .", ox.RdfFormat.N_TRIPLES,
    ...     path=None, base_iri=None, to_graph=ox.NamedNode("urn:g"))]
    ['<urn:g>']
    """
    if isinstance(input, str):
        input = io.BytesIO(input.encode("utf-8"))
    quads = ox.parse(input, format=format, path=str(path) if path else None, base_iri=base_iri)
    if to_graph is None:
        return list(quads)
    return [ox.Quad(q.subject, q.predicate, q.object, to_graph) for q in quads]
