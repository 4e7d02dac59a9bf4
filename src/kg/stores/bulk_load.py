"""Bulk-load an N-Quads file into a new on-disk Oxigraph store, as fast as this machine allows.

The file is cut at line boundaries into one part per core and each part is bulk-loaded by
its own thread into the same store: pyoxigraph releases the GIL inside ``bulk_load``, and
one ``bulk_load`` keeps about one core busy (it parses on the calling thread and indexes in
batches of a million quads), so a single call leaves the second core idle on files of a
million quads or so. N-Quads is a line-based format (https://www.w3.org/TR/n-quads/: one
statement a line, newlines in literals escaped), so any line boundary is a valid cut.

Why this and not the alternatives (measured on this project's 2-core machine with
``bench/scale_bench.py --candidates``, generated data, 1M quads): one ``bulk_load(path=...)``
is the same work on one core (14.5 s against 8.1 s for two parts, ~15 CPU-seconds either
way); the ``oxigraph`` CLI (PyPI package ``oxigraph``) loads several files in parallel the same
way, but needs the parts written to disk first and one more dependency, for no gain;
``lenient=True`` skips IRI and literal validation, worth about a tenth of the time, and is
safe only for data this project wrote and validated itself (generated data, the build's own
snapshot); ``optimize()`` compacts the store for faster reads, costs about half a load
again, and is not needed for the store to answer queries, so it is left to the caller
(``optimize=True``). Above a million quads per core one ``bulk_load`` already keeps every
core busy (see :func:`default_parts`), so large files are loaded in one part.

>>> import tempfile
>>> tmp = Path(tempfile.mkdtemp())
>>> _ = (tmp / "data.nq").write_text('<urn:x:s> <urn:x:p> "o" <urn:x:g> .\\n' * 3)
>>> stats = bulk_load_nquads(tmp / "store", tmp / "data.nq")
>>> stats.quads, stats.parts, stats.optimized
(1, 1, False)
"""

from __future__ import annotations

import io
import itertools
import os
import resource
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

__all__ = ["LoadStats", "bulk_load_nquads", "default_parts", "split_points"]

#: Parts smaller than this are not worth a thread of their own.
MIN_PART_BYTES = 16 * 2**20
#: About a million quads of this project's N-Quads: one batch of Oxigraph's bulk loader.
BATCH_BYTES = 200 * 2**20


@dataclass(frozen=True)
class LoadStats:
    """What a load did and cost.

    ``seconds`` runs from opening the new store until it answers queries (and includes
    ``optimize()`` when ``optimized``); ``peak_rss_bytes`` is the peak resident set of this
    process and of its finished children over their whole life so far (``getrusage``), so
    measure in a fresh process to get the load's own figure.
    """

    quads: int
    seconds: float
    quads_per_second: float
    peak_rss_bytes: int
    parts: int
    lenient: bool
    optimized: bool


def split_points(path: Path, parts: int) -> list[tuple[int, int]]:
    """``parts`` byte ranges of ``path`` that cover it and start at line beginnings.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "x.nq"
    >>> _ = f.write_bytes(b"aaaa\\nbb\\ncccccc\\nd\\n")
    >>> split_points(f, 2)
    [(0, 8), (8, 17)]
    """
    size = path.stat().st_size
    cuts = [0]
    with path.open("rb") as f:
        for i in range(1, parts):
            f.seek(max(size * i // parts, cuts[-1]))
            if f.tell() > 0:
                f.seek(f.tell() - 1)  # a cut already at a line start stays there
                f.readline()
            cuts.append(min(f.tell(), size))
    cuts.append(size)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


class _Slice(io.RawIOBase):
    """Bytes ``start`` to ``end`` of an open file, read with ``pread`` (no shared offset, so
    several slices of one file can be read from several threads)."""

    def __init__(self, fd: int, start: int, end: int) -> None:
        self.fd, self.position, self.end = fd, start, end

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self.end - self.position)
        if want <= 0:
            return 0
        data = os.pread(self.fd, want, self.position)
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


def default_parts(size: int, cores: int | None = None) -> int:
    """How many parts to load a file of ``size`` bytes in: one per core while every part is
    at most one batch of Oxigraph's bulk loader (within one ``bulk_load`` a batch is indexed
    only after it is parsed, so one call keeps one core busy), one above that (one call then
    parses a batch while it indexes the ones before, on every core, and more parts would only
    multiply the batches in memory: measured at 10M triples, two parts took the same time
    and 3.3 GiB instead of 1.7 GiB).

    >>> default_parts(10 * 2**20, 2), default_parts(190 * 2**20, 2), default_parts(2**31, 2)
    (1, 2, 1)
    """
    cores = cores or os.cpu_count() or 1
    if size > cores * BATCH_BYTES:
        return 1
    return max(1, min(cores, size // MIN_PART_BYTES))


def _load_part(store: ox.Store, fd: int, span: tuple[int, int], lenient: bool) -> None:
    source: BinaryIO = io.BufferedReader(_Slice(fd, *span), 1 << 20)
    store.bulk_load(source, ox.RdfFormat.N_QUADS, lenient=lenient)


def _peak_rss_bytes() -> int:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) * 1024  # KiB on Linux


def bulk_load_nquads(
    store_dir: Path,
    nquads: Path,
    *,
    lenient: bool = False,
    parts: int | None = None,
    optimize: bool = False,
) -> LoadStats:
    """Create the Oxigraph store ``store_dir`` (absent or empty) holding the quads of the
    N-Quads file ``nquads``, loaded in ``parts`` parallel parts (default:
    :func:`default_parts`). ``lenient=True`` skips validation: only for data this project
    produced.
    """
    store_dir, nquads = Path(store_dir), Path(nquads)
    if store_dir.exists() and any(store_dir.iterdir()):
        raise FileExistsError(f"{store_dir} is not empty: bulk loads go into a new store")
    size = nquads.stat().st_size
    if parts is None:
        parts = default_parts(size)
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    store = ox.Store(str(store_dir))
    ranges = split_points(nquads, parts) if parts > 1 else [(0, size)]
    if len(ranges) == 1:
        # One part: let Oxigraph read the file itself.
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS, lenient=lenient)
    else:
        fd = os.open(nquads, os.O_RDONLY)
        try:
            with ThreadPoolExecutor(len(ranges), thread_name_prefix="kg-load") as pool:
                loads = [pool.submit(_load_part, store, fd, span, lenient) for span in ranges]
                for load in loads:
                    load.result()
        finally:
            os.close(fd)
    if optimize:
        store.optimize()
    store.flush()
    seconds = time.perf_counter() - started
    quads = len(store)
    del store
    return LoadStats(
        quads=quads,
        seconds=seconds,
        quads_per_second=quads / seconds if seconds else 0.0,
        peak_rss_bytes=_peak_rss_bytes(),
        parts=len(ranges),
        lenient=lenient,
        optimized=optimize,
    )
