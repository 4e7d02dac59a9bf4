"""Switching from one version of the graph to the next as one step, even across a crash.

A build (or a publish, or a restore: :mod:`kg.build.publish`) writes everything it replaces
beside the live copy (``<path>.next``): the snapshot, the store and, for a publish, the
source file in ``data/sources/``. Once all are complete it writes a journal naming them,
then renames each into place and removes the journal. Killed before the journal, it leaves
what is served untouched (the staged copies are cleared by the next build or publish);
killed after it, it leaves a switch that :func:`complete_switch` finishes, by the next build
or the next ``kg serve``, before anything reads the store. The journal is the commit point:
what is served is always one version whole, the one before or the one after, never a mix
(a build killed at its last step used to leave a new snapshot beside the old store, and a
server reading each then served 9,406 and 10,089 triples).

Each entry may also *remove* a live path (a source deleted), and may *keep* what it retires
somewhere (the snapshot a switch retires becomes a numbered version:
:mod:`kg.build.versions`) instead of deleting it.

>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> (root / "store").mkdir(); (root / "store" / "v").write_text("1")
1
>>> staged(root / "store").mkdir(); (staged(root / "store") / "v").write_text("2")
1
>>> switch(root / "journal", [Replace(root / "store", keep=root / "kept")])
>>> (root / "store" / "v").read_text(), (root / "kept" / "v").read_text()
('2', '1')
>>> staged(root / "store").exists()
False
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Replace", "complete_switch", "discard_staged", "staged", "switch"]


@dataclass(frozen=True)
class Replace:
    """One path a switch changes: ``live`` becomes its staged copy (:func:`staged`), or is
    removed when ``remove``; what it was goes to ``keep`` if given, else is deleted."""

    live: Path
    remove: bool = False
    keep: Path | None = None

    def to_json(self) -> dict[str, str | bool | None]:
        return {"live": str(self.live), "remove": self.remove, "keep": _str(self.keep)}

    @classmethod
    def from_json(cls, entry: dict[str, str | bool | None] | str) -> Replace:
        if isinstance(entry, str):  # a journal written before entries had options
            return cls(Path(entry))
        keep = entry.get("keep")
        return cls(Path(str(entry["live"])), bool(entry.get("remove")), _path(keep))


def staged(live: Path) -> Path:
    """Where the next version is written that will replace ``live``."""
    return live.with_name(live.name + ".next")


def _retired(live: Path) -> Path:
    return live.with_name(live.name + ".old")


def discard_staged(lives: Sequence[Path]) -> None:
    """Remove what a build or publish killed before its switch staged (nothing served
    refers to it)."""
    for live in lives:
        for leftover in (staged(live), _retired(live)):
            _delete(leftover)


def switch(journal: Path, changes: Sequence[Replace]) -> None:
    """Make every change of ``changes`` as one step: the journal, written and synced first,
    lets :func:`complete_switch` finish the renames if this process dies among them."""
    temporary = journal.with_name(journal.name + ".tmp")
    temporary.write_text(json.dumps([c.to_json() for c in changes]), encoding="utf-8")
    _sync_file(temporary)
    os.replace(temporary, journal)  # the switch is decided from here on
    _sync_dir(journal.parent)
    complete_switch(journal)


def complete_switch(journal: Path) -> bool:
    """Finish the switch ``journal`` records, if there is one (a process died in the middle
    of it); ``True`` if there was. Safe to run again at any point of itself."""
    if not journal.exists():
        return False
    for entry in json.loads(journal.read_text(encoding="utf-8")):
        change = Replace.from_json(entry)
        live, next_ = change.live, staged(change.live)
        if change.remove:
            if live.exists():
                _retire(change)
            continue
        if not next_.exists():
            continue  # already in place
        if live.exists():
            _retire(change)
        next_.rename(live)
        _sync_dir(live.parent)
        _delete(_retired(live))
    journal.unlink()
    _sync_dir(journal.parent)
    return True


def _retire(change: Replace) -> None:
    """Move ``change.live`` out of the way: to where it is kept, or to be deleted."""
    live = change.live
    if change.keep is not None:
        if change.keep.exists():  # kept by a run of this switch that died just after
            _delete(change.keep)
        change.keep.parent.mkdir(parents=True, exist_ok=True)
        live.rename(change.keep)
        _sync_dir(change.keep.parent)
    else:
        retired = _retired(live)
        _delete(retired)
        live.rename(retired)
    _sync_dir(live.parent)
    _delete(_retired(live))


def _delete(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _str(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _path(value: str | bool | None) -> Path | None:
    return None if value is None or isinstance(value, bool) else Path(value)


def _sync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _sync_dir(path: Path) -> None:
    """Make the renames in ``path`` durable (POSIX: fsync the directory)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
