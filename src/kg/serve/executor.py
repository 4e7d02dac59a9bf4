"""Running queries in worker processes with read-only store handles (DESIGN.md §6).

Oxigraph's Python API cannot cancel a query, so a deadline needs a process that can be
killed. Each worker holds a read-only handle on the store and answers one job at a time; the
pool keeps ``min_workers`` warm and starts more (up to ``max_workers``) when all are busy, so a
cheap query never waits behind a heavy one. A job that misses its deadline has its worker
killed and replaced: the caller gets :data:`TIMEOUT` and no partial result, because a worker
sends its answer only once it is complete.

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

Query workers (and the template) have no network: each moves itself into a network
namespace of its own, with no interface up, before it reads anything (Linux
``unshare(CLONE_NEWNET)``; as root, or through an unprivileged user namespace). Oxigraph
would run ``SERVICE`` by opening HTTP connections; :mod:`kg.sparql.guard` refuses it by reading
the query, and the namespace makes sure that a query the guard misreads still cannot reach
anything, loopback included. The ``sparql`` backend's workers are clients of a remote server
and keep the network. Where namespaces are not allowed the server says so at start.

The server waits for an answer on its event loop (:meth:`QueryPool.run_async`): it reads the
worker's end of the pipe like any socket, as the bytes arrive, so an answer of any size costs
no thread hand-off (a thread cost 0.05 ms on a 20 KB answer and 0.5-1.5 ms on 2 MB). Only
what may block goes to a thread: starting a worker, or waiting for one when all are busy. An
answer's bytes travel as they are (``send_bytes``), not inside a pickle, so a big result is
not copied twice more.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import struct
import threading
import time
from dataclasses import dataclass, replace
from multiprocessing import reduction
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

import anyio.to_thread
import pyoxigraph as ox

from kg.query.results import Answer, write_results
from kg.rdf.syntax_limits import UnwritableGraph
from kg.settings import Settings
from kg.sparql.join_order import DISK_LOOKUP_ROWS, PatternCounts
from kg.stores import GraphStore, StoreError, open_store
from kg.stores.oxigraph import memory_copy

log = logging.getLogger(__name__)

OK, BAD_QUERY, NOT_ACCEPTABLE, TIMEOUT, FAILED = (
    "ok",
    "bad_query",
    "not_acceptable",
    "timeout",
    "failed",
)
#: Answers up to this size travel inside the pipe's first message (pickled with the outcome);
#: bigger ones follow it as raw bytes, so that a big answer is not copied into a pickle.
INLINE_BYTES = 8 * 1024
#: ``multiprocessing.connection``'s message framing: a size, or -1 and then a 64-bit size.
_SIZE, _BIG_SIZE = struct.Struct("!i"), struct.Struct("!Q")
#: prctl(2) option: the signal a process gets when its parent ends (Linux).
_PR_SET_PDEATHSIG = 1
_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000


@dataclass(frozen=True)
class QueryJob:
    """One query and how to answer it."""

    query: str
    media_type: str
    max_rows: int
    #: ``None``: the union of the named graphs (or the query's own FROM clauses).
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    #: Against which relative IRIs in the query resolve (the endpoint's URL).
    base_iri: str | None = None
    #: The query's own outermost LIMIT, when it has one (:mod:`kg.sparql.guard`).
    limit: int | None = None


@dataclass(frozen=True)
class Outcome:
    status: str  # OK, BAD_QUERY, NOT_ACCEPTABLE, TIMEOUT or FAILED
    answer: Answer | None = None
    message: str = ""
    seconds: float = 0.0


def run_job(store: GraphStore, job: QueryJob, counts: PatternCounts | None = None) -> Outcome:
    """Evaluate ``job`` on ``store`` in this process (what a worker does); with ``counts``,
    its triple patterns are put in join order first (:mod:`kg.sparql.join_order`)."""
    started = time.perf_counter()
    try:
        options = _dataset_options(job)
        results = (store if counts is None else counts).query(job.query, **options)
        answer = write_results(results, job.media_type, max_rows=job.max_rows, limit=job.limit)
    except SyntaxError as err:
        return Outcome(BAD_QUERY, message=f"SPARQL syntax error: {_first_line(err)}")
    except UnwritableGraph as err:  # the asked syntax cannot carry this answer
        return Outcome(NOT_ACCEPTABLE, message=_first_line(err))
    except ValueError as err:  # e.g. an IRI that is not valid, or an unsupported format
        return Outcome(BAD_QUERY, message=_first_line(err))
    except Exception as err:  # an evaluation failure: short, and no Python in it
        return Outcome(FAILED, message=f"The query could not be evaluated: {_first_line(err)}")
    return Outcome(OK, answer=answer, seconds=time.perf_counter() - started)


def pattern_counts(store: GraphStore, settings: Settings) -> PatternCounts | None:
    """What a worker orders joins with: Oxigraph stores only (rdflib's engine and remote
    servers plan their own joins), and only when ``KG_JOIN_ORDER`` is on. On disk, where an
    index lookup is dear, big joins are hashed (:data:`kg.sparql.join_order.DISK_LOOKUP_ROWS`)."""
    if not settings.join_order or not isinstance(store, ox.Store):
        return None
    on_disk = settings.serve_from == "disk"
    return PatternCounts(store, lookup_rows=DISK_LOOKUP_ROWS if on_disk else None)


def _dataset_options(job: QueryJob) -> dict[str, Any]:
    """``Store.query`` options for the job's dataset (ValueError for a graph name that is
    not an IRI)."""
    options: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graphs is None and job.named_graphs is None:
        options["use_default_graph_as_union"] = True
    if job.default_graphs is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        options["named_graphs"] = []
    if job.named_graphs is not None:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
        options.setdefault("default_graph", [])
    return options


def _first_line(err: BaseException) -> str:
    return (str(err).splitlines() or ["no details given"])[0][:300]


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
        _send_outcome(conn, run_job(store, job, counts))


def _worker_main(conn: Connection, settings: Settings, location: str | None) -> None:
    if _needs_no_network(settings):
        _leave_network()
    _answer_jobs(conn, _open(settings, location), settings, location)


def _needs_no_network(settings: Settings) -> bool:
    """Whether this backend's workers can do without the network (all but ``sparql``)."""
    return settings.backend != "sparql"


def _leave_network() -> bool:
    """Move this process into a new network namespace, where no interface is up: any
    connection it then tries fails at once, to loopback as to anywhere. True if it moved.

    As root (``CAP_SYS_ADMIN``) a network namespace alone; otherwise inside a new user
    namespace whose only user is this one (mapped to itself), so files stay readable
    exactly as before. Must run while the process has one thread (a kernel rule for user
    namespaces), so before the store is opened."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    if libc.unshare(_CLONE_NEWNET) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
        return False
    try:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    except OSError:
        pass  # unmapped, files are read as the overflow user: reading may fail, not leak
    return True


def _probe_leave_network(conn: Connection) -> None:
    conn.send(_leave_network())


def workers_can_leave_network(context: Any) -> bool:
    """Whether a process started from ``context`` can leave the network (see
    :func:`_leave_network`); asked once when a pool starts, in a process of its own."""
    ours, theirs = context.Pipe()
    probe = context.Process(target=_probe_leave_network, args=(theirs,), daemon=True)
    probe.start()
    theirs.close()
    try:
        return bool(ours.recv()) if ours.poll(30) else False
    except EOFError:
        return False
    finally:
        probe.join(timeout=5)
        ours.close()


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent ends (``PR_SET_PDEATHSIG``), so that
    stopping the template stops every worker it forked, busy or not."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _template_main(conn: Connection, settings: Settings) -> None:
    """The template process: load the in-memory copy, then fork a worker for every pipe end
    the server sends, answering with the worker's process id (or an error message)."""
    _leave_network()  # before any thread starts; the workers it forks inherit it
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
            _die_with_parent()
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


class UpdateTimedOut(TimeoutError):
    """An update that did not finish within its deadline on a trial copy; nothing changed."""


def _trial_update_main(conn: Connection, store_dir: str, update: str, base: str | None) -> None:
    _leave_network()
    try:
        ox.Store(store_dir).update(update, base_iri=base)
    except SyntaxError as err:
        conn.send(("syntax", _first_line(err)))
    except Exception as err:  # the update's own fault (a missing graph, a bad IRI …)
        conn.send(("error", _first_line(err)))
    else:
        conn.send(("ok", ""))


def trial_update(store_dir: str, update: str, base_iri: str | None, timeout: float) -> None:
    """Run ``update`` on the Oxigraph store at ``store_dir`` (a throw-away checkpoint) in a
    process of its own, killed after ``timeout`` seconds.

    Oxigraph cannot stop an update once it runs, so the server runs one on its live store only
    after it has finished on a copy within the deadline: it then takes about as long again.
    Raises :class:`UpdateTimedOut`, ``SyntaxError``, or ``ValueError`` (the update failed, or
    stopped the process running it, as one nested past what the parser survives would)."""
    context = multiprocessing.get_context("forkserver")
    ours, theirs = context.Pipe()
    process = context.Process(
        target=_trial_update_main,
        args=(theirs, store_dir, update, base_iri),
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


def _send_outcome(conn: Connection, outcome: Outcome) -> None:
    """Send ``outcome``: one message ``(outcome, None)`` when its answer is small; otherwise
    ``(outcome without its body, body size)`` followed by the body's bytes as they are."""
    answer = outcome.answer
    if answer is None or len(answer.body) <= INLINE_BYTES:
        conn.send((outcome, None))
        return
    conn.send((replace(outcome, answer=replace(answer, body=b"")), len(answer.body)))
    conn.send_bytes(answer.body)


def _with_body(outcome: Outcome, body: bytes) -> Outcome:
    assert outcome.answer is not None
    return replace(outcome, answer=replace(outcome.answer, body=body))


class _Worker(Protocol):
    """A process answering jobs over ``conn``; ``kill`` stops it at once."""

    conn: Connection

    def kill(self) -> None: ...


class _SpawnedWorker:
    """A worker started by the ``forkserver``; it opens the store itself."""

    def __init__(self, context: Any, settings: Settings, location: str | None) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child, settings, location), daemon=True, name="kg-query"
        )
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class _ForkedWorker:
    """A worker forked by the :class:`_Template`, holding its in-memory store."""

    def __init__(self, conn: Connection, pid: int) -> None:
        self.conn, self.pid = conn, pid

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.conn.close()


class _Template:
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

    def fork_worker(self, context: Any) -> _ForkedWorker:
        ours, theirs = context.Pipe()
        with self._lock:
            try:
                reduction.send_handle(self.conn, theirs.fileno(), self.process.pid)
                pid = self.conn.recv()
            except (EOFError, OSError) as err:
                raise StoreError("the process holding the in-memory store stopped") from err
            finally:
                theirs.close()
        return _ForkedWorker(ours, pid)

    def close(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


def _timed_out(timeout: float) -> Outcome:
    return Outcome(TIMEOUT, message=f"The query ran out of time ({timeout:g} s)")


def _worker_lost() -> Outcome:
    return Outcome(FAILED, message="The query worker stopped unexpectedly")


async def _receive(conn: Connection) -> bytes:
    """One message from ``conn``, read on the running loop without blocking it.

    The framing is ``multiprocessing.connection``'s: a 4-byte big-endian size (or -1 and an
    8-byte size) before the bytes. The socket is made non-blocking only while it is read
    here, as :meth:`QueryPool.run` reads the same worker with blocking calls."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(fileno=conn.fileno())  # a view of conn's descriptor; detached below
    try:
        sock.setblocking(False)
        (size,) = _SIZE.unpack(await _read_exactly(loop, sock, _SIZE.size))
        if size == -1:
            (size,) = _BIG_SIZE.unpack(await _read_exactly(loop, sock, _BIG_SIZE.size))
        return await _read_exactly(loop, sock, size)
    finally:
        with contextlib.suppress(OSError):
            sock.setblocking(True)
        sock.detach()


async def _read_exactly(loop: asyncio.AbstractEventLoop, sock: socket.socket, size: int) -> bytes:
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        got = await loop.sock_recv_into(sock, view[done:])
        if got == 0:
            raise EOFError("the worker closed its end")
        done += got
    return bytes(buffer)


class QueryPool:
    """Worker processes answering :class:`QueryJob` s against the configured store.

    ``location`` is the Oxigraph directory to read (a checkpoint generation); ``None`` for
    the other backends, and for Oxigraph means ``settings.store``."""

    def __init__(
        self,
        settings: Settings,
        location: str | None = None,
        *,
        min_workers: int = 2,
        max_workers: int = 8,
    ) -> None:
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["kg.serve.executor"])
        self.settings = settings
        self.store_path = location
        self.max_workers = max(1, max_workers)
        self._idle: list[_Worker] = []
        self._count = 0
        self._ready = threading.Condition()
        self._closed = False
        #: Whether workers run without network (see :func:`_leave_network`).
        self.network_isolated = _needs_no_network(settings) and workers_can_leave_network(
            self._context
        )
        if _needs_no_network(settings) and not self.network_isolated:
            log.warning(
                "Query workers could not be given a network namespace of their own (this "
                "needs root or unprivileged user namespaces): SERVICE and LOAD are kept out "
                "by the query guard alone."
            )
        self._template = (
            _Template(self._context, settings)
            if settings.backend == "oxigraph" and settings.serve_from == "memory"
            else None
        )
        for _ in range(max(0, min(min_workers, self.max_workers))):
            self._idle.append(self._start_worker())
            self._count += 1

    def _start_worker(self) -> _Worker:
        if self._template is not None:
            return self._template.fork_worker(self._context)
        return _SpawnedWorker(self._context, self.settings, self.store_path)

    def switch(self, location: str) -> None:
        """Answer later jobs from the Oxigraph store at ``location`` (a new generation)."""
        self.store_path = location

    def _take_idle(self) -> _Worker | None:
        """An idle worker if there is one, without waiting or starting one."""
        with self._ready:
            if self._closed:
                raise RuntimeError("the query pool is closed")
            return self._idle.pop() if self._idle else None

    def _acquire(self) -> _Worker:
        with self._ready:
            while True:
                if self._closed:
                    raise RuntimeError("the query pool is closed")
                if self._idle:
                    return self._idle.pop()
                if self._count < self.max_workers:
                    self._count += 1
                    break
                self._ready.wait()
        try:
            return self._start_worker()
        except BaseException:
            with self._ready:
                self._count -= 1
                self._ready.notify()
            raise

    def _release(self, worker: _Worker) -> None:
        with self._ready:
            self._idle.append(worker)
            self._ready.notify()

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._ready:
            self._count -= 1
            self._ready.notify()

    def run(self, job: QueryJob, timeout: float) -> Outcome:
        """Run ``job``; blocks the calling thread (never the event loop) up to ``timeout`` s."""
        started = time.perf_counter()
        worker = self._acquire()
        try:
            worker.conn.send((self.store_path, job))
            remaining = max(0.0, timeout - (time.perf_counter() - started))
            if not worker.conn.poll(remaining):
                self._discard(worker)
                return _timed_out(timeout)
            outcome, size = worker.conn.recv()
            if size is not None:
                outcome = _with_body(outcome, worker.conn.recv_bytes())
        except (EOFError, OSError, BrokenPipeError):
            self._discard(worker)
            return _worker_lost()
        self._release(worker)
        return outcome

    async def run_async(self, job: QueryJob, timeout: float) -> Outcome:
        """:meth:`run` for an event loop: waits for the answer without a thread when a worker
        is idle (the common case); otherwise runs :meth:`run` in a worker thread."""
        started = time.perf_counter()
        worker = self._take_idle()
        if worker is None:  # starting a worker, or waiting for one, blocks
            return await anyio.to_thread.run_sync(self.run, job, timeout)
        try:
            worker.conn.send((self.store_path, job))
            remaining = max(0.0, timeout - (time.perf_counter() - started))
            try:
                async with asyncio.timeout(remaining):
                    first = await _receive(worker.conn)
            except TimeoutError:
                await anyio.to_thread.run_sync(self._discard, worker)
                return _timed_out(timeout)
            outcome, size = pickle.loads(first)
            if size is not None:  # the answer's bytes follow; the worker has finished them
                outcome = _with_body(outcome, await _receive(worker.conn))
        except (EOFError, OSError):
            await anyio.to_thread.run_sync(self._discard, worker)
            return _worker_lost()
        except BaseException:  # cancelled: the worker may still be busy; stop it, off the loop
            threading.Thread(target=self._discard, args=(worker,), daemon=True).start()
            raise
        self._release(worker)
        return outcome

    def close(self) -> None:
        with self._ready:
            self._closed = True
            workers, self._idle = self._idle, []
            self._ready.notify_all()
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            worker.kill()
        if self._template is not None:
            self._template.close()
