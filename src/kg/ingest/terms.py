"""The ontology's terms as plain strings, for code that makes many triples (an import's
rows): rdflib's ``Namespace`` builds a new ``URIRef`` on every attribute access."""

from __future__ import annotations

from kg.rdf.namespaces import MEA


class _Terms:
    """``mea.hasActivity`` -> "https://w3id.org/mea-kg/ontology#hasActivity", remembered."""

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        iri = str(MEA[name])
        setattr(self, name, iri)
        return iri


mea = _Terms()
