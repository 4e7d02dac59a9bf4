"""Staging a publish in a child process bounded in time and memory, so that parsing,
validating and reasoning over a hostile or huge document can neither take the server down
nor hold it: past ``KG_PUBLISH_TIMEOUT`` seconds the child is killed, past
``KG_PUBLISH_MEMORY_BYTES`` its allocations fail (``RLIMIT_AS``), and either way what it
staged is discarded and the live graph is as it was. The server switches to what the child
staged only once it has finished (:func:`kg.build.pipeline.commit`).
"""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import Any

from kg.build.pipeline import BuildResult, discard
from kg.build.publish import (
    Published,
    PublishRejected,
    SourceNotFound,
    check_key,
    stage_publish,
)
from kg.serve.jobs import first_line
from kg.serve.sandbox import leave_network
from kg.settings import Settings


class PublishFailed(RuntimeError):
    """The publish could not be staged (out of time or memory, or it failed); nothing was
    switched. ``str(err)`` says what happened."""


def _stage_main(
    conn: Connection, settings: Settings, key: str, turtle: bytes | None, who: str
) -> None:
    leave_network()  # a document's owl:imports or contexts are never fetched, by anything
    resource.setrlimit(
        resource.RLIMIT_AS, (settings.publish_memory_bytes, settings.publish_memory_bytes)
    )
    try:
        done, result = stage_publish(settings, key, turtle, who=who)
    except PublishRejected as rejected:
        fields = (rejected.key, rejected.reason, rejected.report, rejected.diff, rejected.locators)
        conn.send(("rejected", fields))
    except SourceNotFound as error:
        conn.send(("missing", str(error)))
    except MemoryError:
        discard(settings)
        conn.send(("failed", "it needed more memory than KG_PUBLISH_MEMORY_BYTES allows"))
    except Exception as error:  # said in one line: the document's fault, or the child's
        discard(settings)
        conn.send(("failed", f"{type(error).__name__}: {first_line(error)}"))
    else:
        # The graphs stay here: the server needs only what to switch, and the report.
        conn.send(("ok", (done, replace(result, graphs={}))))


def stage_bounded(
    settings: Settings, key: str, turtle: bytes | None, *, who: str
) -> tuple[Published, BuildResult]:
    """:func:`kg.build.publish.stage_publish` in a bounded child process.

    :raises ValueError: ``key`` cannot name a source (checked here, before any child).
    :raises PublishRejected, SourceNotFound: as ``stage_publish``.
    :raises PublishFailed: out of time or memory, or the child failed (an unreadable input
        included); nothing staged."""
    check_key(key)
    try:
        kind, payload = run_bounded(
            settings,
            _stage_main,
            (settings, key, turtle, who),
            name="kg-publish",
            doing="staging it",
            stopped="the process staging it stopped unexpectedly",
        )
    except BaseException:
        discard(settings)
        raise
    if kind == "ok":
        done, result = payload
        return done, result
    if kind == "rejected":
        raise PublishRejected(*payload)
    if kind == "missing":
        raise SourceNotFound(payload)
    raise PublishFailed(payload)


def run_bounded(
    settings: Settings,
    target: Callable[..., None],
    args: tuple[Any, ...],
    *,
    name: str,
    doing: str,
    stopped: str,
) -> tuple[str, Any]:
    """Run ``target(conn, *args)`` in a forkserver child and return the one message it sends,
    ``(kind, payload)``. The child bounds itself (memory, network); this bounds its time.

    :raises PublishFailed: past ``KG_PUBLISH_TIMEOUT`` ("``doing`` took longer …"; the child
        is killed), or the child ended without a message (``stopped``)."""
    context = multiprocessing.get_context("forkserver")
    ours, theirs = context.Pipe()
    process = context.Process(target=target, args=(theirs, *args), daemon=True, name=name)
    process.start()
    theirs.close()
    try:
        if not ours.poll(settings.publish_timeout):
            raise PublishFailed(
                f"{doing} took longer than KG_PUBLISH_TIMEOUT ({settings.publish_timeout:g} s)"
            )
        try:
            kind, payload = ours.recv()
        except EOFError:
            raise PublishFailed(stopped) from None
    except BaseException:
        process.kill()
        raise
    finally:
        ours.close()
        process.join(timeout=10)
    return kind, payload
