"""Changing one graph of a store as one step: readers see the graph as it was or as it is
after, never half-written, and a process killed in the middle leaves it as it was.

On Oxigraph, :func:`replace_graph` is one SPARQL update (``DROP`` then ``INSERT DATA``),
which Oxigraph applies in one transaction; clearing the graph and then adding the new
triples, as the Graph Store's PUT did, showed readers an empty graph in half their reads
while a big graph was written, and left it empty when the server was killed between the
two. Other backends replace the graph in the ways they have (a remote server applies one
update request as a whole; the in-memory dataset is private to its process).

>>> store = ox.Store()
>>> g = ox.NamedNode("urn:x:g")
>>> a, p = ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:p")
>>> replace_graph(store, g, [ox.Quad(a, p, ox.Literal("old"), g)])
>>> replace_graph(store, g, [ox.Quad(a, p, ox.Literal('new "one"'), g)])
>>> [q.object.value for q in store.quads_for_pattern(None, None, None, g)]
['new "one"']
>>> replace_graph(store, g, [])
>>> store.contains_named_graph(g), len(store)
(True, 0)
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

from kg.stores.base import GraphStore

__all__ = ["replace_graph"]


def replace_graph(
    store: GraphStore, graph: ox.NamedNode | ox.DefaultGraph, quads: Sequence[ox.Quad]
) -> None:
    """Make ``graph`` hold exactly the triples of ``quads`` (their graph names are ignored)."""
    triples = [q.triple for q in quads]
    if isinstance(store, ox.Store):
        # N-Triples statements are SPARQL triples as they stand (same term syntax, the same
        # string escapes), so the data goes into the update without another writer.
        data = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
        if isinstance(graph, ox.DefaultGraph):
            store.update(f"CLEAR SILENT DEFAULT ;\nINSERT DATA {{\n{data}}}")
        else:
            # CREATE: a graph PUT with no triples still exists afterwards, empty.
            store.update(
                f"DROP SILENT GRAPH {graph} ;\nCREATE SILENT GRAPH {graph} ;\n"
                f"INSERT DATA {{ GRAPH {graph} {{\n{data}}} }}"
            )
        return
    store.clear_graph(graph)
    if isinstance(graph, ox.NamedNode):
        store.add_graph(graph)
    store.extend([ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples])
