"""The canonical query mix: what researchers ask of the graph, one query per shape.

Shared by ``kg bench`` and ``bench/endpoint_bench.py``. Every engine gets byte-identical
query text. ``join`` and ``aggregate`` queries make the engine use every solution; ``page``
queries have a ``LIMIT`` (an engine may stop after the first page, which measures
time-to-first-page, not a join). ``{activity}`` is filled with an activity IRI from the data.
"""

from __future__ import annotations

PREFIX = (
    "PREFIX mea: <https://w3id.org/mea-kg/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
)

#: name -> (kind, intent, query). ``{activity}`` is filled with an activity IRI from the data.
#: Kinds: ``lookup`` (one subject), ``page`` (the first rows of a larger answer: engines stop
#: early, so it measures time-to-first-page, not the whole work), ``join`` and ``aggregate``
#: (the engine must consume every solution), ``filter`` (a scan with a string test), ``trivial``.
#: Texts are written as a user would, in reading order, and are not tuned for either engine.
QUERY_MIX: dict[str, tuple[str, str, str]] = {
    "lookup": (
        "lookup",
        "Everything said about one activity (an entity page's first query).",
        "SELECT ?p ?o WHERE { <{activity}> ?p ?o }",
    ),
    "page-indicators": (
        "page",
        "The first 1,000 activity -> headline indicator pairs (a results page): both engines "
        "stop after 1,000 solutions, so this is a paged lookup, not a join benchmark.",
        PREFIX + "SELECT ?a ?i WHERE { ?a mea:contributesToOutcome ?o . "
        "?o mea:contributesToTarget ?t . ?t mea:hasHeadlineIndicator ?i } LIMIT 1000",
    ),
    "join-indicators": (
        "join",
        "How many activity -> outcome -> GBF target -> headline indicator paths there are: "
        "the same three-pattern join done in full (COUNT keeps the answer one row, so the "
        "join, not result writing, is timed).",
        PREFIX + "SELECT (COUNT(*) AS ?paths) WHERE { ?a mea:contributesToOutcome ?o . "
        "?o mea:contributesToTarget ?t . ?t mea:hasHeadlineIndicator ?i }",
    ),
    "join-party-activities": (
        "join",
        "For each Party, how many distinct activities are planned in workplans of the "
        "centres serving it: a three-pattern join, grouped.",
        PREFIX + "SELECT ?party (COUNT(DISTINCT ?a) AS ?n) WHERE { ?centre mea:serves ?party . "
        "?centre mea:hasWorkplan ?w . ?w mea:hasActivity ?a } GROUP BY ?party",
    ),
    "aggregate-types": (
        "aggregate",
        "How many resources of each type (a one-pattern GROUP BY over every rdf:type triple).",
        "SELECT ?type (COUNT(*) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)",
    ),
    "aggregate-budget": (
        "aggregate",
        "Total indicative budget per currency: a three-pattern join (activity -> amount node "
        "-> value and currency), the amount cast to xsd:decimal as sources may leave it "
        "untyped, then SUM and COUNT.",
        PREFIX + "SELECT ?currency (SUM(?v) AS ?total) (COUNT(*) AS ?n) WHERE { "
        "?a mea:indicativeBudget ?m . ?m mea:amount ?amount ; mea:currency ?currency "
        "BIND(xsd:decimal(?amount) AS ?v) } "
        "GROUP BY ?currency",
    ),
    "page-text": (
        "page",
        "The first 100 labels mentioning 'capacity' (a search box's first page): engines "
        "stop at the 100th match.",
        PREFIX + "SELECT ?s ?l WHERE { ?s rdfs:label ?l "
        'FILTER(CONTAINS(LCASE(STR(?l)), "capacity")) } LIMIT 100',
    ),
    "text-filter": (
        "filter",
        "How many labels mention 'capacity': the same string test over every label.",
        PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?l "
        'FILTER(CONTAINS(LCASE(STR(?l)), "capacity")) }',
    ),
    "trivial": ("trivial", "The cheapest query there is.", "ASK {}"),
}

#: A query that finds an activity to look up.
FIND_ACTIVITY = (
    "SELECT ?a WHERE { ?a a <https://w3id.org/mea-kg/ontology#Activity> } ORDER BY ?a LIMIT 1"
)
