"""What each kind of cell (a mapping's ``clean:``) becomes in the graph, and back.

Every cleaner reads one cell of one row into facts about the row's entity through a
:class:`Cell`, or raises :class:`CellError` with a message a secretariat officer can act on
(the import then reports the row, with its column, and leaves it out). :func:`cell_text`
is the way back, for ``kg export-table``: the cell a source's facts make, written so that
importing it again gives the same facts. The cleaning itself is in :mod:`kg.ingest.timeframes`,
:mod:`kg.ingest.amounts`, :mod:`kg.ingest.places` and :mod:`kg.ingest.gbf`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

import pyoxigraph as ox

from kg.ingest.amounts import parse_amount
from kg.ingest.gbf import parse_gbf_reference, target_iri
from kg.ingest.mapping import SPLITS, Column
from kg.ingest.names import Names, normalise, party_iri
from kg.ingest.places import parse_place
from kg.ingest.terms import mea
from kg.ingest.timeframes import Timeframe, parse_timeframe
from kg.rdf.namespaces import PREFIXES

DCT = PREFIXES["dcterms"]
SKOS = PREFIXES["skos"]
RDFS = PREFIXES["rdfs"]
XSD = PREFIXES["xsd"]
LABEL = RDFS + "label"
DESCRIPTION = DCT + "description"
#: The longest rdfs:label an import makes from a cell's first line.
LABEL_LENGTH = 90
#: An object a source's facts hold (sources hold no triple terms: publishing refuses them).
Term = ox.NamedNode | ox.BlankNode | ox.Literal


class CellError(ValueError):
    """The cell cannot be read; the message says what to write instead."""


class Cell(Protocol):
    """One cell of one row, and where its facts go."""

    text: str
    column: Column
    header: str
    subject: ox.NamedNode
    names: Names

    def add(self, predicate: str, obj: ox.NamedNode | ox.Literal) -> None: ...
    def note(self, message: str) -> None:
        """Something the officer should know about the cell, which is still imported."""

    def add_to(
        self, node: ox.NamedNode, predicate: str, obj: ox.NamedNode | ox.Literal
    ) -> None: ...
    def entity(
        self, kind: str, key: str, class_: str, label: str, *, shared: bool = False
    ) -> ox.NamedNode: ...


def english(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def plain(text: str) -> ox.Literal:
    return ox.Literal(text)


def typed(value: object, datatype: str) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype))


def label_of(text: str) -> str:
    """A short name from a cell: its first line, cut at a word before :data:`LABEL_LENGTH`.

    >>> label_of("Outreach and stakeholder involvement:\\n- Alignment of ...")
    'Outreach and stakeholder involvement'
    """
    first = text.strip().split("\n", 1)[0].strip().rstrip(":;,.").strip()
    first = re.sub(r"^[-•]\s*", "", first)
    if len(first) <= LABEL_LENGTH:
        return first
    cut = first[:LABEL_LENGTH].rsplit(" ", 1)[0]
    return cut.rstrip(",;:(") + " …"


def split_items(text: str, how: str) -> list[str]:
    """The items of a cell, bullets ("- ", "• ") dropped."""
    items = (re.sub(r"^\s*[-•]\s+", "", item).strip() for item in re.split(SPLITS[how], text))
    return [item for item in items if item]


def _text(cell: Cell) -> None:
    if cell.column.property:
        cell.add(cell.column.property, english(cell.text))


def _note(cell: Cell) -> None:
    if cell.column.property:
        cell.add(cell.column.property, plain(cell.text))


def _lines(cell: Cell) -> None:
    for line in split_items(cell.text, "lines"):
        if cell.column.property:
            cell.add(cell.column.property, english(line))


def _ordinal(cell: Cell) -> None:
    value = cell.text.strip().rstrip(".").strip()
    if not re.fullmatch(r"[\w.-]{1,20}", value):
        raise CellError(f"{cell.text!r} is not a number: write the row's number, e.g. 7 or 7.")
    cell.add(cell.column.property or mea.ordinal, plain(value))


def _timeframe(cell: Cell) -> None:
    frame = parse_timeframe(cell.text)
    if frame == (None, None) and _ISO_DAY.fullmatch(cell.text.strip()):
        # A date cell: Excel turns "March 2011" typed in a cell into 2011-03-01, a day.
        day = one_day(cell.text)
        frame = Timeframe(day, day)
    if frame == (None, None):  # a range that runs backwards reads as no range: say so
        ends = [parse_timeframe(p) for p in re.split(r"\s+[–—-]\s+", cell.text, maxsplit=1)]
        if len(ends) == 2 and ends[0].start and ends[1].end:
            frame = Timeframe(ends[0].start, ends[1].end)
    if frame.start is None and frame.end is None:
        # "ongoing", "Q1 2012": kept as written, without dates, and said.
        cell.add(mea.timeframeText, plain(cell.text))
        cell.note(
            f"{cell.text!r} gives no dates: kept as written; for dates write months and "
            "years, e.g. 'Jan. 2009 – Sept. 2010', 'March 2026' or '2010'"
        )
        return
    if frame.start and frame.end and frame.end < frame.start:
        raise CellError(
            f"{cell.text!r} ends ({frame.end:%d %B %Y}) before it starts "
            f"({frame.start:%d %B %Y}): check the years"
        )
    cell.add(mea.timeframeText, plain(cell.text))
    if frame.start:
        cell.add(mea.startDate, typed(frame.start.isoformat(), "date"))
    if frame.end:
        cell.add(mea.endDate, typed(frame.end.isoformat(), "date"))


#: A date cell of a workbook, as the readers write it: "2011-03-01" (or with a time).
_ISO_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][\d:.]+)?")


def one_day(text: str) -> date:
    """ "2009-01-31", "31 January 2009", "31 Jan 2009" or "31/01/2009" (day first, as the UN
    writes it) to the day.

    >>> one_day("22 Mar 1989"), one_day("07/02/1996")
    (datetime.date(1989, 3, 22), datetime.date(1996, 2, 7))
    """
    clean = text.strip()
    try:
        iso = _ISO_DAY.fullmatch(clean)
        if iso:
            return date.fromisoformat(iso.group(1))
        numeric = re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", clean)
        if numeric:
            day, month, year = (int(n) for n in numeric.groups())
            return date(year, month, day)
    except ValueError:
        pass
    else:
        frame = parse_timeframe(clean)
        if frame.start is not None and frame.start == frame.end:
            return frame.start
    raise CellError(
        f"{text!r} is not one day: write it as 31 January 2009, 31/01/2009 or 2009-01-31"
    )


def _date(cell: Cell) -> None:
    day = one_day(cell.text)
    cell.add(cell.column.property or DCT + "date", typed(day.isoformat(), "date"))


#: The marks a status-of-ratification table puts after the date of consent to be bound (the
#: UN Treaty Collection's), and what each means; no mark is a ratification.
CONSENT_MARKS = {
    "a": "Accession",
    "A": "Acceptance",
    "AA": "Approval",
    "d": "Succession",
    "c": "Formal confirmation",
}


def _consent(cell: Cell) -> None:
    if _ISO_DAY.fullmatch(cell.text.strip()):  # a date cell: no mark, a ratification
        day = one_day(cell.text)
        cell.add(cell.column.property or mea.consentDate, typed(day.isoformat(), "date"))
        cell.add(mea.standing, plain("Ratification"))
        return
    match = re.fullmatch(r"(?P<day>.*?\d{4})\s*\(?(?P<mark>AA|A|a|c|d)?\)?\s*", cell.text.strip())
    if match is None:
        raise CellError(
            f"{cell.text!r}: write the date of ratification, acceptance, approval or accession, "
            "followed by its mark if any (5 May 1992 a)"
        )
    day = one_day(match.group("day"))
    cell.add(cell.column.property or mea.consentDate, typed(day.isoformat(), "date"))
    cell.add(mea.standing, plain(CONSENT_MARKS.get(match.group("mark") or "", "Ratification")))


def header_currency(header: str) -> str | None:
    """ "Budget (USD) (indicative)" -> "USD"."""
    match = re.search(r"\b([A-Z]{3})\b", header)
    return match.group(1) if match else None


def _amount(cell: Cell) -> None:
    option = cell.column.options.get("currency", "from-header")
    currency = header_currency(cell.header) if option == "from-header" else option
    try:
        amount = parse_amount(cell.text, currency=currency)
    except ValueError as error:
        raise CellError(str(error)) from None
    if amount.currency is None:
        raise CellError(
            f"{cell.text!r} names no currency: write it with the amount (USD 20,000) or in "
            "the column's header (Budget (USD))"
        )
    value = amount.value.normalize()  # "1500000", not "1500000.0" or "1.5E+6"
    node = cell.entity("amount", "", mea.MonetaryAmount, f"{amount.currency} {value:,f}")
    cell.add(cell.column.property or mea.indicativeBudget, node)
    facts: list[tuple[str, ox.NamedNode | ox.Literal]] = [
        (DESCRIPTION, english(cell.text)),
        (mea.amount, typed(f"{value:f}", "decimal")),
        (mea.currency, plain(amount.currency)),
        (mea.contributionType, ox.NamedNode(mea.InKind if amount.in_kind else mea.Cash)),
    ]
    for predicate, obj in facts:
        cell.add_to(node, predicate, obj)
    if amount.contributor:
        for iri in _actors(cell, amount.contributor):
            cell.add_to(node, mea.fundedBy, iri)


def _actors(cell: Cell, text: str) -> list[ox.NamedNode]:
    """The actors ``text`` names: known ones by their IRI, the others as organisations of
    this document (one per name, however many rows name it)."""
    found: list[str] = []
    for known, value in cell.names.actors_in(text):
        if known:
            iri = value
        else:
            key = normalise(value).replace(" ", "-")
            node = cell.entity(
                "org", key, mea.Organisation, value[0].upper() + value[1:], shared=True
            )
            cell.add_to(node, DESCRIPTION, english(value))
            iri = node.value
        if iri not in found:
            found.append(iri)
    return [ox.NamedNode(iri) for iri in found]


def _partners(cell: Cell) -> None:
    cell.add(mea.implementationText, plain(cell.text))
    actors = _actors(cell, cell.text)
    if cell.column.options.get("lead_first") == "true":
        for index, actor in enumerate(actors):
            cell.add(mea.lead if index == 0 else mea.partner, actor)
        return
    for actor in actors:
        cell.add(cell.column.property or mea.implementedBy, actor)


def _place(cell: Cell) -> None:
    text = cell.text.strip()
    if normalise(text) in ("online", "virtual", "hybrid", "webinar"):
        cell.add(mea.eventFormat, plain(text))
        return
    cell.add(mea.location, plain(text))
    place = parse_place(text)
    if place.country is None:
        raise CellError(
            f"{text!r} names no country: end the place with its country "
            "(Tashkent, Uzbekistan), or write Online"
        )
    cell.add(mea.country, ox.NamedNode(party_iri(place.country)))


def _country(cell: Cell) -> None:
    iris = [iri for iri in cell.names.actor(cell.text) if "/id/party/" in iri]
    if len(iris) != 1:
        raise CellError(
            f"{cell.text!r} is not a country this tool knows: write its short name as the UN "
            "writes it (Kyrgyzstan, Russian Federation) or its ISO code (KGZ)"
        )
    cell.add(cell.column.property or mea.country, ox.NamedNode(iris[0]))


def _agreement(cell: Cell) -> None:
    iri = cell.names.agreement(cell.text)
    if iri is None:
        raise CellError(
            f"{cell.text!r} is not an agreement in the graph: write its name as the graph has "
            "it (Basel Convention, Minamata Convention on Mercury) or its key (basel)"
        )
    cell.add(cell.column.property or mea.underAgreement, ox.NamedNode(iri))


def _gbf_targets(cell: Cell) -> None:
    for item in split_items(cell.text, "semicolons"):
        try:
            reference = parse_gbf_reference(item)
        except ValueError as error:
            raise CellError(str(error)) from None
        if reference.kind != "target":
            raise CellError(f"{item!r} is a GBF {reference.kind}: this column lists targets")
        cell.add(
            cell.column.property or mea.contributesToTarget,
            ox.NamedNode(target_iri(reference.code)),
        )
        cell.add(SKOS + "note", english(item))


_CLAIM = re.compile(
    r"^(?P<ref>(?:headline\s+)?indicators?\s+\S+?)\s*(?:[–—:-]\s*(?P<title>.*))?$",
    re.IGNORECASE | re.DOTALL,
)


def _indicator_claims(cell: Cell) -> None:
    role = cell.column.options.get("role", "")
    if role == "from-header":
        role = re.sub(r"(?i)^relevant\s+|\s*indicators?\s*$", "", cell.header).strip()
    for index, item in enumerate(split_items(cell.text, "semicolons"), start=1):
        match = _CLAIM.match(item)
        try:
            reference = parse_gbf_reference(match.group("ref") if match else item)
        except ValueError as error:
            raise CellError(str(error)) from None
        if reference.kind != "indicator":
            raise CellError(f"{item!r} is a GBF {reference.kind}: this column lists indicators")
        code = reference.code
        title = (match.group("title") or "").strip() if match else ""
        claim = cell.entity(
            "claim",
            f"{code.replace('.', '-')}",
            mea.IndicatorClaim,
            f"Claims indicator {code}",
        )
        cell.add(cell.column.property or mea.claimsIndicator, claim)
        facts: list[tuple[str, ox.NamedNode | ox.Literal]] = [
            (DESCRIPTION, english(item)),
            (mea.claimedCode, plain(code)),
            (mea.ordinal, plain(str(index))),
        ]
        if title:
            facts.append((mea.claimedTitle, english(title)))
        if role:
            facts.append((mea.claimedRole, plain(role)))
        head = code.split(".", 1)[0]
        if head.isdigit() and 1 <= int(head) <= 23:
            facts.append((mea.claimedForTarget, ox.NamedNode(target_iri(head))))
        for predicate, obj in facts:
            cell.add_to(claim, predicate, obj)


_FUNDING = {
    "not yet funded": mea.NotYetFunded,
    "partly funded": mea.PartlyFunded,
    "partially funded": mea.PartlyFunded,
    "fully funded": mea.FullyFunded,
}


def _funding(cell: Cell) -> None:
    clean = normalise(cell.text)
    needed = re.match(r"^(yes|no)\b", clean)
    statuses = [status for phrase, status in _FUNDING.items() if phrase in clean]
    if needed is None and not statuses:
        raise CellError(
            f"{cell.text!r}: start with Yes or No (is voluntary funding needed?), then if yes "
            "'not yet funded', 'partly funded' or 'fully funded'"
        )
    is_needed = needed.group(1) == "yes" if needed else True
    cell.add(mea.voluntaryFundingNeeded, typed("true" if is_needed else "false", "boolean"))
    if is_needed:
        for status in dict.fromkeys(statuses):
            cell.add(mea.fundingStatus, ox.NamedNode(status))
    cell.add(mea.fundingNote, english(cell.text))


CLEANERS: dict[str, Callable[[Cell], None]] = {
    "text": _text,
    "note": _note,
    "lines": _lines,
    "ordinal": _ordinal,
    "timeframe": _timeframe,
    "date": _date,
    "consent": _consent,
    "amount": _amount,
    "partners": _partners,
    "place": _place,
    "country": _country,
    "agreement": _agreement,
    "gbf_targets": _gbf_targets,
    "indicator_claims": _indicator_claims,
    "funding": _funding,
}


@dataclass(frozen=True)
class Facts:
    """A source's facts by subject and predicate, for writing cells back."""

    by_subject: dict[str, dict[str, list[Term]]]

    @classmethod
    def of(cls, triples: list[ox.Triple]) -> Facts:
        index: dict[str, dict[str, list[Term]]] = {}
        for t in triples:
            if isinstance(t.subject, ox.NamedNode) and not isinstance(t.object, ox.Triple):
                index.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(
                    t.object
                )
        for predicates in index.values():
            for values in predicates.values():
                values.sort(key=_order)
        return cls(index)

    def values(self, subject: str, predicate: str) -> list[Term]:
        return self.by_subject.get(subject, {}).get(predicate, [])

    def texts(self, subject: str, predicate: str) -> list[str]:
        return [v.value for v in self.values(subject, predicate) if isinstance(v, ox.Literal)]

    def first(self, subject: str, predicate: str) -> str:
        texts = self.texts(subject, predicate)
        return texts[0] if texts else ""

    def label(self, subject: str) -> str:
        return self.first(subject, LABEL) or subject.rsplit("/", 1)[-1]


def _order(term: Term) -> tuple[int, str]:
    """Items in their document order where the key ends in a number (…-2 before …-10)."""
    value = term.value
    number = re.search(r"(\d+)$", value)
    return (int(number.group(1)) if number else 0, value)


def cell_text(column: Column, subject: str, facts: Facts) -> str:
    """The cell ``column`` shows for the entity ``subject`` (``kg export-table``)."""
    prop = column.property
    if column.each is not None:
        items = _linked(column, subject, facts)
        joiner = {"lines": "\n", "semicolons": "; ", "commas": ", "}[column.each.split]
        return joiner.join(facts.first(i, DESCRIPTION) or facts.label(i) for i in items)
    if column.clean in ("text", "note", "ordinal"):
        return facts.first(subject, prop or "")
    if column.clean == "lines":
        return "\n".join(facts.texts(subject, prop or ""))
    if column.clean == "timeframe":
        return facts.first(subject, mea.timeframeText) or _dates(subject, facts)
    if column.clean == "date":
        return facts.first(subject, prop or DCT + "date")
    if column.clean == "consent":
        day = facts.first(subject, prop or mea.consentDate)
        marks = {how: mark for mark, how in CONSENT_MARKS.items()}
        mark = next((marks[s] for s in facts.texts(subject, mea.standing) if s in marks), "")
        return f"{day} {mark}".strip()
    if column.clean == "amount":
        return "\n".join(
            _amount_text(a.value, facts)
            for a in facts.values(subject, prop or mea.indicativeBudget)
        )
    if column.clean == "partners":
        text = facts.first(subject, mea.implementationText)
        if text:
            return text
        actors = [
            v.value
            for p in (prop, mea.implementedBy, mea.lead, mea.partner)
            if p
            for v in facts.values(subject, p)
        ]
        return "; ".join(facts.label(a) for a in dict.fromkeys(actors))
    if column.clean == "place":
        return facts.first(subject, mea.location) or facts.first(subject, mea.eventFormat)
    if column.clean in ("country", "agreement"):
        return "; ".join(facts.label(v.value) for v in facts.values(subject, prop or ""))
    if column.clean == "gbf_targets":
        notes = facts.texts(subject, SKOS + "note")
        targets = [v.value for v in facts.values(subject, prop or mea.contributesToTarget)]
        written = [n for n in notes if re.match(r"(?i)\s*target", n)]
        return (
            "; ".join(written)
            if len(written) == len(targets)
            else "; ".join(f"Target {t.rsplit('_', 1)[-1]}" for t in targets)
        )
    if column.clean == "indicator_claims":
        claims = [v.value for v in facts.values(subject, prop or mea.claimsIndicator)]
        claims.sort(key=lambda c: int(facts.first(c, mea.ordinal) or 0))
        return "; ".join(
            facts.first(c, DESCRIPTION) or f"Indicator {facts.first(c, mea.claimedCode)}"
            for c in claims
        )
    if column.clean == "funding":
        note = facts.first(subject, mea.fundingNote)
        if note:
            return note
        needed = facts.first(subject, mea.voluntaryFundingNeeded)
        return {"true": "Yes", "false": "No"}.get(needed, "")
    return ""


def _linked(column: Column, subject: str, facts: Facts) -> list[str]:
    each = column.each
    assert each is not None
    if not each.from_item:
        return [v.value for v in facts.values(subject, each.link)]
    return sorted(
        (
            s
            for s, predicates in facts.by_subject.items()
            if any(v.value == subject for v in predicates.get(each.link, []))
        ),
        key=lambda s: _order(ox.NamedNode(s)),
    )


def _dates(subject: str, facts: Facts) -> str:
    start, end = facts.first(subject, mea.startDate), facts.first(subject, mea.endDate)
    return f"{start} – {end}" if start and end and start != end else start or end


def _amount_text(node: str, facts: Facts) -> str:
    written = facts.first(node, DESCRIPTION)
    if written:
        return written
    value = Decimal(facts.first(node, mea.amount) or "0")
    kind = (
        " (in kind)"
        if facts.values(node, mea.contributionType)[:1] == [ox.NamedNode(mea.InKind)]
        else ""
    )
    return f"{facts.first(node, mea.currency)} {value:,}{kind}"
