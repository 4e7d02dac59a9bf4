"""Suggestions as an SSSOM mapping set (https://w3id.org/sssom/): the TSV with its metadata
block, and the same mappings as RDF (one ``sssom:Mapping`` each, in the SSSOM vocabulary), so
that they are never mistaken for the links documents assert (``mea:contributesToTarget``)."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from datetime import date

import pyoxigraph as ox

from kg import __version__
from kg.rdf.namespaces import CANONICAL_BASE, KMGBF, PREFIXES, RDF_TYPE
from kg.suggest.lexical import Suggestion

SSSOM = "https://w3id.org/sssom/"
SEMAPV = "https://w3id.org/semapv/vocab/"
#: How each method justifies its mappings (semapv).
JUSTIFICATIONS = {"lexical": "semapv:LexicalMatching"}
PREDICATE = "skos:relatedMatch"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
XSD = PREFIXES["xsd"]
COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "comment",
)


def curie_map(base: str = CANONICAL_BASE) -> dict[str, str]:
    return {
        "id": f"{base.rstrip('/')}/id/",
        "kmgbf": str(KMGBF),
        "skos": PREFIXES["skos"],
        "semapv": SEMAPV,
    }


def _curie(iri: str, base: str) -> str:
    for prefix, namespace in curie_map(base).items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def tool() -> str:
    return f"mea-kg kg suggest {__version__}"


def sssom_tsv(suggestions: Sequence[Suggestion], *, on: date, base: str = CANONICAL_BASE) -> str:
    """The mapping set as SSSOM/TSV: the metadata block (``#`` lines, YAML), then a row per
    suggestion."""
    lines = ["# curie_map:"]
    lines += [f"#   {prefix}: {namespace}" for prefix, namespace in curie_map(base).items()]
    lines += [
        f"# mapping_set_id: {base.rstrip('/')}/suggestions/{on.isoformat()}",
        "# mapping_set_description: Suggested alignments of activities, outputs, outcomes "
        "and workplans to Kunming-Montreal GBF targets; not asserted by any document",
        f"# license: {LICENSE}",
        f"# mapping_date: {on.isoformat()}",
        f"# mapping_tool: {tool()}",
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for s in suggestions:
        writer.writerow(
            (
                _curie(s.subject, base),
                s.subject_label,
                PREDICATE,
                _curie(s.target, base),
                s.target_label,
                JUSTIFICATIONS[s.method],
                f"{s.confidence:.4f}",
                f"{s.method} score {s.score:g}; matched: {', '.join(s.evidence)}",
            )
        )
    return "\n".join(lines) + "\n" + out.getvalue()


def sssom_triples(
    suggestions: Sequence[Suggestion], *, on: date, base: str = CANONICAL_BASE
) -> list[ox.Triple]:
    """The mappings as RDF: ``<…/suggestion/<hash>> a sssom:Mapping`` with the SSSOM slots."""

    def node(name: str) -> ox.NamedNode:
        return ox.NamedNode(SSSOM + name)

    triples: list[ox.Triple] = []
    for s in suggestions:
        digest = hashlib.sha256(f"{s.subject} {s.target} {s.method}".encode()).hexdigest()[:16]
        mapping = ox.NamedNode(f"{base.rstrip('/')}/id/suggestion/{digest}")
        justification = SEMAPV + JUSTIFICATIONS[s.method].split(":")[1]
        confidence = ox.Literal(f"{s.confidence:.4f}", datatype=ox.NamedNode(XSD + "double"))
        day = ox.Literal(on.isoformat(), datatype=ox.NamedNode(XSD + "date"))
        facts: list[tuple[str, ox.NamedNode | ox.Literal]] = [
            (RDF_TYPE, node("Mapping")),
            (SSSOM + "subject_id", ox.NamedNode(s.subject)),
            (SSSOM + "predicate_id", ox.NamedNode(PREFIXES["skos"] + "relatedMatch")),
            (SSSOM + "object_id", ox.NamedNode(s.target)),
            (SSSOM + "mapping_justification", ox.NamedNode(justification)),
            (SSSOM + "confidence", confidence),
            (SSSOM + "mapping_tool", ox.Literal(tool())),
            (SSSOM + "mapping_date", day),
            (SSSOM + "comment", ox.Literal(f"matched: {', '.join(s.evidence)}")),
        ]
        triples += [ox.Triple(mapping, ox.NamedNode(p), o) for p, o in facts]
    return triples
