"""LEO, the InforMEA thesaurus (a SKOS concept scheme): its vendored concepts, matching an
English label to one, and the subject terms of the graph that may match (the feed's document
keywords and the RDF dump's ``skos:closeMatch`` links)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from kg.publish.informea.reading import select_rows, term_text
from kg.publish.informea.schema import SCHEMA_DIR
from kg.stores.base import GraphStore

#: The IRI of the LEO concept scheme.
LEO_SCHEME = "http://www.informea.org/terms"


@dataclass(frozen=True)
class LeoConcept:
    """A concept of LEO, the InforMEA thesaurus (a SKOS concept scheme)."""

    iri: str
    label: str


def slug(label: str) -> str:
    """The LEO slug of an English label: lower case, spaces to hyphens.

    >>> slug("Conference of the Parties")
    'conference-of-the-parties'
    """
    return label.strip().lower().replace(" ", "-")


@lru_cache
def leo_concepts() -> dict[str, LeoConcept]:
    """The vendored LEO concepts by lower-case English label (``leo-terms.json``: real
    InforMEA glossary labels with their source; no concept is made up here)."""
    data = json.loads((SCHEMA_DIR / "leo-terms.json").read_text(encoding="utf-8"))
    scheme = data["scheme"].rstrip("/")
    return {label.lower(): LeoConcept(f"{scheme}/{slug(label)}", label) for label in data["labels"]}


def leo_match(label: str) -> LeoConcept | None:
    """The LEO concept whose English label is ``label`` (case-insensitive), if any.

    >>> leo_match("Reporting")
    LeoConcept(iri='http://www.informea.org/terms/reporting', label='reporting')
    >>> leo_match("Technical assistance") is None  # only a synonym in LEO, not a label
    True
    """
    return leo_concepts().get(" ".join(label.split()).lower())


def subject_terms(store: GraphStore) -> list[tuple[str | None, str, str]]:
    """``(document, concept, English label)`` for every SKOS concept used as
    ``dcterms:subject``; ``document`` is the document the subject's holder comes from (or
    the document itself), ``None`` when there is none."""
    query = """SELECT DISTINCT ?doc ?c ?label WHERE {
        ?x dcterms:subject ?c . ?c a skos:Concept .
        { ?c skos:prefLabel ?label } UNION { ?c rdfs:label ?label }
        FILTER(langMatches(lang(?label), "en"))
        OPTIONAL { { ?x a mea:Document . BIND(?x AS ?doc) } UNION { ?x mea:fromDocument ?doc } }
    }"""
    rows = [
        (term_text(r["doc"]) if "doc" in r else None, term_text(r["c"]), term_text(r["label"]))
        for r in select_rows(store, query)
    ]
    return sorted(set(rows), key=lambda t: (t[0] or "", t[1], t[2]))
