"""Running queries in worker processes with read-only store handles (DESIGN.md §6).

Oxigraph's Python API cannot cancel a query, so a deadline needs a process that can be
killed. Each worker (:mod:`kg.serve.workers`) holds a read-only handle on the store and
answers one job at a time; the pool keeps ``min_workers`` warm and starts more (up to
``max_workers``) when all are busy, so a cheap query never waits behind a heavy one. A job
that misses its deadline has its worker killed and replaced: the caller gets
:data:`~kg.serve.jobs.TIMEOUT` and no partial result, because a worker sends its answer only
once it is complete.

The server waits for an answer on its event loop (:meth:`QueryPool.run_async`): it reads the
worker's end of the pipe like any socket, as the bytes arrive (:mod:`kg.serve.framing`), so an
answer of any size costs no thread hand-off. Only what may block goes to a thread: starting a
worker, or waiting for one when all are busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time

import anyio.to_thread

from kg.serve.framing import receive, with_body
from kg.serve.jobs import FAILED, OUT_OF_MEMORY, TIMEOUT, Outcome, QueryJob
from kg.serve.sandbox import needs_no_network, workers_can_leave_network
from kg.serve.workers import SpawnedWorker, Template, Worker
from kg.settings import Settings

log = logging.getLogger(__name__)


def _timed_out(timeout: float) -> Outcome:
    return Outcome(TIMEOUT, message=f"The query ran out of time ({timeout:g} s)")


def _worker_lost() -> Outcome:
    return Outcome(
        FAILED,
        message="The query engine failed on this query (its worker stopped); nothing of the "
        "answer was sent. The query may hit an engine bug: report it with the request id",
    )


def _too_big(limit: int) -> Outcome:
    return Outcome(
        OUT_OF_MEMORY,
        message=f"The query needed more than {limit / 2**20:,.0f} MiB of memory "
        "(KG_QUERY_MEMORY_BYTES) and was stopped: narrow it, or add a LIMIT before a sort",
    )


#: How often a running query's memory is looked at, in seconds.
MEMORY_WATCH_SECONDS = 0.05


def resident_bytes(pid: int | None) -> int | None:
    """The resident set of process ``pid`` (Linux ``/proc``), or ``None``."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


_PAGE = os.sysconf("SC_PAGE_SIZE")


class MemoryWatch:
    """Kills a worker whose resident set grows past ``limit`` bytes over what it held when
    its job began; ``tripped`` says whether it did."""

    def __init__(self, worker: Worker, limit: int) -> None:
        self.worker, self.limit = worker, limit
        self.baseline = resident_bytes(worker.pid)
        self.tripped = False

    def check(self) -> bool:
        """Look once; kill the worker and return ``True`` if it is past its limit."""
        if self.baseline is None or self.tripped:
            return self.tripped
        now = resident_bytes(self.worker.pid)
        if now is not None and now - self.baseline > self.limit:
            self.tripped = True
            pid = self.worker.pid
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        return self.tripped

    async def run(self) -> None:
        while not self.check():
            await asyncio.sleep(MEMORY_WATCH_SECONDS)


class QueryPool:
    """Worker processes answering :class:`~kg.serve.jobs.QueryJob` s against the configured
    store.

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
        # What the workers, trial updates and publishes run, imported once by the forkserver
        # (a publish's child then starts in milliseconds, not the second its imports took).
        self._context.set_forkserver_preload(
            ["kg.serve.workers", "kg.serve.trial_update", "kg.serve.publishing"]
        )
        self.settings = settings
        self.store_path = location
        self.max_workers = max(1, max_workers)
        self._idle: list[Worker] = []
        self._count = 0
        self._ready = threading.Condition()
        self._closed = False
        #: Whether workers run without network (see :func:`kg.serve.sandbox.leave_network`).
        self.network_isolated = needs_no_network(settings) and workers_can_leave_network(
            self._context
        )
        if needs_no_network(settings) and not self.network_isolated:
            log.warning(
                "Query workers could not be given a network namespace of their own (this "
                "needs root or unprivileged user namespaces): SERVICE and LOAD are kept out "
                "by the query guard alone."
            )
        self._template = (
            Template(self._context, settings)
            if settings.backend == "oxigraph" and settings.serve_from == "memory"
            else None
        )
        for _ in range(max(0, min(min_workers, self.max_workers))):
            self._idle.append(self._start_worker())
            self._count += 1

    def _start_worker(self) -> Worker:
        if self._template is not None:
            return self._template.fork_worker(self._context)
        return SpawnedWorker(self._context, self.settings, self.store_path)

    def switch(self, location: str) -> None:
        """Answer later jobs from the Oxigraph store at ``location`` (a new generation)."""
        self.store_path = location

    def _take_idle(self) -> Worker | None:
        """An idle worker if there is one, without waiting or starting one."""
        with self._ready:
            if self._closed:
                raise RuntimeError("the query pool is closed")
            return self._idle.pop() if self._idle else None

    def _acquire(self) -> Worker:
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

    def _release(self, worker: Worker) -> None:
        with self._ready:
            self._idle.append(worker)
            self._ready.notify()

    def _discard(self, worker: Worker) -> None:
        worker.kill()
        with self._ready:
            self._count -= 1
            self._ready.notify()

    def run(self, job: QueryJob, timeout: float) -> Outcome:
        """Run ``job``; blocks the calling thread (never the event loop) up to ``timeout`` s."""
        started = time.perf_counter()
        worker = self._acquire()
        watch = MemoryWatch(worker, self.settings.query_memory_bytes)
        try:
            worker.conn.send((self.store_path, job))
            while not worker.conn.poll(MEMORY_WATCH_SECONDS):
                if watch.check():
                    self._discard(worker)
                    return _too_big(watch.limit)
                if time.perf_counter() - started >= timeout:
                    self._discard(worker)
                    return _timed_out(timeout)
            outcome, size = worker.conn.recv()
            if size is not None:
                outcome = with_body(outcome, worker.conn.recv_bytes())
        except (EOFError, OSError, BrokenPipeError):
            self._discard(worker)
            return _too_big(watch.limit) if watch.tripped else _worker_lost()
        self._release(worker)
        return outcome

    async def run_async(self, job: QueryJob, timeout: float) -> Outcome:
        """:meth:`run` for an event loop: waits for the answer without a thread when a worker
        is idle (the common case); otherwise runs :meth:`run` in a worker thread."""
        started = time.perf_counter()
        worker = self._take_idle()
        if worker is None:  # starting a worker, or waiting for one, blocks
            return await anyio.to_thread.run_sync(self.run, job, timeout)
        watch = MemoryWatch(worker, self.settings.query_memory_bytes)
        watching = asyncio.create_task(watch.run())  # kills the worker past its memory
        try:
            worker.conn.send((self.store_path, job))
            remaining = max(0.0, timeout - (time.perf_counter() - started))
            try:
                async with asyncio.timeout(remaining):
                    first = await receive(worker.conn)
            except TimeoutError:
                await anyio.to_thread.run_sync(self._discard, worker)
                return _timed_out(timeout)
            outcome, size = pickle.loads(first)
            if size is not None:  # the answer's bytes follow; the worker has finished them
                outcome = with_body(outcome, await receive(worker.conn))
        except (EOFError, OSError):
            await anyio.to_thread.run_sync(self._discard, worker)
            return _too_big(watch.limit) if watch.tripped else _worker_lost()
        except BaseException:  # cancelled: the worker may still be busy; stop it, off the loop
            threading.Thread(target=self._discard, args=(worker,), daemon=True).start()
            raise
        finally:
            watching.cancel()
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
