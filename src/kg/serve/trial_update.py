"""Trying an update on a throw-away copy of the store, in a process killed at its deadline
(:func:`trial_update`): the server's way to give updates a deadline Oxigraph cannot."""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection

import pyoxigraph as ox

from kg.serve.jobs import first_line
from kg.serve.sandbox import leave_network


class UpdateTimedOut(TimeoutError):
    """An update that did not finish within its deadline on a trial copy; nothing changed."""


def graph_digests(store: ox.Store, prefix: str) -> dict[str, int]:
    """An order-independent digest of each named graph whose IRI starts with ``prefix``:
    equal digests, equal graphs (within this process: ``hash`` of a string is salted per
    process)."""
    digests: dict[str, int] = {}
    for graph in store.named_graphs():
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(prefix):
            quads = store.quads_for_pattern(None, None, None, graph)
            digests[graph.value] = sum(hash(str(q.triple)) for q in quads) & (2**64 - 1)
    return digests


def _trial_update_main(
    conn: Connection, store_dir: str, update: str, base: str | None, watch: str | None
) -> None:
    leave_network()
    try:
        store = ox.Store(store_dir)
        before = graph_digests(store, watch) if watch is not None else {}
        store.update(update, base_iri=base)
        after = graph_digests(store, watch) if watch is not None else {}
    except SyntaxError as err:
        conn.send(("syntax", first_line(err)))
    except Exception as err:  # the update's own fault (a missing graph, a bad IRI …)
        conn.send(("error", first_line(err)))
    else:
        changed = sorted(g for g in before.keys() | after.keys() if before.get(g) != after.get(g))
        conn.send(("ok", changed))


def trial_update(
    store_dir: str,
    update: str,
    base_iri: str | None,
    timeout: float,
    *,
    watch: str | None = None,
) -> list[str]:
    """Run ``update`` on the Oxigraph store at ``store_dir`` (a throw-away checkpoint) in a
    process of its own, killed after ``timeout`` seconds; return the named graphs under the
    IRI prefix ``watch`` that it changed (created, emptied or edited), sorted.

    Oxigraph cannot stop an update once it runs, so the server runs one on its live store only
    after it has finished on a copy within the deadline: it then takes about as long again.
    Raises :class:`UpdateTimedOut`, ``SyntaxError``, or ``ValueError`` (the update failed, or
    stopped the process running it, as one nested past what the parser survives would)."""
    context = multiprocessing.get_context("forkserver")
    ours, theirs = context.Pipe()
    process = context.Process(
        target=_trial_update_main,
        args=(theirs, store_dir, update, base_iri, watch),
        daemon=True,
        name="kg-trial-update",
    )
    process.start()
    theirs.close()
    try:
        if not ours.poll(timeout):
            raise UpdateTimedOut(f"The update ran out of time ({timeout:g} s); nothing was changed")
        try:
            kind, message = ours.recv()
        except EOFError:
            raise ValueError("The update could not be evaluated; nothing was changed") from None
    finally:
        process.kill()
        process.join(timeout=5)
        ours.close()
    if kind == "syntax":
        raise SyntaxError(message)
    if kind == "error":
        raise ValueError(message)
    return list(message)
