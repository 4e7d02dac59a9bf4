"""The versions of the graph kept before the one served, for ``kg versions`` and
``kg restore``.

Every build, publish and restore makes a new version: a snapshot (``graph.nq``, the manifest,
and ``sources/``, a copy of the source files it was built from). The one served is
``snapshot_dir``; when a switch (:mod:`kg.build.switch`) replaces it, the version it retires
moves to ``versions/<number>`` instead of being deleted, and the oldest beyond
``KG_KEEP_VERSIONS`` are removed. A version is therefore complete on its own: restoring it
needs nothing but its folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from kg.build.snapshot import Manifest
from kg.settings import SNAPSHOT_MANIFEST, Settings

#: The copy of the source files inside a snapshot.
SNAPSHOT_SOURCES = "sources"


def kept_path(settings: Settings, version: int) -> Path:
    """Where version ``version`` is kept once it is no longer served."""
    return settings.versions_dir / f"{version:06d}"


def live_manifest(settings: Settings) -> Manifest | None:
    """The manifest of the version served, if anything was built."""
    if not settings.snapshot_manifest.exists():
        return None
    return Manifest.read(settings.snapshot_dir)


def next_version(settings: Settings) -> int:
    """The number the next version takes: one more than any served or kept."""
    numbers = [m.version for m in kept_versions(settings)]
    live = live_manifest(settings)
    if live is not None:
        numbers.append(live.version)
    return max(numbers, default=0) + 1


def kept_versions(settings: Settings) -> list[Manifest]:
    """The versions kept before the one served, newest first."""
    root = settings.versions_dir
    if not root.is_dir():
        return []
    found = [
        Manifest.read(path)
        for path in root.iterdir()
        if path.is_dir() and (path / SNAPSHOT_MANIFEST).exists()
    ]
    return sorted(found, key=lambda m: m.version, reverse=True)


def version_dir(settings: Settings, version: int) -> Path:
    """The folder of version ``version``, served or kept; :class:`LookupError` if neither."""
    live = live_manifest(settings)
    if live is not None and live.version == version:
        return settings.snapshot_dir
    path = kept_path(settings, version)
    if (path / SNAPSHOT_MANIFEST).exists():
        return path
    known = ", ".join(str(m.version) for m in kept_versions(settings)) or "none"
    raise LookupError(f"no version {version} is kept (kept: {known}; see `kg versions`)")


def prune(settings: Settings) -> list[int]:
    """Remove the kept versions beyond ``KG_KEEP_VERSIONS``, oldest first; their numbers."""
    removed = []
    for manifest in kept_versions(settings)[settings.keep_versions :]:
        shutil.rmtree(kept_path(settings, manifest.version), ignore_errors=True)
        removed.append(manifest.version)
    return removed
