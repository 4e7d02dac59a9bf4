"""Publishing one source, and restoring a version: each a build of the whole graph from a
changed copy of the sources, switched to as one step (:mod:`kg.build.pipeline`).

A publish writes the document to a staged copy of ``data/sources/`` and builds from it:
parse -> validate against the shapes with the reference data -> reconcile -> reason -> a new
version's snapshot and store -> switch, the sources folder switched with them, so the folder
the next ``kg build`` reads always holds what is served. If the document does not conform,
nothing is switched (:class:`PublishRejected`, with the report and what would have changed);
a dry run stops there either way.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.build.changes import changes_graph, changes_iri
from kg.build.pipeline import (
    BuildRejected,
    BuildResult,
    Progress,
    VersionNote,
    commit,
    discard,
    prepare,
    stage,
    stage_switch,
)
from kg.build.snapshot import Manifest, snapshot_graph, write_snapshot
from kg.build.switch import staged
from kg.build.versions import SNAPSHOT_SOURCES, next_version, version_dir
from kg.rdf.namespaces import BUILT_GRAPHS, graph_iri
from kg.settings import SNAPSHOT_NQUADS, Settings
from kg.shacl.sources import source_locators
from kg.shacl.validate import ValidationReport

#: A source key: the file name in ``data/sources/`` and the last segment of its graph IRI.
SOURCE_KEY = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")


class SourceNotFound(LookupError):
    """No source with that key is published."""


def check_key(key: str) -> None:
    """:class:`ValueError`, saying what a key may be, unless ``key`` can name a source.

    >>> check_key("tehran-pow-2009-2010")
    >>> check_key("reference")
    Traceback (most recent call last):
    ...
    ValueError: 'reference' names a graph the build makes; choose another key
    """
    if not SOURCE_KEY.fullmatch(key) or key.endswith(".ttl"):
        raise ValueError(
            f"{key!r} cannot name a source: use lower-case letters, digits, '.', '_' and '-' "
            "(up to 100), starting with a letter or digit, e.g. tehran-pow-2009-2010"
        )
    if any(key == built.rstrip("/") for built in BUILT_GRAPHS):
        raise ValueError(f"{key!r} names a graph the build makes; choose another key")


@dataclass
class Diff:
    """What a publish changes in the source's graph: entities (subjects) added, removed or
    changed, and the facts (triples) added and removed."""

    added_entities: list[str] = field(default_factory=list)
    removed_entities: list[str] = field(default_factory=list)
    changed_entities: list[str] = field(default_factory=list)
    added_facts: list[tuple[str, str, str]] = field(default_factory=list)
    removed_facts: list[tuple[str, str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.added_entities)} entities added, {len(self.removed_entities)} removed, "
            f"{len(self.changed_entities)} changed; {len(self.added_facts)} facts added, "
            f"{len(self.removed_facts)} removed"
        )

    def to_json(self, limit: int = 200) -> dict[str, object]:
        """The diff as JSON, each list cut to ``limit`` items (the counts are whole)."""
        lists: dict[str, list[str] | list[list[str]]] = {
            "added_entities": self.added_entities,
            "removed_entities": self.removed_entities,
            "changed_entities": self.changed_entities,
            "added_facts": [list(f) for f in self.added_facts],
            "removed_facts": [list(f) for f in self.removed_facts],
        }
        return {
            "counts": {name: len(items) for name, items in lists.items()},
            **{name: items[:limit] for name, items in lists.items()},
        }


def diff_graphs(before: Iterable[ox.Triple], after: Iterable[ox.Triple]) -> Diff:
    """What changes from ``before`` to ``after`` (facts written as N-Triples terms).

    >>> a, p = ox.NamedNode("urn:a"), ox.NamedNode("urn:p")
    >>> one, two = ox.Triple(a, p, ox.Literal("1")), ox.Triple(a, p, ox.Literal("2"))
    >>> diff_graphs([one], [two]).summary()
    '0 entities added, 0 removed, 1 changed; 1 facts added, 1 removed'
    """
    old, new = set(before), set(after)
    added, removed = new - old, old - new
    old_subjects, new_subjects = {t.subject for t in old}, {t.subject for t in new}
    touched = {t.subject for t in added | removed}
    return Diff(
        added_entities=sorted(_iri(s) for s in new_subjects - old_subjects),
        removed_entities=sorted(_iri(s) for s in old_subjects - new_subjects),
        changed_entities=sorted(_iri(s) for s in touched & old_subjects & new_subjects),
        added_facts=sorted(_fact(t) for t in added),
        removed_facts=sorted(_fact(t) for t in removed),
    )


def _iri(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode) else str(term)


#: The longest object a diff shows (a fact's text is cut, with its length said).
DIFF_OBJECT_CHARS = 500


def _fact(triple: ox.Triple) -> tuple[str, str, str]:
    obj = str(triple.object)
    if len(obj) > DIFF_OBJECT_CHARS:
        obj = f"{obj[:DIFF_OBJECT_CHARS]}… ({len(obj):,} characters)"
    return (str(triple.subject), str(triple.predicate), obj)


class PublishRejected(Exception):
    """The document does not conform (or cannot be read): nothing was switched.
    ``locators`` says where in the document each finding's focus comes from."""

    def __init__(
        self,
        key: str,
        reason: str,
        report: ValidationReport | None,
        diff: Diff,
        locators: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{key} was not published: {reason}")
        self.key, self.reason, self.report, self.diff = key, reason, report, diff
        self.locators = locators or {}


@dataclass
class Published:
    """A publish done (``manifest`` is the version now served) or a dry run (``None``)."""

    key: str
    action: str
    report: ValidationReport | None
    diff: Diff
    manifest: Manifest | None
    #: Where in the document each finding's focus comes from (``mea:sourceLocator``).
    locators: dict[str, str] = field(default_factory=dict)


def publish(
    settings: Settings,
    key: str,
    turtle: bytes | None,
    *,
    who: str,
    dry_run: bool = False,
    progress: Progress = lambda _msg: None,
    before_switch: Callable[[], None] = lambda: None,
) -> Published:
    """Publish ``turtle`` as the source ``key`` (``None``: remove the source), or with
    ``dry_run`` only say what that would do.

    :raises ValueError: ``key`` cannot name a source.
    :raises SourceNotFound: removing a source that is not there.
    :raises PublishRejected: the document does not conform; nothing was switched."""
    done, result = stage_publish(settings, key, turtle, who=who, progress=progress)
    if dry_run:
        discard(settings)
        return done
    commit(settings, result, progress, before_switch=before_switch)
    done.manifest = result.manifest
    return done


def stage_publish(
    settings: Settings,
    key: str,
    turtle: bytes | None,
    *,
    who: str,
    progress: Progress = lambda _msg: None,
) -> tuple[Published, BuildResult]:
    """:func:`publish` up to the switch: the next version is staged, and what
    :func:`~kg.build.pipeline.commit` switches returned (or :func:`~kg.build.pipeline.discard`
    removes). Nothing is left staged when this raises."""
    check_key(key)
    prepare(settings, progress)
    live_file = settings.sources_dir / f"{key}.ttl"
    if turtle is None and not live_file.exists():
        raise SourceNotFound(f"no source {key!r} is published (see GET /sources)")
    action = "removed" if turtle is None else "replaced" if live_file.exists() else "added"
    next_sources = staged(settings.sources_dir)
    try:
        if settings.sources_dir.is_dir():
            shutil.copytree(settings.sources_dir, next_sources)
        else:
            next_sources.mkdir(parents=True)
        if turtle is None:
            (next_sources / live_file.name).unlink()
        else:
            (next_sources / live_file.name).write_bytes(turtle)
        name = graph_iri(settings.base_iri, key)
        before = snapshot_graph(settings.snapshot_dir, name)
        note = VersionNote(
            published_by=who,
            change=f"{'removed' if turtle is None else 'published'} {key} ({action})",
            changed_sources={key: action},
            record=True,
        )
        try:
            result = stage(settings, progress, sources_dir=next_sources, strict=[name], note=note)
        except BuildRejected as rejected:
            sent = rejected.sources.get(name, [])
            report = rejected.reports.get(name)
            raise PublishRejected(
                key,
                rejected.rejected[name],
                report,
                diff_graphs(before, sent),
                source_locators(sent, report) if report is not None else {},
            ) from None
    except BaseException:
        discard(settings)
        raise
    after = result.graphs.get(name, [])
    return Published(
        key, action, result.reports.get(name), diff_graphs(before, after), None
    ), result


def restore(
    settings: Settings,
    version: int,
    *,
    who: str,
    progress: Progress = lambda _msg: None,
    before_switch: Callable[[], None] = lambda: None,
) -> Manifest:
    """Serve again the graph of a kept version, exactly as it was, with its sources, as a
    new version (history is never rewritten; the changes graph keeps what came since).

    :raises LookupError: no such version is kept."""
    prepare(settings, progress)
    source = version_dir(settings, version)
    if not (source / SNAPSHOT_SOURCES).is_dir():
        raise LookupError(f"version {version} was made before versions kept their sources")
    progress(f"[1/3] reading version {version} from {source}")
    base = settings.base_iri
    recorded = changes_iri(base)
    by_graph: dict[str, list[ox.Triple]] = {}
    for quad in ox.parse(path=str(source / SNAPSHOT_NQUADS), format=ox.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value != recorded:
            by_graph.setdefault(quad.graph_name.value, []).append(quad.triple)
    graphs = dict(by_graph)
    old = Manifest.read(source)
    number = next_version(settings)
    note = VersionNote(
        published_by=who,
        change=f"restored version {version}",
        changed_sources={},
        record=True,
    )
    graphs[recorded] = changes_graph(settings, version=number, note=note)

    next_snapshot = staged(settings.snapshot_dir)
    progress(f"[2/3] writing version {number}'s snapshot to {next_snapshot}")
    manifest = write_snapshot(
        next_snapshot,
        graphs,
        base_iri=base,
        rejected=old.rejected_sources,
        version=number,
        published_by=who,
        change=note.change,
    )
    shutil.copytree(source / SNAPSHOT_SOURCES, next_snapshot / SNAPSHOT_SOURCES)
    shutil.copytree(source / SNAPSHOT_SOURCES, staged(settings.sources_dir))
    progress(f"[3/3] staging {manifest.triples} triples for the store")
    changes = stage_switch(settings, with_sources=True)
    result = BuildResult(manifest, {}, dict(old.rejected_sources), graphs, changes)
    commit(settings, result, progress, before_switch=before_switch)
    return manifest
