r"""What each RDF syntax can carry, checked before a graph is written in it.

Oxigraph 0.5.13 writes every RDF 1.2 graph in Turtle, N-Triples, N-Quads and TriG, but:

* its JSON-LD writer refuses triple terms (``<<( s p o )>>``, an ``ox.Triple`` used as an
  object) with ``OSError: JSON-LD does not support RDF 1.2 yet``;
* its RDF/XML writer writes a predicate as an element name ``namespace + local name``, the
  local name being the longest tail of the IRI made of XML name characters that starts with
  a name-start character. A predicate with no such tail (``<http://b#>``,
  ``<http://example.org/123>``, ``<urn:isbn:123>``) comes out as ``<oxprefix: ...>``, which
  is not well-formed XML; and a literal holding a character XML 1.0 forbids (``\u0001``,
  ``\uFFFF``) is written as it is, which is not well-formed either. Neither raises.

So before JSON-LD or RDF/XML is written the triples are looked at, and RDF the syntax
cannot carry is refused with :class:`UnwritableGraph` (a 406 for the client), its message
naming the syntaxes that can carry it. Blank node labels RDF/XML cannot use as
``rdf:nodeID`` (not an XML NCName, e.g. ``_:1a`` from an upload) are relabelled instead:
a label is not data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import pyoxigraph as ox

#: Names of the RDF syntaxes, for messages (in the order offered).
RDF_FORMAT_NAMES: dict[ox.RdfFormat, str] = {
    ox.RdfFormat.TURTLE: "Turtle",
    ox.RdfFormat.N_TRIPLES: "N-Triples",
    ox.RdfFormat.N_QUADS: "N-Quads",
    ox.RdfFormat.TRIG: "TriG",
    ox.RdfFormat.RDF_XML: "RDF/XML",
    ox.RdfFormat.JSON_LD: "JSON-LD",
}

# XML 1.0 (fifth edition) NameStartChar and NameChar, without ``:`` (NCName, and what
# Oxigraph's RDF/XML writer takes for a local name).
_NAME_START = (
    "A-Z_a-z\xc0-\xd6\xd8-\xf6\xf8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NAME_CHAR = _NAME_START + "\\-.0-9\xb7\u0300-\u036f\u203f\u2040"
_NCNAME = re.compile(f"[{_NAME_START}][{_NAME_CHAR}]*")
_NAME_CHARS_RUN = re.compile(f"[{_NAME_CHAR}]*")
_NAME_START_CHAR = re.compile(f"[{_NAME_START}]")
#: Characters XML 1.0 does not allow in a document at all (``Char``, §2.2).
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class UnwritableGraph(ValueError):
    """RDF that the asked syntax cannot express: RDF 1.2 triple terms in JSON-LD; in RDF/XML
    a predicate whose IRI does not end in an XML name, or text XML 1.0 forbids.

    ``str(err)`` is one short line for the client, naming the syntaxes that can carry the
    RDF; answer it with 406 Not Acceptable (the client may ask again in one of those).
    """


def xml_local_name(iri: str) -> str:
    """The local name Oxigraph's RDF/XML writer splits off a predicate IRI; ``""`` when
    there is none (then it writes ``<oxprefix: ...>``, which is not XML).

    >>> xml_local_name("http://www.w3.org/2000/01/rdf-schema#label")
    'label'
    >>> xml_local_name("http://example.org/a%20b"), xml_local_name("http://example.org/-a")
    ('b', 'a')
    >>> [xml_local_name(i) for i in ("http://b#", "http://example.org/123", "urn:isbn:123")]
    ['', '', '']
    """
    # The tail of name characters, found from the end (linear, however long the IRI).
    tail = _NAME_CHARS_RUN.match(iri[::-1])
    run = tail.group()[::-1] if tail else ""
    start = _NAME_START_CHAR.search(run)
    return run[start.start() :] if start else ""


def _walk(term: Any, seen_predicate: Any, problems: dict[str, str]) -> None:
    """Note in ``problems`` what in ``term`` (a triple term, recursively) RDF/XML or JSON-LD
    cannot carry."""
    if isinstance(term, ox.Literal):
        if "text" not in problems and _XML_FORBIDDEN.search(term.value):
            problems["text"] = term.value
    elif isinstance(term, ox.Triple):
        problems.setdefault("triple", "")
        seen_predicate(term.predicate.value)
        _walk(term.subject, seen_predicate, problems)
        _walk(term.object, seen_predicate, problems)


def rdf_problems(items: Iterable[Any]) -> dict[str, str]:
    """What in ``items`` (triples or quads) some RDF syntax cannot carry: ``"triple"`` (a
    triple term: not JSON-LD), ``"predicate"`` (the first predicate IRI RDF/XML cannot write)
    and ``"text"`` (a literal with characters XML 1.0 forbids: not RDF/XML). Empty when
    every syntax can write them."""
    problems: dict[str, str] = {}
    checked: dict[str, bool] = {}

    def seen_predicate(iri: str) -> None:
        ok = checked.get(iri)
        if ok is None:
            ok = checked[iri] = bool(xml_local_name(iri))
        if not ok:
            problems.setdefault("predicate", iri)

    literal, triple = ox.Literal, ox.Triple
    for item in items:
        seen_predicate(item.predicate.value)
        obj = item.object
        if obj.__class__ is literal or obj.__class__ is triple:
            _walk(obj, seen_predicate, problems)
    return problems


def _blocks(problems: Mapping[str, str], rdf_format: ox.RdfFormat) -> str | None:
    """Which of ``problems`` keeps ``rdf_format`` from writing the RDF, if any."""
    if rdf_format == ox.RdfFormat.JSON_LD and "triple" in problems:
        return "triple"
    if rdf_format == ox.RdfFormat.RDF_XML:
        for kind in ("predicate", "text"):
            if kind in problems:
                return kind
    return None


def carriers(
    problems: Mapping[str, str], offered: Iterable[ox.RdfFormat] = RDF_FORMAT_NAMES
) -> list[ox.RdfFormat]:
    """The ``offered`` syntaxes that can write RDF with these :func:`rdf_problems`."""
    return [f for f in dict.fromkeys(offered) if _blocks(problems, f) is None]


def _spoken_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def check_writable(
    items: Sequence[Any],
    rdf_format: ox.RdfFormat,
    *,
    what: str = "This answer",
    offered: Iterable[ox.RdfFormat] = RDF_FORMAT_NAMES,
    problems: Mapping[str, str] | None = None,
) -> None:
    """Raise :class:`UnwritableGraph` if ``rdf_format`` cannot write ``items``; the message
    starts with ``what`` and names the ``offered`` syntaxes that can.

    Only JSON-LD and RDF/XML are looked at (the other syntaxes carry all of RDF 1.2).

    >>> t = ox.Triple(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.NamedNode("http://c"))
    >>> e = ox.Triple(ox.NamedNode("http://e"), ox.NamedNode("http://e/p"), t)
    >>> check_writable([e], ox.RdfFormat.TURTLE)
    >>> check_writable([e], ox.RdfFormat.JSON_LD, what="This graph")
    Traceback (most recent call last):
    ...
    kg.rdf.syntax_limits.UnwritableGraph: This graph holds RDF 1.2 triple terms, ... TriG or RDF/XML
    """
    if rdf_format not in (ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML):
        return
    found = rdf_problems(items) if problems is None else problems
    kind = _blocks(found, rdf_format)
    if kind is None:
        return
    name = RDF_FORMAT_NAMES[rdf_format]
    if kind == "triple":
        reason = f"holds RDF 1.2 triple terms, which {name} cannot carry"
    elif kind == "predicate":
        iri = found["predicate"]
        shown = iri if len(iri) <= 100 else iri[:60] + "…" + iri[-20:]  # the message stays short
        reason = (
            f"uses the predicate <{shown}>, which {name} cannot write "
            "(the IRI does not end in an XML name)"
        )
    else:
        reason = f"holds text with characters XML 1.0 forbids, which {name} cannot carry"
    able = set(carriers(found, offered))
    others = [n for f, n in RDF_FORMAT_NAMES.items() if f in able]  # always in one order
    advice = f"; ask for {_spoken_list(others)}" if others else ""
    raise UnwritableGraph(f"{what} {reason}{advice}")


def _xml_blank(term: Any, labels: dict[Any, Any]) -> Any:
    if isinstance(term, ox.BlankNode):
        renamed = labels.get(term)
        if renamed is None:
            renamed = labels[term] = ox.BlankNode("b" + term.value)
        return renamed
    if isinstance(term, ox.Triple):
        return ox.Triple(
            _xml_blank(term.subject, labels), term.predicate, _xml_blank(term.object, labels)
        )
    return term


def xml_safe_blank_nodes(items: list[Any]) -> list[Any]:
    """``items`` (triples or quads) as RDF/XML can write them: when a blank node label is not
    an XML NCName (``rdf:nodeID`` must be one; ``_:1a`` is not), every blank node is
    relabelled ``b`` + its label (a label is local to a document, and adding the same prefix
    to all keeps them apart). Unchanged otherwise."""

    def labels_of(term: Any) -> Iterator[str]:
        if isinstance(term, ox.BlankNode):
            yield term.value
        elif isinstance(term, ox.Triple):
            yield from labels_of(term.subject)
            yield from labels_of(term.object)

    def bad(item: Any) -> bool:
        return any(
            not _NCNAME.fullmatch(label)
            for term in (item.subject, item.object)
            for label in labels_of(term)
        )

    if not any(bad(item) for item in items):
        return items
    labels: dict[Any, Any] = {}
    out: list[Any] = []
    for item in items:
        s, o = _xml_blank(item.subject, labels), _xml_blank(item.object, labels)
        if isinstance(item, ox.Quad):
            out.append(ox.Quad(s, item.predicate, o, item.graph_name))
        else:
            out.append(ox.Triple(s, item.predicate, o))
    return out


def writable(
    items: list[Any],
    rdf_format: ox.RdfFormat,
    *,
    what: str = "This answer",
    offered: Iterable[ox.RdfFormat] = RDF_FORMAT_NAMES,
) -> list[Any]:
    """``items`` ready for ``ox.serialize(..., format=rdf_format)``: :func:`check_writable`
    (raises :class:`UnwritableGraph`), then, for RDF/XML, :func:`xml_safe_blank_nodes`."""
    check_writable(items, rdf_format, what=what, offered=offered)
    if rdf_format == ox.RdfFormat.RDF_XML:
        return xml_safe_blank_nodes(items)
    return items
