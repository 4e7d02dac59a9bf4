"""The records of the ``Documents`` set: a document is sent when it has an English title and is
about a treaty with an InforMEA id; its keywords are the LEO concepts its subjects match."""

from __future__ import annotations

from collections.abc import Mapping

from kg.publish.informea.entity_sets import Record
from kg.publish.informea.leo import LeoConcept, leo_match, subject_terms
from kg.publish.informea.reading import (
    DCT,
    MEA,
    describe,
    entity_key,
    first_date,
    select_rows,
    term_text,
)
from kg.publish.informea.records import RecordContext
from kg.stores.base import GraphStore


def document_records(ctx: RecordContext, kept_meetings: Mapping[str, Record]) -> None:
    """A ``Documents`` record per document, referring to the decisions already in the feed and
    to ``kept_meetings``."""
    docs = describe(
        ctx.store,
        MEA + "Document",
        [
            DCT + "title",
            DCT + "description",
            DCT + "date",
            DCT + "creator",
            MEA + "unSymbol",
            MEA + "country",
            MEA + "author",
            MEA + "citesDecision",
            MEA + "concernsMeeting",
        ],
    )
    treaties = _document_treaties(ctx.store)
    keywords = _document_keywords(ctx.store)
    authors = _author_labels(ctx.store)
    decision_ids = {r["id"] for r in ctx.content.records["Decisions"]}
    for iri in sorted(docs.values):
        ident = entity_key(iri)
        problems: list[str] = []
        titles = docs.localized(iri, DCT + "title")
        if not any(t["language"] == "en" for t in titles):
            problems.append("no English title (dcterms:title)")
        agreements = treaties.get(iri, set())
        ids = sorted({t for t in (ctx.treaty(a) for a in agreements) if t})
        if not ids:
            problems.append(
                "no treaty with an InforMEA id"
                + (f" (linked to {linked})" if (linked := ctx.names(agreements)) else "")
            )
        if problems:
            ctx.exclude("Documents", iri, problems)
            continue
        for agreement in sorted(agreements):
            if ctx.treaty(agreement) is None:
                ctx.note("Documents", ident, f"treaty left out: {ctx.no_treaty_id(agreement)}")
        record: Record = {"id": ident}
        published = first_date(docs.get(iri, DCT + "date"))
        if published:
            record["published"] = published
        elif docs.get(iri, DCT + "date"):
            ctx.note(
                "Documents",
                ident,
                "published left out: the graph gives only "
                + repr(docs.strings(iri, DCT + "date")[0]),
            )
        record["treaties"] = ids
        countries = [c for c in (ctx.alpha3(x) for x in docs.strings(iri, MEA + "country")) if c]
        if len(countries) == 1:
            record["country"] = countries[0]
        record["titles"] = titles
        descriptions = docs.localized(iri, DCT + "description")
        if descriptions:
            record["descriptions"] = descriptions
        people = [
            {"name": authors[a], "type": "organization"}
            for a in docs.strings(iri, MEA + "author")
            if a in authors
        ] + [{"name": name} for name in docs.english(iri, DCT + "creator")]
        if people:
            record["authors"] = sorted(people, key=lambda a: a["name"])
        identifiers = [{"name": "symbol", "value": s} for s in docs.strings(iri, MEA + "unSymbol")]
        identifiers.append({"name": "uri", "value": iri})
        record["identifiers"] = identifiers
        terms = keywords.get(iri, [])
        if terms:
            record["keywords"] = [
                {"termURI": c.iri, "scope": "leo", "literalForm": c.label} for c in terms
            ]
        references = [
            {"type": "decision", "refId": entity_key(d)}
            for d in docs.strings(iri, MEA + "citesDecision")
            if entity_key(d) in decision_ids
        ] + [
            {"type": "meeting", "refId": entity_key(m)}
            for m in docs.strings(iri, MEA + "concernsMeeting")
            if m in kept_meetings
        ]
        if references:
            record["references"] = references
        ctx.content.records["Documents"].append(record)


def _document_treaties(store: GraphStore) -> dict[str, set[str]]:
    """Agreements a document is about: its subject, the agreement of a decision it cites or
    of a meeting it concerns, or of a workplan it sets out."""
    query = """SELECT DISTINCT ?doc ?a WHERE {
        ?doc a mea:Document .
        { ?doc dcterms:subject ?a . ?a a mea:Agreement }
        UNION { ?doc dcterms:subject/mea:underAgreement ?a }
        UNION { ?doc mea:citesDecision/mea:underAgreement ?a }
        UNION { ?doc mea:concernsMeeting/(mea:meetingOf|mea:underAgreement) ?a }
        UNION { ?w mea:fromDocument ?doc ; a mea:Workplan ; mea:underAgreement ?a }
    }"""
    found: dict[str, set[str]] = {}
    for row in select_rows(store, query):
        found.setdefault(term_text(row["doc"]), set()).add(term_text(row["a"]))
    return found


def _document_keywords(store: GraphStore) -> dict[str, list[LeoConcept]]:
    """LEO concepts whose English label is the label of a subject of the document or of
    an entity taken from it."""
    found: dict[str, set[LeoConcept]] = {}
    for doc, _concept, label in subject_terms(store):
        if doc is None:
            continue
        match = leo_match(label)
        if match:
            found.setdefault(doc, set()).add(match)
    return {doc: sorted(terms, key=lambda c: c.iri) for doc, terms in found.items()}


def _author_labels(store: GraphStore) -> dict[str, str]:
    """The English label of each document author (the first in label order)."""
    query = """SELECT DISTINCT ?a ?label WHERE {
        ?doc a mea:Document ; mea:author ?a . ?a rdfs:label ?label
        FILTER(langMatches(lang(?label), "en")) }"""
    labels: dict[str, str] = {}
    for row in sorted(select_rows(store, query), key=lambda r: term_text(r["label"])):
        labels.setdefault(term_text(row["a"]), term_text(row["label"]))
    return labels
