"""The ledger of ``updated`` times (``<snapshot_dir>/informea-ledger.json``): every record gets
an ``updated`` time that changes only when the record's content changes, so that a harvester's
``$filter=updated gt <last harvest>`` brings back exactly the records that changed."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kg.build.snapshot import Manifest
from kg.publish.informea.entity_sets import Record, record_key

#: The ledger's file name inside the snapshot directory.
LEDGER_FILE = "informea-ledger.json"


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
    from configuration (``KG_INFORMEA_TEHRAN_ID``) or a new version of this package, not from
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
