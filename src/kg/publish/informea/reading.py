"""Reading the store for the feed: the values of selected predicates per subject
(:class:`Described`), the rows of a SELECT, and the small conversions records need (an entity's
key, an ``xsd:date``). Queries are SPARQL strings run on the union graph."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from kg.query.execute import execute
from kg.rdf.namespaces import PREFIXES
from kg.stores.base import GraphStore, is_solutions

# The IRIs records are read with, as plain strings: they are compared with the store's answers
# as dictionary keys, where an rdflib ``URIRef`` would not equal its string.
MEA = PREFIXES["mea"]
SKOS = PREFIXES["skos"]
DCT = PREFIXES["dcterms"]
RDFS_LABEL = PREFIXES["rdfs"] + "label"
RDFS_SEE_ALSO = PREFIXES["rdfs"] + "seeAlso"
XSD_DATE = PREFIXES["xsd"] + "date"


def term_text(term: object) -> str:
    """The IRI or lexical form of a term (``str`` of anything else)."""
    return str(getattr(term, "value", term))


@dataclass
class Described:
    """The values of selected predicates per subject: ``values[subject][predicate]``."""

    values: dict[str, dict[str, list[object]]]

    def get(self, subject: str, predicate: str) -> list[object]:
        return self.values.get(subject, {}).get(predicate, [])

    def strings(self, subject: str, predicate: str) -> list[str]:
        return sorted({term_text(v) for v in self.get(subject, predicate)})

    def english(self, subject: str, predicate: str) -> list[str]:
        """Values tagged ``@en`` (or ``en-*``), sorted."""
        return sorted(
            {
                v.value
                for v in self.get(subject, predicate)
                if isinstance(v, ox.Literal) and (v.language or "").lower().split("-")[0] == "en"
            }
        )

    def first_english(self, subject: str, predicate: str) -> str | None:
        values = self.english(subject, predicate)
        return values[0] if values else None

    def localized(self, subject: str, predicate: str) -> list[dict[str, str]]:
        """``LocalizableString`` list of the language-tagged values (English first)."""
        pairs = {
            ((v.language or "").split("-")[0].lower(), v.value)
            for v in self.get(subject, predicate)
            if isinstance(v, ox.Literal) and v.language
        }
        ordered = sorted(pairs, key=lambda p: (p[0] != "en", p[0], p[1]))
        return [{"language": lang, "value": value} for lang, value in ordered]


def describe(store: GraphStore, type_iri: str, predicates: Iterable[str]) -> Described:
    """The values of ``predicates`` for every instance of ``type_iri`` (union graph)."""
    listed = ", ".join(f"<{p}>" for p in predicates)
    query = f"""SELECT DISTINCT ?s ?p ?o WHERE {{
        ?s a <{type_iri}> ; ?p ?o . FILTER(?p IN ({listed})) }}"""
    values: dict[str, dict[str, list[object]]] = {}
    for row in select_rows(store, query):
        bucket = values.setdefault(term_text(row["s"]), {}).setdefault(term_text(row["p"]), [])
        if row["o"] not in bucket:
            bucket.append(row["o"])
    return Described(values)


def select_rows(store: GraphStore, query: str) -> list[dict[str, object]]:
    """The solutions of a SELECT (the project's prefixes given) as dicts of bound variables."""
    solutions = execute(store, query, with_prefixes=True)
    assert is_solutions(solutions)
    names = [v.value for v in solutions.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in solutions]


def entity_key(iri: str) -> str:
    """The key of an entity IRI (``.../id/decision/BC-14-18`` -> ``BC-14-18``)."""
    return iri.rstrip("/").rsplit("/", 1)[-1]


def first_date(values: Sequence[object]) -> str | None:
    """The first ``xsd:date`` value as ``YYYY-MM-DD``."""
    dates = sorted(
        v.value for v in values if isinstance(v, ox.Literal) and v.datatype.value == XSD_DATE
    )
    return dates[0] if dates else None
