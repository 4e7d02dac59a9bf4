"""``kg export-table``: a source written back as a workbook in a mapping's layout, so that a
secretariat corrects its data in a spreadsheet and imports it again; and ``kg import
--template``: the same layout, empty but for an example row, with a note on each column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as Mapping_
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from kg.ingest.cells import Facts, cell_text, header_currency
from kg.ingest.mapping import Column, Container, Mapping
from kg.ingest.terms import mea
from kg.ingest.workbooks import Sheet, write_workbook
from kg.rdf.namespaces import CANONICAL_BASE, RDF_TYPE, entity_iri


def export_table(
    triples: Sequence[ox.Triple],
    mapping: Mapping,
    key: str,
    path: Path,
    subclasses: Mapping_[str, set[str]] | None = None,
) -> int:
    """Write the source ``key``'s entities that ``mapping`` reads as a workbook at ``path``;
    the number of rows written. ``subclasses`` (class -> its subclasses, from the ontology)
    lets a row class take in its subclasses' entities (an events table, meetings)."""
    sheet = table_sheet(list(triples), mapping, key, subclasses or {})
    write_workbook(path, [sheet])
    return len(sheet.rows)


def table_sheet(
    triples: list[ox.Triple], mapping: Mapping, key: str, subclasses: Mapping_[str, set[str]]
) -> Sheet:
    facts = Facts.of(triples)
    doc = entity_iri(CANONICAL_BASE, "document", key)
    rows: list[tuple[str, ...]] = []
    if mapping.group is not None:
        group = mapping.group
        heads = _of_class(facts, {group.class_, *subclasses.get(group.class_, ())}, doc)
        for head in _ordered(facts, heads):
            members = [v.value for v in facts.values(head, group.link)]
            if not members:
                continue
            code = facts.first(head, mea.ordinal)
            title = f"{facts.label(head)} ({code})"
            rows.append(tuple(title if c.name == group.column else "" for c in mapping.columns))
            rows.extend(_row(mapping, m, facts) for m in _ordered(facts, members))
    else:
        classes = {mapping.row.class_, *subclasses.get(mapping.row.class_, ())}
        subjects = _of_class(facts, classes, doc)
        if mapping.container is not None:
            # The table's rows are the workplan's: a document's other events, say, are not.
            container = entity_iri(CANONICAL_BASE, mapping.container.kind, key)
            subjects = [s for s in subjects if _linked(facts, mapping.container, container, s)]
        rows.extend(_row(mapping, s, facts) for s in _ordered(facts, subjects))
    return Sheet(
        name=mapping.title,
        header=tuple(_header(c, facts, triples) for c in mapping.columns),
        rows=tuple(rows),
        notes=tuple(c.note for c in mapping.columns),
    )


def template_sheet(mapping: Mapping) -> Sheet:
    """The mapping's layout with one example row and a note on each column."""
    about = (
        f"{mapping.title}: {mapping.summary}. Fill one row per {mapping.row.kind}; the header "
        "row may sit under a title. Delete the example row. Import with: kg import FILE "
        f"--mapping {mapping.name} --key YOUR-DOCUMENT-KEY"
    )
    example = tuple(c.example for c in mapping.columns)
    rows = [example]
    if mapping.group is not None:  # a heading row above the rows it groups
        group = mapping.group.column
        rows.insert(
            0, tuple("Example heading (S1)" if c.name == group else "" for c in mapping.columns)
        )
    return Sheet(
        name=mapping.title,
        header=tuple(c.headers[0] for c in mapping.columns),
        rows=tuple(rows),
        notes=tuple(
            (c.note or c.name) + (" Required." if c.required and "Required" not in c.note else "")
            for c in mapping.columns
        ),
        intro=about,
    )


def _row(mapping: Mapping, subject: str, facts: Facts) -> tuple[str, ...]:
    cells = []
    for column in mapping.columns:
        text = cell_text(column, subject, facts)
        if not text and column.label:
            text = facts.label(subject)
        cells.append(text)
    return tuple(cells)


def _header(column: Column, facts: Facts, triples: list[ox.Triple]) -> str:
    """The column's first header; an amount column's with the currency all its cells share
    ("Budget (USD)"), as the import reads a cell without one in its header's."""
    header = column.headers[0]
    if column.clean == "amount" and header_currency(header) is None:
        currencies = {
            t.object.value
            for t in triples
            if t.predicate.value == mea.currency and isinstance(t.object, ox.Literal)
        }
        if len(currencies) == 1:
            return f"{header} ({currencies.pop()})"
    return header


def _linked(facts: Facts, container: Container, node: str, subject: str) -> bool:
    if container.from_item:
        return any(v.value == node for v in facts.values(subject, container.link))
    return any(v.value == subject for v in facts.values(node, container.link))


def _of_class(facts: Facts, classes: set[str], doc: str) -> list[str]:
    return [
        s
        for s, predicates in facts.by_subject.items()
        if any(v.value in classes for v in predicates.get(RDF_TYPE, []))
        and any(v.value == doc for v in predicates.get(mea.fromDocument, []))
    ]


def _ordered(facts: Facts, subjects: list[str]) -> list[str]:
    """In the document's order: by ordinal ("2" before "10", "S2" before "S10"), then IRI."""

    def key(subject: str) -> tuple[str, int, str]:
        ordinal = facts.first(subject, mea.ordinal)
        match = re.match(r"^(\D*)(\d+)", ordinal)
        return (match.group(1), int(match.group(2)), subject) if match else ("~", 0, subject)

    return sorted(subjects, key=key)
