"""Reading an uploaded table (``POST /sources/{key}/import``) in a child process bounded as a
publish is (``KG_PUBLISH_TIMEOUT``, ``KG_PUBLISH_MEMORY_BYTES``, no network): a workbook is a
zip of XML that a hostile upload can make expensive to unpack and parse, and the server must
go on answering while it is read. The readers' own limits (unpacked size, rows) hold too.
"""

from __future__ import annotations

import errno
import resource
import tempfile
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from kg.ingest.context import graph_names
from kg.ingest.importer import DocumentInfo, RowError, document_problems, import_file
from kg.ingest.mapping import load_mapping
from kg.ingest.records import NoTable
from kg.ingest.tables import TableReadError
from kg.serve.jobs import first_line
from kg.serve.publishing import PublishFailed, run_bounded
from kg.serve.sandbox import leave_network
from kg.settings import Settings

#: One upload read at a time: each reading may take up to KG_PUBLISH_MEMORY_BYTES.
_READING = threading.BoundedSemaphore(1)


class ImportBusy(RuntimeError):
    """Another upload is being read; the client should try again shortly."""


class BadDocumentOptions(ValueError):
    """The agreement, parties or date the upload names are not the graph's (one line)."""


class TableUnreadable(ValueError):
    """The file cannot be read as tables, or none has the mapping's columns (one line)."""


@dataclass(frozen=True)
class TableImport:
    """What the child made: the source as Turtle, the import report and its row errors."""

    turtle: bytes
    report: dict[str, object]
    errors: tuple[RowError, ...]


def import_bounded(
    settings: Settings,
    body: bytes,
    mappings: list[str],
    document: DocumentInfo,
    parties: list[str],
) -> TableImport:
    """Import ``body`` (a file named ``document.file``) through the shipped ``mappings``.

    :raises TableUnreadable: the file holds no table the mappings read.
    :raises ImportBusy: another upload is being read.
    :raises PublishFailed: out of time or memory, or the child failed."""
    if not _READING.acquire(blocking=False):
        raise ImportBusy("another upload is being read")
    try:
        return _import_in_child(settings, body, mappings, document, parties)
    finally:
        _READING.release()


def _import_in_child(
    settings: Settings,
    body: bytes,
    mappings: list[str],
    document: DocumentInfo,
    parties: list[str],
) -> TableImport:
    kind, payload = run_bounded(
        settings,
        _import_main,
        (settings, body, mappings, document, parties),
        name="kg-import",
        doing="reading it",
        # The readers are Rust: past RLIMIT_AS an allocation aborts the process.
        stopped="the process reading it stopped, most likely needing more memory than "
        "KG_PUBLISH_MEMORY_BYTES allows",
    )
    if kind == "ok":
        assert isinstance(payload, TableImport)
        return payload
    if kind == "unreadable":
        raise TableUnreadable(payload)
    if kind == "bad-options":
        raise BadDocumentOptions(payload)
    raise PublishFailed(payload)


def _import_main(
    conn: Connection,
    settings: Settings,
    body: bytes,
    mappings: list[str],
    document: DocumentInfo,
    parties: list[str],
) -> None:
    leave_network()
    try:
        # The graph's names are the project's own data: read before the limit, which is for
        # reading the upload.
        names = graph_names(
            settings, replacing=document.key, parties=parties, agreement=document.agreement
        )
        problems = document_problems(document, names, parties)
        if problems:
            conn.send(("bad-options", "; ".join(problems)))
            return
        limit = settings.publish_memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        with tempfile.TemporaryDirectory(prefix="kg-import-") as folder:
            path = Path(folder) / document.file
            path.write_bytes(body)
            del body
            done = import_file(path, [load_mapping(m) for m in mappings], document, names)
            answer = TableImport(done.turtle(), done.report(), tuple(done.errors))
    except (TableReadError, NoTable) as error:
        conn.send(("unreadable", first_line(error)))
    except (MemoryError, OSError) as error:
        if isinstance(error, OSError) and error.errno != errno.ENOMEM:
            conn.send(("failed", f"{type(error).__name__}: {first_line(error)}"))
        else:
            conn.send(
                ("failed", "reading it needed more memory than KG_PUBLISH_MEMORY_BYTES allows")
            )
    except Exception as error:  # said in one line, never a traceback to the client
        conn.send(("failed", f"{type(error).__name__}: {first_line(error)}"))
    else:
        conn.send(("ok", answer))
