"""The query catalogue: the competency questions of ``queries/manifest.ttl`` (the W3C test
manifest vocabulary, https://www.w3.org/2001/sw/DataAccess/tests/), each a query file with
its question and its expected result. The query editor offers them as examples and the tests
run them on every backend.

>>> from kg.settings import Settings
>>> entries = read_catalogue(Settings().queries_dir)
>>> entries[0].name, entries[0].query.startswith("# Question:")
('01-headline-indicators-for-central-asia-centre', True)
>>> entries[0].result_file.suffix
'.csv'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from rdflib import RDFS, Graph, Namespace
from rdflib.collection import Collection

__all__ = ["CatalogueEntry", "read_catalogue"]

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")


@dataclass(frozen=True)
class CatalogueEntry:
    """One competency question."""

    #: The entry's name, e.g. ``01-headline-indicators-for-central-asia-centre``.
    name: str
    #: The question the query answers, in plain words.
    question: str
    query_file: Path
    #: The expected result (CSV), if the manifest gives one.
    result_file: Path | None

    @property
    def query(self) -> str:
        """The SPARQL text."""
        return self.query_file.read_text(encoding="utf-8")


def _path(uri: str) -> Path:
    """A ``file:`` URI (as rdflib resolves the manifest's relative IRIs) as a path."""
    return Path(unquote(urlparse(uri).path))


@lru_cache(maxsize=4)
def read_catalogue(queries_dir: Path) -> tuple[CatalogueEntry, ...]:
    """The entries of ``queries_dir/manifest.ttl`` in the manifest's order (``mf:entries``)."""
    manifest = Graph().parse(queries_dir / "manifest.ttl", format="turtle")
    head = next(manifest.objects(None, MF.entries))
    entries = []
    for entry in Collection(manifest, head):
        action = manifest.value(entry, MF.action)
        query_uri = manifest.value(action, QT.query) if action is not None else None
        if query_uri is None:
            continue
        result = manifest.value(entry, MF.result)
        entries.append(
            CatalogueEntry(
                name=str(manifest.value(entry, MF.name)),
                question=str(manifest.value(entry, RDFS.comment) or ""),
                query_file=_path(str(query_uri)),
                result_file=None if result is None else _path(str(result)),
            )
        )
    return tuple(entries)
