"""The records of the ``Treaties`` set, and the ``CountryProfiles`` of the parties to them
(none is sent yet: the graph has no entry-into-force dates, so each is reported)."""

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


def country_profile_records(ctx: RecordContext) -> None:
    """Report the ``CountryProfiles`` record of each party to each agreement as left out."""
    for country in sorted(ctx.countries.values):
        code = ctx.alpha3(country) or entity_key(country)
        for agreement in ctx.countries.strings(country, MEA + "partyTo"):
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
