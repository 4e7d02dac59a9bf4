"""Materialise the ontology's declared entailments over the data already in a store
(:func:`materialise_in_store`), with the engine of :mod:`kg.reason.rules`.

:func:`materialise_in_store` reads what the rules need, computes in Python and bulk-loads the
result, rather than run one SPARQL ``INSERT … WHERE`` per rule to a fixpoint inside the store
(``sparql_fixpoint`` in ``bench/scale_bench.py``), because an update is a transaction and
Oxigraph writes a quad in a transaction about ten times slower than in a bulk load: on the
same 1M generated triples (1,336,524 entailments either way, 2 shared cores) the fixpoint
took 213 s and :func:`materialise_in_store` 44 s; at 100k, 24.3 s against 4.4 s.

The entailments go to a named graph of their own:

>>> import pyoxigraph as ox
>>> from rdflib import Graph
>>> onto = Graph().parse(data='''
...   @prefix : <urn:x:> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...   :Dog rdfs:subClassOf :Animal .''', format="turtle")
>>> store = ox.Store()
>>> store.load(b"<urn:x:g> { <urn:x:rex> a <urn:x:Dog> }", format=ox.RdfFormat.TRIG)
>>> materialise_in_store(store, onto, into_graph="urn:x:inferred")
1
>>> inferred = ox.NamedNode("urn:x:inferred")
>>> [q.object.value for q in store.quads_for_pattern(None, None, None, inferred)]
['urn:x:Animal']
"""

from __future__ import annotations

import multiprocessing
import os
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from sys import intern
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.reason.rules import ByPredicate, Pairs, Rules, closure_rounds


def nt_term(term: Node) -> str:
    """An rdflib term in N-Triples syntax, as Oxigraph writes it.

    >>> nt_term(URIRef("urn:x:a")), nt_term(Literal("a", lang="en"))
    ('<urn:x:a>', '"a"@en')
    """
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        if term.language:
            return str(ox.Literal(str(term), language=term.language))
        datatype = ox.NamedNode(str(term.datatype)) if term.datatype else None
        return str(ox.Literal(str(term), datatype=datatype))
    raise TypeError(f"no N-Triples form for {term!r}")


def _union(pattern: str) -> str:
    """A pattern matched in the default graph and in every named graph."""
    return f"{{ {{ {pattern} }} UNION {{ GRAPH ?g {{ {pattern} }} }} }}"


#: One read of the asserted data: ``("class", class)`` for the subjects typed with a class
#: (rdf:type read one class at a time), ``("predicate", predicate)`` for a predicate's pairs.
ReadTask = tuple[str, str]


def _read_tasks(rules: Rules) -> list[ReadTask]:
    """The reads the rules need: the predicates and classes they mention, and no more."""
    rdf_type = str(rules.rdf_type)
    predicates = set(map(str, rules.triggering_predicates | rules.derivable_predicates))
    classes: list[str] = []
    if not rules.types_by_property_axiom:  # otherwise every rdf:type triple may matter
        classes = sorted(map(str, rules.typing_classes))
        predicates.discard(rdf_type)
    return [("class", c) for c in classes] + [("predicate", p) for p in sorted(predicates)]


def _fetch(store: ox.Store, task: ReadTask) -> bytes:
    """The answer to one read, serialised by Oxigraph (where nearly all of a read's time
    goes: each term of the answer is looked up and decoded)."""
    kind, name = task
    if kind == "class":
        answer: Any = store.query(f"SELECT ?s WHERE {_union(f'?s a {name}')}")
        return bytes(answer.serialize(format=ox.QueryResultsFormat.TSV))
    answer = store.query(f"CONSTRUCT {{ ?s {name} ?o }} WHERE {_union(f'?s {name} ?o')}")
    return bytes(answer.serialize(format=ox.RdfFormat.N_TRIPLES))


def _parse(task: ReadTask, raw: bytes) -> tuple[Pairs, bool]:
    """The pairs in the answer ``raw`` to ``task``, and whether it may hold a blank node (or a
    triple term)."""
    kind, name = task
    data = raw.decode()
    if kind == "class":
        lines = data.split("\n")
        return {(intern(s), name) for s in lines[1:] if s}, "_:" in data
    # One triple a line, " .\n" only at line ends (N-Triples escapes newlines).
    lines = data.split(" .\n")
    lines.pop()
    skip = len(name) + 1
    pairs = set()
    for line in lines:
        s, _, rest = line.partition(" ")
        pairs.add((intern(s), intern(rest[skip:])))
    return pairs, "_:" in data or "<<" in data


#: The smallest store (bytes on disk) worth reader processes: starting them costs about half
#: a second, which a read of about 200k quads (some 60 MiB of store) wins back.
_READERS_MIN_BYTES = 64 * 2**20

_READER: ox.Store | None = None


def _store_bytes(path: str) -> int:
    return sum(f.stat().st_size for f in Path(path).iterdir() if f.is_file())


def _open_reader(path: str) -> None:
    global _READER
    _READER = ox.Store.read_only(path)


def _fetch_in_reader(task: ReadTask) -> tuple[ReadTask, bytes]:
    assert _READER is not None
    return task, _fetch(_READER, task)


def _read_asserted(
    store: ox.Store, rules: Rules, *, store_path: str | None = None, workers: int = 1
) -> tuple[ByPredicate, bool]:
    """The asserted pairs the rules can use or entail, terms in N-Triples syntax, and
    whether any answer may hold a blank node (or a triple term).

    Reading is what costs in a store, so only the predicates and classes the rules mention
    are read, one query each, with the constant left out of the answer: ``rdf:type`` triples
    one class at a time, as SPARQL TSV results
    (https://www.w3.org/TR/sparql11-results-csv-tsv/) of the subject alone; other predicates
    one at a time, as N-Triples (TSV would abbreviate some literals). Terms are interned: a
    node in many triples is then one string in memory, compared by identity.

    pyoxigraph holds the GIL while it evaluates a query, so threads do not help; given the
    directory of an on-disk store (``store_path``) big enough to be worth it, ``workers``
    processes each open it read-only and answer a share of the reads, while this process
    parses the answers.
    """
    tasks = _read_tasks(rules)
    answers: Iterable[tuple[ReadTask, bytes]]
    pool = None
    if (
        store_path is not None
        and workers > 1
        and len(tasks) > 1
        and _store_bytes(store_path) >= _READERS_MIN_BYTES
    ):
        pool = multiprocessing.get_context("forkserver").Pool(
            workers, initializer=_open_reader, initargs=(store_path,)
        )
        answers = pool.imap_unordered(_fetch_in_reader, tasks)
    else:
        answers = ((task, _fetch(store, task)) for task in tasks)
    asserted: defaultdict[str, Pairs] = defaultdict(set)
    blank = False
    try:
        for task, raw in answers:
            pairs, may_be_blank = _parse(task, raw)
            blank = blank or may_be_blank
            if pairs:
                key = str(rules.rdf_type) if task[0] == "class" else task[1]
                asserted[key] |= pairs
    finally:
        if pool is not None:
            pool.terminate()
    return dict(asserted), blank


def _ox_term(text: str) -> Any:
    """An N-Triples term as a pyoxigraph term, blank node labels kept (a parser renames them)."""
    if text.startswith("_:"):
        return ox.BlankNode(text[2:])
    if text.startswith("<") and not text.startswith("<<"):
        return ox.NamedNode(text[1:-1])
    line = f"<urn:x:s> <urn:x:p> {text} ."
    return next(iter(ox.parse(line, format=ox.RdfFormat.N_TRIPLES))).object


#: The fewest derived quads worth a ``bulk_load`` of their own before the end: every load
#: ends by ingesting new files into the store, which costs a compaction, so many small loads
#: cost more than a few large ones (measured at 1M triples: seven loads of 200k quads took
#: twice the CPU of one load of all of them).
_MIN_LOAD = 300_000


class _Writer:
    """Bulk-loads derived quads into one graph from worker threads while the engine goes on.

    pyoxigraph releases the GIL while it loads, so a round's entailments are parsed and
    indexed on another core while Python computes the next round. A load starts when enough
    quads are waiting and a worker is free; what is left at the end is split across the
    free workers. Quads with blank nodes are added with ``bulk_extend`` at the end, because a
    parser would give their nodes new labels.
    """

    def __init__(self, store: ox.Store, graph: str, workers: int, *, blank: bool) -> None:
        self.store = store
        self.check_blank = blank
        self.graph = graph
        self.tail = f" <{graph}> .\n"
        self.workers = max(1, workers)
        self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="kg-reason-load")
        self.running: list[Future[None]] = []
        self.waiting: list[str] = []
        self.blank: list[tuple[str, str, str]] = []

    def write(self, derived: ByPredicate) -> None:
        lines = self.waiting
        tail = self.tail
        for predicate, pairs in derived.items():
            middle = f" {predicate} "
            if not self.check_blank:
                lines.extend([s + middle + o + tail for s, o in pairs])
                continue
            for s, o in pairs:
                if s[0] == "_" or o[0] == "_" or o.startswith("<<"):
                    self.blank.append((s, predicate, o))
                else:
                    lines.append(s + middle + o + tail)
        if len(lines) >= _MIN_LOAD and self._free() > 0:
            self._load(lines)
            self.waiting = []

    def _free(self) -> int:
        """Workers not loading; raises the error of a load that failed."""
        for load in [load for load in self.running if load.done()]:
            load.result()
            self.running.remove(load)
        return self.workers - len(self.running)

    def _load(self, lines: list[str]) -> None:
        data = "".join(lines).encode()
        self.running.append(
            self.pool.submit(self.store.bulk_load, data, ox.RdfFormat.N_QUADS, lenient=True)
        )

    def abandon(self) -> None:
        """Load nothing more; wait for the loads already running (they cannot be stopped)."""
        self.waiting, self.blank = [], []
        self.pool.shutdown(wait=True)

    def close(self) -> None:
        """Load what is waiting, wait for every load, then add the blank-node quads."""
        try:
            lines, self.waiting = self.waiting, []
            parts = max(1, min(self._free(), len(lines) // (_MIN_LOAD // 2)))
            share = -(-len(lines) // parts)
            for start in range(0, len(lines), share or 1):
                self._load(lines[start : start + share])
            del lines
            for load in self.running:
                load.result()
            if self.blank:
                graph = ox.NamedNode(self.graph)
                self.store.bulk_extend(
                    ox.Quad(_ox_term(s), _ox_term(p), _ox_term(o), graph) for s, p, o in self.blank
                )
                self.blank = []
        finally:
            self.pool.shutdown(wait=True)


def materialise_in_store(
    store: Any,
    ontology_graph: Graph,
    *,
    into_graph: str,
    workers: int | None = None,
    store_path: str | None = None,
) -> int:
    """Materialise the entailments ``ontology_graph`` declares over the data in ``store``
    into the named graph ``into_graph``; return how many triples were inferred.

    The data are every quad of the store outside ``into_graph`` (default graph included);
    the result is exactly ``materialise(rules, those triples)``. ``into_graph`` is emptied
    first: on an Oxigraph store that is a transaction per quad, so re-run into a fresh
    store or graph when it is big. Blank nodes in ``ontology_graph`` should be skolemised
    (:func:`kg.build.inputs.load_ontology` does) if they can be classes of the data.

    On a ``pyoxigraph.Store`` the asserted triples the rules can use are read with one query
    per predicate and class (see :func:`_read_asserted`; from ``workers`` processes when
    ``store_path``, the store's directory, is given), the closure is computed by
    :func:`closure_rounds` on N-Triples strings (cheap to hash), and each round's entailments
    are bulk-loaded from ``workers`` threads (default: one per core) while the next round
    runs. Other :class:`kg.stores.GraphStore` backends are read with ``quads_for_pattern``
    and written with ``extend``.
    """
    graph_term = ox.NamedNode(into_graph)
    if store.contains_named_graph(graph_term):
        store.clear_graph(graph_term)
    if not isinstance(store, ox.Store):
        return _materialise_generic(store, ontology_graph, graph_term)
    rules = Rules.from_ontology(ontology_graph, convert=nt_term)
    workers = workers or os.cpu_count() or 2
    if store_path is not None:
        store.flush()  # the readers open the directory: they see what is on disk
    asserted, blank = _read_asserted(store, rules, store_path=store_path, workers=workers)
    blank = blank or "_:" in repr(rules)  # derived terms come from the data and the rules
    writer = _Writer(store, into_graph, workers, blank=blank)
    try:
        inferred = closure_rounds(rules, asserted, on_round=writer.write)
    except BaseException:
        writer.abandon()
        raise
    writer.close()
    store.add_graph(graph_term)
    return sum(len(pairs) for pairs in inferred.values())


def _materialise_generic(store: Any, ontology_graph: Graph, graph: ox.NamedNode) -> int:
    """:func:`materialise_in_store` through the plain store interface (pyoxigraph terms)."""
    rules = Rules.from_ontology(ontology_graph, convert=lambda t: _ox_term(nt_term(t)))
    asserted: defaultdict[Any, Pairs] = defaultdict(set)
    for predicate in rules.triggering_predicates | rules.derivable_predicates:
        for quad in store.quads_for_pattern(None, predicate, None, None):
            if quad.graph_name != graph:
                asserted[predicate].add((quad.subject, quad.object))
    inferred = closure_rounds(rules, dict(asserted))
    store.extend(ox.Quad(s, p, o, graph) for p, pairs in inferred.items() for s, o in pairs)
    store.add_graph(graph)
    return sum(len(pairs) for pairs in inferred.values())
