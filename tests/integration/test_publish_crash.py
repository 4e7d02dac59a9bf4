"""A publish that dies at any point leaves one version served whole, and readers never see
two versions at once.

A publish (``kg publish``, ``PUT /sources/{key}``) is a build from a staged copy of
``data/sources`` with one document changed: it stages the next version's snapshot, store and
sources folder beside the ones served, then switches all three with one journal
(:mod:`kg.build.switch`). These tests prove, on real processes killed with SIGKILL:

- ``kg publish`` killed when it prints each of its steps (``[1/6]`` ... ``[6/6]``, and the
  ``serving version`` line printed after the switch): once the switch is completed (what a
  server or the next command does first), the snapshot's quads are the store's, the version
  served is the one before (same number, same sha256) or the new one whole (number + 1, the
  change in the store), and ``data/sources`` is the copy of the sources kept in the served
  snapshot. The next publish then works and numbers its version after both. Without the
  staged switch a kill left a new snapshot beside the old store, or a sources folder that
  no longer matched what was served (the next ``kg build`` would then have built the
  unpublished document);
- a writable server killed while it publishes (after a delay, or the moment its staged
  store or its journal appears): restarted on the same folders it serves a whole version,
  the one before (the same graph, triple for triple) or the one after (the snapshot's graph,
  the change in it), and on disk the snapshot is the store;
- eight readers on seven routes (SPARQL, the Graph Store Protocol, ``/sources``, the entity
  page, the InforMEA feed, the RDF dump, the graph API) for 30 s while the source is
  published again and again, alternately 534 and 734 triples: every read is one version or
  the other, never an error, a missing entity or a mix (the store, the query workers'
  checkpoint and the views derived from the graph are switched together under the server's
  write lock).

And, with no crash, that two publishes in a row leave the snapshot equal to the store (the
invariant every check above rests on).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from kg.build.publish import publish
from kg.build.snapshot import Manifest
from kg.build.switch import complete_switch, staged
from kg.build.versions import SNAPSHOT_SOURCES
from kg.settings import Settings
from kg.stores import open_store
from tests.support import PROJECT_ROOT, live_server_process, writable_project

pytestmark = pytest.mark.slow

KEY = "tehran-pow-2009-2010"
BASE = "https://w3id.org/mea-kg"
GRAPH = f"{BASE}/graph/{KEY}"
DOCUMENT = f"{BASE}/id/document/{KEY}"
NOTE = "http://www.w3.org/2004/02/skos/core#note"
SEED = (PROJECT_ROOT / "data" / "sources" / f"{KEY}.ttl").read_bytes()
SEED_TRIPLES = 534
TOKEN = "crash-test-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}
NTRIPLES = {"accept": "application/n-triples"}
#: Every answer whole: the graph has about 10,000 triples, the default cap.
NO_CAP = {"KG_MAX_ROWS": "1000000"}


def with_notes(*notes: str) -> bytes:
    """The seed document with a ``skos:note`` on the document for each of ``notes``."""
    lines = "".join(f'<{DOCUMENT}> <{NOTE}> "{note}" .\n' for note in notes)
    return SEED + b"\n" + lines.encode()


def note_quad(note: str) -> ox.Quad:
    return ox.Quad(
        ox.NamedNode(DOCUMENT), ox.NamedNode(NOTE), ox.Literal(note), ox.NamedNode(GRAPH)
    )


def private_project(root: Path, built: Any) -> tuple[dict[str, str], Settings]:
    """A project of its own at ``root`` with a copy of the seed build (version 1): the
    environment of a command or a server on it, and its settings."""
    env = writable_project(root, built.settings.store, built.settings.snapshot_dir)
    settings = Settings(
        project_dir=root,
        store=Path(env["KG_STORE"]),
        snapshot_dir=Path(env["KG_SNAPSHOT_DIR"]),
        data_dir=Path(env["KG_DATA_DIR"]),
    )
    return env, settings


def checksum(triples: Iterable[ox.Triple]) -> str:
    """sha256 of a set of triples, written as N-Triples terms and sorted (no blank nodes in
    the seed graph, so equal sets give equal sums)."""
    text = "\n".join(sorted({str(t) for t in triples}))
    return hashlib.sha256(text.encode()).hexdigest()


def triples_of(data: bytes, syntax: ox.RdfFormat) -> list[ox.Triple]:
    """The triples of an RDF document (the parser gives quads in the default graph)."""
    return [q.triple for q in ox.parse(data, format=syntax)]


def folder(path: Path) -> dict[str, bytes]:
    """The files of ``path`` (not recursive), by name."""
    return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}


@dataclass
class OnDisk:
    """What a server opened on these folders would serve."""

    manifest: Manifest
    snapshot: set[ox.Quad]
    store: set[ox.Quad]
    sources: dict[str, bytes]
    snapshot_sources: dict[str, bytes]
    snapshot_sha256: str

    def triples(self) -> set[ox.Triple]:
        return {q.triple for q in self.snapshot}

    def graph_size(self) -> int:
        return sum(1 for q in self.store if q.graph_name == ox.NamedNode(GRAPH))


def on_disk(settings: Settings) -> OnDisk:
    """The version served, after what a server or the next command does first (finish a
    switch a killed process left decided). Nothing may hold the store open for writing."""
    complete_switch(settings.build_journal)
    data = settings.snapshot_nquads.read_bytes()
    snapshot = set(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    store = open_store(settings, read_only=True)
    try:
        quads = set(store.quads_for_pattern(None, None, None, None))
    finally:
        del store
        gc.collect()  # let go of the read-only handle before anything renames the store
    return OnDisk(
        manifest=Manifest.read(settings.snapshot_dir),
        snapshot=snapshot,
        store=quads,
        sources=folder(settings.sources_dir),
        snapshot_sources=folder(settings.snapshot_dir / SNAPSHOT_SOURCES),
        snapshot_sha256=hashlib.sha256(data).hexdigest(),
    )


def assert_snapshot_is_store(served: OnDisk) -> None:
    only_snapshot = sorted(str(q) for q in served.snapshot - served.store)
    only_store = sorted(str(q) for q in served.store - served.snapshot)
    assert not only_snapshot and not only_store, (
        f"snapshot and store differ: {len(only_snapshot)} quads only in the snapshot "
        f"{only_snapshot[:2]}, {len(only_store)} only in the store {only_store[:2]}"
    )


def assert_one_version(served: OnDisk, before: Manifest, note: str) -> str:
    """That ``served`` is one version whole, the one ``before`` or the next one with
    ``note`` published; which ("before" or "after")."""
    assert_snapshot_is_store(served)
    assert served.snapshot_sha256 == served.manifest.sha256
    assert len(served.snapshot) == served.manifest.triples
    assert served.sources == served.snapshot_sources, "data/sources is not what is served"
    assert f"{KEY}.ttl" in served.sources
    if served.manifest.version == before.version:
        assert served.manifest.sha256 == before.sha256
        assert note_quad(note) not in served.store
        assert served.graph_size() == SEED_TRIPLES
        assert note.encode() not in served.sources[f"{KEY}.ttl"]
        return "before"
    assert served.manifest.version == before.version + 1, served.manifest
    assert note_quad(note) in served.store
    assert served.graph_size() == SEED_TRIPLES + 1
    assert note.encode() in served.sources[f"{KEY}.ttl"]
    assert served.manifest.changed_sources == {KEY: "replaced"}
    return "after"


def assert_nothing_staged(settings: Settings) -> None:
    for live in (settings.snapshot_dir, settings.store, settings.sources_dir):
        assert not staged(live).exists(), f"{staged(live)} left behind"
    assert not settings.build_journal.exists()


# ------------------------------------------------------------------ kg publish, killed


def kill_publish_at(env: dict[str, str], document: Path, step: str) -> list[str]:
    """Run ``kg publish document --key KEY`` on the project of ``env`` and kill -9 it the
    moment its stderr says ``step``; what it said."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "publish", str(document), "--key", KEY, "--as", "crash"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(120, process.kill)  # a hung publish fails, never hangs
    watchdog.start()
    said: list[str] = []
    try:
        assert process.stderr is not None
        for line in process.stderr:
            said.append(line.rstrip("\n"))
            if line.startswith(step):
                process.send_signal(signal.SIGKILL)
                break
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
        process.wait(timeout=60)
        if process.stderr is not None:
            process.stderr.close()
    assert any(line.startswith(step) for line in said), "\n".join(said[-20:])
    return said


STEPS = ["[1/6]", "[2/6]", "[3/6]", "[4/6]", "[5/6]", "[6/6]", "      serving version"]


@pytest.mark.parametrize("step", STEPS, ids=["1", "2", "3", "4", "5", "6", "serving"])
def test_a_publish_killed_at_a_step_leaves_one_version_served(
    built: Any, tmp_path: Path, step: str
) -> None:
    env, settings = private_project(tmp_path / "project", built)
    before = Manifest.read(settings.snapshot_dir)
    changed = tmp_path / "changed.ttl"
    changed.write_bytes(with_notes("note 1"))

    kill_publish_at(env, changed, step)
    outcome = assert_one_version(on_disk(settings), before, "note 1")
    print(f"killed at {step.strip()!r}: the version {outcome} is served")
    if step.strip().startswith("serving"):  # said after the switch: the new version is served
        assert outcome == "after"

    # The next publish clears what the killed one left, and numbers its version after both.
    done = publish(settings, KEY, with_notes("note 1", "note 2"), who="next")
    assert done.manifest is not None
    assert done.manifest.version == before.version + (2 if outcome == "after" else 1)
    served = on_disk(settings)
    assert served.manifest == done.manifest
    assert served.sources == served.snapshot_sources
    assert note_quad("note 1") in served.store and note_quad("note 2") in served.store
    assert served.graph_size() == SEED_TRIPLES + 2
    assert_nothing_staged(settings)
    assert_snapshot_is_store(served)


def test_the_snapshot_is_the_store_after_two_publishes(built: Any, tmp_path: Path) -> None:
    """No crash: two publishes in a row. The second carries the first's change record from
    the snapshot into its own, and the snapshot must still be the store, term for term
    (what the tests above, and ``kg build``'s switch tests, rely on). The record's
    ``prov:endedAtTime``, re-read from the snapshot through rdflib, was written back as
    ``...+00:00`` while the store keeps the canonical ``...Z``: the snapshot (and its sha256)
    then no longer described the graph served."""
    _env, settings = private_project(tmp_path / "project", built)
    for n in (1, 2):
        publish(settings, KEY, with_notes(f"note {n}"), who="twice")
        assert_snapshot_is_store(on_disk(settings))


# ------------------------------------------------------------------ a server, killed


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name, or ``None``."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def descendants(pid: int) -> dict[int, str]:
    """The processes below ``pid``, each with its start time (to tell it from a later
    process given the same id)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: dict[int, str] = {}
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found and (fields := _stat(child)) is not None:
                found[child] = fields[19]
                pending.append(child)
    return found


def reap(processes: dict[int, str], grace: float) -> list[int]:
    """Wait up to ``grace`` s for ``processes`` (left by a killed server) to end, then kill
    -9 those still there, by id; the ids that had to be killed."""
    deadline = time.monotonic() + grace

    def alive() -> list[int]:
        return [
            pid
            for pid, started in processes.items()
            if (fields := _stat(pid)) is not None and fields[19] == started and fields[0] != "Z"
        ]

    while alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    left = alive()
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


def live_triples(base: str) -> set[ox.Triple]:
    """The live graph: every triple of every named graph (CONSTRUCT over GRAPH ?g)."""
    r = httpx.post(
        f"{base}/sparql",
        content=b"CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
        headers={"content-type": "application/sparql-query", **NTRIPLES},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    assert "x-sparql-maxrows" not in r.headers, "the answer was capped"
    return set(triples_of(r.content, ox.RdfFormat.N_TRIPLES))


def put_source(base: str, body: bytes, *, timeout: float = 60) -> httpx.Response:
    return httpx.put(
        f"{base}/sources/{KEY}",
        content=body,
        headers={**AUTH, "content-type": "text/turtle", "accept": "application/json"},
        timeout=timeout,
    )


def wait_for_path(path: Path, limit: float) -> bool:
    """Poll (tightly) until ``path`` exists, at most ``limit`` s; whether it appeared."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if path.exists():
            return True
    return False


#: When to kill the server after the PUT is sent: a delay in seconds (a publish of the seed
#: takes about 0.9 s on a server: 0.2 s is while it stages, 1.5 s after it answered), or the
#: moment the staged store (its last staging step) or the switch's journal appears.
KILL_WHEN: list[float | str] = [0.2, 0.5, 0.8, 1.5, "store staged", "journal written"]


@pytest.mark.parametrize("when", KILL_WHEN, ids=[str(w).replace(" ", "-") for w in KILL_WHEN])
def test_a_server_killed_while_it_publishes_serves_one_version_after_a_restart(
    built: Any, tmp_path: Path, when: float | str
) -> None:
    env, settings = private_project(tmp_path / "project", built)
    env = {**env, **NO_CAP, "KG_WRITE_TOKEN": TOKEN}
    before = Manifest.read(settings.snapshot_dir)
    answer: list[str] = []
    seen, tree = False, dict[int, str]()
    with live_server_process(env) as (base, process):
        before_triples = live_triples(base)

        def send() -> None:
            try:
                r = put_source(base, with_notes("note 1"))
                answer.append(f"{r.status_code} {r.text[:200]}")
            except httpx.TransportError as error:  # killed under it
                answer.append(f"no answer: {type(error).__name__}")

        writer = threading.Thread(target=send)
        writer.start()
        try:
            if isinstance(when, float):
                time.sleep(when)
                seen = True
            elif when == "store staged":
                seen = wait_for_path(staged(settings.store), 10)
            else:
                seen = wait_for_path(settings.build_journal, 10)
            tree = descendants(process.pid)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            writer.join(timeout=70)
            # What the server started (query workers, the publish's child) ends with it or
            # soon after; anything still there after 15 s is killed here, and reported.
            left_behind = reap(tree, 15)
    print(f"killed at {when!r} (seen: {seen}); the PUT: {answer}; left behind: {left_behind}")
    assert not writer.is_alive()

    with live_server_process(env) as (base, _process):
        sources = httpx.get(f"{base}/sources", timeout=30)
        assert sources.status_code == 200, sources.text
        listed = {s["key"]: s for s in sources.json()["sources"]}
        version = sources.json()["version"]
        triples = live_triples(base)
        graph = httpx.get(f"{base}/sources/{KEY}", headers=NTRIPLES, timeout=30)
        assert graph.status_code == 200, graph.text
        graph_triples = set(triples_of(graph.content, ox.RdfFormat.N_TRIPLES))
        history = httpx.get(f"{base}/sources/{KEY}/history", timeout=30)
        assert history.status_code == 200, history.text
    assert listed[KEY]["triples"] == len(graph_triples)
    note = ox.Triple(ox.NamedNode(DOCUMENT), ox.NamedNode(NOTE), ox.Literal("note 1"))
    if version == before.version:
        assert checksum(triples) == checksum(before_triples)
        assert len(graph_triples) == SEED_TRIPLES and note not in graph_triples
        outcome = "before"
    else:
        assert version == before.version + 1
        assert len(graph_triples) == SEED_TRIPLES + 1 and note in graph_triples
        outcome = "after"
    if answer and answer[0].startswith("200"):  # it answered before the kill: it is done
        assert outcome == "after"

    # With the server stopped: the folders hold that version whole.
    assert not settings.build_journal.exists(), "the restarted server left the switch undone"
    served = on_disk(settings)
    assert assert_one_version(served, before, "note 1") == outcome
    assert served.manifest.version == version
    assert checksum(served.triples()) == checksum(triples)
    print(f"served after the restart: the version {outcome} (version {version})")


# ------------------------------------------------------------------ readers during publishes

#: Version B of the source: the seed and 200 notes on the document.
B_NOTES = 200
VERSIONS = {
    "A": with_notes(),
    "B": with_notes(*(f"extra note {i}" for i in range(B_NOTES))),
}
#: What one read may see: (triples of the source's graph, notes on the document).
WHOLE = {(SEED_TRIPLES, 0), (SEED_TRIPLES + B_NOTES, B_NOTES)}
COUNT_GRAPH = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"
ROUTES = ("sparql", "gsp", "source", "entity", "informea", "export", "api")


def _sizes(triples: Iterable[ox.Triple]) -> tuple[int, int]:
    """(triples, notes on the document) of a graph."""
    document, note = ox.NamedNode(DOCUMENT), ox.NamedNode(NOTE)
    listed = list(triples)
    return len(listed), sum(1 for t in listed if t.subject == document and t.predicate == note)


def read_route(client: httpx.Client, route: str) -> str | None:
    """Read ``route`` once; what is wrong with the answer, or ``None``."""
    if route == "sparql":
        r = client.get(
            "/sparql",
            params={"query": COUNT_GRAPH},
            headers={"accept": "application/sparql-results+json"},
        )
        if r.status_code != 200:
            return f"{r.status_code} {r.text[:200]}"
        n = int(r.json()["results"]["bindings"][0]["n"]["value"])
        return None if n in {size for size, _ in WHOLE} else f"COUNT {n}"
    if route in ("gsp", "source"):
        if route == "gsp":
            r = client.get("/gsp", params={"graph": GRAPH}, headers=NTRIPLES)
        else:
            r = client.get(f"/sources/{KEY}", headers=NTRIPLES)
        if r.status_code != 200:
            return f"{r.status_code} {r.text[:200]}"
        sizes = _sizes(triples_of(r.content, ox.RdfFormat.N_TRIPLES))
        return None if sizes in WHOLE else f"(triples, notes) {sizes}"
    if route == "entity":
        r = client.get(f"/id/document/{KEY}", headers={"accept": "application/ld+json"})
        if r.status_code != 200:
            return f"{r.status_code} {r.text[:200]}"
        notes = _sizes(triples_of(r.content, ox.RdfFormat.JSON_LD))[1]
        return None if notes in {n for _, n in WHOLE} else f"{notes} notes"
    if route == "api":  # the graph projection (a view made again after each publish)
        r = client.get("/api/neighbours", params={"for": DOCUMENT})
        if r.status_code != 200:
            return f"{r.status_code} {r.text[:200]}"
        return None if r.json().get("nodes") else "no neighbours"
    if route == "informea":
        r = client.get("/informea/v1/Treaties")
        if r.status_code != 200:
            return f"{r.status_code} {r.text[:200]}"
        return None if r.json().get("value") else "no treaties"
    r = client.get("/export/rdf", params={"format": "nq"})
    if r.status_code != 200:
        return f"{r.status_code} {r.text[:200]}"
    quads = ox.parse(r.content, format=ox.RdfFormat.N_QUADS)
    sizes = _sizes(q.triple for q in quads if q.graph_name == ox.NamedNode(GRAPH))
    return None if sizes in WHOLE else f"(triples, notes) {sizes} in the dump"


@pytest.fixture
def writable_server(built: Any, tmp_path: Path) -> Iterator[str]:
    env, _settings = private_project(tmp_path / "project", built)
    with live_server_process({**env, **NO_CAP, "KG_WRITE_TOKEN": TOKEN}) as (base, _process):
        yield base


def test_readers_see_one_version_or_the_other_during_repeated_publishes(
    writable_server: str,
) -> None:
    base = writable_server
    seconds = 30.0
    with httpx.Client(base_url=base, timeout=30) as client:  # every route answers first
        for route in ROUTES:
            assert read_route(client, route) is None, route
    stop = time.monotonic() + seconds
    reads: Counter[str] = Counter()
    problems: list[tuple[str, str]] = []
    publishes: list[int] = []
    refused: list[str] = []
    lock = threading.Lock()

    def reader(first: int) -> None:
        done = 0
        with httpx.Client(base_url=base, timeout=30) as client:
            while time.monotonic() < stop:
                route = ROUTES[(first + done) % len(ROUTES)]
                done += 1
                try:
                    problem = read_route(client, route)
                except (httpx.HTTPError, ValueError, KeyError, SyntaxError) as error:
                    problem = f"{type(error).__name__}: {error}"
                with lock:
                    reads[route] += 1
                    if problem is not None:
                        problems.append((route, problem))

    def writer() -> None:
        n = 0
        while time.monotonic() < stop:
            name = "B" if n % 2 == 0 else "A"
            n += 1
            try:
                r = put_source(base, VERSIONS[name])
            except httpx.HTTPError as error:
                refused.append(f"{name}: {type(error).__name__}: {error}")
                continue
            if r.status_code == 200:
                publishes.append(int(r.json()["version"]))
            else:
                refused.append(f"{name}: {r.status_code} {r.text[:300]}")

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
    threads.append(threading.Thread(target=writer))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    elapsed = time.monotonic() - started
    print(
        f"\n{len(publishes)} publishes in {elapsed:.1f} s (versions {publishes[:1]}..."
        f"{publishes[-1:]}); reads per route: {dict(reads)}; problems: {len(problems)}"
    )
    assert not any(thread.is_alive() for thread in threads)
    assert not refused, refused[:3]
    assert len(publishes) >= 5
    assert publishes == sorted(publishes) and len(set(publishes)) == len(publishes)
    assert all(reads[route] >= 20 for route in ROUTES), dict(reads)
    assert not problems, problems[:5]
