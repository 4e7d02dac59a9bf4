"""What the records of every entity set are built from and into: :class:`RecordContext` (the
store, the agreements with their InforMEA treaty ids, the countries with their ISO codes) and
:class:`FeedContent` (the records, and the :class:`Exclusion` s and :class:`Note` s of the
export report). A record that cannot satisfy one of InforMEA's rules is left out with the
reason, never sent with an invented value."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.publish.informea.entity_sets import ENTITY_SETS, Record
from kg.publish.informea.reading import (
    DCT,
    MEA,
    RDFS_LABEL,
    SKOS,
    describe,
    entity_key,
)
from kg.rdf.namespaces import entity_iri
from kg.stores.base import GraphStore


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


class RecordContext:
    """Reads the agreements and countries once; every entity set's records look them up, and
    add their records, exclusions and notes to :attr:`content`."""

    def __init__(self, store: GraphStore, base_iri: str, tehran_id: str | None) -> None:
        self.store = store
        self.base = base_iri.rstrip("/")
        self.content = FeedContent(records={name: [] for name in ENTITY_SETS})
        self.agreements = describe(
            store,
            MEA + "Agreement",
            [RDFS_LABEL, MEA + "informeaId", MEA + "ecolexId", DCT + "description"],
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

    def exclude(self, entity_set: str, iri: str, reasons: Sequence[str], ident: str = "") -> None:
        self.content.excluded.append(
            Exclusion(entity_set, ident or entity_key(iri), iri, tuple(reasons))
        )

    def note(self, entity_set: str, ident: str, message: str) -> None:
        self.content.notes.append(Note(entity_set, ident, message))

    def treaty(self, agreement: str) -> str | None:
        return self.treaty_ids.get(agreement)

    def agreement_name(self, agreement: str) -> str:
        """``tehran`` -> ``tehran (Framework Convention ...)``, for reasons in the report."""
        label = self.agreements.first_english(agreement, RDFS_LABEL)
        return f"{entity_key(agreement)} ({label})" if label else entity_key(agreement)

    def names(self, agreements: Iterable[str]) -> str:
        """:meth:`agreement_name` of each agreement, sorted, comma-separated."""
        return ", ".join(self.agreement_name(a) for a in sorted(agreements))

    def no_treaty_id(self, agreement: str) -> str:
        hint = ""
        if agreement == entity_iri(self.base, "agreement", "tehran"):
            hint = " (set KG_INFORMEA_TEHRAN_ID once InforMEA assigns one)"
        return f"treaty {self.agreement_name(agreement)} has no InforMEA treaty id{hint}"

    def alpha3(self, country: str) -> str | None:
        codes = self.countries.strings(country, MEA + "iso3166Alpha3")
        return codes[0] if codes else None
