"""The InforMEA harvest feed: the graph's treaties, decisions, meetings, party status and
documents as records in InforMEA's entity sets, with a ledger of ``updated`` times and the
OData query options a harvester sends.

InforMEA does not ingest RDF; it harvests each secretariat's OData / JSON feed and rejects
records that break its rules (the project's InforMEA reference notes; InforMEA/odata.provider,
scbd/informea ``context.js`` "InforMEA API Specifications 1.5.6"). So a record that cannot
satisfy a rule (no English title, a treaty without an InforMEA id, a meeting without a single
city and country ...) is *left out and reported with the reason*, never sent with an invented
value. ``docs/informea.md`` is the user documentation.

Three parts, one job each:

* **records** - :func:`collect` reads the store (SPARQL strings to Oxigraph) and returns the
  records per entity set plus the exclusions and warnings of the export report;
* **ledger** - :func:`stamp` gives every record an ``updated`` time that changes only when the
  record's content changes (``<snapshot_dir>/informea-ledger.json``);
* **OData** - :func:`parse_query` and :func:`apply_query` implement ``$top``, ``$skip``,
  ``$count``, ``$orderby``, ``$expand`` and the one ``$filter`` form incremental harvests use,
  ``updated gt <datetime>`` (OData 4.01 URL conventions,
  https://docs.oasis-open.org/odata/odata/v4.01/odata-v4.01-part2-url-conventions.html).

>>> slug("Conference of the Parties")
'conference-of-the-parties'
>>> parse_filter("updated gt 2024-01-01T00:00:00Z").isoformat()
'2024-01-01T00:00:00+00:00'
>>> parse_filter("updated gt datetime'2024-01-01T00:00:00'").isoformat()
'2024-01-01T00:00:00+00:00'
>>> parse_filter("updated gt 2024-01-01T02:00:00 02:00").isoformat()  # "+" sent unencoded
'2024-01-01T00:00:00+00:00'
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.build.snapshot import Manifest
from kg.query.execute import execute
from kg.rdf.namespaces import entity_iri
from kg.settings import Settings
from kg.stores.base import GraphStore, is_solutions

Record = dict[str, Any]

SCHEMA_DIR = Path(__file__).with_name("schemas")
LEDGER_FILE = "informea-ledger.json"

#: The entity sets the feed offers, in the order of the service document.
ENTITY_SETS: tuple[str, ...] = ("Treaties", "Decisions", "Meetings", "CountryProfiles", "Documents")
#: InforMEA entity sets the graph holds no data for (the ontology has no class for them).
NOT_OFFERED: dict[str, str] = {
    "Contacts": "the graph holds no national focal points (no class for contacts in the ontology)",
    "NationalPlans": "the graph holds no national plans (NBSAPs, NIPs)",
    "CountryReports": "the graph holds no national reports submitted to a treaty",
}
#: The field that identifies a record of each set (CountryProfiles: treaty + country).
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "Treaties": ("id",),
    "Decisions": ("id",),
    "Meetings": ("id",),
    "CountryProfiles": ("treaty", "country"),
    "Documents": ("id",),
}
#: Fields a client may ``$orderby`` (scalar fields of each set).
SORTABLE: dict[str, frozenset[str]] = {
    "Treaties": frozenset({"id", "titleEnglish", "officialNameEnglish", "updated"}),
    "Decisions": frozenset(
        {"id", "number", "treaty", "published", "updated", "meetingId", "displayOrder"}
    ),
    "Meetings": frozenset({"id", "treaty", "start", "end", "city", "country", "updated"}),
    "CountryProfiles": frozenset({"country", "treaty", "entryIntoForce", "updated"}),
    "Documents": frozenset({"id", "published", "country", "updated"}),
}
#: Navigation properties ``$expand`` resolves: set -> property -> (target set, how to join).
NAVIGATION: dict[str, dict[str, str]] = {
    "Decisions": {"meeting": "Meetings"},
    "Meetings": {"decisions": "Decisions"},
}
#: Collection fields always sent inline; OData v2 harvesters name them in ``$expand``, which is
#: accepted as a no-op so that their requests keep working.
INLINE: dict[str, frozenset[str]] = {
    "Treaties": frozenset({"titles", "descriptions"}),
    "Decisions": frozenset(
        {"title", "longTitle", "summary", "keywords", "files", "content", "titles"}
    ),
    "Meetings": frozenset({"title", "description"}),
    "CountryProfiles": frozenset(),
    "Documents": frozenset(
        {
            "titles",
            "descriptions",
            "authors",
            "types",
            "files",
            "identifiers",
            "keywords",
            "tags",
            "references",
            "treaties",
        }
    ),
}
#: Most records one response carries when the client gives no smaller ``$top``.
MAX_PAGE = 500

MEA = "https://w3id.org/mea-kg/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
LEO_SCHEME = "http://www.informea.org/terms"


class InformeaSettings(BaseSettings):
    """Settings of the InforMEA export, from ``KG_INFORMEA_*`` environment variables.

    ``KG_INFORMEA_TEHRAN_ID``: the InforMEA treaty id of the Tehran Convention. The reference
    sources give none, so by default Tehran records are left out and reported; set it only to
    an id InforMEA has actually assigned.

    >>> InformeaSettings(tehran_id="").tehran_id is None
    True
    """

    model_config = SettingsConfigDict(env_prefix="KG_INFORMEA_", extra="ignore")

    tehran_id: str | None = None

    def model_post_init(self, _context: Any) -> None:
        if self.tehran_id is not None and not self.tehran_id.strip():
            self.tehran_id = None


class FeedUnavailable(RuntimeError):
    """No snapshot manifest next to the store: the feed's timestamps need one."""


class ODataError(ValueError):
    """A request the feed answers with an OData error; ``status`` is the HTTP status."""

    def __init__(self, message: str, *, status: int = 400, code: str = "BadRequest") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


# ----------------------------------------------------------------------------- LEO


@dataclass(frozen=True)
class LeoConcept:
    """A concept of LEO, the InforMEA thesaurus (a SKOS concept scheme)."""

    iri: str
    label: str


def slug(label: str) -> str:
    """The LEO slug of an English label: lower case, spaces to hyphens."""
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


# ----------------------------------------------------------------------------- reading


def _str(term: object) -> str:
    return str(getattr(term, "value", term))


@dataclass
class Described:
    """The values of selected predicates per subject: ``values[subject][predicate]``."""

    values: dict[str, dict[str, list[object]]]

    def get(self, subject: str, predicate: str) -> list[object]:
        return self.values.get(subject, {}).get(predicate, [])

    def strings(self, subject: str, predicate: str) -> list[str]:
        return sorted({_str(v) for v in self.get(subject, predicate)})

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
    for row in _rows(store, query):
        bucket = values.setdefault(_str(row["s"]), {}).setdefault(_str(row["p"]), [])
        if row["o"] not in bucket:
            bucket.append(row["o"])
    return Described(values)


def _rows(store: GraphStore, query: str) -> list[dict[str, object]]:
    solutions = execute(store, query, with_prefixes=True)
    assert is_solutions(solutions)
    names = [v.value for v in solutions.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in solutions]


def _key(iri: str) -> str:
    """The key of an entity IRI (``.../id/decision/BC-14-18`` -> ``BC-14-18``)."""
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _date(values: Sequence[object]) -> str | None:
    """The first ``xsd:date`` value as ``YYYY-MM-DD``."""
    dates = sorted(
        v.value for v in values if isinstance(v, ox.Literal) and v.datatype.value == XSD_DATE
    )
    return dates[0] if dates else None


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Exclusion:
    """A record left out of the feed, and why (the export report)."""

    entity_set: str
    id: str
    iri: str
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "entitySet": self.entity_set,
            "id": self.id,
            "iri": self.iri,
            "reason": "; ".join(self.reasons),
        }


@dataclass(frozen=True)
class Note:
    """A record sent with a caveat (a value left out, a harvester warning to expect)."""

    entity_set: str
    id: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"entitySet": self.entity_set, "id": self.id, "message": self.message}


@dataclass
class FeedContent:
    """The records per entity set (without ``updated``), the exclusions and the notes."""

    records: dict[str, list[Record]] = field(default_factory=dict)
    excluded: list[Exclusion] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


class _Builder:
    """Reads the store once per kind of entity and builds the records of every set."""

    def __init__(self, store: GraphStore, base_iri: str, tehran_id: str | None) -> None:
        self.store = store
        self.base = base_iri.rstrip("/")
        self.content = FeedContent(records={name: [] for name in ENTITY_SETS})
        self.agreements = describe(
            store,
            MEA + "Agreement",
            [RDFS_LABEL, MEA + "informeaId", MEA + "ecolexId", DCT + "description"],
        )
        self.see_also = describe(
            store, MEA + "Agreement", ["http://www.w3.org/2000/01/rdf-schema#seeAlso"]
        )
        self.treaty_ids: dict[str, str] = {}
        for iri in self.agreements.values:
            ids = self.agreements.strings(iri, MEA + "informeaId")
            if ids:
                self.treaty_ids[iri] = ids[0]
        tehran = entity_iri(self.base, "agreement", "tehran")
        if tehran_id and tehran not in self.treaty_ids:
            self.treaty_ids[tehran] = tehran_id
        self.countries = describe(
            store,
            MEA + "Country",
            [RDFS_LABEL, SKOS + "altLabel", MEA + "iso3166Alpha3", MEA + "partyTo"],
        )

    # -- helpers
    def exclude(self, entity_set: str, iri: str, reasons: Sequence[str], ident: str = "") -> None:
        self.content.excluded.append(Exclusion(entity_set, ident or _key(iri), iri, tuple(reasons)))

    def note(self, entity_set: str, ident: str, message: str) -> None:
        self.content.notes.append(Note(entity_set, ident, message))

    def treaty(self, agreement: str) -> str | None:
        return self.treaty_ids.get(agreement)

    def agreement_name(self, agreement: str) -> str:
        """``tehran`` -> ``tehran (Framework Convention ...)``, for reasons in the report."""
        label = self.agreements.first_english(agreement, RDFS_LABEL)
        return f"{_key(agreement)} ({label})" if label else _key(agreement)

    def _names(self, agreements: Iterable[str]) -> str:
        return ", ".join(self.agreement_name(a) for a in sorted(agreements))

    def no_treaty_id(self, agreement: str) -> str:
        hint = ""
        if agreement == entity_iri(self.base, "agreement", "tehran"):
            hint = " (set KG_INFORMEA_TEHRAN_ID once InforMEA assigns one)"
        return f"treaty {self.agreement_name(agreement)} has no InforMEA treaty id{hint}"

    def alpha3(self, country: str) -> str | None:
        codes = self.countries.strings(country, MEA + "iso3166Alpha3")
        return codes[0] if codes else None

    # -- entity sets
    def treaties(self) -> None:
        for iri in sorted(self.agreements.values):
            problems: list[str] = []
            ident = self.treaty(iri)
            title = self.agreements.first_english(iri, RDFS_LABEL)
            if ident is None:
                problems.append(self.no_treaty_id(iri))
            if title is None:
                problems.append("no English title")
            if problems:
                self.exclude("Treaties", iri, problems)
                continue
            assert ident is not None and title is not None
            record: Record = {"id": ident, "titleEnglish": title, "officialNameEnglish": title}
            websites = [
                url
                for url in self.see_also.strings(
                    iri, "http://www.w3.org/2000/01/rdf-schema#seeAlso"
                )
                if not re.match(r"https?://(www\.)?(informea|ecolex)\.org/", url)
            ]
            if websites:
                record["treatyWebsiteURL"] = websites[0]
            record["titles"] = self.agreements.localized(iri, RDFS_LABEL)
            descriptions = self.agreements.localized(iri, DCT + "description")
            if descriptions:
                record["descriptions"] = descriptions
            self.content.records["Treaties"].append(record)

    def meetings(self, meetings: Described) -> dict[str, Record]:
        """Meetings records by meeting IRI (excluded ones absent)."""
        kept: dict[str, Record] = {}
        for iri in sorted(meetings.values):
            problems: list[str] = []
            agreements = meetings.strings(iri, MEA + "meetingOf") or meetings.strings(
                iri, MEA + "underAgreement"
            )
            treaty = self.treaty(agreements[0]) if agreements else None
            if not agreements:
                problems.append("no treaty (mea:meetingOf)")
            elif treaty is None:
                problems.append(self.no_treaty_id(agreements[0]))
            titles = meetings.localized(iri, DCT + "title") or meetings.localized(iri, RDFS_LABEL)
            if not any(t["language"] == "en" for t in titles):
                problems.append("no English title")
            start = _date(meetings.get(iri, MEA + "startDate"))
            if start is None:
                problems.append("no start date (InforMEA requires start unless status is nodate)")
            countries = meetings.strings(iri, MEA + "country")
            codes = [c for c in (self.alpha3(x) for x in countries) if c]
            if len(codes) != 1:
                problems.append(
                    "no country"
                    if not codes
                    else f"held in {len(codes)} countries ({', '.join(sorted(codes))}); "
                    "InforMEA's country is a single ISO code"
                )
            locations = meetings.strings(iri, MEA + "location")
            city = _city(locations[0], countries, self.countries) if locations else None
            if city is None:
                problems.append(
                    f"no single city in mea:location {locations[0]!r}"
                    if locations
                    else "no city (mea:location)"
                )
            if problems:
                self.exclude("Meetings", iri, problems)
                continue
            record: Record = {"id": _key(iri), "treaty": treaty, "title": titles}
            descriptions = meetings.localized(iri, DCT + "description")
            if descriptions:
                record["description"] = descriptions
            record["start"] = start
            end = _date(meetings.get(iri, MEA + "endDate"))
            if end:
                record["end"] = end
            english = next(t["value"] for t in titles if t["language"] == "en")
            if "Conference of the Parties" in english:
                record["type"] = "COP"
            record["location"] = locations[0]
            record["city"] = city
            record["country"] = codes[0]
            kept[iri] = record
            self.content.records["Meetings"].append(record)
        return kept

    def decisions(self, meetings: Described, kept_meetings: Mapping[str, Record]) -> None:
        decisions = describe(
            self.store,
            MEA + "Decision",
            [
                RDFS_LABEL,
                SKOS + "altLabel",
                DCT + "description",
                MEA + "decisionCode",
                MEA + "underAgreement",
                MEA + "adoptedAt",
                MEA + "decisionNumber",
            ],
        )
        for iri in sorted(decisions.values):
            problems: list[str] = []
            ident = _key(iri)
            agreements = decisions.strings(iri, MEA + "underAgreement")
            treaty = self.treaty(agreements[0]) if agreements else None
            if not agreements:
                problems.append("no treaty (mea:underAgreement)")
            elif treaty is None:
                problems.append(self.no_treaty_id(agreements[0]))
            titles = decisions.localized(iri, RDFS_LABEL)
            if not any(t["language"] == "en" for t in titles):
                problems.append("no English title")
            codes = decisions.strings(iri, MEA + "decisionCode")
            number = _decision_number(codes, decisions.strings(iri, SKOS + "altLabel"))
            if number is None:
                problems.append("no decision number (mea:decisionCode)")
            adopted = decisions.strings(iri, MEA + "adoptedAt")
            meeting = adopted[0] if adopted else None
            published = _date(meetings.get(meeting, MEA + "startDate")) if meeting else None
            if published is None:
                problems.append("no publication date (the meeting that adopted it has no start)")
            if problems:
                self.exclude("Decisions", iri, problems)
                continue
            record: Record = {"id": ident, "title": titles}
            summary = decisions.localized(iri, DCT + "description")
            if summary:
                record["summary"] = summary
            record.update(
                type="decision", status="adopted", number=number, treaty=treaty, published=published
            )
            assert meeting is not None
            record["meetingId"] = _key(meeting)
            meeting_title = meetings.first_english(meeting, DCT + "title") or (
                meetings.first_english(meeting, RDFS_LABEL)
            )
            if meeting_title:
                record["meetingTitle"] = meeting_title
            if meeting not in kept_meetings:
                self.note(
                    "Decisions",
                    ident,
                    f"meeting {_key(meeting)} is left out of the Meetings feed (see excluded); "
                    "InforMEA will match the decision's meeting by meetingTitle",
                )
            order = decisions.strings(iri, MEA + "decisionNumber")
            if order and order[0].isdigit():
                record["displayOrder"] = int(order[0])
            self.note(
                "Decisions",
                ident,
                "no files: the graph holds no decision text, so InforMEA will warn",
            )
            self.content.records["Decisions"].append(record)

    def country_profiles(self) -> None:
        for country in sorted(self.countries.values):
            code = self.alpha3(country) or _key(country)
            for agreement in self.countries.strings(country, MEA + "partyTo"):
                treaty = self.treaty(agreement)
                problems = []
                if treaty is None:
                    problems.append(self.no_treaty_id(agreement))
                problems.append(
                    f"no entry-into-force date for {code} under {_key(agreement)} in the graph "
                    "(mea:partyTo only; InforMEA requires entryIntoForce)"
                )
                self.exclude(
                    "CountryProfiles",
                    country,
                    problems,
                    ident=f"{treaty or _key(agreement)}-{code}",
                )

    def documents(self, kept_meetings: Mapping[str, Record]) -> None:
        docs = describe(
            self.store,
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
        treaties = self._document_treaties()
        keywords = self._document_keywords()
        authors = self._author_labels()
        decision_ids = {r["id"] for r in self.content.records["Decisions"]}
        for iri in sorted(docs.values):
            ident = _key(iri)
            problems: list[str] = []
            titles = docs.localized(iri, DCT + "title")
            if not any(t["language"] == "en" for t in titles):
                problems.append("no English title (dcterms:title)")
            agreements = treaties.get(iri, set())
            ids = sorted({t for t in (self.treaty(a) for a in agreements) if t})
            if not ids:
                problems.append(
                    "no treaty with an InforMEA id"
                    + (f" (linked to {linked})" if (linked := self._names(agreements)) else "")
                )
            if problems:
                self.exclude("Documents", iri, problems)
                continue
            for agreement in sorted(agreements):
                if self.treaty(agreement) is None:
                    self.note(
                        "Documents", ident, f"treaty left out: {self.no_treaty_id(agreement)}"
                    )
            record: Record = {"id": ident}
            published = _date(docs.get(iri, DCT + "date"))
            if published:
                record["published"] = published
            elif docs.get(iri, DCT + "date"):
                self.note(
                    "Documents",
                    ident,
                    "published left out: the graph gives only "
                    + repr(docs.strings(iri, DCT + "date")[0]),
                )
            record["treaties"] = ids
            countries = [
                c for c in (self.alpha3(x) for x in docs.strings(iri, MEA + "country")) if c
            ]
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
            identifiers = [
                {"name": "symbol", "value": s} for s in docs.strings(iri, MEA + "unSymbol")
            ]
            identifiers.append({"name": "uri", "value": iri})
            record["identifiers"] = identifiers
            terms = keywords.get(iri, [])
            if terms:
                record["keywords"] = [
                    {"termURI": c.iri, "scope": "leo", "literalForm": c.label} for c in terms
                ]
            references = [
                {"type": "decision", "refId": _key(d)}
                for d in docs.strings(iri, MEA + "citesDecision")
                if _key(d) in decision_ids
            ] + [
                {"type": "meeting", "refId": _key(m)}
                for m in docs.strings(iri, MEA + "concernsMeeting")
                if m in kept_meetings
            ]
            if references:
                record["references"] = references
            self.content.records["Documents"].append(record)

    def _document_treaties(self) -> dict[str, set[str]]:
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
        for row in _rows(self.store, query):
            found.setdefault(_str(row["doc"]), set()).add(_str(row["a"]))
        return found

    def _document_keywords(self) -> dict[str, list[LeoConcept]]:
        """LEO concepts whose English label is the label of a subject of the document or of
        an entity taken from it."""
        found: dict[str, set[LeoConcept]] = {}
        for doc, _concept, label in subject_terms(self.store):
            if doc is None:
                continue
            match = leo_match(label)
            if match:
                found.setdefault(doc, set()).add(match)
        return {doc: sorted(terms, key=lambda c: c.iri) for doc, terms in found.items()}

    def _author_labels(self) -> dict[str, str]:
        query = """SELECT DISTINCT ?a ?label WHERE {
            ?doc a mea:Document ; mea:author ?a . ?a rdfs:label ?label
            FILTER(langMatches(lang(?label), "en")) }"""
        labels: dict[str, str] = {}
        for row in sorted(_rows(self.store, query), key=lambda r: _str(r["label"])):
            labels.setdefault(_str(row["a"]), _str(row["label"]))
        return labels


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
        (_str(r["doc"]) if "doc" in r else None, _str(r["c"]), _str(r["label"]))
        for r in _rows(store, query)
    ]
    return sorted(set(rows), key=lambda t: (t[0] or "", t[1], t[2]))


def _decision_number(codes: Sequence[str], alt_labels: Sequence[str]) -> str | None:
    """The decision's number as its treaty writes it: the short form (``15/8``) when the code
    is a document symbol ending in it (``CBD/COP/DEC/15/8``), else the code (``BC-14/18``).

    >>> _decision_number(["CBD/COP/DEC/15/8"], ["15/8"])
    '15/8'
    >>> _decision_number(["BC-14/18"], [])
    'BC-14/18'
    """
    if not codes:
        return None
    code = codes[0]
    short = [a for a in alt_labels if a != code and code.endswith("/" + a)]
    return short[0] if short else code


def _city(location: str, countries: Sequence[str], known: Described) -> str | None:
    """The city of a meeting's ``mea:location`` when it names exactly one place.

    ``online`` segments are dropped and a trailing ``, <country name>`` is removed:
    ``"online; Geneva"`` -> ``Geneva``, ``"Samarkand, Uzbekistan"`` -> ``Samarkand``; two
    places (``"Cali; resumed session Rome"``) give ``None``.
    """
    parts = [p.strip() for p in location.split(";") if p.strip().lower() not in {"", "online"}]
    if len(parts) != 1:
        return None
    place = parts[0]
    for country in countries:
        for name in known.english(country, RDFS_LABEL) + known.english(country, SKOS + "altLabel"):
            if place.endswith(", " + name):
                place = place[: -len(", " + name)].strip()
    return None if ("," in place or not place) else place


def collect(store: GraphStore, base_iri: str, tehran_id: str | None = None) -> FeedContent:
    """Every record of every entity set, with exclusions and notes, from the store."""
    builder = _Builder(store, base_iri, tehran_id)
    builder.treaties()
    meetings = describe(
        store,
        MEA + "Meeting",
        [
            RDFS_LABEL,
            DCT + "title",
            DCT + "description",
            MEA + "meetingOf",
            MEA + "underAgreement",
            MEA + "startDate",
            MEA + "endDate",
            MEA + "location",
            MEA + "country",
        ],
    )
    kept = builder.meetings(meetings)
    builder.decisions(meetings, kept)
    builder.country_profiles()
    builder.documents(kept)
    content = builder.content
    for name, records in content.records.items():
        records.sort(key=lambda r, n=name: record_key(n, r))  # type: ignore[misc]
    content.excluded.sort(key=lambda e: (ENTITY_SETS.index(e.entity_set), e.id))
    content.notes.sort(key=lambda n: (ENTITY_SETS.index(n.entity_set), n.id, n.message))
    return content


# ----------------------------------------------------------------------------- ledger


def record_key(entity_set: str, record: Mapping[str, Any]) -> str:
    """The stable identity of a record in its set.

    >>> record_key("CountryProfiles", {"treaty": "cbd", "country": "UZB"})
    'cbd-UZB'
    """
    return "-".join(str(record[f]) for f in KEY_FIELDS[entity_set])


def content_hash(record: Mapping[str, Any]) -> str:
    """sha256 of the record's canonical JSON, ``updated`` left out."""
    body = {k: v for k, v in record.items() if k != "updated"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def read_ledger(path: Path) -> dict[str, Any]:
    """The ledger at ``path``; an empty one if it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def stamp(
    records: Mapping[str, Sequence[Record]],
    manifest: Manifest,
    ledger_path: Path,
    *,
    now: datetime | None = None,
) -> dict[str, list[Record]]:
    """The records with ``updated`` times from the ledger, which is updated on disk.

    A record whose content hash is in the ledger keeps its time. A new or changed record gets
    the snapshot's ``built_at`` when the snapshot is new to the ledger (its sha256 differs from
    the one the ledger was last written for), else the current time: the change then came
    from configuration (``KG_INFORMEA_TEHRAN_ID``) or a new version of this module, not from
    the data, and a harvester that last ran after the build must still see it.
    """
    ledger = read_ledger(ledger_path)
    previous: dict[str, Any] = ledger.get("records", {}) if isinstance(ledger, dict) else {}
    new_snapshot = ledger.get("snapshot_sha256") != manifest.sha256
    when = manifest.built_at if new_snapshot else _utc(now or datetime.now(UTC))
    entries: dict[str, dict[str, str]] = {}
    stamped: dict[str, list[Record]] = {}
    for name, items in records.items():
        out = stamped.setdefault(name, [])
        for record in items:
            key = f"{name}/{record_key(name, record)}"
            digest = content_hash(record)
            known = previous.get(key)
            if isinstance(known, dict) and known.get("hash") == digest and known.get("updated"):
                updated = str(known["updated"])
            else:
                updated = when
            entries[key] = {"hash": digest, "updated": updated}
            out.append({**record, "updated": updated})
    if new_snapshot or entries != previous:
        _write_ledger(
            ledger_path,
            {
                "snapshot_sha256": manifest.sha256,
                "built_at": manifest.built_at,
                "records": dict(sorted(entries.items())),
            },
        )
    return stamped


def _write_ledger(path: Path, ledger: Mapping[str, Any]) -> None:
    """Write atomically (temp file + rename) so a concurrent reader never sees half a file.
    A read-only snapshot directory is tolerated: the times then hold for this process only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        partial.write_text(json.dumps(ledger, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass


# ----------------------------------------------------------------------------- the feed


@dataclass(frozen=True)
class Feed:
    """The stamped records of every entity set and the export report."""

    sets: dict[str, list[Record]]
    report: dict[str, Any]

    def records(self, entity_set: str) -> list[Record]:
        return self.sets[entity_set]


def read_manifest(settings: Settings) -> Manifest:
    """The build's manifest; :class:`FeedUnavailable` if there is none."""
    if not settings.snapshot_manifest.exists():
        raise FeedUnavailable("no build snapshot (manifest.json): run `kg build` first")
    return Manifest.read(settings.snapshot_dir)


def build_report(
    content: FeedContent,
    sets: Mapping[str, list[Record]],
    manifest: Manifest,
    informea: InformeaSettings,
) -> dict[str, Any]:
    """The export report: counts, exclusions with reasons, notes, sets not offered."""
    excluded_by_set: dict[str, int] = {}
    for item in content.excluded:
        excluded_by_set[item.entity_set] = excluded_by_set.get(item.entity_set, 0) + 1
    return {
        "snapshot": {"sha256": manifest.sha256, "built_at": manifest.built_at},
        "settings": {"KG_INFORMEA_TEHRAN_ID": informea.tehran_id},
        "counts": {
            name: {"records": len(sets[name]), "excluded": excluded_by_set.get(name, 0)}
            for name in ENTITY_SETS
        },
        "excluded": [e.to_json() for e in content.excluded],
        "notes": [n.to_json() for n in content.notes],
        "notOffered": dict(NOT_OFFERED),
    }


_CACHE: dict[tuple[str, ...], Feed] = {}
_LOCK = threading.Lock()


def compute_feed(
    store: GraphStore,
    settings: Settings,
    informea: InformeaSettings | None = None,
    *,
    now: datetime | None = None,
) -> Feed:
    """The feed of the built store, stamped from the ledger in ``settings.snapshot_dir``.

    Cached per (store, snapshot, base IRI, Tehran id): the same snapshot always gives the same
    records, so only the first request after a build reads the store.
    """
    informea = informea or InformeaSettings()
    manifest = read_manifest(settings)
    key = (
        str(settings.store),
        str(settings.snapshot_dir),
        manifest.sha256,
        settings.base_iri,
        informea.tehran_id or "",
    )
    with _LOCK:
        if now is None and key in _CACHE:
            return _CACHE[key]
        content = collect(store, settings.base_iri, informea.tehran_id)
        sets = stamp(content.records, manifest, settings.snapshot_dir / LEDGER_FILE, now=now)
        feed = Feed(sets=sets, report=build_report(content, sets, manifest, informea))
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[key] = feed
        return feed


def clear_cache() -> None:
    """Forget computed feeds (tests that rebuild into the same directories)."""
    with _LOCK:
        _CACHE.clear()


# ----------------------------------------------------------------------------- OData


@dataclass(frozen=True)
class ODataQuery:
    """The supported system query options of one request."""

    top: int | None = None
    skip: int = 0
    count: bool = False
    orderby: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    expand: tuple[str, ...] = ()
    updated_after: datetime | None = None
    updated_inclusive: bool = False


_FILTER = re.compile(
    r"""^\s*updated\s+(?P<op>gt|ge)\s+
        (?:datetime(?:offset)?'(?P<quoted>[^']+)'|(?P<bare>[0-9][0-9T:.+\-Z]*))\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
SUPPORTED_OPTIONS = frozenset(
    {"$top", "$skip", "$count", "$orderby", "$expand", "$filter", "$format", "$inlinecount"}
)


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ODataError(
            f"$filter: {text!r} is not a date-time (use e.g. 2024-01-01T00:00:00Z)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_filter(text: str) -> datetime:
    """The instant of ``updated gt <datetime>`` (OData v4 literal, or v2/v3
    ``datetime'...'``; a time without zone is UTC); :class:`ODataError` for anything else."""
    return _parse_filter(text)[0]


def _parse_filter(text: str) -> tuple[datetime, bool]:
    # an unencoded "+" in a URL arrives as a space: "...T00:00:00 01:00" means "+01:00"
    text = re.sub(r"(T\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:\d\d)\b", r"\1+\2", text)
    match = _FILTER.match(text)
    if not match:
        raise ODataError(
            "$filter: only 'updated gt <datetime>' (or 'ge') is supported, "
            "e.g. $filter=updated gt 2024-01-01T00:00:00Z"
        )
    return _instant(match["quoted"] or match["bare"]), match["op"].lower() == "ge"


def _non_negative(name: str, value: str) -> int:
    if not value.strip().isdigit():
        raise ODataError(f"{name} must be a non-negative integer, not {value!r}")
    return int(value)


def parse_query(params: Mapping[str, str], entity_set: str) -> ODataQuery:
    """Parse the ``$`` options of a request on ``entity_set``; :class:`ODataError` (400) for an
    unsupported option or value.

    >>> options = {"$top": "10", "$orderby": "updated desc,id", "$count": "true"}
    >>> q = parse_query(options, "Decisions")
    >>> (q.top, q.orderby, q.count)
    (10, (('updated', True), ('id', False)), True)
    """
    unknown = sorted(k for k in params if k.startswith("$") and k not in SUPPORTED_OPTIONS)
    if unknown:
        raise ODataError(
            f"unsupported query option {unknown[0]}: this feed supports "
            + ", ".join(sorted(SUPPORTED_OPTIONS))
        )
    fmt = params.get("$format", "json").split(";")[0].strip().lower()
    if fmt not in {"json", "application/json"}:
        raise ODataError(
            f"$format={fmt!r}: this feed answers JSON only", status=406, code="NotAcceptable"
        )
    top = _non_negative("$top", params["$top"]) if "$top" in params else None
    skip = _non_negative("$skip", params["$skip"]) if "$skip" in params else 0
    count = False
    if "$count" in params:
        value = params["$count"].strip().lower()
        if value not in {"true", "false"}:
            raise ODataError("$count must be true or false")
        count = value == "true"
    if "$inlinecount" in params:
        value = params["$inlinecount"].strip().lower()
        if value not in {"allpages", "none"}:
            raise ODataError("$inlinecount must be allpages or none")
        count = count or value == "allpages"
    orderby: list[tuple[str, bool]] = []
    for part in filter(None, (p.strip() for p in params.get("$orderby", "").split(","))):
        words = part.split()
        name = words[0]
        direction = words[1].lower() if len(words) > 1 else "asc"
        if len(words) > 2 or direction not in {"asc", "desc"}:
            raise ODataError(f"$orderby: cannot read {part!r} (use 'field [asc|desc]')")
        if name not in SORTABLE[entity_set]:
            raise ODataError(
                f"$orderby: {entity_set} cannot be ordered by {name!r} "
                f"(use {', '.join(sorted(SORTABLE[entity_set]))})"
            )
        orderby.append((name, direction == "desc"))
    expand: list[str] = []
    for name in filter(None, (p.strip() for p in params.get("$expand", "").split(","))):
        if name in NAVIGATION.get(entity_set, {}):
            expand.append(name)
        elif name not in INLINE[entity_set]:
            offered = sorted(NAVIGATION.get(entity_set, {})) or ["none"]
            raise ODataError(
                f"$expand: {entity_set} has no navigation property {name!r} "
                f"(navigation: {', '.join(offered)})"
            )
    after, inclusive = (None, False)
    if "$filter" in params:
        after, inclusive = _parse_filter(params["$filter"])
    return ODataQuery(top, skip, count, tuple(orderby), tuple(expand), after, inclusive)


def _sort_value(value: Any) -> tuple[int, Any]:
    return (1, "") if value is None else (0, value)


def apply_query(feed: Feed, entity_set: str, query: ODataQuery) -> tuple[list[Record], int, bool]:
    """``(page, total matching, more after this page)`` for ``query`` on ``entity_set``.

    Records are in key order unless ``$orderby`` says otherwise (a stable order, so that pages
    do not overlap); the server returns at most :data:`MAX_PAGE` records per response.
    """
    records = list(feed.records(entity_set))
    if query.updated_after is not None:
        after = query.updated_after
        records = [
            r
            for r in records
            if (moment := _instant(r["updated"])) > after
            or (query.updated_inclusive and moment == after)
        ]
    for name, descending in reversed(query.orderby):
        records.sort(key=lambda r, n=name: _sort_value(r.get(n)), reverse=descending)  # type: ignore[misc]
    total = len(records)
    limit = MAX_PAGE if query.top is None else min(query.top, MAX_PAGE)
    page = records[query.skip : query.skip + limit]
    more = query.skip + len(page) < total and (query.top is None or query.top > MAX_PAGE)
    if query.expand:
        page = [_expanded(feed, entity_set, r, query.expand) for r in page]
    return page, total, more


def _expanded(feed: Feed, entity_set: str, record: Record, names: Sequence[str]) -> Record:
    out = dict(record)
    for name in names:
        if entity_set == "Decisions" and name == "meeting":
            out["meeting"] = next(
                (m for m in feed.records("Meetings") if m["id"] == record.get("meetingId")), None
            )
        elif entity_set == "Meetings" and name == "decisions":
            out["decisions"] = [
                d for d in feed.records("Decisions") if d.get("meetingId") == record["id"]
            ]
    return out


def find_record(feed: Feed, entity_set: str, key: str) -> Record | None:
    """The record of ``entity_set`` whose key is ``key``."""
    return next((r for r in feed.records(entity_set) if record_key(entity_set, r) == key), None)


# ----------------------------------------------------------------------------- schemas


@lru_cache
def load_schema(entity_set: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an entity set's records, written from the
    reference (``schemas/<EntitySet>.schema.json``)."""
    text = (SCHEMA_DIR / f"{entity_set}.schema.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


_EDM = {
    "string": "Edm.String",
    "integer": "Edm.Int32",
    "number": "Edm.Double",
    "boolean": "Edm.Boolean",
}


def _edm(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    if "$ref" in prop:
        return "informea." + str(prop["$ref"]).rsplit("/", 1)[-1]
    if prop.get("type") == "array":
        return f"Collection({_edm(prop['items'], defs)})"
    if prop.get("format") == "date":
        return "Edm.Date"
    if prop.get("format") == "date-time":
        return "Edm.DateTimeOffset"
    kind = prop.get("type", "string")
    return _EDM.get(kind if isinstance(kind, str) else "string", "Edm.String")


def csdl_metadata() -> str:
    """The service's ``$metadata``: an OData CSDL XML document generated from the JSON
    Schemas (https://docs.oasis-open.org/odata/odata-csdl-xml/v4.01/)."""
    from xml.sax.saxutils import quoteattr

    complex_types: dict[str, dict[str, Any]] = {}
    entity_xml: list[str] = []
    for name in ENTITY_SETS:
        schema = load_schema(name)
        defs = schema.get("$defs", {})
        for def_name, definition in defs.items():
            if definition.get("type") == "object":
                complex_types.setdefault(def_name, definition)
        type_name = schema["title"]
        lines = [f'<EntityType Name="{type_name}">', "<Key>"]
        lines += [f'<PropertyRef Name="{k}"/>' for k in KEY_FIELDS[name]]
        lines.append("</Key>")
        required = set(schema.get("required", [])) | set(KEY_FIELDS[name])
        for prop, spec in schema["properties"].items():
            if prop in NAVIGATION.get(name, {}):
                target = load_schema(NAVIGATION[name][prop])["title"]
                many = spec.get("type") == "array"
                kind = f"Collection(informea.{target})" if many else f"informea.{target}"
                lines.append(f'<NavigationProperty Name="{prop}" Type="{kind}"/>')
                continue
            nullable = "" if prop not in required else ' Nullable="false"'
            lines.append(f'<Property Name="{prop}" Type="{_edm(spec, defs)}"{nullable}/>')
        lines.append("</EntityType>")
        entity_xml += lines
    complex_xml: list[str] = []
    for def_name, definition in sorted(complex_types.items()):
        complex_xml.append(f'<ComplexType Name="{def_name}">')
        for prop, spec in definition.get("properties", {}).items():
            complex_xml.append(f'<Property Name="{prop}" Type="{_edm(spec, {})}"/>')
        complex_xml.append("</ComplexType>")
    sets = [
        f"<EntitySet Name={quoteattr(n)} "
        f"EntityType={quoteattr('informea.' + load_schema(n)['title'])}/>"
        for n in ENTITY_SETS
    ]
    return "\n".join(
        [
            '<?xml version="1.0" encoding="utf-8"?>',
            '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">',
            "<edmx:DataServices>",
            '<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="informea">',
            *complex_xml,
            *entity_xml,
            '<EntityContainer Name="InforMEA">',
            *sets,
            "</EntityContainer>",
            "</Schema>",
            "</edmx:DataServices>",
            "</edmx:Edmx>",
            "",
        ]
    )
