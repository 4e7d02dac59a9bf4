"""The ``sparql`` backend: any SPARQL 1.1 server (Virtuoso, Fuseki, GraphDB, QLever, ...).

For graphs that outgrow one machine: the same tool, pointed at a server someone already runs.
It speaks only the standards:

* queries — SPARQL 1.1 Protocol, POST form, answers read as SPARQL 1.1 Query Results JSON
  (https://www.w3.org/TR/sparql11-results-json/) or, for CONSTRUCT/DESCRIBE, N-Triples/Turtle;
* changes — SPARQL 1.1 Update (``INSERT DATA``, ``CLEAR``, ``DROP``) at the update endpoint;
  loading goes through the Graph Store Protocol (one POST per graph) when one is configured,
  because it is much faster than updates on most servers.

**Our graphs only.** A shared server holds other graphs (Virtuoso keeps its system graphs in
its default graph), so this store only sees named graphs under ``graph_prefix``
(``<base>/graph/``): they are sent as ``default-graph-uri`` (the union default graph the
project assumes) and ``named-graph-uri`` with every query that does not name its own dataset.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

import httpx
import pyoxigraph as ox

from kg.rdf.formats import rdf_format
from kg.rdf.namespaces import PREFIXES
from kg.rdf.terms import XSD_STRING
from kg.sparql.guard import names_dataset, without_dataset_clauses
from kg.sparql.lexer import query_form
from kg.stores.base import Boolean, Solutions, StoreError, Triples, parse_load_input

_XSD_BOOLEAN = PREFIXES["xsd"] + "boolean"
#: Canonical forms of booleans some servers keep as integers (Virtuoso answers "1"/"0").
_BOOLEANS = {"1": "true", "0": "false"}
_NOT_IN_BLANK_LABEL = re.compile(r"[^A-Za-z0-9_]")
#: Triples per ``INSERT DATA`` request when no Graph Store endpoint is configured.
UPDATE_CHUNK = 5_000
#: What to ask for, by query form: servers such as Virtuoso answer in the first type listed.
_ACCEPT_RESULTS = "application/sparql-results+json"
_ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"


def term_from_json(binding: dict[str, Any]) -> Any:
    """A term of SPARQL JSON results as a pyoxigraph term.

    >>> term_from_json({"type": "literal", "value": "7", "datatype": "http://www.w3.org/2001/XMLSchema#integer"})
    <Literal value=7 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
    """
    kind = binding["type"]
    value = binding["value"]
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":  # labels are local to an answer: make them valid ones (nodeID://b1)
        return ox.BlankNode(_NOT_IN_BLANK_LABEL.sub("_", value))
    if kind in ("literal", "typed-literal"):  # "typed-literal": Virtuoso's pre-1.1 spelling
        if binding.get("xml:lang"):
            return ox.Literal(value, language=binding["xml:lang"])
        datatype = binding.get("datatype", XSD_STRING)
        if datatype == _XSD_BOOLEAN:
            value = _BOOLEANS.get(value, value)
        return ox.Literal(value, datatype=ox.NamedNode(datatype))
    if kind == "triple":
        inner = value
        return ox.Triple(
            term_from_json(inner["subject"]),
            term_from_json(inner["predicate"]),
            term_from_json(inner["object"]),
        )
    raise ValueError(f"unknown term type {kind!r} in SPARQL JSON results")


def _sparql_term(term: Any, role: str) -> str:
    """A constant in a query pattern, in SPARQL syntax (N-Triples forms are valid SPARQL)."""
    if isinstance(term, ox.BlankNode):
        raise ValueError(f"a blank node cannot be sent to a SPARQL server as a {role}")
    return str(term)


class SparqlStore:
    """A remote SPARQL 1.1 server with pyoxigraph's store methods."""

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        gsp_url: str | None = None,
        graph_prefix: str,
        auth: httpx.Auth | None = None,
        timeout: float = 300.0,
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url
        self.gsp_url = gsp_url
        self.graph_prefix = graph_prefix
        self._client = httpx.Client(auth=auth, timeout=timeout, follow_redirects=False)
        self._graphs: list[str] | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    # -- HTTP --------------------------------------------------------------------------------

    def _post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.post(url, data=data, **kwargs)
        except httpx.HTTPError as err:
            raise StoreError(f"the SPARQL server at {url} cannot be reached: {err}") from None
        if response.status_code == 400:
            raise SyntaxError(_first_line(response.text) or "the server rejected the request")
        if response.status_code in (401, 403):
            raise StoreError(
                f"the SPARQL server at {url} refused the request ({response.status_code}): "
                "set KG_SPARQL_USER / KG_SPARQL_PASSWORD (and KG_SPARQL_AUTH)"
            )
        if response.status_code >= 300:
            raise StoreError(
                f"the SPARQL server at {url} answered {response.status_code}: "
                f"{_first_line(response.text)}"
            )
        return response

    def _graph_list(self) -> list[str]:
        with self._lock:
            if self._graphs is None:
                self._graphs = sorted(
                    row[0].value
                    for row in self._select(
                        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                        f'FILTER(STRSTARTS(STR(?g), "{self.graph_prefix}")) }}',
                        dataset=None,
                    )
                )
            return self._graphs

    def _changed(self) -> None:
        with self._lock:
            self._graphs = None

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
        if prefixes:
            query = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items()) + query
        if base_iri:
            query = f"BASE <{base_iri}>\n" + query
        dataset: dict[str, list[str]] | None
        if default_graph is not None or named_graphs is not None:
            # The protocol's dataset overrides the query's (SPARQL 1.1 Protocol §2.1.4), but
            # not every server does so (Virtuoso merges both): the query's FROM clauses go.
            query = without_dataset_clauses(query)
            defaults = default_graph if isinstance(default_graph, list) else [default_graph]
            dataset = {
                "default-graph-uri": [g.value for g in defaults if g is not None],
                "named-graph-uri": [g.value for g in named_graphs or []],
            }
        elif not use_default_graph_as_union and names_dataset(query):
            dataset = None  # the query's own FROM / FROM NAMED (protocol ones would win)
        else:
            graphs = self._graph_list()
            # Without graphs of ours the dataset must still be ours: name one that is empty.
            fence = graphs or [self.graph_prefix + "none"]
            dataset = {
                "default-graph-uri": fence if use_default_graph_as_union else [],
                "named-graph-uri": fence,
            }
        return self._run(query, dataset)

    def _run(self, query: str, dataset: dict[str, list[str]] | None) -> Any:
        data: dict[str, Any] = {"query": query, **(dataset or {})}
        graph_shaped = query_form(query) in ("CONSTRUCT", "DESCRIBE")
        accept = _ACCEPT_GRAPH if graph_shaped else _ACCEPT_RESULTS
        response = self._post(self.query_url, data, headers={"Accept": accept})
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type in ("application/sparql-results+json", "application/json"):
            document = response.json()
            if "boolean" in document:
                return Boolean(document["boolean"])
            names = document["head"].get("vars", [])
            bindings = document["results"]["bindings"]
            if names == ["__ASK_RETVAL"]:  # Virtuoso 7's ASK: one row, 1 or 0
                return Boolean(bool(bindings) and bindings[0]["__ASK_RETVAL"]["value"] == "1")
            return Solutions(
                names,
                ([term_from_json(b[n]) if n in b else None for n in names] for b in bindings),
            )
        syntax = rdf_format(media_type)
        if syntax is None:
            raise StoreError(f"the SPARQL server answered in an unexpected type {media_type!r}")
        return Triples(
            ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(response.content, format=syntax)
        )

    def _select(self, query: str, dataset: dict[str, list[str]] | None) -> Solutions:
        result = self._run(query, dataset)
        assert isinstance(result, Solutions)
        return result

    def quads_for_pattern(
        self, subject: Any, predicate: Any, object: Any, graph_name: Any = None
    ) -> Iterator[ox.Quad]:
        s = _sparql_term(subject, "subject") if subject is not None else "?s"
        p = _sparql_term(predicate, "predicate") if predicate is not None else "?p"
        o = _sparql_term(object, "object") if object is not None else "?o"
        if isinstance(graph_name, ox.DefaultGraph):
            return  # this store keeps everything in named graphs
        graphs = self._graph_list()
        if graph_name is not None:
            if graph_name.value not in graphs:
                return
            graphs = [graph_name.value]
        if not graphs:
            return
        rows = self._select(
            f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ {s} {p} {o} }} }}",
            {"default-graph-uri": [], "named-graph-uri": graphs},
        )
        for row in rows:
            yield ox.Quad(
                subject if subject is not None else row["s"],
                predicate if predicate is not None else row["p"],
                object if object is not None else row["o"],
                row["g"],
            )

    def named_graphs(self) -> Iterator[Any]:
        return (ox.NamedNode(g) for g in self._graph_list())

    def contains_named_graph(self, graph_name: Any) -> bool:
        return graph_name.value in self._graph_list()

    def __len__(self) -> int:
        graphs = self._graph_list()
        if not graphs:
            return 0
        rows = list(
            self._select(
                "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                {"default-graph-uri": [], "named-graph-uri": graphs},
            )
        )
        return int(rows[0]["n"].value)

    # -- writing -----------------------------------------------------------------------------

    def update(self, update: str, *, base_iri: str | None = None) -> None:
        if not self.update_url:
            raise StoreError("no update endpoint configured: set KG_SPARQL_UPDATE")
        if base_iri:
            update = f"BASE <{base_iri}>\n" + update
        self._post(self.update_url, {"update": update})
        self._changed()

    def _insert(self, quads: Iterable[ox.Quad]) -> None:
        """``INSERT DATA`` in chunks, grouped by graph."""
        iterator = iter(quads)
        while chunk := list(islice(iterator, UPDATE_CHUNK)):
            by_graph: dict[str, list[str]] = {}
            for quad in chunk:
                graph = _sparql_term(quad.graph_name, "graph name")
                triple = " ".join(
                    _sparql_term(t, "term") for t in (quad.subject, quad.predicate, quad.object)
                )
                by_graph.setdefault(graph, []).append(triple + " .")
            body = " ".join(
                f"GRAPH {g} {{ {' '.join(lines)} }}"
                if g != str(ox.DefaultGraph())
                else " ".join(lines)
                for g, lines in by_graph.items()
            )
            self.update(f"INSERT DATA {{ {body} }}")

    def _post_graph(self, graph: str, triples: list[ox.Triple]) -> None:
        """One Graph Store Protocol POST (merge) of ``triples`` into ``graph``."""
        assert self.gsp_url
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        self._post(
            self.gsp_url,
            params={"graph": graph},
            content=body,
            headers={"Content-Type": "text/turtle"},  # N-Triples is Turtle; every server reads it
        )

    def load(
        self,
        input: bytes | str | IO[bytes] | IO[str] | None = None,
        format: ox.RdfFormat | None = None,
        *,
        path: str | Path | None = None,
        base_iri: str | None = None,
        to_graph: Any = None,
    ) -> None:
        """Parse locally (strict: a bad file changes nothing remotely), then send the quads."""
        quads = parse_load_input(input, format, path=path, base_iri=base_iri, to_graph=to_graph)
        if self.gsp_url:
            by_graph: dict[str, list[ox.Triple]] = {}
            for quad in quads:
                if isinstance(quad.graph_name, ox.DefaultGraph):
                    raise ValueError("this store keeps data in named graphs: give a graph name")
                by_graph.setdefault(quad.graph_name.value, []).append(quad.triple)
            for graph, triples in by_graph.items():
                for start in range(0, len(triples), 100_000):
                    self._post_graph(graph, triples[start : start + 100_000])
            self._changed()
        else:
            self._insert(quads)

    bulk_load = load

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        self._insert(quads)

    def add(self, quad: ox.Quad) -> None:
        self._insert([quad])

    def remove(self, quad: ox.Quad) -> None:
        triple = " ".join(
            _sparql_term(t, "term") for t in (quad.subject, quad.predicate, quad.object)
        )
        self.update(
            f"DELETE DATA {{ GRAPH {_sparql_term(quad.graph_name, 'graph')} {{ {triple} }} }}"
        )

    def add_graph(self, graph_name: Any) -> None:
        self.update(f"CREATE SILENT GRAPH {_sparql_term(graph_name, 'graph')}")

    def clear_graph(self, graph_name: Any) -> None:
        self.update(f"CLEAR SILENT GRAPH {_sparql_term(graph_name, 'graph')}")

    def remove_graph(self, graph_name: Any) -> None:
        self.update(f"DROP SILENT GRAPH {_sparql_term(graph_name, 'graph')}")

    def flush(self) -> None:
        """Nothing to write: every change was sent when it was made."""


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""
