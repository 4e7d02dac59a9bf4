"""InforMEA's entity sets as this feed offers them: the sets, the fields that key a record of
each, the fields a client may order by or expand, and the sets the graph holds no data for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: One record of an entity set, as JSON.
Record = dict[str, Any]

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


def record_key(entity_set: str, record: Mapping[str, Any]) -> str:
    """The stable identity of a record in its set.

    >>> record_key("CountryProfiles", {"treaty": "cbd", "country": "UZB"})
    'cbd-UZB'
    """
    return "-".join(str(record[f]) for f in KEY_FIELDS[entity_set])
