"""``kg import``: a file's tables, read through mappings, to a source in the form of
``data/sources/`` — one document, every entity with ``mea:fromDocument`` and a
``mea:sourceLocator`` naming the file, the sheet or table, the row and the column.

A row that cannot be read (no activity text, an end before its start, text in a budget cell,
an unknown target) is left out and reported with its row and column; the rest of the table
is imported. Entities are named ``id:<kind>/<document key>-<row key>``, the row key being the
row's number where the table has one, so importing a corrected table again changes only what
was corrected.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.ingest.cells import (
    CLEANERS,
    DESCRIPTION,
    LABEL,
    CellError,
    english,
    label_of,
    plain,
    split_items,
    typed,
)
from kg.ingest.mapping import Column, Mapping
from kg.ingest.names import Names, normalise
from kg.ingest.records import Layout, Record, read_records
from kg.ingest.tables import Grid, read_grids
from kg.ingest.terms import mea
from kg.rdf.namespaces import CANONICAL_BASE, PREFIXES, RDF_TYPE, entity_iri

#: The longest cell an import reads: Excel's own limit. Longer text is no table cell (a whole
#: document pasted in one?) and would swell the source and every answer that quotes it.
MAX_CELL_CHARS = 32_767
#: The longest message a row error carries (a cleaner quotes the cell it could not read).
MAX_MESSAGE_CHARS = 600
DCT = PREFIXES["dcterms"]


@dataclass(frozen=True)
class DocumentInfo:
    """What the import says about the document itself (``kg import`` options)."""

    key: str
    title: str
    file: str
    agreement: str | None = None
    by: str | None = None
    date: str | None = None
    symbols: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowError:
    """One cell (or row) that could not be read: where, and what to do."""

    locator: str
    file: str
    table: str
    row: int
    column: str | None
    message: str

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "locator": self.locator,
        }

    def line(self) -> str:
        return f"{self.locator}: {self.message}"


@dataclass
class Imported:
    """What an import made: the source's triples, and the rows it read and left out."""

    document: DocumentInfo
    mappings: list[str]
    triples: list[ox.Triple] = field(default_factory=list)
    rows_read: int = 0
    rows_imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: Cells imported with something to say ("ongoing" gives no dates).
    notes: list[RowError] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)

    def turtle(self) -> bytes:
        """The source as ``data/sources/`` keeps it: Turtle, one block per entity."""
        order: dict[str, int] = {}
        for t in self.triples:
            order.setdefault(str(t.subject), len(order))
        triples = sorted(self.triples, key=lambda t: order[str(t.subject)])
        prefixes = {**PREFIXES, **_kind_prefixes(self.triples)}
        head = (
            f"# Source: {self.document.title}\n"
            f"# Imported by `kg import` from {self.document.file} "
            f"(mapping {', '.join(self.mappings)}). Document key: {self.document.key}\n\n"
        )
        body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        return head.encode() + (body or b"")

    def report(self) -> dict[str, object]:
        """The import report (``kg import --report``)."""
        return {
            "document": self.document.key,
            "file": self.document.file,
            "mappings": self.mappings,
            "tables": self.tables,
            "rows_read": self.rows_read,
            "rows_imported": self.rows_imported,
            "rows_with_errors": len({(e.table, e.row) for e in self.errors}),
            "triples": len(self.triples),
            "errors": [e.to_json() for e in self.errors],
            "notes": [n.to_json() for n in self.notes],
        }


def import_file(
    path: Path, mappings: Sequence[Mapping], document: DocumentInfo, names: Names
) -> Imported:
    """Every table of ``path`` that one of ``mappings`` reads.

    :raises kg.ingest.tables.TableReadError: the file cannot be read at all.
    :raises kg.ingest.records.NoTable: no table has a mapping's columns."""
    return import_grids(read_grids(path), mappings, document, names)


def import_grids(
    grids: Sequence[Grid], mappings: Sequence[Mapping], document: DocumentInfo, names: Names
) -> Imported:
    source = _Source(document, names)
    done = Imported(document, [m.name for m in mappings])
    source.document()
    for mapping in mappings:
        records, layouts = read_records(grids, mapping)
        done.tables.extend(f"{layout.where()} ({mapping.name})" for layout in layouts)
        _Table(source, mapping, done).read(records, layouts)
    done.triples = source.triples()
    return done


class _Source:
    """The triples of the source being made, each entity described once."""

    def __init__(self, document: DocumentInfo, names: Names) -> None:
        self.info, self.names = document, names
        self.facts: dict[ox.Triple, None] = {}
        #: Entities described by the rows imported so far, and by the row being read.
        self.made: set[str] = set()
        self.pending: set[str] = set()
        self.doc = ox.NamedNode(entity_iri(CANONICAL_BASE, "document", document.key))

    def iri(self, kind: str, key: str) -> ox.NamedNode:
        return ox.NamedNode(entity_iri(CANONICAL_BASE, kind, key))

    def add(self, s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        self.facts[ox.Triple(s, ox.NamedNode(p), o)] = None

    def describe(
        self, node: ox.NamedNode, class_: str, label: str, locator: str, into: list[ox.Triple]
    ) -> None:
        """Type, label and provenance of an entity this import makes, once."""
        if node.value in self.made or node.value in self.pending:
            return
        self.pending.add(node.value)
        facts: list[tuple[str, ox.NamedNode | ox.Literal]] = [
            (RDF_TYPE, ox.NamedNode(class_)),
            (LABEL, english(label)),
            (mea.fromDocument, self.doc),
            (mea.sourceLocator, plain(locator)),
        ]
        into.extend(ox.Triple(node, predicate(p), o) for p, o in facts)

    def document(self) -> None:
        info = self.info
        self.add(self.doc, RDF_TYPE, ox.NamedNode(mea.Document))
        self.add(self.doc, LABEL, english(info.title))
        self.add(self.doc, DCT + "title", english(info.title))
        self.add(self.doc, mea.sourceFile, plain(info.file))
        self.add(self.doc, mea.sourceLocator, plain("Whole document"))
        for symbol in info.symbols:
            self.add(self.doc, mea.unSymbol, plain(symbol))
        if info.date:
            self.add(self.doc, DCT + "date", typed(info.date, "date"))

    def triples(self) -> list[ox.Triple]:
        return list(self.facts)


class _Table:
    """One mapping's rows, read into the source."""

    def __init__(self, source: _Source, mapping: Mapping, done: Imported) -> None:
        self.source, self.mapping, self.done = source, mapping, done
        self.keys: dict[str, Record] = {}
        self.groups: dict[str, int] = {}
        self.container: ox.NamedNode | None = None
        self.dates: list[tuple[str, str]] = []

    def read(self, records: list[Record], layouts: list[Layout]) -> None:
        container = self.mapping.container
        if container is not None:
            self.container = self.source.iri(container.kind, self.source.info.key)
        for record in records:
            self.done.rows_read += 1
            self.source.pending = set()
            triples, errors = self.row(record)
            if errors:
                self.done.errors.extend(errors)
                continue
            self.source.made |= self.source.pending
            self.done.rows_imported += 1
            for t in triples:
                self.source.facts[t] = None
        if self.container is not None and self.done.rows_imported:
            self.describe_container(layouts)

    def describe_container(self, layouts: list[Layout]) -> None:
        assert self.mapping.container is not None and self.container is not None
        info, node = self.source.info, self.container
        made: list[ox.Triple] = []
        self.source.pending = set()
        self.source.describe(
            node, self.mapping.container.class_, info.title, f"{layouts[0].where()}", made
        )
        self.source.made |= self.source.pending
        for t in made:
            self.source.facts[t] = None
        if info.agreement:
            self.source.add(node, mea.underAgreement, ox.NamedNode(info.agreement))
        if info.by:
            self.source.add(node, mea.workplanOf, ox.NamedNode(info.by))
        starts = sorted(d for kind, d in self.dates if kind == "start")
        ends = sorted(d for kind, d in self.dates if kind == "end")
        if starts and ends:
            self.source.add(node, mea.startDate, typed(starts[0], "date"))
            self.source.add(node, mea.endDate, typed(ends[-1], "date"))

    def row(self, record: Record) -> tuple[list[ox.Triple], list[RowError]]:
        """The row's triples, or the errors that keep it out."""
        made: list[ox.Triple] = []
        errors: list[RowError] = []
        key = self.row_key(record, errors, made)
        if key is None:
            return [], errors
        row = self.mapping.row
        subject = self.source.iri(row.kind, f"{self.source.info.key}-{key}")
        cell = _Cell(self, record, subject, key, made)
        for column in self.mapping.columns:
            text = record.cells.get(column.name, "")
            if len(text) > MAX_CELL_CHARS:
                errors.append(
                    self.error(
                        record,
                        column,
                        f"the cell holds {len(text):,} characters, more than a spreadsheet cell "
                        f"holds ({MAX_CELL_CHARS:,}): shorten it or split it over several rows",
                    )
                )
                continue
            if not text:
                if column.required:
                    errors.append(self.error(record, column, _empty(column, self.mapping)))
                continue
            cell.text, cell.column = text, column
            cell.header = record.layout.headers.get(column.name, column.headers[0])
            try:
                if column.each is not None:
                    self.items(cell, column)
                else:
                    CLEANERS[column.clean](cell)
            except CellError as error:
                errors.append(self.error(record, column, str(error)))
        if errors:
            return [], errors
        self.done.notes.extend(self.error(record, column, text) for column, text in cell.noted)
        label = self.row_label(record, key)
        described: list[ox.Triple] = []
        self.source.describe(subject, row.class_, label, record.locator(), described)
        if not any(c.property == mea.ordinal for c in self.mapping.columns):
            described.append(ox.Triple(subject, ox.NamedNode(mea.ordinal), plain(key)))
        if self.container is not None and self.mapping.container is not None:
            link = ox.NamedNode(self.mapping.container.link)
            pair = (
                (subject, self.container)
                if self.mapping.container.from_item
                else (self.container, subject)
            )
            described.append(ox.Triple(pair[0], link, pair[1]))
        for t in made:
            if t.subject == subject and isinstance(t.object, ox.Literal):
                if t.predicate.value == mea.startDate:
                    self.dates.append(("start", t.object.value))
                elif t.predicate.value == mea.endDate:
                    self.dates.append(("end", t.object.value))
        return described + made, []

    def row_key(self, record: Record, errors: list[RowError], made: list[ox.Triple]) -> str | None:
        row, group = self.mapping.row, self.mapping.group
        if group is not None:
            if record.heading is None:
                errors.append(
                    self.error(
                        record,
                        None,
                        "this row comes before any heading row "
                        "('Title (S1)'): add the heading above it",
                    )
                )
                return None
            head = record.heading
            match = re.search(group.key_pattern, head.text)
            if match is None:
                errors.append(
                    RowError(
                        f"{head.layout.where()}, row {head.row}",
                        head.layout.grid.file,
                        head.layout.grid.name,
                        head.row,
                        None,
                        f"the heading {head.text!r} ends with no code in brackets: write it as "
                        "'Title (S1)'",
                    )
                )
                return None
            group_key = match.group("key")
            node = self.source.iri(group.kind, f"{self.source.info.key}-{group_key}")
            # A heading is a title: kept whole, without its code.
            label = " ".join((head.text[: match.start()] or head.text).split()).strip(" :")
            self.source.describe(
                node, group.class_, label, f"{head.layout.where()}, row {head.row}", made
            )
            made.append(ox.Triple(node, ox.NamedNode(mea.ordinal), plain(group_key)))
            self.groups[group_key] = self.groups.get(group_key, 0) + 1
            key = f"{group_key}-{self.groups[group_key]}"
            subject = self.source.iri(row.kind, f"{self.source.info.key}-{key}")
            made.append(ox.Triple(node, ox.NamedNode(group.link), subject))
            if group.inverse:
                made.append(ox.Triple(subject, ox.NamedNode(group.inverse), node))
            record.notes.append(group_key)
            return key
        if row.key is None:
            return str(record.index)
        text = record.cells.get(row.key, "")
        column = self.mapping.column(row.key)
        if not text and record.unnumbered:
            errors.append(self.error(record, column,
                "this row has no number, and it holds too much to be the rest of the row "
                "above: give it its number"))  # fmt: skip
            return None
        if not text:
            errors.append(self.error(record, column, _empty(column, self.mapping)))
            return None
        if {name for name, value in record.cells.items() if value} == {row.key}:
            errors.append(self.error(record, column,
                f"{label_of(text)!r} stands alone in its row, like a heading: delete the row, "
                "or fill in the rest of it"))  # fmt: skip
            return None
        if row.key_pattern:
            match = re.search(row.key_pattern, text)
            if match is None:
                errors.append(
                    self.error(
                        record,
                        column,
                        f"{label_of(text)!r} does not start with its number as the table's other "
                        f"rows do (e.g. {column.example!r})",
                    )
                )
                return None
            key = match.group("key")
        else:
            key = text.strip().rstrip(".").strip()
        slug = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
        if not slug:
            errors.append(
                self.error(record, column, f"{text!r} cannot number a row: write 1, 2, …")
            )
            return None
        if slug in self.keys:
            first = self.keys[slug]
            errors.append(
                self.error(
                    record,
                    column,
                    f"number {key!r} is also row {first.rows[0]}'s: give each row its own number",
                )
            )
            return None
        self.keys[slug] = record
        return slug

    def row_label(self, record: Record, key: str) -> str:
        for column in self.mapping.columns:
            if column.label and record.cells.get(column.name):
                return label_of(record.cells[column.name])
        template = self.mapping.row.label or f"{self.mapping.row.kind.capitalize()} {{key}}"
        group_key = record.notes[0] if record.notes else ""
        return template.format_map(
            {**record.cells, "key": key, "group_key": group_key, "n": record.index}
        )

    def items(self, cell: _Cell, column: Column) -> None:
        """Each item of the cell as an entity of its own, linked to the row's."""
        each = column.each
        assert each is not None
        for index, item in enumerate(split_items(cell.text, each.split), start=1):
            if each.key_pattern:
                match = re.search(each.key_pattern, item)
                if match is None:
                    raise CellError(
                        f"{item!r} does not start with its number (e.g. {column.example!r})"
                    )
                key = match.group("key")
                node = cell.entity(each.kind, key, each.class_, label_of(item), shared=True)
            else:
                node = cell.entity(each.kind, str(index), each.class_, label_of(item))
            if each.from_item:
                cell.add_to(node, each.link, cell.subject)
            else:
                cell.add(each.link, node)
            cell.add_to(node, DESCRIPTION, english(item))

    def error(self, record: Record, column: Column | None, message: str) -> RowError:
        grid = record.layout.grid
        name = column.name if column else None
        locator = record.locator(name) if name in record.layout.headers else record.locator()
        header = record.layout.headers.get(name, name) if name else None
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[: MAX_MESSAGE_CHARS - 1] + "…"
        return RowError(locator, grid.file, grid.name, record.rows[0], header, message)


class _Cell:
    """One cell of one row being read (:class:`kg.ingest.cells.Cell`)."""

    def __init__(
        self, table: _Table, record: Record, subject: ox.NamedNode, key: str, made: list[ox.Triple]
    ) -> None:
        self.table, self.record, self.subject, self.key, self.made = (
            table,
            record,
            subject,
            key,
            made,
        )
        self.names = table.source.names
        self.noted: list[tuple[Column, str]] = []
        self.text = ""
        self.header = ""
        self.column: Column = table.mapping.columns[0]

    def add(self, name: str, obj: ox.NamedNode | ox.Literal) -> None:
        self.made.append(ox.Triple(self.subject, predicate(name), obj))

    def add_to(self, node: ox.NamedNode, name: str, obj: ox.NamedNode | ox.Literal) -> None:
        self.made.append(ox.Triple(node, predicate(name), obj))

    def note(self, message: str) -> None:
        self.noted.append((self.column, message))

    def entity(
        self, kind: str, key: str, class_: str, label: str, *, shared: bool = False
    ) -> ox.NamedNode:
        """An entity this cell makes: ``<document>-<row key>[-<key>]``, or, ``shared``,
        ``<document>-<key>`` (one organisation named in many rows)."""
        doc = self.table.source.info.key
        full = f"{doc}-{key}" if shared else f"{doc}-{self.key}" + (f"-{key}" if key else "")
        node = self.table.source.iri(kind, full)
        locator = self.record.locator(self.column.name)
        self.table.source.describe(node, class_, label, locator, self.made)
        return node


@functools.cache
def predicate(iri: str) -> ox.NamedNode:
    """One node per predicate (a table of 10,000 rows names the same few thousands of times)."""
    return ox.NamedNode(iri)


def _empty(column: Column, mapping: Mapping) -> str:
    what = column.note.split(".", 1)[0] if column.note else f"the {column.name}"
    return f"the {column.headers[0]} cell is empty; it is required ({what.lower()})"


def _kind_prefixes(triples: Sequence[ox.Triple]) -> dict[str, str]:
    """``activity:`` for ``id:activity/``, as the hand-made sources write them (``orgid:``
    for organisations, ``org:`` being the W3C organisation ontology)."""
    ids = entity_iri(CANONICAL_BASE, "", "").rstrip("/") + "/"
    kinds = {
        term.value[len(ids) :].split("/", 1)[0]
        for t in triples
        for term in (t.subject, t.object)
        if isinstance(term, ox.NamedNode) and term.value.startswith(ids)
    }
    return {(f"{kind}id" if kind in PREFIXES else kind): f"{ids}{kind}/" for kind in sorted(kinds)}


def document_problems(document: DocumentInfo, names: Names, parties: Sequence[str]) -> list[str]:
    """What is wrong with what the import is told about the document (an agreement or
    organisation the graph does not have, a party code that is none, a date that is no
    date): refused, never written as a dangling link."""
    import datetime

    import pycountry

    problems = []
    if document.agreement and document.agreement not in set(names.agreements.values()):
        keys = sorted({iri.rsplit("/", 1)[-1] for iri in names.agreements.values()})
        problems.append(
            f"no agreement {document.agreement.rsplit('/', 1)[-1]!r} in the graph: use one of "
            + ", ".join(keys)
        )
    if document.by and document.by not in set(names.actors.values()):
        problems.append(
            f"no organisation {document.by.rsplit('/', 1)[-1]!r} in the graph: give the key "
            "of one the reference data or a source defines, e.g. iucn"
        )
    for code in parties:
        if pycountry.countries.get(alpha_3=code) is None:
            problems.append(f"{code!r} is no ISO 3166 alpha-3 country code (e.g. KAZ, UZB)")
    if document.date:
        try:
            datetime.date.fromisoformat(document.date)
        except ValueError:
            problems.append(f"{document.date!r} is no date: write it as 2026-01-12")
    return problems


def default_title(path: Path) -> str:
    """A title from the file's name, until the officer gives one (``--title``)."""
    return " ".join(re.split(r"[-_ ]+", path.stem)).strip().capitalize() or path.name


def document_key(text: str) -> str:
    """A source key from a file name: lower case, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", normalise(text)).strip("-")[:100] or "document"
