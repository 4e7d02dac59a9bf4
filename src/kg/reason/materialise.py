"""Materialise exactly the entailments the ontology declares (DESIGN.md §7).

Five kinds of axiom are read from the ontology and applied to a fixpoint:

* ``rdfs:subClassOf`` (and ``owl:equivalentClass``): ``x a C, C ⊑ D  ⟹  x a D``
  (OWL 2 RL rule cax-sco)
* ``rdfs:subPropertyOf`` (and ``owl:equivalentProperty``): ``x p y, p ⊑ q  ⟹  x q y`` (prp-spo1)
* ``owl:inverseOf`` and ``owl:SymmetricProperty``: ``x p y ⟹ y q x`` (prp-inv1/2, prp-symp)
* ``owl:TransitiveProperty``: ``x p y, y p z ⟹ x p z`` (prp-trp)
* ``owl:propertyChainAxiom``: ``x p1 y1 … yn-1 pn z ⟹ x q z`` (prp-spo2)

Rules: https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules

The method is semi-naive forward chaining in rounds: the triples are grouped by predicate,
each round applies every rule to the pairs first seen in the round before (the *delta*) as
whole-set operations, and joins only look up the predicates that take part in a chain or
transitive axiom. owlrl computes the same closure (tests prove it on the seed graph) but
evaluates every OWL 2 RL rule over the whole graph on every round, which is what makes it slow
on large graphs.

Two entry points share the engine: :func:`materialise` on triples in memory (the build's
:func:`reason`), and :func:`materialise_in_store` on the data already in an Oxigraph store.
The latter reads what the rules need, computes in Python and bulk-loads the result, rather
than run one SPARQL ``INSERT … WHERE`` per rule to a fixpoint inside the store
(``sparql_fixpoint`` in ``bench/scale_bench.py``), because an update is a transaction and
Oxigraph writes a quad in a transaction about ten times slower than in a bulk load: on the
same 1M generated triples (1,336,524 entailments either way, 2 shared cores) the fixpoint
took 213 s and :func:`materialise_in_store` 44 s; at 100k, 24.3 s against 4.4 s.

>>> from rdflib import Graph, URIRef, RDF
>>> onto = Graph().parse(data='''
...   @prefix : <urn:x:> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...   :Dog rdfs:subClassOf :Animal .''', format="turtle")
>>> rules = Rules.from_ontology(onto)
>>> rex_is_a_dog = (URIRef("urn:x:rex"), RDF.type, URIRef("urn:x:Dog"))
>>> sorted(str(o) for _, _, o in materialise(rules, [rex_is_a_dog]))
['urn:x:Animal']

In a store, the entailments go to a named graph of their own:

>>> import pyoxigraph as ox
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
from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from sys import intern
from typing import Any, TypeVar

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

Term = Hashable
K = TypeVar("K", bound=Hashable)
Triple = tuple[Term, Term, Term]
Pairs = set[tuple[Any, Any]]
#: Subject-object pairs by predicate: the engine's view of a set of triples.
ByPredicate = dict[Any, Pairs]


def close_parents(parents: Mapping[K, set[K]]) -> dict[K, set[K]]:
    """Each node's ancestors at any depth (itself excluded), from its direct parents."""
    closed: dict[K, set[K]] = {}
    for start in list(parents):
        seen: set[K] = set()
        stack = list(parents[start])
        while stack:
            node = stack.pop()
            if node not in seen and node != start:
                seen.add(node)
                stack.extend(parents.get(node, ()))
        closed[start] = seen
    return closed


def _closure(pairs: Iterable[tuple[Node, Node]]) -> dict[Node, set[Node]]:
    """Reflexive-free transitive closure of a sub-relation: node -> all its ancestors."""
    parents: dict[Node, set[Node]] = defaultdict(set)
    for child, parent in pairs:
        if child != parent:
            parents[child].add(parent)
    return close_parents(parents)


@dataclass(frozen=True)
class Rules:
    """The axioms of an ontology, compiled for :func:`materialise`."""

    rdf_type: Term
    superclasses: dict[Term, frozenset[Term]] = field(default_factory=dict)
    superproperties: dict[Term, frozenset[Term]] = field(default_factory=dict)
    inverses: dict[Term, frozenset[Term]] = field(default_factory=dict)
    transitive: frozenset[Term] = frozenset()
    chains: tuple[tuple[tuple[Term, ...], Term], ...] = ()

    @classmethod
    def from_ontology(cls, ontology: Graph, convert: Callable[[Node], Term] | None = None) -> Rules:
        """Compile the axioms of ``ontology``. ``convert`` maps rdflib terms to the term type
        of the triples the rules will run on (identity when running on rdflib terms)."""

        def c(term: Node) -> Term:
            return convert(term) if convert else term

        sub_class = list(ontology.subject_objects(RDFS.subClassOf))
        for a, b in ontology.subject_objects(OWL.equivalentClass):
            sub_class += [(a, b), (b, a)]
        sub_prop = list(ontology.subject_objects(RDFS.subPropertyOf))
        for a, b in ontology.subject_objects(OWL.equivalentProperty):
            sub_prop += [(a, b), (b, a)]
        inverses: dict[Term, set[Term]] = defaultdict(set)
        for a, b in ontology.subject_objects(OWL.inverseOf):
            inverses[c(a)].add(c(b))
            inverses[c(b)].add(c(a))
        for p in ontology.subjects(RDF.type, OWL.SymmetricProperty):
            inverses[c(p)].add(c(p))
        chains = []
        for prop, head in ontology.subject_objects(OWL.propertyChainAxiom):
            steps = tuple(c(step) for step in Collection(ontology, head))
            if steps:
                chains.append((steps, c(prop)))
        return cls(
            rdf_type=c(RDF.type),
            superclasses={
                c(k): frozenset(c(v) for v in vs) for k, vs in _closure(sub_class).items() if vs
            },
            superproperties={
                c(k): frozenset(c(v) for v in vs) for k, vs in _closure(sub_prop).items() if vs
            },
            inverses={k: frozenset(v) for k, v in inverses.items()},
            transitive=frozenset(c(p) for p in ontology.subjects(RDF.type, OWL.TransitiveProperty)),
            chains=tuple(chains),
        )

    @property
    def joined_predicates(self) -> frozenset[Term]:
        """Predicates whose triples must be indexed for joins."""
        steps = {step for chain, _ in self.chains for step in chain}
        return frozenset(steps | set(self.transitive))

    @property
    def triggering_predicates(self) -> frozenset[Term]:
        """Predicates other than ``rdf:type`` whose triples can fire a rule or join one."""
        return frozenset(self.superproperties) | frozenset(self.inverses) | self.joined_predicates

    @property
    def derivable_predicates(self) -> frozenset[Term]:
        """Predicates an entailed triple can have."""
        out = {self.rdf_type} | set(self.transitive) | {head for _, head in self.chains}
        for targets in (*self.superproperties.values(), *self.inverses.values()):
            out |= targets
        return frozenset(out)

    @property
    def types_by_property_axiom(self) -> bool:
        """Whether ``rdf:type`` triples can fire or follow from a property axiom (an odd
        ontology), so that every ``rdf:type`` triple matters, not only those of
        :attr:`typing_classes`."""
        targets = set(self.transitive) | {head for _, head in self.chains}
        for axiom_targets in (*self.superproperties.values(), *self.inverses.values()):
            targets |= axiom_targets
        return self.rdf_type in targets or self.rdf_type in self.triggering_predicates

    @property
    def typing_classes(self) -> frozenset[Term]:
        """Classes whose ``rdf:type`` triples can fire a rule or be entailed."""
        out = set(self.superclasses)
        for targets in self.superclasses.values():
            out |= targets
        return frozenset(out)


class _Index:
    """Subject and object indexes for the predicates that take part in joins, each only in
    the directions a join walks it: forward (by subject) for chain steps after the first
    and transitive properties, backward (by object) for steps before the last and
    transitive properties."""

    def __init__(self, rules: Rules) -> None:
        forward = set(rules.transitive)
        backward = set(rules.transitive)
        for steps, _ in rules.chains:
            forward.update(steps[1:])
            backward.update(steps[:-1])
        self.by_subject: dict[Term, defaultdict[Term, set[Term]]] = {
            p: defaultdict(set) for p in forward
        }
        self.by_object: dict[Term, defaultdict[Term, set[Term]]] = {
            p: defaultdict(set) for p in backward
        }

    def add(self, predicate: Term, pairs: Pairs) -> None:
        by_subject = self.by_subject.get(predicate)
        if by_subject is not None:
            for s, o in pairs:
                by_subject[s].add(o)
        by_object = self.by_object.get(predicate)
        if by_object is not None:
            for s, o in pairs:
                by_object[o].add(s)

    def walk(self, start: Term, steps: tuple[Term, ...], forward: bool) -> set[Term] | None:
        """Nodes reached from ``start`` along ``steps`` (forward) or against them
        (backward); ``None`` or empty when there are none."""
        if len(steps) == 1:  # the common case (two-step chains): one lookup
            return (self.by_subject if forward else self.by_object)[steps[0]].get(start)
        nodes = {start}
        for step in steps if forward else reversed(steps):
            index = self.by_subject[step] if forward else self.by_object[step]
            reached: set[Term] = set()
            for node in nodes:
                found = index.get(node)
                if found:
                    reached |= found
            nodes = reached
            if not nodes:
                break
        return nodes


def _apply(rules: Rules, index: _Index, predicate: Term, delta: Pairs, out: ByPredicate) -> None:
    """Add to ``out`` what every rule derives from the new pairs ``delta`` of ``predicate``
    (joined against everything known so far, ``delta`` included)."""
    if predicate == rules.rdf_type:
        superclasses = rules.superclasses
        typed = out.setdefault(predicate, set())
        for s, cls in delta:
            for superclass in superclasses.get(cls, ()):
                typed.add((s, superclass))
    for superproperty in rules.superproperties.get(predicate, ()):
        out.setdefault(superproperty, set()).update(delta)
    for inverse in rules.inverses.get(predicate, ()):
        out.setdefault(inverse, set()).update([(o, s) for s, o in delta])
    if predicate in rules.transitive:
        forward, backward = index.by_subject[predicate], index.by_object[predicate]
        closed = out.setdefault(predicate, set())
        for s, o in delta:
            for z in forward.get(o, ()):
                closed.add((s, z))
            for w in backward.get(s, ()):
                closed.add((w, o))
    for steps, head in rules.chains:
        for position, step in enumerate(steps):
            if step == predicate:
                _apply_chain(index, steps[:position], steps[position + 1 :], delta, head, out)


def _apply_chain(
    index: _Index,
    before: tuple[Term, ...],
    after: tuple[Term, ...],
    delta: Pairs,
    head: Term,
    out: ByPredicate,
) -> None:
    """``x before… s``, ``s p o`` (a pair of ``delta``), ``o after… z``  ⟹  ``x head z``."""
    chained = out.setdefault(head, set())
    if not before:
        for s, o in delta:
            for z in index.walk(o, after, forward=True) or ():
                chained.add((s, z))
    elif not after:
        for s, o in delta:
            for x in index.walk(s, before, forward=False) or ():
                chained.add((x, o))
    else:
        for s, o in delta:
            starts = index.walk(s, before, forward=False)
            if starts:
                ends = index.walk(o, after, forward=True) or ()
                chained.update([(x, z) for x in starts for z in ends])


def closure_rounds(
    rules: Rules,
    asserted: ByPredicate,
    on_round: Callable[[ByPredicate], None] | None = None,
) -> ByPredicate:
    """The pairs the rules entail from ``asserted`` that are not among them, by predicate.

    ``asserted`` is read, never changed. ``on_round`` (if given) receives each round's new
    entailments as soon as the round ends: they are final, so a caller can start writing
    them while the next round runs.
    """
    known: ByPredicate = {p: set(pairs) for p, pairs in asserted.items() if pairs}
    index = _Index(rules)
    for predicate, pairs in known.items():
        index.add(predicate, pairs)
    inferred: ByPredicate = {}
    delta: ByPredicate = known
    while delta:
        candidates: ByPredicate = {}
        for predicate, pairs in delta.items():
            _apply(rules, index, predicate, pairs, candidates)
        delta = {}
        for predicate, pairs in candidates.items():
            seen = known.setdefault(predicate, set())
            fresh = pairs - seen
            if fresh:
                seen |= fresh
                index.add(predicate, fresh)
                inferred.setdefault(predicate, set()).update(fresh)
                delta[predicate] = fresh
        if delta and on_round is not None:
            on_round(delta)
    return inferred


def group_by_predicate(triples: Iterable[Triple]) -> ByPredicate:
    """``{p: {(s, o), ...}}`` from ``(s, p, o)`` triples."""
    grouped: defaultdict[Any, Pairs] = defaultdict(set)
    for s, p, o in triples:
        grouped[p].add((s, o))
    return dict(grouped)


def materialise(rules: Rules, triples: Iterable[Triple]) -> set[Triple]:
    """The triples the rules entail from ``triples`` that are not among them."""
    inferred = closure_rounds(rules, group_by_predicate(triples))
    return {(s, p, o) for p, pairs in inferred.items() for s, o in pairs}


def reason(ontology: Graph, graphs: Iterable[Graph]) -> Graph:
    """The entailments ``ontology`` declares over itself and ``graphs``, as a new graph."""
    rules = Rules.from_ontology(ontology)
    triples: set[Triple] = set(ontology)
    for graph in graphs:
        triples.update(graph)
    inferred = Graph()
    for triple in materialise(rules, triples):
        inferred.add(triple)  # type: ignore[arg-type]
    return inferred


# ----------------------------------------------------------------------------- in a store


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
