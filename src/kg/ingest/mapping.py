"""A mapping: which columns of a table say what, in a small YAML file a secretariat officer
can read (``src/kg/ingest/mappings/*.yaml``; ``docs/import.md`` documents the format).

Why not RML / YARRRML (morph-kgc): an import must report each malformed row with its row and
column and still import the rest, read tables inside Word documents, find the header row
under a title, join a row that spills onto the next line, and write a source back as a
workbook in the same layout (``kg export-table``). A mapping here names, for each column, its
headers as documents write them, the cleaning it needs (one of :data:`CLEANERS`, each a
tested function) and the property it fills — which also reads backwards, cell from facts.
RML maps rows to triples through templates and leaves all of the above to code per document.

A mapping says what one row of the table becomes (``row``), optionally the entity every row
belongs to (``container``: the document's workplan) and heading rows that group the rows
beneath them (``group``: "Tools for implementing conventions (S1)"). Each column cell either
fills a property of the row's entity or, with ``each``, becomes one entity per item.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kg.rdf.namespaces import PREFIXES

#: How a cell is read (``clean:``): each name is documented in ``docs/import.md`` and
#: implemented in :mod:`kg.ingest.cells`.
CLEANERS = frozenset(
    {
        "text",  # the words as written, in English (@en)
        "note",  # the words as written, as a plain string (baseline, status, ...)
        "lines",  # one value per line of the cell
        "ordinal",  # "1." -> "1"
        "timeframe",  # "Jan. 2009 – Sept. 2010" -> start and end dates, text kept
        "date",  # one date: "2009-01-31", "31 January 2009", "31/01/2009"
        "consent",  # "5 May 1992 a" -> the date of consent to be bound, and how (accession)
        "amount",  # "Host Government: 20,000 (in kind)" -> a monetary amount
        "partners",  # "Interim Secretariat and national governments" -> organisations, parties
        "place",  # "Nukus, Khorezm and Shahrisabz, Uzbekistan" -> location and country
        "country",  # "Kyrgyz Republic" -> the party's IRI
        "agreement",  # "Basel Convention" -> the agreement's IRI
        "gbf_targets",  # "Target 3 (30×30); Target 4 (Species)" -> KMGBF targets
        "indicator_claims",  # "Indicator 20.1 – title; ..." -> indicator claims
        "funding",  # "Yes\nPartly funded" -> funding needed, funding status, note
    }
)
#: How a cell holding several items is cut into them (``each: {split: ...}``).
SPLITS = {"lines": r"\n+", "semicolons": r"\s*[;\n]\s*", "commas": r"\s*[;,\n]\s*"}

_SHIPPED = "kg.ingest"


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and what to change."""


@dataclass(frozen=True)
class Each:
    """Each item of the cell becomes an entity of ``kind`` (``class_``), linked to the row's
    entity by ``link`` (row -> item, or item -> row when ``from_item``)."""

    kind: str
    class_: str
    link: str
    from_item: bool = False
    split: str = "lines"
    #: Items that share a key are one entity ("Outcome 1: …" in several rows).
    key_pattern: str | None = None


@dataclass(frozen=True)
class Column:
    name: str
    headers: tuple[str, ...]
    clean: str
    property: str | None = None
    required: bool = False
    #: This column's text (first line) is also the entity's rdfs:label.
    label: bool = False
    each: Each | None = None
    #: Cleaner options: ``currency`` (amount), ``role`` (indicator_claims), ``lead_first``
    #: (partners).
    options: dict[str, str] = field(default_factory=dict)
    example: str = ""
    note: str = ""


@dataclass(frozen=True)
class Row:
    kind: str
    class_: str
    #: The column whose value keys the row (a row without one continues the row above);
    #: without it rows are numbered 1, 2, … in table order.
    key: str | None = None
    key_pattern: str | None = None
    #: rdfs:label when no column gives one: "{key}", "{group_key}", "{group_label}", "{n}".
    label: str | None = None


@dataclass(frozen=True)
class Container:
    kind: str
    class_: str
    link: str
    from_item: bool = False


@dataclass(frozen=True)
class Group:
    """A row with only ``column`` filled heads the rows beneath it."""

    column: str
    kind: str
    class_: str
    link: str
    key_pattern: str
    inverse: str | None = None


@dataclass(frozen=True)
class Mapping:
    name: str
    title: str
    summary: str
    table: str
    row: Row
    columns: tuple[Column, ...]
    container: Container | None = None
    group: Group | None = None
    source: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def shipped_mappings() -> list[Mapping]:
    """The mappings that come with the tool, by name."""
    folder = resources.files(_SHIPPED) / "mappings"
    return [
        _parse(yaml.safe_load(entry.read_text("utf-8")), f"mappings/{entry.name}")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    ]


def load_mapping(name_or_path: str) -> Mapping:
    """A shipped mapping by name, or a mapping file."""
    for mapping in shipped_mappings():
        if mapping.name == name_or_path:
            return mapping
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        names = ", ".join(m.name for m in shipped_mappings())
        raise MappingError(
            f"no mapping {name_or_path!r}: name a shipped one ({names}) or a .yaml mapping file"
        )
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise MappingError(f"{path}: not a readable YAML mapping ({_first_line(error)})") from None
    return _parse(data, str(path))


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _parse(data: Any, where: str) -> Mapping:
    doc = _Fields(data, where, "the mapping")
    row = _Fields(doc.required("row", dict), where, "row")
    columns = doc.required("columns", dict)
    mapping = Mapping(
        name=doc.required("name", str),
        title=doc.required("title", str),
        summary=doc.optional("summary", str, ""),
        table=doc.required("table", str),
        row=Row(
            kind=_kind(row.required("kind", str), where),
            class_=_curie(row.required("class", str), where),
            key=row.optional("key", str, None),
            key_pattern=_pattern(row.optional("key_pattern", str, None), where),
            label=row.optional("label", str, None),
        ),
        columns=tuple(_column(name, spec, where) for name, spec in columns.items()),
        container=_container(doc.optional("container", dict, None), where),
        group=_group(doc.optional("group", dict, None), where),
        source=where,
    )
    row.done()
    doc.done()
    names = {c.name for c in mapping.columns}
    _check_label(mapping.row.label, names, where)
    for named in (mapping.row.key, mapping.group.column if mapping.group else None):
        if named is not None and named not in names:
            raise MappingError(f"{where}: {named!r} is not one of the columns ({sorted(names)})")
    return mapping


def _column(name: str, spec: Any, where: str) -> Column:
    fields = _Fields(spec, where, f"column {name!r}")
    headers = fields.required("headers", list)
    clean = fields.optional("clean", str, "text")
    if clean not in CLEANERS:
        raise MappingError(
            f"{where}: column {name!r}: clean: {clean!r} is not one of {sorted(CLEANERS)}"
        )
    each_spec = fields.optional("each", dict, None)
    prop = fields.optional("property", str, None)
    column = Column(
        name=name,
        headers=tuple(str(h) for h in headers),
        clean=clean,
        property=_curie(prop, where) if prop else None,
        required=fields.optional("required", bool, False),
        label=fields.optional("label", bool, False),
        each=_each(each_spec, where, name) if each_spec is not None else None,
        options={k: str(v) for k, v in fields.optional("options", dict, {}).items()},
        example=str(fields.optional("example", (str, int, float), "")),
        note=fields.optional("note", str, ""),
    )
    fields.done()
    if not column.headers:
        raise MappingError(f"{where}: column {name!r}: list at least one header")
    return column


def _each(spec: dict[str, Any], where: str, column: str) -> Each:
    fields = _Fields(spec, where, f"column {column!r} each")
    split = fields.optional("split", str, "lines")
    if split not in SPLITS:
        raise MappingError(
            f"{where}: column {column!r}: split: {split!r} is not one of {list(SPLITS)}"
        )
    each = Each(
        kind=_kind(fields.required("kind", str), where),
        class_=_curie(fields.required("class", str), where),
        link=_curie(fields.required("link", str), where),
        from_item=fields.optional("from_item", bool, False),
        split=split,
        key_pattern=_pattern(fields.optional("key_pattern", str, None), where),
    )
    fields.done()
    return each


def _container(spec: dict[str, Any] | None, where: str) -> Container | None:
    if spec is None:
        return None
    fields = _Fields(spec, where, "container")
    container = Container(
        kind=_kind(fields.required("kind", str), where),
        class_=_curie(fields.required("class", str), where),
        link=_curie(fields.required("link", str), where),
        from_item=fields.optional("from_item", bool, False),
    )
    fields.done()
    return container


def _group(spec: dict[str, Any] | None, where: str) -> Group | None:
    if spec is None:
        return None
    fields = _Fields(spec, where, "group")
    inverse = fields.optional("inverse", str, None)
    group = Group(
        column=fields.required("column", str),
        kind=_kind(fields.required("kind", str), where),
        class_=_curie(fields.required("class", str), where),
        link=_curie(fields.required("link", str), where),
        key_pattern=_pattern(fields.required("key_pattern", str), where) or "",
        inverse=_curie(inverse, where) if inverse else None,
    )
    fields.done()
    return group


def _check_label(template: str | None, columns: set[str], where: str) -> None:
    """A row label template names only the row's key, group key, position and columns, each
    plainly: "{party} under {agreement}", never "{party.__class__}"."""
    if template is None:
        return
    allowed = {"key", "group_key", "n", *columns}
    try:
        fields = [name for _text, name, _spec, _conv in string.Formatter().parse(template)]
    except ValueError as error:
        raise MappingError(f"{where}: row label {template!r}: {error}") from None
    for name in fields:
        if name is not None and name not in allowed:
            raise MappingError(
                f"{where}: row label {template!r}: {{{name}}} is none of "
                f"{', '.join(sorted(allowed))}"
            )


def _kind(kind: str, where: str) -> str:
    if not re.fullmatch(r"[a-z]+", kind):
        raise MappingError(f"{where}: kind {kind!r}: use lower-case letters, e.g. activity")
    return kind


def _curie(text: str, where: str) -> str:
    """``mea:hasActivity`` to its full IRI, with the project's prefixes."""
    prefix, _, local = text.partition(":")
    if prefix not in PREFIXES or not local:
        raise MappingError(
            f"{where}: {text!r} is not a term: write prefix:name with one of "
            f"{', '.join(sorted(PREFIXES))}"
        )
    return PREFIXES[prefix] + local


def _pattern(pattern: str | None, where: str) -> str | None:
    if pattern is None:
        return None
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise MappingError(f"{where}: key_pattern {pattern!r}: {error}") from None
    if "key" not in compiled.groupindex:
        raise MappingError(f"{where}: key_pattern {pattern!r} needs a (?P<key>...) group")
    return pattern


class _Fields:
    """One YAML mapping object, read field by field; unknown fields are an error (a typo
    would otherwise be ignored without a word)."""

    def __init__(self, data: Any, where: str, what: str) -> None:
        if not isinstance(data, dict):
            raise MappingError(f"{where}: {what} must be a mapping of fields")
        self.data, self.where, self.what = data, where, what
        self.seen: set[str] = set()

    def required(self, name: str, kind: type | tuple[type, ...]) -> Any:
        if name not in self.data:
            raise MappingError(f"{self.where}: {self.what} needs {name!r}")
        return self.optional(name, kind, None)

    def optional(self, name: str, kind: type | tuple[type, ...], default: Any) -> Any:
        self.seen.add(name)
        value = self.data.get(name, default)
        if value is not default and not isinstance(value, kind):
            raise MappingError(f"{self.where}: {self.what}: {name!r} has the wrong form")
        return value

    def done(self) -> None:
        unknown = set(self.data) - self.seen
        if unknown:
            raise MappingError(f"{self.where}: {self.what}: unknown field(s) {sorted(unknown)}")
