"""The records of the ``Meetings`` set, and of the ``Decisions`` those meetings adopted (a
decision's publication date is its meeting's start)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kg.publish.informea.entity_sets import Record
from kg.publish.informea.reading import (
    DCT,
    MEA,
    RDFS_LABEL,
    SKOS,
    Described,
    describe,
    entity_key,
    first_date,
)
from kg.publish.informea.records import RecordContext
from kg.stores.base import GraphStore


def describe_meetings(store: GraphStore) -> Described:
    """What the Meetings records and the Decisions records read of every meeting."""
    return describe(
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


def meeting_records(ctx: RecordContext, meetings: Described) -> dict[str, Record]:
    """Meetings records by meeting IRI (excluded ones absent)."""
    kept: dict[str, Record] = {}
    for iri in sorted(meetings.values):
        problems: list[str] = []
        agreements = meetings.strings(iri, MEA + "meetingOf") or meetings.strings(
            iri, MEA + "underAgreement"
        )
        treaty = ctx.treaty(agreements[0]) if agreements else None
        if not agreements:
            problems.append("no treaty (mea:meetingOf)")
        elif treaty is None:
            problems.append(ctx.no_treaty_id(agreements[0]))
        titles = meetings.localized(iri, DCT + "title") or meetings.localized(iri, RDFS_LABEL)
        if not any(t["language"] == "en" for t in titles):
            problems.append("no English title")
        start = first_date(meetings.get(iri, MEA + "startDate"))
        if start is None:
            problems.append("no start date (InforMEA requires start unless status is nodate)")
        countries = meetings.strings(iri, MEA + "country")
        codes = [c for c in (ctx.alpha3(x) for x in countries) if c]
        if len(codes) != 1:
            problems.append(
                "no country"
                if not codes
                else f"held in {len(codes)} countries ({', '.join(sorted(codes))}); "
                "InforMEA's country is a single ISO code"
            )
        locations = meetings.strings(iri, MEA + "location")
        city = _city(locations[0], countries, ctx.countries) if locations else None
        if city is None:
            problems.append(
                f"no single city in mea:location {locations[0]!r}"
                if locations
                else "no city (mea:location)"
            )
        if problems:
            ctx.exclude("Meetings", iri, problems)
            continue
        record: Record = {"id": entity_key(iri), "treaty": treaty, "title": titles}
        descriptions = meetings.localized(iri, DCT + "description")
        if descriptions:
            record["description"] = descriptions
        record["start"] = start
        end = first_date(meetings.get(iri, MEA + "endDate"))
        if end:
            record["end"] = end
        english = next(t["value"] for t in titles if t["language"] == "en")
        if "Conference of the Parties" in english:
            record["type"] = "COP"
        record["location"] = locations[0]
        record["city"] = city
        record["country"] = codes[0]
        kept[iri] = record
        ctx.content.records["Meetings"].append(record)
    return kept


def decision_records(
    ctx: RecordContext, meetings: Described, kept_meetings: Mapping[str, Record]
) -> None:
    """A ``Decisions`` record per decision with a treaty id, an English title, a number and an
    adopting meeting with a start date; a note when that meeting is not in the feed."""
    decisions = describe(
        ctx.store,
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
        ident = entity_key(iri)
        agreements = decisions.strings(iri, MEA + "underAgreement")
        treaty = ctx.treaty(agreements[0]) if agreements else None
        if not agreements:
            problems.append("no treaty (mea:underAgreement)")
        elif treaty is None:
            problems.append(ctx.no_treaty_id(agreements[0]))
        titles = decisions.localized(iri, RDFS_LABEL)
        if not any(t["language"] == "en" for t in titles):
            problems.append("no English title")
        codes = decisions.strings(iri, MEA + "decisionCode")
        number = _decision_number(codes, decisions.strings(iri, SKOS + "altLabel"))
        if number is None:
            problems.append("no decision number (mea:decisionCode)")
        adopted = decisions.strings(iri, MEA + "adoptedAt")
        meeting = adopted[0] if adopted else None
        published = first_date(meetings.get(meeting, MEA + "startDate")) if meeting else None
        if published is None:
            problems.append("no publication date (the meeting that adopted it has no start)")
        if problems:
            ctx.exclude("Decisions", iri, problems)
            continue
        record: Record = {"id": ident, "title": titles}
        summary = decisions.localized(iri, DCT + "description")
        if summary:
            record["summary"] = summary
        record.update(
            type="decision", status="adopted", number=number, treaty=treaty, published=published
        )
        assert meeting is not None
        record["meetingId"] = entity_key(meeting)
        meeting_title = meetings.first_english(meeting, DCT + "title") or (
            meetings.first_english(meeting, RDFS_LABEL)
        )
        if meeting_title:
            record["meetingTitle"] = meeting_title
        if meeting not in kept_meetings:
            ctx.note(
                "Decisions",
                ident,
                f"meeting {entity_key(meeting)} is left out of the Meetings feed (see excluded); "
                "InforMEA will match the decision's meeting by meetingTitle",
            )
        order = decisions.strings(iri, MEA + "decisionNumber")
        if order and order[0].isdigit():
            record["displayOrder"] = int(order[0])
        ctx.note(
            "Decisions",
            ident,
            "no files: the graph holds no decision text, so InforMEA will warn",
        )
        ctx.content.records["Decisions"].append(record)


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
