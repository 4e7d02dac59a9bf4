"""Serving from memory (``KG_SERVE_FROM=memory``) on a live server: the same answers as the
store on disk, deadlines that still stop the work, a cheap query beside a heavy one, workers
forked from the one in-memory copy, and a store changed after its build copied as it is."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import PROJECT_ROOT, free_port, live_server

QUERIES = sorted((PROJECT_ROOT / "queries").glob("*.rq"))
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def memory_env(store: Path, snapshot_dir: Path, **more: str) -> dict[str, str]:
    return {
        "KG_STORE": str(store),
        "KG_SNAPSHOT_DIR": str(snapshot_dir),
        "KG_SERVE_FROM": "memory",
        "KG_QUERY_TIMEOUT": "20",
        **more,
    }


@pytest.fixture(scope="module")
def servers(built) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """A server answering from memory and one answering from disk, on the same build."""
    settings = built.settings
    with (
        live_server(memory_env(settings.store, settings.snapshot_dir)) as memory,
        live_server({"KG_STORE": str(settings.store), "KG_QUERY_TIMEOUT": "20"}) as disk,
    ):
        yield memory, disk


def csv_rows(base: str, query: str) -> list[list[str]]:
    r = httpx.get(
        f"{base}/sparql", params={"query": query}, headers={"accept": "text/csv"}, timeout=30
    )
    assert r.status_code == 200, r.text
    return [row for row in csv.reader(io.StringIO(r.text)) if row]


def process_tree(root: int) -> dict[int, list[int]]:
    """``ps``'s view of the processes under ``root``: each one's children."""
    table = subprocess.run(
        ["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True
    ).stdout
    children: dict[int, list[int]] = {}
    for line in table.splitlines():
        pid, ppid = map(int, line.split())
        children.setdefault(ppid, []).append(pid)
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        tree[pid] = children.get(pid, [])
        todo.extend(tree[pid])
    return tree


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_every_catalogue_query_answers_as_on_disk(servers: tuple[str, str], query: Path) -> None:
    memory, disk = servers
    text = query.read_text(encoding="utf-8")
    from_memory, from_disk = csv_rows(memory, text), csv_rows(disk, text)
    assert from_memory[0] == from_disk[0]
    assert sorted(from_memory[1:]) == sorted(from_disk[1:])
    assert len(from_memory) > 1, f"{query.name} answers nothing: a vacuous comparison"


def test_a_deadline_stops_the_work_and_the_next_query_is_answered(
    servers: tuple[str, str],
) -> None:
    memory, _ = servers
    started = time.monotonic()
    r = httpx.get(
        f"{memory}/sparql",
        params={"query": HEAVY, "timeout": "1"},
        headers={"accept": "application/json"},
        timeout=30,
    )
    assert r.status_code == 503
    assert r.json()["error"] == "timeout"
    assert time.monotonic() - started < 5
    assert int(csv_rows(memory, COUNT)[1][0]) > 9000


def test_a_cheap_query_is_not_held_up_by_heavy_ones(servers: tuple[str, str]) -> None:
    memory, _ = servers

    def heavy() -> None:
        httpx.get(f"{memory}/sparql", params={"query": HEAVY, "timeout": "4"}, timeout=30)

    # Two heavy queries take both warm workers: the cheap ones need workers forked on demand.
    threads = [threading.Thread(target=heavy) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    timings = []
    for _ in range(10):
        started = time.monotonic()
        assert int(csv_rows(memory, COUNT)[1][0]) > 9000
        timings.append(time.monotonic() - started)
    for thread in threads:
        thread.join()
    # Not a performance assert: the heavy queries run for 4 s; the ten cheap ones must finish
    # well inside that window rather than queue behind them or wait for a store to load.
    assert sum(timings) < 3.5


def alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie, ended but not yet reaped, is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_workers_are_forked_from_one_process_holding_the_copy_and_end_with_it(built) -> None:  # type: ignore[no-untyped-def]
    """server -> forkserver -> the template -> three warm workers (served from disk, the
    workers are the forkserver's own children, one level higher). When the server dies (killed,
    so it cannot tidy up), they all end, a worker busy with a long query included."""
    env = memory_env(built.settings.store, built.settings.snapshot_dir, KG_QUERY_WORKERS="3")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            tree = process_tree(process.pid)
            forked_by_template = [
                len(tree[template])
                for forkserver in tree[process.pid]
                for template in tree[forkserver]
            ]
            if forked_by_template == [3] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert forked_by_template == [3], tree

        def heavy() -> None:
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": HEAVY}, timeout=30)

        threading.Thread(target=heavy, daemon=True).start()
        time.sleep(1)  # a worker is now busy with it
    finally:
        process.kill()
        process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in tree if alive(pid)]


def test_writes_cannot_be_enabled_when_serving_from_memory(built) -> None:  # type: ignore[no-untyped-def]
    env = memory_env(built.settings.store, built.settings.snapshot_dir, KG_WRITE_TOKEN="s3cret")
    done = subprocess.run(
        [sys.executable, "-m", "kg.cli", "serve", "--port", "0"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "KG_SERVE_FROM=memory serves read-only" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_store_changed_after_its_build_is_copied_as_it_is(built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """After a write through a server with writes enabled, the build's snapshot is stale: the
    in-memory copy must come from the store, not from the snapshot."""
    store = tmp_path / "store"
    shutil.copytree(built.settings.store, store)
    auth = {"authorization": "Bearer s3cret", "content-type": "application/n-triples"}
    env = {"KG_STORE": str(store), "KG_SNAPSHOT_DIR": str(tmp_path / "snapshot")}
    with live_server({**env, "KG_WRITE_TOKEN": "s3cret"}) as writable:
        put = httpx.put(
            f"{writable}/gsp",
            params={"graph": "https://example.org/uploads/1"},
            content="<urn:a> <urn:b> <urn:c> .",
            headers=auth,
        )
        assert put.status_code == 201
    with live_server(memory_env(store, built.settings.snapshot_dir)) as memory:
        ask = httpx.get(f"{memory}/sparql", params={"query": "ASK { <urn:a> <urn:b> <urn:c> }"})
        assert ask.json()["boolean"] is True
        assert int(csv_rows(memory, COUNT)[1][0]) == built.result.manifest.triples + 1
