"""MEA knowledge graph: build, validate, reason over and query a graph of multilateral
environmental agreements, their decisions, parties, centres, workplans and GBF links.

>>> from kg.rdf.namespaces import MEA
>>> str(MEA.Activity)
'https://w3id.org/mea-kg/ontology#Activity'
"""

from kg.settings import Settings, get_settings

__all__ = ["Settings", "__version__", "get_settings"]
__version__ = "0.1.0"
