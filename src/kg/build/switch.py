"""Switching from one build to the next as one step, even across a crash.

A build writes its snapshot and its store beside the live ones (``<dir>.next``) and, once
both are complete, writes a journal naming them, then renames each into place and removes
the journal. A build killed before the journal leaves what is served untouched (the staged
directories are cleared by the next build); one killed after it leaves a switch that
:func:`complete_switch` finishes, by the next build or the next ``kg serve``, before anything
reads the store. What is served is therefore always one build's snapshot with that build's
store: a build killed at its last step used to leave a new snapshot beside the old store, and
a server reading each then served 9,406 and 10,089 triples.

>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> (root / "store").mkdir(); (root / "store" / "v").write_text("1")
1
>>> staged(root / "store").mkdir(); (staged(root / "store") / "v").write_text("2")
1
>>> switch(root / "journal", [root / "store"])
>>> (root / "store" / "v").read_text(), staged(root / "store").exists()
('2', False)
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

__all__ = ["complete_switch", "discard_staged", "staged", "switch"]


def staged(live: Path) -> Path:
    """Where the next build writes what will replace ``live``."""
    return live.with_name(live.name + ".next")


def _retired(live: Path) -> Path:
    return live.with_name(live.name + ".old")


def discard_staged(lives: Sequence[Path]) -> None:
    """Remove what a build killed before its switch staged (nothing served refers to it)."""
    for live in lives:
        for leftover in (staged(live), _retired(live)):
            if leftover.exists():
                shutil.rmtree(leftover)


def switch(journal: Path, lives: Sequence[Path]) -> None:
    """Put each staged directory of ``lives`` in place of its live one, as one step: the
    journal, written and synced first, lets :func:`complete_switch` finish the renames if
    this process dies among them."""
    temporary = journal.with_name(journal.name + ".tmp")
    temporary.write_text(json.dumps([str(live) for live in lives]), encoding="utf-8")
    _sync_file(temporary)
    os.replace(temporary, journal)  # the switch is decided from here on
    _sync_dir(journal.parent)
    complete_switch(journal)


def complete_switch(journal: Path) -> bool:
    """Finish the switch ``journal`` records, if there is one (a build died in the middle of
    it); ``True`` if there was. Safe to run again at any point of itself."""
    if not journal.exists():
        return False
    for name in json.loads(journal.read_text(encoding="utf-8")):
        live = Path(name)
        next_ = staged(live)
        if not next_.exists():
            continue  # already in place
        retired = _retired(live)
        if retired.exists():
            shutil.rmtree(retired)
        if live.exists():
            live.rename(retired)
        next_.rename(live)
        _sync_dir(live.parent)
        shutil.rmtree(retired, ignore_errors=True)
    journal.unlink()
    _sync_dir(journal.parent)
    return True


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
