"""Reference data generated from the tables in ``data/reference/``: the GBF monitoring
framework (KMGBF IRIs reused, never re-minted) and countries (names and codes from
``pycountry``, never typed by hand). Hand-written reference Turtle is loaded beside these.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry
from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from kg.rdf.namespaces import CANONICAL_BASE, KMGBF, MEA, entity_iri

#: Role column of ``gbf-indicator-roles.csv`` -> the property linking goal/target to indicator.
ROLE_PROPERTIES = {
    "headline": MEA.hasHeadlineIndicator,
    "binary": MEA.hasBinaryIndicator,
    "component": MEA.hasComponentIndicator,
    "complementary": MEA.hasComplementaryIndicator,
}
GBF_SCHEME = URIRef(entity_iri(CANONICAL_BASE, "concept", "gbf"))


def _decision(key: str) -> URIRef:
    return URIRef(entity_iri(CANONICAL_BASE, "decision", key))


def _goal_or_target(code: str) -> URIRef:
    return KMGBF[f"goal_{code}"] if code.isalpha() else KMGBF[f"target_{code}"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def gbf_graph(reference_dir: Path) -> Graph:
    """Goals, targets and indicators with their roles per goal/target (decision 16/31)."""
    graph = Graph()
    graph.bind("mea", MEA)
    graph.bind("kmgbf", KMGBF)
    graph.add((GBF_SCHEME, RDF.type, SKOS.ConceptScheme))
    graph.add(
        (
            GBF_SCHEME,
            RDFS.label,
            Literal("Kunming-Montreal Global Biodiversity Framework", lang="en"),
        )
    )
    graph.add((GBF_SCHEME, DCTERMS.source, _decision("CBD-15-4")))
    for row in _rows(reference_dir / "gbf-goals-targets.csv"):
        node = URIRef(row["iri"])
        kind = MEA.Goal if row["kind"] == "goal" else MEA.Target
        graph.add((node, RDF.type, kind))
        graph.add((node, SKOS.notation, Literal(row["code"])))
        graph.add((node, SKOS.prefLabel, Literal(row["short_title_en"], lang="en")))
        label = f"{'Goal' if kind == MEA.Goal else 'Target'} {row['code']}"
        graph.add((node, RDFS.label, Literal(f"{label}: {row['short_title_en']}", lang="en")))
        graph.add((node, SKOS.inScheme, GBF_SCHEME))
        graph.add((node, DCTERMS.source, _decision("CBD-15-4")))
    for row in _rows(reference_dir / "gbf-indicator-roles.csv"):
        node = URIRef(row["iri"])
        graph.add((node, RDF.type, MEA.GBFIndicator))
        graph.add((node, SKOS.notation, Literal(row["indicator_code"])))
        graph.add((node, SKOS.prefLabel, Literal(row["title_en"], lang="en")))
        graph.add(
            (node, RDFS.label, Literal(f"{row['indicator_code']} {row['title_en']}", lang="en"))
        )
        graph.add((node, SKOS.inScheme, GBF_SCHEME))
        graph.add((node, DCTERMS.source, _decision("CBD-16-31")))
        graph.add((_goal_or_target(row["goal_or_target"]), ROLE_PROPERTIES[row["role"]], node))
    by_code = {str(o): s for s, o in graph.subject_objects(SKOS.notation)}
    for row in _rows(reference_dir / "gbf-indicator-changes.csv"):
        code, title = row["code"], row["title"]
        if code == "2.2":  # renumbered: the 15/5 code 2.2 is today's 2.1, same title
            graph.add((by_code["2.1"], MEA.formerCode, Literal("2.2")))
            graph.add((by_code["2.1"], DCTERMS.source, Literal(row["source"])))
        elif code in by_code:
            graph.add((by_code[code], MEA.formerTitle, Literal(title, lang="en")))
            graph.add((by_code[code], DCTERMS.source, Literal(row["source"])))
    return graph


def countries_graph(reference_dir: Path) -> Graph:
    """Every country the graph names, with ISO 3166-1 codes and names from ``pycountry``."""
    graph = Graph()
    graph.bind("mea", MEA)
    for row in _rows(reference_dir / "countries.csv"):
        country = pycountry.countries.get(alpha_3=row["alpha3"])
        if country is None:
            raise ValueError(f"countries.csv: {row['alpha3']!r} is not an ISO 3166-1 alpha-3 code")
        node = URIRef(entity_iri(CANONICAL_BASE, "party", country.alpha_3))
        graph.add((node, RDF.type, MEA.Country))
        name = getattr(country, "common_name", None) or country.name
        graph.add((node, RDFS.label, Literal(name, lang="en")))
        official = getattr(country, "official_name", None)
        if official and official != name:
            graph.add((node, SKOS.altLabel, Literal(official, lang="en")))
        if name != country.name:
            graph.add((node, SKOS.altLabel, Literal(country.name, lang="en")))
        graph.add((node, MEA.iso3166Alpha3, Literal(country.alpha_3)))
        graph.add((node, MEA.iso3166Alpha2, Literal(country.alpha_2)))
        graph.add((node, MEA.iso3166Numeric, Literal(country.numeric)))
        for agreement in filter(None, row["party_to"].split(";")):
            graph.add((node, RDF.type, MEA.Party))
            graph.add(
                (node, MEA.partyTo, URIRef(entity_iri(CANONICAL_BASE, "agreement", agreement)))
            )
        graph.add((node, DCTERMS.source, Literal(row["source"], datatype=XSD.string)))
    return graph
