"""The canonical query mix: what researchers ask of the graph, one query per shape.

Every engine gets byte-identical query text. Each query makes the engine do the whole job:
a join or aggregate without ``LIMIT`` is measured to its last row (a ``LIMIT`` lets an
engine stop after the first page, which measures a lookup, not a join).
``{activity}`` is filled with an activity IRI taken from the data.
"""

from __future__ import annotations

PREFIX = (
    "PREFIX mea: <https://w3id.org/mea-kg/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
)

#: name -> (kind, query).
QUERY_MIX: dict[str, tuple[str, str]] = {
    # Everything said about one activity: the entity page's first question.
    "lookup": ("lookup", "SELECT ?p ?o WHERE { <{activity}> ?p ?o }"),
    # Activity -> outcome -> GBF target -> headline indicator, all of them counted.
    "join-indicators": (
        "join",
        PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ?a mea:contributesToOutcome ?o . "
        "?o mea:contributesToTarget ?t . ?t mea:hasHeadlineIndicator ?i }",
    ),
    # Activities per Party through the centres serving it and their workplans.
    "join-party-activities": (
        "join",
        PREFIX + "SELECT ?party (COUNT(DISTINCT ?a) AS ?n) WHERE { ?centre mea:serves ?party . "
        "?centre mea:hasWorkplan ?w . ?w mea:hasActivity ?a } GROUP BY ?party",
    ),
    # How many things of each class.
    "aggregate-types": (
        "aggregate",
        "SELECT ?type (COUNT(*) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)",
    ),
    # Indicative budgets summed per currency.
    "aggregate-budget": (
        "aggregate",
        PREFIX + "SELECT ?currency (SUM(?v) AS ?total) (COUNT(*) AS ?n) WHERE { "
        "?a mea:indicativeBudget ?m . ?m mea:amount ?amount ; mea:currency ?currency "
        "BIND(xsd:decimal(?amount) AS ?v) } GROUP BY ?currency",
    ),
    # A label search, first page (the endpoint benchmark's name for the same text).
    "page-text": (
        "page",
        PREFIX + "SELECT ?s ?l WHERE { ?s rdfs:label ?l "
        'FILTER(CONTAINS(LCASE(STR(?l)), "capacity")) } LIMIT 100',
    ),
}

#: A query that finds an activity to look up.
FIND_ACTIVITY = (
    "SELECT ?a WHERE { ?a a <https://w3id.org/mea-kg/ontology#Activity> } ORDER BY ?a LIMIT 1"
)
