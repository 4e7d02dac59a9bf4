"""How long publishing a source takes, by stage, and how much memory it needs.

For each size, a generated source of about that many triples (MEA-shaped, conforming:
``kg.bench.generate``, every synthetic document merged into one) is published into a fresh
copy of the project built from the seeds:

* on the command line's path (:func:`kg.build.publish.publish`, in a child process so that
  its peak memory is its own), split by stage from the build's progress lines: load and
  parse, validate, reconcile, reason, snapshot, store, switch;
* through a live server (``PUT /sources/{key}`` on loopback: staged in the server's bounded
  child process, then switched), end to end;

and, as the baseline in the same run, a full ``kg build`` of the same project with that
source in it (what publishing cost before a source could be published alone: the same work,
every source re-read). Prints one table; figures go in ``docs/performance.md``.

    .venv/bin/python bench/publish_bench.py --triples 10000 100000
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
from kg.bench.generate import generate  # noqa: E402
from kg.settings import Settings  # noqa: E402
from tests.support import live_server  # noqa: E402

KEY = "generated-bench"
STAGES = ("load+parse", "validate", "reconcile", "reason", "snapshot", "store", "switch")
_GRAPH = re.compile(r" <([^>]*)> \.$")


def source_document(triples: int) -> bytes:
    """About ``triples`` triples of generated documents, as one N-Triples source."""
    lines = []
    for line in generate(triples=triples, seed=1):
        graph = _GRAPH.search(line.rstrip("\n"))
        assert graph is not None
        name = graph.group(1)
        if "/graph/reference/" in name or name.endswith("/graph/ontology"):
            continue
        lines.append(line.rstrip("\n")[: graph.start()] + " .\n")
    return "".join(lines).encode()


def project(root: Path) -> Settings:
    """A copy of the project at ``root``, built from the seeds."""
    from kg.build.pipeline import build

    for name in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(ROOT / name, root / name)
    settings = Settings(project_dir=root)
    build(settings)
    return settings


def _publish_child(root: str, document: bytes, queue: Any) -> None:
    from kg.build.publish import publish

    settings = Settings(project_dir=Path(root))
    marks: list[tuple[float, str]] = []
    started = time.perf_counter()
    done = publish(
        settings,
        KEY,
        document,
        who="bench",
        progress=lambda message: marks.append((time.perf_counter(), message)),
    )
    ended = time.perf_counter()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert done.manifest is not None
    queue.put((started, ended, marks, peak_kib, done.manifest.triples))


def stage_times(started: float, ended: float, marks: list[tuple[float, str]]) -> dict[str, float]:
    """Seconds per stage, from the times the progress lines were printed."""
    steps = {m[1]: t for t, m in ((t, re.match(r"\[(\d)/6\]", msg)) for t, msg in marks) if m}
    switching = next(t for t, msg in marks if msg.startswith("      switching to version"))
    bounds = [steps[str(n)] for n in range(1, 7)] + [switching, ended]
    return {stage: bounds[i + 1] - bounds[i] for i, stage in enumerate(STAGES)}


def publish_in_child(
    settings: Settings, document: bytes
) -> tuple[dict[str, float], float, int, int]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(
        target=_publish_child, args=(str(settings.project_dir), document, queue)
    )
    child.start()
    started, ended, marks, peak_kib, triples = queue.get(timeout=900)
    child.join()
    times = stage_times(started, ended, marks)
    return times, ended - started, peak_kib, triples


def publish_through_server(settings: Settings, document: bytes) -> float:
    env = {"KG_PROJECT_DIR": str(settings.project_dir), "KG_WRITE_TOKEN": "bench"}
    env["KG_MAX_UPLOAD_BYTES"] = str(max(len(document) * 2, 16 << 20))
    with live_server(env, startup=120) as base:
        started = time.perf_counter()
        r = httpx.put(
            f"{base}/sources/{KEY}",  # the same document again: the same work, same graph
            content=document,
            headers={"content-type": "application/n-triples", "authorization": "Bearer bench"},
            timeout=900,
        )
        elapsed = time.perf_counter() - started
        assert r.status_code in (200, 201), r.text[:500]
    return elapsed


def full_build(settings: Settings) -> float:
    from kg.build.pipeline import build

    started = time.perf_counter()
    build(settings)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args(argv)
    print(
        f"# publish benchmark · {time.strftime('%Y-%m-%d %H:%M')} · load {os.getloadavg()[0]:.2f}"
    )
    header = [
        "source triples",
        *STAGES,
        "publish (s)",
        "peak RSS (MiB)",
        "via PUT (s)",
        "kg build (s)",
        "build ÷ publish",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for size in args.triples:
        with tempfile.TemporaryDirectory(prefix="kg-publish-bench-") as tmp:
            settings = project(Path(tmp))
            document = source_document(size)
            stages, total, peak_kib, _ = publish_in_child(settings, document)
            via_put = publish_through_server(settings, document)
            rebuild = full_build(settings)
            count = document.count(b"\n")
            row = [
                f"{count:,}",
                *(f"{stages[s]:.2f}" for s in STAGES),
                f"{total:.2f}",
                f"{peak_kib / 1024:.0f}",
                f"{via_put:.2f}",
                f"{rebuild:.2f}",
                f"{rebuild / total:.2f}",
            ]
            print("| " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
