"""How good the suggestions are, against links people made (``bench/suggest_eval.py`` prints
the table; the tests hold floors):

1. the official monitoring framework (decision 16/31): each indicator's title, alone, to the
   target it belongs to — the indicator's own title left out of the targets' words, so that
   it cannot find itself;
2. the Central Asia TSC workplan's own links, which the hand-made source holds and the
   suggester never sees: each thematic priority's text (its "Target N (…):" opening
   removed) to its target, and each biennium outcome's statement and outputs to its Annex I
   targets.

Each case is ranked against the 23 targets: precision at 1 and 3, recall at 3 and the mean
reciprocal rank of the first right target.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from kg.rdf.namespaces import MEA, PREFIXES, RDF_TYPE
from kg.suggest.corpus import Target

_DESCRIPTION = PREFIXES["dcterms"] + "description"
_SUBJECT = PREFIXES["dcterms"] + "subject"
_OPENING = re.compile(r"^\s*Target\s+\d+\s*(\([^)]*\))?\s*:?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    gold: frozenset[str]
    #: An indicator whose title the targets' words must leave out (set 1).
    leave_out: str | None = None


@dataclass(frozen=True)
class Scores:
    cases: int
    p_at_1: float
    p_at_3: float
    r_at_3: float
    mrr: float


def framework_cases(targets: Sequence[Target]) -> list[Case]:
    """Each indicator of each target: its title -> that target."""
    return [
        Case(f"indicator {iri.rsplit('_', 1)[-1]}", title, frozenset({t.iri}), leave_out=iri)
        for t in targets
        for iri, title in sorted(t.indicators.items())
    ]


def tsc_cases(triples: Iterable[ox.Triple]) -> list[Case]:
    """The TSC workplan's thematic priorities and outcomes with the targets it links them to."""
    by: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for t in triples:
        if isinstance(t.subject, ox.NamedNode) and not isinstance(t.object, ox.Triple):
            by[t.subject.value][t.predicate.value].append(t.object)

    def texts(subject: str, predicate: str) -> list[str]:
        return [o.value for o in by[subject][predicate] if isinstance(o, ox.Literal)]

    cases = []
    for subject, predicates in sorted(by.items()):
        kinds = {o.value for o in predicates[RDF_TYPE]}
        if str(MEA.Objective) in kinds and "priority-target" in subject:
            gold = frozenset(o.value for o in predicates[_SUBJECT])
            text = " ".join(_OPENING.sub("", d) for d in texts(subject, _DESCRIPTION))
            cases.append(Case(f"priority {subject.rsplit('-', 1)[-1]}", text, gold))
        elif str(MEA.Outcome) in kinds and predicates[str(MEA.contributesToTarget)]:
            gold = frozenset(o.value for o in predicates[str(MEA.contributesToTarget)])
            outputs = [o.value for o in predicates[str(MEA.hasOutput)]]
            words = texts(subject, _DESCRIPTION) + [
                d for output in outputs for d in texts(output, _DESCRIPTION)
            ]
            cases.append(Case(f"outcome {subject.rsplit('-', 1)[-1]}", " ".join(words), gold))
    return cases


def score(cases: Sequence[Case], rank: Callable[[Case], list[str]]) -> Scores:
    """The metrics of ``rank`` (a case -> target IRIs, best first) over ``cases``."""
    p1 = p3 = r3 = mrr = 0.0
    for case in cases:
        ranked = rank(case)
        top3 = ranked[:3]
        hits = [t for t in top3 if t in case.gold]
        p1 += ranked[0] in case.gold if ranked else 0
        p3 += len(hits) / 3
        r3 += len(hits) / len(case.gold)
        first = next((i for i, t in enumerate(ranked, start=1) if t in case.gold), None)
        mrr += 1 / first if first else 0
    n = len(cases) or 1
    return Scores(len(cases), p1 / n, p3 / n, r3 / n, mrr / n)
