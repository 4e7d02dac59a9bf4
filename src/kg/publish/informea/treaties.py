"""The records of the ``Treaties`` set, and the ``CountryProfiles`` of the parties to them:
one per party status with an entry-into-force date (a status-of-ratification table brought in
by ``kg import --mapping party-status``); a party known only by ``mea:partyTo`` is reported,
as InforMEA requires the date."""

from __future__ import annotations

import re

from kg.publish.informea.entity_sets import Record
from kg.publish.informea.reading import DCT, MEA, RDFS_LABEL, RDFS_SEE_ALSO, describe, entity_key
from kg.publish.informea.records import RecordContext


def treaty_records(ctx: RecordContext) -> None:
    """A ``Treaties`` record per agreement with an InforMEA treaty id and an English title."""
    see_also = describe(ctx.store, MEA + "Agreement", [RDFS_SEE_ALSO])
    for iri in sorted(ctx.agreements.values):
        problems: list[str] = []
        ident = ctx.treaty(iri)
        title = ctx.agreements.first_english(iri, RDFS_LABEL)
        if ident is None:
            problems.append(ctx.no_treaty_id(iri))
        if title is None:
            problems.append("no English title")
        if problems:
            ctx.exclude("Treaties", iri, problems)
            continue
        assert ident is not None and title is not None
        record: Record = {"id": ident, "titleEnglish": title, "officialNameEnglish": title}
        websites = [
            url
            for url in see_also.strings(iri, RDFS_SEE_ALSO)
            if not re.match(r"https?://(www\.)?(informea|ecolex)\.org/", url)
        ]
        if websites:
            record["treatyWebsiteURL"] = websites[0]
        record["titles"] = ctx.agreements.localized(iri, RDFS_LABEL)
        descriptions = ctx.agreements.localized(iri, DCT + "description")
        if descriptions:
            record["descriptions"] = descriptions
        ctx.content.records["Treaties"].append(record)


#: How InforMEA names the ways of becoming a party (``entryIntoForceStatus``), from the
#: status table's words (``mea:standing``).
_STANDINGS = (
    "ratification",
    "accession",
    "acceptance",
    "approval",
    "succession",
    "signatory",
    "party",
)


def country_profile_records(ctx: RecordContext) -> None:
    """A ``CountryProfiles`` record per party status with an entry-into-force date; each
    other party to each agreement reported as left out."""
    sent = _party_status_records(ctx)
    for country in sorted(ctx.countries.values):
        code = ctx.alpha3(country) or entity_key(country)
        for agreement in ctx.countries.strings(country, MEA + "partyTo"):
            if (country, agreement) in sent:
                continue
            treaty = ctx.treaty(agreement)
            problems = []
            if treaty is None:
                problems.append(ctx.no_treaty_id(agreement))
            problems.append(
                f"no entry-into-force date for {code} under {entity_key(agreement)} in the graph "
                "(mea:partyTo only; InforMEA requires entryIntoForce)"
            )
            ctx.exclude(
                "CountryProfiles",
                country,
                problems,
                ident=f"{treaty or entity_key(agreement)}-{code}",
            )


def _party_status_records(ctx: RecordContext) -> set[tuple[str, str]]:
    """The records the party statuses give; the (country, agreement) pairs sent."""
    statuses = describe(
        ctx.store,
        MEA + "PartyStatus",
        [
            MEA + "country",
            MEA + "underAgreement",
            MEA + "entryIntoForce",
            MEA + "consentDate",
            MEA + "standing",
        ],
    )
    sent: set[tuple[str, str]] = set()
    for iri in sorted(statuses.values):
        countries = statuses.strings(iri, MEA + "country")
        agreements = statuses.strings(iri, MEA + "underAgreement")
        dates = statuses.strings(iri, MEA + "entryIntoForce")
        if not (countries and agreements and dates):
            continue  # a signatory only: no entry into force to send
        country, agreement = countries[0], agreements[0]
        treaty, code = ctx.treaty(agreement), ctx.alpha3(country)
        if treaty is None or code is None:
            problems = [ctx.no_treaty_id(agreement)] if treaty is None else []
            problems += [] if code is not None else [f"{country} has no ISO alpha-3 code"]
            ctx.exclude(
                "CountryProfiles", iri, problems, ident=f"{treaty or entity_key(agreement)}-{code}"
            )
            continue
        record: Record = {"country": code, "treaty": treaty, "entryIntoForce": dates[0]}
        standings = [s.lower() for s in statuses.strings(iri, MEA + "standing")]
        how = next((s for s in _STANDINGS if s in standings), None)
        if how:
            record["entryIntoForceStatus"] = how
        consent = statuses.strings(iri, MEA + "consentDate")
        if consent:
            record["statusDate"] = consent[0]
        ctx.content.records["CountryProfiles"].append(record)
        sent.add((country, agreement))
    return sent
