"""One writer of the folders at a time: ``kg build``, ``kg publish``, ``kg restore`` and a
server with writes enabled each hold an exclusive lock on ``<snapshot_dir>.lock`` while they
may switch versions. A command started while a writable server serves the same folders is
refused, naming the route to publish through: its switch would move the store out from under
the server, whose writes would then go to a directory no longer served.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from kg.settings import Settings


class WriterBusy(RuntimeError):
    """Another process holds the folders for writing; ``str(err)`` says what to do."""


def lock_path(settings: Settings) -> str:
    return str(settings.snapshot_dir.with_name(settings.snapshot_dir.name + ".lock"))


def acquire(settings: Settings) -> int:
    """Take the writer's lock (a file descriptor to keep open while writing); raise
    :class:`WriterBusy` at once if another process has it."""
    path = lock_path(settings)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise WriterBusy(
            f"another kg build / publish / restore, or a server with writes enabled, is using "
            f"{settings.snapshot_dir}: wait for it, or publish through the server "
            "(PUT /sources/<key>)"
        ) from None
    return descriptor


@contextmanager
def sole_writer(settings: Settings) -> Iterator[None]:
    """Hold the writer's lock for the duration of the block."""
    descriptor = acquire(settings)
    try:
        yield
    finally:
        os.close(descriptor)


def finish_interrupted_switch(settings: Settings) -> bool:
    """Finish a switch a killed build or publish left decided (:mod:`kg.build.switch`), unless
    another writer is at work on these folders (it finishes its own); ``True`` if one was
    finished. Whatever reads the store first calls this: between a switch's renames the
    store may be missing."""
    from kg.build.switch import complete_switch

    try:
        descriptor = acquire(settings)
    except (WriterBusy, PermissionError):  # busy, or folders this process may not write
        return False
    try:
        return complete_switch(settings.build_journal)
    finally:
        os.close(descriptor)
