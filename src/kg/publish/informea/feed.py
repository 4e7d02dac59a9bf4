"""The InforMEA harvest feed: the graph's treaties, decisions, meetings, party status and
documents as records in InforMEA's entity sets, stamped with ``updated`` times from the
ledger, with the export report of what was left out and why.

InforMEA does not ingest RDF; it harvests each secretariat's OData / JSON feed and rejects
records that break its rules (the project's InforMEA reference notes; InforMEA/odata.provider,
scbd/informea ``context.js`` "InforMEA API Specifications 1.5.6"). So a record that cannot
satisfy a rule (no English title, a treaty without an InforMEA id, a meeting without a single
city and country ...) is *left out and reported with the reason*, never sent with an invented
value. ``docs/informea.md`` is the user documentation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kg.build.snapshot import Manifest, read_manifest
from kg.publish.informea.documents import document_records
from kg.publish.informea.entity_sets import ENTITY_SETS, NOT_OFFERED, Record, record_key
from kg.publish.informea.ledger import LEDGER_FILE, stamp
from kg.publish.informea.meetings import decision_records, describe_meetings, meeting_records
from kg.publish.informea.records import FeedContent, RecordContext
from kg.publish.informea.treaties import country_profile_records, treaty_records
from kg.settings import Settings
from kg.stores.base import GraphStore


@dataclass(frozen=True)
class Feed:
    """The stamped records of every entity set and the export report."""

    sets: dict[str, list[Record]]
    report: dict[str, Any]

    def records(self, entity_set: str) -> list[Record]:
        return self.sets[entity_set]


def collect(store: GraphStore, base_iri: str, tehran_id: str | None = None) -> FeedContent:
    """Every record of every entity set, with exclusions and notes, from the store."""
    ctx = RecordContext(store, base_iri, tehran_id)
    treaty_records(ctx)
    meetings = describe_meetings(store)
    kept = meeting_records(ctx, meetings)
    decision_records(ctx, meetings, kept)
    country_profile_records(ctx)
    document_records(ctx, kept)
    content = ctx.content
    for name, records in content.records.items():
        records.sort(key=lambda r, n=name: record_key(n, r))  # type: ignore[misc]
    content.excluded.sort(key=lambda e: (ENTITY_SETS.index(e.entity_set), e.id))
    content.notes.sort(key=lambda n: (ENTITY_SETS.index(n.entity_set), n.id, n.message))
    return content


def build_report(
    content: FeedContent,
    sets: Mapping[str, list[Record]],
    manifest: Manifest,
    settings: Settings,
) -> dict[str, Any]:
    """The export report: counts, exclusions with reasons, notes, sets not offered."""
    excluded_by_set: dict[str, int] = {}
    for item in content.excluded:
        excluded_by_set[item.entity_set] = excluded_by_set.get(item.entity_set, 0) + 1
    return {
        "snapshot": {"sha256": manifest.sha256, "built_at": manifest.built_at},
        "settings": {"KG_INFORMEA_TEHRAN_ID": settings.informea_tehran_id},
        "counts": {
            name: {"records": len(sets[name]), "excluded": excluded_by_set.get(name, 0)}
            for name in ENTITY_SETS
        },
        "excluded": [e.to_json() for e in content.excluded],
        "notes": [n.to_json() for n in content.notes],
        "notOffered": dict(NOT_OFFERED),
    }


def compute_feed(
    store: GraphStore,
    settings: Settings,
    *,
    now: datetime | None = None,
) -> Feed:
    """The feed of the store, stamped from the ledger in ``settings.snapshot_dir``.

    Reads the whole store: a server keeps the feed per state of its store
    (:class:`kg.serve.views.DerivedViews`), so only the first request after a build or a
    write makes it.
    """
    manifest = read_manifest(settings)
    content = collect(store, settings.base_iri, settings.informea_tehran_id)
    sets = stamp(content.records, manifest, settings.snapshot_dir / LEDGER_FILE, now=now)
    return Feed(sets=sets, report=build_report(content, sets, manifest, settings))
