"""What the projection knows of the MEA model beyond the ontology: which kinds people ask
about first, which predicates are bookkeeping, which point at web pages."""

from __future__ import annotations

__all__ = ["BOOKKEEPING_PREDICATES", "LINK_PREDICATES", "SEARCH_KIND_ORDER"]

#: Kinds listed first when several nodes match a search (the things people ask about).
SEARCH_KIND_ORDER = (
    "Agreement",
    "Centre",
    "Workplan",
    "Decision",
    "Meeting",
    "Party",
    "Country",
    "Organisation",
    "Committee",
    "Goal",
    "Target",
    "GBFIndicator",
    "Activity",
    "Outcome",
    "Project",
    "Event",
    "Output",
)

#: Predicates that say where a fact came from or which scheme a concept is in: true, but
#: they join everything in a document (or the whole GBF) through one hub, so shortest paths
#: and centrality leave them out unless asked.
BOOKKEEPING_PREDICATES = frozenset(
    {
        "mea:fromDocument",
        "prov:wasDerivedFrom",
        "skos:inScheme",
        "skos:topConceptOf",
        "skos:hasTopConcept",
        "dcterms:source",
        "rdfs:seeAlso",
    }
)

#: Predicates whose IRI objects are links to web pages, kept as node attributes (like
#: literals), not as nodes.
LINK_PREDICATES = frozenset({"rdfs:seeAlso", "foaf:page", "foaf:homepage"})
