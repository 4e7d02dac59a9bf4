"""The query worker processes: how each is started, what it runs, how it is stopped.

Workers come from a ``forkserver`` so that forking never copies the server's threads.
Each opens the configured backend itself (:func:`kg.stores.open_store`): an Oxigraph
directory read-only, the memory backend's snapshot, or a client of the remote server.

Serving from memory (``KG_SERVE_FROM=memory``), one more process, the *template*, loads the
in-memory copy of the store once and then forks every worker from itself: a worker starts in
milliseconds holding the whole graph, and the workers share its pages copy-on-write instead
of each loading (seconds per million triples) and holding its own copy. The template is
single-threaded when it forks, which is what makes forking it safe. The server hands it one
end of each new worker's pipe over a Unix socket (``SCM_RIGHTS``), and kills a worker that
misses its deadline by its process id.

Every worker (and the template) leaves the network before it opens the store
(:mod:`kg.serve.sandbox`), unless the backend is a remote server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from multiprocessing import reduction
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from kg.serve.framing import send_outcome
from kg.serve.jobs import pattern_counts, run_job
from kg.serve.sandbox import die_with_parent, leave_network, needs_no_network
from kg.settings import Settings
from kg.stores import GraphStore, StoreError, open_store
from kg.stores.oxigraph import memory_copy


def _open(settings: Settings, location: str | None) -> GraphStore:
    return open_store(settings, read_only=True, location=Path(location) if location else None)


def _answer_jobs(
    conn: Connection, store: GraphStore, settings: Settings, opened: str | None
) -> None:
    """A worker's life: answer jobs from ``conn`` until the server closes it or says stop."""
    counts = pattern_counts(store, settings)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        path, job = item
        if path != opened:  # the server published a new store generation
            store = _open(settings, path)
            counts = pattern_counts(store, settings)
            opened = path
        send_outcome(conn, run_job(store, job, counts))


def _worker_main(conn: Connection, settings: Settings, location: str | None) -> None:
    if needs_no_network(settings):
        leave_network()
    _answer_jobs(conn, _open(settings, location), settings, location)


def _template_main(conn: Connection, settings: Settings) -> None:
    """The template process: load the in-memory copy, then fork a worker for every pipe end
    the server sends, answering with the worker's process id (or an error message)."""
    leave_network()  # before any thread starts; the workers it forks inherit it
    try:
        store: GraphStore = memory_copy(settings.store, settings.snapshot_nquads)
    except Exception as err:  # e.g. nothing built yet: the server reports it
        conn.send(f"{type(err).__name__}: {err}")
        return
    conn.send("ready")
    # Finished workers are reaped by the kernel (they are this process's children).
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        try:
            fd = reduction.recv_handle(conn)
        except (EOFError, OSError):
            return
        template = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker
            die_with_parent()
            if os.getppid() != template:  # the template ended before the request took hold
                os._exit(0)
            conn.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                _answer_jobs(Connection(fd), store, settings, None)
            finally:
                os._exit(0)
        os.close(fd)
        conn.send(pid)


class Worker(Protocol):
    """A process answering jobs over ``conn`` (process id ``pid``); ``kill`` stops it."""

    conn: Connection

    @property
    def pid(self) -> int | None: ...

    def kill(self) -> None: ...


class SpawnedWorker:
    """A worker started by the ``forkserver``; it opens the store itself."""

    def __init__(self, context: Any, settings: Settings, location: str | None) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child, settings, location), daemon=True, name="kg-query"
        )
        self.process.start()
        child.close()

    @property
    def pid(self) -> int | None:
        return int(self.process.pid) if self.process.pid is not None else None

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class ForkedWorker:
    """A worker forked by the :class:`Template`, holding its in-memory store."""

    def __init__(self, conn: Connection, pid: int) -> None:
        self.conn, self._pid = conn, pid

    @property
    def pid(self) -> int | None:
        return self._pid

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        self.conn.close()


class Template:
    """The process that holds the in-memory store and forks workers from it."""

    def __init__(self, context: Any, settings: Settings) -> None:
        self.conn, child = context.Pipe()  # duplex: a Unix socket, so it can carry pipe ends
        self.process = context.Process(
            target=_template_main, args=(child, settings), daemon=True, name="kg-template"
        )
        self.process.start()
        child.close()
        self._lock = threading.Lock()
        try:
            status = self.conn.recv()  # waits while the copy loads
        except EOFError:
            status = "the process loading the in-memory store stopped"
        if status != "ready":
            self.close()
            raise StoreError(f"cannot serve from memory: {status}")

    def fork_worker(self, context: Any) -> ForkedWorker:
        ours, theirs = context.Pipe()
        with self._lock:
            try:
                reduction.send_handle(self.conn, theirs.fileno(), self.process.pid)
                pid = self.conn.recv()
            except (EOFError, OSError) as err:
                raise StoreError("the process holding the in-memory store stopped") from err
            finally:
                theirs.close()
        return ForkedWorker(ours, pid)

    def close(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()
