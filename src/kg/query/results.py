"""Writing query results in the standard formats, stopping at a row cap.

Oxigraph serialises whole result sets; a public endpoint must stop at a row cap and say so,
so SELECT results are written here from the solution iterator (unless the query's own
``LIMIT`` already keeps the answer within the cap: then Oxigraph's serialiser, several times
faster, writes it):

* SPARQL 1.1 Query Results JSON — https://www.w3.org/TR/sparql11-results-json/
* SPARQL Query Results XML — https://www.w3.org/TR/rdf-sparql-XMLres/
* SPARQL 1.1 Query Results CSV and TSV — https://www.w3.org/TR/sparql11-results-csv-tsv/

CONSTRUCT / DESCRIBE triples are capped the same way and written by Oxigraph's serialisers.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> answer = write_results(store.query("SELECT ?x WHERE { VALUES ?x { 1 2 3 } }"),
...                        "text/csv", max_rows=2)
>>> answer.body.decode().splitlines(), answer.truncated, answer.rows
(['x', '1', '2'], True, 2)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg.rdf.formats import BOOLEAN_TYPES, GRAPH_TYPES, SOLUTIONS_TYPES
from kg.rdf.namespaces import PREFIXES
from kg.rdf.syntax_limits import UnwritableGraph, writable
from kg.stores.base import is_boolean, is_solutions, is_triples

XSD = PREFIXES["xsd"]
XSD_STRING = XSD + "string"
RDF_LANG_STRING = PREFIXES["rdf"] + "langString"
_BARE_TSV = {XSD + "integer", XSD + "decimal", XSD + "double", XSD + "boolean"}


@dataclass(frozen=True)
class Answer:
    """A serialised result: bytes ready to send, and what was cut."""

    body: bytes
    media_type: str
    #: Rows (or triples) written; ``None`` when Oxigraph wrote them and nobody counted.
    rows: int | None = 0
    truncated: bool = False


def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"unexpected term {term!r}")


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
            )
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject>"
            f"<predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>"
        )
    raise TypeError(f"unexpected term {term!r}")


def _csv_value(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    elif isinstance(term, ox.NamedNode | ox.Literal):
        text = term.value
    else:
        text = str(term)
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tsv_value(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal) and term.datatype.value in _BARE_TSV and not term.language:
        return term.value
    return str(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _capped(solutions: Iterator[Any], max_rows: int) -> tuple[list[Any], bool]:
    rows = list(islice(solutions, max_rows + 1))
    return rows[:max_rows], len(rows) > max_rows


class _Fragments(dict[Any, str]):
    """Each distinct term's written form, computed once: a page of results repeats its terms
    (the same indicator, the same type) many times, and writing a term in Python costs more
    than finding it in a dict. Rows are read by position, which is cheaper than by name."""

    def __init__(self, write: Any) -> None:
        super().__init__()
        self.write = write

    def __missing__(self, term: Any) -> str:
        text = self[term] = self.write(term)
        return text


#: A string's JSON form. ``JSONEncoder.encode`` of a ``str`` goes straight to the C string
#: encoder, where ``json.dumps`` of a term's dict costs ten times as much (a new encoder and
#: a walk of the dict each time): that was most of the time of writing a small answer.
_json_string = json.JSONEncoder(ensure_ascii=False).encode


def _json_fragment(term: Any) -> str:
    """``term`` as a SPARQL JSON results RDF term, the same as ``_json_term`` gives."""
    if isinstance(term, ox.NamedNode):
        return '{"type":"uri","value":' + _json_string(term.value) + "}"
    if isinstance(term, ox.Literal):
        text = '{"type":"literal","value":' + _json_string(term.value)
        if term.language:
            text += ',"xml:lang":' + _json_string(term.language)
        elif term.datatype.value != XSD_STRING:
            text += ',"datatype":' + _json_string(term.datatype.value)
        return text + "}"
    if isinstance(term, ox.BlankNode):
        return '{"type":"bnode","value":' + _json_string(term.value) + "}"
    return json.dumps(_json_term(term), ensure_ascii=False, separators=(",", ":"))


def _select(results: Any, media_type: str, max_rows: int) -> Answer:
    names = [v.value for v in results.variables]
    rows, truncated = _capped(iter(results), max_rows)
    if media_type in ("application/sparql-results+json", "application/json"):
        json_terms = _Fragments(_json_fragment)
        keys = [json.dumps(n, ensure_ascii=False) + ":" for n in names]
        bindings = ",".join(
            "{"
            + ",".join(
                key + json_terms[term]
                for key, term in zip(keys, row, strict=True)
                if term is not None
            )
            + "}"
            for row in rows
        )
        head = json.dumps({"vars": names}, ensure_ascii=False, separators=(",", ":"))
        body = f'{{"head":{head},"results":{{"bindings":[{bindings}]}}}}'.encode()
    elif media_type in ("application/sparql-results+xml", "application/xml"):
        xml_terms = _Fragments(_xml_term)
        opens = [f"<binding name={quoteattr(n)}>" for n in names]
        parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
        parts.append("<head>" + "".join(f"<variable name={quoteattr(n)}/>" for n in names))
        parts.append("</head><results>")
        for row in rows:
            parts.append("<result>")
            for start, term in zip(opens, row, strict=True):
                if term is not None:
                    parts.append(start + xml_terms[term] + "</binding>")
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        body = "".join(parts).encode()
    elif media_type == "text/csv":
        csv_terms = _Fragments(_csv_value)
        lines = [",".join(names)]
        lines += [",".join("" if t is None else csv_terms[t] for t in row) for row in rows]
        body = ("\r\n".join(lines) + "\r\n").encode()
    elif media_type == "text/tab-separated-values":
        tsv_terms = _Fragments(_tsv_value)
        lines = ["\t".join(f"?{n}" for n in names)]
        lines += ["\t".join("" if t is None else tsv_terms[t] for t in row) for row in rows]
        body = ("\n".join(lines) + "\n").encode()
    else:
        raise ValueError(f"cannot write SELECT results as {media_type}")
    return Answer(body, media_type, rows=len(rows), truncated=truncated)


def _boolean(value: bool, media_type: str) -> Answer:
    if media_type in ("application/sparql-results+xml", "application/xml"):
        body = (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    elif media_type in ("text/csv", "text/tab-separated-values"):
        body = b"true\n" if value else b"false\n"
    else:
        body = json.dumps({"head": {}, "boolean": value}).encode()
    return Answer(body, media_type, rows=1)


def _graph(results: Any, media_type: str, max_rows: int) -> Answer:
    """CONSTRUCT / DESCRIBE triples as ``media_type``, at most ``max_rows`` of them.

    Raises :class:`UnwritableGraph` (a ``ValueError``) when the syntax cannot carry the
    triples (JSON-LD and triple terms; RDF/XML and a predicate that does not end in an XML
    name): the SPARQL endpoint should answer it 406, with ``str(err)`` as the message.
    """
    triples, truncated = _capped(iter(results), max_rows)
    rdf_format = GRAPH_TYPES[media_type]
    if rdf_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        items: list[Any] = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
    else:
        items = writable(triples, rdf_format, offered=GRAPH_TYPES.values())
    body = ox.serialize(items, format=rdf_format) or b""
    return Answer(body, media_type, rows=len(triples), truncated=truncated)


#: Oxigraph's own writers for the SELECT media types.
_OXIGRAPH_RESULTS_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


#: What XML 1.0 cannot hold even as a character reference (``Char``, §2.2), in UTF-8: a
#: control character (these bytes never occur inside a longer UTF-8 sequence), U+FFFE, U+FFFF.
_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
XML_RESULTS = ("application/sparql-results+xml", "application/xml")


def write_results(
    results: object, media_type: str, *, max_rows: int, limit: int | None = None
) -> Answer:
    """Serialise a store's query ``results`` as ``media_type``, at most ``max_rows``
    rows/triples. ``limit`` is the query's own outermost LIMIT, if any: an Oxigraph SELECT
    answer bounded by it within ``max_rows`` is written by Oxigraph.

    Raises :class:`~kg.rdf.syntax_limits.UnwritableGraph` when the media type cannot carry the
    answer (e.g. XML results of a literal holding a control character)."""
    answer = _write(results, media_type, max_rows=max_rows, limit=limit)
    if media_type in XML_RESULTS and _NOT_XML.search(answer.body):
        raise UnwritableGraph(
            "This answer holds text with characters XML 1.0 forbids; ask for JSON, CSV or TSV"
        )
    return answer


def _write(results: object, media_type: str, *, max_rows: int, limit: int | None) -> Answer:
    if (
        limit is not None
        and limit <= max_rows
        and isinstance(results, ox.QuerySolutions)
        and media_type in _OXIGRAPH_RESULTS_FORMATS
    ):
        body = results.serialize(format=_OXIGRAPH_RESULTS_FORMATS[media_type])
        return Answer(bytes(body or b""), media_type, rows=None)
    if is_solutions(results):
        return _select(results, media_type, max_rows)
    if is_boolean(results):
        return _boolean(bool(results), media_type)
    if is_triples(results):
        return _graph(results, media_type, max_rows)
    raise TypeError(f"unexpected results {type(results).__name__}")


def offered_types(form: str) -> tuple[str, ...]:
    """The media types an answer to a query of ``form`` can be written in, preferred first."""
    if form == "SELECT":
        return SOLUTIONS_TYPES
    if form == "ASK":
        return BOOLEAN_TYPES
    return tuple(GRAPH_TYPES)
