"""Who a cell names: organisations, projects, centres, agreements and countries already in the
graph, found by their labels, so that an import links to the entity the graph has instead of
minting a second one ("PCU CASPECO project" is ``id:org/caspeco-pcu`` if a source already
calls it so).

A name matches an entity's ``rdfs:label`` or ``skos:altLabel`` (case, punctuation and
spacing aside); a country also by its name in ISO 3166 (pycountry).
"Interim Secretariat" matches "Interim Secretariat of the Tehran Convention" when no other
label starts so ("<name> of …", a short name documents use). "national governments" and
"Contracting Parties" mean the document's parties (``--parties``, else the agreement's).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

from kg.ingest.places import country_code
from kg.ingest.terms import mea
from kg.rdf.namespaces import CANONICAL_BASE, RDF_TYPE, entity_iri

#: What names an entity. Not its description: "Host Government" described in one
#: document is not every document's host government.
_NAMING = {
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#altLabel",
}
#: The kinds of entity a partners, country or agreement cell may name.
ACTORS = {
    getattr(mea, name)
    for name in [
        "Organisation",
        "Centre",
        "RegionalCentre",
        "TSCSupportCentre",
        "InformationCentre",
        "Committee",
        "Project",
        "Country",
        "Party",
    ]
}
AGREEMENTS = {getattr(mea, name) for name in ("Agreement", "Convention", "Protocol")}
#: Phrases that mean the document's parties.
#: What joins two actors in an implementation cell; what follows "in support of" is the
#: purpose, not an actor ("Interim Secretariat in support of intergovernmental cooperation").
_ACTOR_JOINS = re.compile(
    r"\s*(?:;|,|\band\b|&|\bsupported by\b|\bin consultation with\b|\btogether with\b|"
    r"\bin cooperation with\b|\bin collaboration with\b|\bwith\b|/)\s*",
    re.IGNORECASE,
)
_PURPOSE = re.compile(r"\s+in support of\b.*$", re.IGNORECASE | re.DOTALL)
PARTIES_PHRASES = re.compile(
    r"^(?:the\s+)?(?:national\s+governments?|(?:contracting\s+)?parties|governments|"
    r"member\s+states|countries)$",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """A name for comparing: lower case, letters and digits, single spaces.

    >>> normalise("PCU  CASPECO-project.")
    'pcu caspeco project'
    """
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


class Names:
    """The names of the graph's actors and agreements, to their IRIs."""

    def __init__(
        self,
        triples: Iterable[ox.Triple],
        parties: Iterable[str] = (),
        *,
        base: str = CANONICAL_BASE,
        shared: Iterable[ox.Triple] = (),
        agreement: str | None = None,
    ) -> None:
        """``triples`` name the graph's entities under ``base``; the index holds their
        canonical IRIs, which sources are written with. Short names ("Interim Secretariat")
        come only from the ``shared`` entities (the reference data): a document's own "Host
        Government of the third Meeting" is no other document's host government."""
        served = base.rstrip("/") + "/"
        canonical = CANONICAL_BASE.rstrip("/") + "/"

        def iri(value: str) -> str:
            return canonical + value[len(served) :] if value.startswith(served) else value

        shared_iris = {iri(t.subject.value) for t in shared if isinstance(t.subject, ox.NamedNode)}
        kinds: dict[str, set[str]] = defaultdict(set)
        names: dict[str, set[str]] = defaultdict(set)
        members: dict[str, set[str]] = defaultdict(set)
        for t in (*triples, *shared):
            s, p, o = t.subject, t.predicate.value, t.object
            if not isinstance(s, ox.NamedNode):
                continue
            if p in _NAMING and isinstance(o, ox.Literal):
                names[iri(s.value)].add(o.value)
            elif not isinstance(o, ox.NamedNode):
                continue
            elif p == RDF_TYPE:
                kinds[iri(s.value)].add(o.value)
            elif p == mea.hasParty:
                members[iri(s.value)].add(iri(o.value))
            elif p == mea.partyTo:
                members[iri(o.value)].add(iri(s.value))
        self.actors = self._index(names, kinds, ACTORS)
        self.agreements = self._index(names, kinds, AGREEMENTS)
        self._actors_in: dict[str, list[tuple[bool, str]]] = {}
        self._known: re.Pattern[str] | None = None
        self.short = self._short_names({i: n for i, n in names.items() if i in shared_iris}, kinds)
        #: What "national governments" means: the parties given, else the agreement's.
        self.parties = [party_iri(code) for code in parties] or sorted(
            members.get(agreement or "", ())
        )

    @staticmethod
    def _index(
        names: dict[str, set[str]], kinds: dict[str, set[str]], wanted: set[str]
    ) -> dict[str, str]:
        index: dict[str, str] = {}
        for iri in sorted(names):
            if kinds.get(iri, set()) & wanted:
                for name in names[iri]:
                    index.setdefault(normalise(name), iri)
        return index

    @staticmethod
    def _short_names(names: dict[str, set[str]], kinds: dict[str, set[str]]) -> dict[str, str]:
        """ "interim secretariat" for "Interim Secretariat of the Tehran Convention", kept
        only when one entity has it."""
        found: dict[str, set[str]] = defaultdict(set)
        for iri, labels in names.items():
            if kinds.get(iri, set()) & ACTORS:
                for label in labels:
                    head = normalise(label).split(" of ", 1)
                    if len(head) == 2 and len(head[0].split()) >= 2:
                        found[head[0]].add(iri)
        return {name: next(iter(iris)) for name, iris in found.items() if len(iris) == 1}

    def actor(self, name: str) -> list[str]:
        """The IRIs ``name`` stands for (a country, an organisation, the parties), or []."""
        clean = normalise(name)
        if not clean:
            return []
        if PARTIES_PHRASES.match(clean):
            return list(self.parties)
        if clean in self.actors:
            return [self.actors[clean]]
        if clean in self.short:
            return [self.short[clean]]
        code = country_code(name)
        return [party_iri(code)] if code else []

    def agreement(self, name: str) -> str | None:
        clean = normalise(name)
        if clean in self.agreements:
            return self.agreements[clean]
        key = clean.replace(" ", "-")
        candidate = entity_iri(CANONICAL_BASE, "agreement", key)
        return candidate if candidate in set(self.agreements.values()) else None

    def actors_in(self, text: str) -> list[tuple[bool, str]]:
        """Who an implementation cell names, in order: ``(True, iri)`` for an entity the
        graph has, ``(False, name)`` for one it does not. Remembered per text: a table
        repeats the same few cells."""
        if text not in self._actors_in:
            self._actors_in[text] = self._read_actors(text)
        return self._actors_in[text]

    def _read_actors(self, text: str) -> list[tuple[bool, str]]:
        found: list[tuple[bool, str]] = []
        for segment in _ACTOR_JOINS.split(_PURPOSE.sub("", text)):
            segment = segment.strip(" .:")
            if not segment or segment.lower() in ("the", "their", "other"):
                continue
            iris = self.actor(segment)
            if not iris:
                iris, segment = self._known_parts(segment)
                found.extend((True, iri) for iri in iris)
                if segment:
                    found.append((False, segment))
                continue
            found.extend((True, iri) for iri in iris)
        return found

    def _known_parts(self, segment: str) -> tuple[list[str], str]:
        """The known names inside ``segment`` ("Interim Secretariat Host Government": the
        interim secretariat), longest first, and what is left of it ("Host Government")."""
        if self._known is None:
            names = sorted(
                (n for n in {*self.actors, *self.short} if len(n) >= 4), key=len, reverse=True
            )
            self._known = (
                re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)")
                if names
                else re.compile(r"(?!x)x")
            )
        iris: list[str] = []
        tokens = segment.split()
        words, owner = [], []  # the compared words, and the token each comes from
        for index, token in enumerate(tokens):
            for word in normalise(token).split():
                words.append(word)
                owner.append(index)
        text = " ".join(words)
        kept = list(tokens)
        for match in self._known.finditer(text):
            iris.extend(self.actor(match.group(0)))
            first = text[: match.start()].count(" ")
            for index in owner[first : first + match.group(0).count(" ") + 1]:
                kept[index] = ""
        rest = " ".join(w for w in kept if w).strip(" .,;:")
        return iris, rest


def party_iri(code: str) -> str:
    return entity_iri(CANONICAL_BASE, "party", code)
