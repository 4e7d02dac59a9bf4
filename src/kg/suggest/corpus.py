"""What a suggestion matches: the GBF targets, each as one text made of its KMGBF labels and
the titles of its indicators (headline, component, complementary, binary; decision 16/31);
and what is aligned: each activity, output, outcome and workplan of the sources that no
document links to a target, with its own words (label, title, description)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.rdf.namespaces import KMGBF, MEA, PREFIXES, RDF_TYPE

_NOTATION = PREFIXES["skos"] + "notation"
_PREF_LABEL = PREFIXES["skos"] + "prefLabel"
_TEXTS = (
    PREFIXES["rdfs"] + "label",
    PREFIXES["dcterms"] + "title",
    PREFIXES["dcterms"] + "description",
)
#: The properties that say which indicators a target has, whatever their role.
INDICATOR_ROLES = tuple(
    str(MEA[name])
    for name in (
        "hasHeadlineIndicator",
        "hasComponentIndicator",
        "hasComplementaryIndicator",
        "hasBinaryIndicator",
    )
)
#: Links that assert a target (a document's own): what has one is not given suggestions.
ASSERTED = tuple(
    str(MEA[name])
    for name in (
        "contributesToTarget",
        "prioritisesTarget",
        "contributesToTargetViaOutcome",
        "contributesToTargetViaActivity",
        "contributesToTargetViaWorkplan",
    )
)
#: The kinds of entity that get suggestions.
ALIGNED = tuple(str(MEA[name]) for name in ("Activity", "Output", "Outcome", "Workplan"))


@dataclass
class Target:
    iri: str
    code: str
    label: str
    #: Indicator IRI -> its title.
    indicators: dict[str, str] = field(default_factory=dict)

    def text(self, *, leave_out: str | None = None) -> str:
        """The words a match looks at; ``leave_out`` an indicator (evaluation: an indicator's
        own title must not find itself)."""
        titles = [t for iri, t in sorted(self.indicators.items()) if iri != leave_out]
        return " ".join([self.label, *titles])


@dataclass(frozen=True)
class Item:
    """An entity to align, with its words."""

    iri: str
    kind: str
    label: str
    text: str


def gbf_targets(triples: Iterable[ox.Triple]) -> list[Target]:
    """The targets of the GBF reference graph, in their order (1 to 23)."""
    kinds: dict[str, str] = {}
    notation: dict[str, str] = {}
    labels: dict[str, str] = {}
    roles: list[tuple[str, str]] = []
    for t in triples:
        if isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple):
            continue
        s, p, o = t.subject.value, t.predicate.value, t.object
        if p == RDF_TYPE:
            kinds[s] = o.value
        elif p == _NOTATION and isinstance(o, ox.Literal):
            notation[s] = o.value
        elif p == _PREF_LABEL and isinstance(o, ox.Literal):
            labels[s] = o.value
        elif p in INDICATOR_ROLES:
            roles.append((s, o.value))
    targets = {
        iri: Target(iri, notation.get(iri, ""), labels.get(iri, ""))
        for iri, kind in kinds.items()
        if kind == str(MEA.Target)
    }
    for target, indicator in roles:
        if target in targets and indicator in labels:
            targets[target].indicators[indicator] = labels[indicator]
    return sorted(targets.values(), key=lambda t: int(t.code) if t.code.isdigit() else 99)


def items_to_align(triples: Iterable[ox.Triple]) -> list[Item]:
    """The activities, outputs, outcomes and workplans of ``triples`` (the sources and what the
    build infers) that no document links to a target, with their words."""
    kinds: dict[str, str] = {}
    words: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, str] = {}
    asserted: set[str] = set()
    for t in triples:
        if not isinstance(t.subject, ox.NamedNode) or isinstance(t.object, ox.Triple):
            continue
        s, p, o = t.subject.value, t.predicate.value, t.object
        if p == RDF_TYPE and o.value in ALIGNED:
            kinds[s] = o.value.rsplit("#", 1)[-1]
        elif p in _TEXTS and isinstance(o, ox.Literal) and o.value not in words[s]:
            words[s].append(o.value)
            if p == _TEXTS[0]:
                labels.setdefault(s, o.value)
        elif p in ASSERTED and o.value.startswith(str(KMGBF)):
            asserted.add(s)
    return [
        Item(iri, kind, labels.get(iri, words[iri][0]), " ".join(words[iri]))
        for iri, kind in sorted(kinds.items())
        if iri not in asserted and words[iri]
    ]


def target_code(iri: str) -> str:
    """``…/kmgbf/target_3`` -> "3"."""
    match = re.search(r"target_(\d+)$", iri)
    return match.group(1) if match else iri
