"""Materialise exactly the entailments the ontology declares (DESIGN.md §7): the rules and
their fixpoint, on triples in memory.

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

Two entry points share the engine (:func:`closure_rounds`): :func:`materialise` on triples in
memory (small graphs and the tests), and :func:`kg.reason.in_store.materialise_in_store` on
the data in an Oxigraph store (what ``kg build`` runs).

>>> from rdflib import Graph, URIRef, RDF
>>> onto = Graph().parse(data='''
...   @prefix : <urn:x:> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...   :Dog rdfs:subClassOf :Animal .''', format="turtle")
>>> rules = Rules.from_ontology(onto)
>>> rex_is_a_dog = (URIRef("urn:x:rex"), RDF.type, URIRef("urn:x:Dog"))
>>> sorted(str(o) for _, _, o in materialise(rules, [rex_is_a_dog]))
['urn:x:Animal']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from rdflib import OWL, RDF, RDFS, Graph
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
