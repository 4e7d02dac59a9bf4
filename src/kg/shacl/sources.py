"""Validating one source document the way ``kg build`` and ``kg validate`` do: with the
project's shapes compiled to SPARQL (:mod:`kg.shacl.compiler`) and run in an in-memory
Oxigraph store (:func:`kg.shacl.in_store.validate_store`).

The report is pySHACL's (:func:`kg.shacl.validate.validate`, the oracle the tests compare
with on the seeds, the shape fixtures and generated data): the same findings, severities,
messages and conformance. Measured on the project's shapes, pySHACL took 13–45 s for the
five seed sources (about 90% of a build) and 346 s at 100k generated triples; the compiled
shapes take a second or two (docs/performance.md).

The store holds three named graphs: the source, the reference data it may look up
(``context``, never reported on) and the ontology's ``rdfs:subClassOf`` triples, which decide
what ``sh:targetClass`` and ``sh:class`` reach. The context and the hierarchy are loaded once;
each source replaces the one before it.

>>> from rdflib import Graph
>>> data = Graph().parse(format="turtle", data='''
...     @prefix mea: <https://w3id.org/mea-kg/ontology#> .
...     @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...     <https://w3id.org/mea-kg/id/decision/BC-14-18> a mea:Decision ;
...         rdfs:label "Technical assistance"@en ; mea:decisionCode "BC 14/18" ;
...         mea:underAgreement <https://w3id.org/mea-kg/id/agreement/basel> .''')
>>> report = SourceValidator().validate(data)
>>> report.conforms, len(report.violations())
(False, 1)
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import RDFS, Graph

from kg.shacl.in_store import compile_for, validate_store
from kg.shacl.model import CompiledShapes
from kg.shacl.validate import ValidationReport, load_shapes, union_of

__all__ = ["SourceValidator"]

#: The named graphs of the validation store.
_DATA = ox.NamedNode("urn:x-kg:validation:data")
_CONTEXT = ox.NamedNode("urn:x-kg:validation:context")
_HIERARCHY = ox.NamedNode("urn:x-kg:validation:class-hierarchy")
_SUBCLASS_OF = ox.NamedNode(str(RDFS.subClassOf))


def _load(store: ox.Store, graph: Graph, name: ox.NamedNode) -> None:
    if len(graph):
        store.load(
            graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES, to_graph=name
        )


class SourceValidator:
    """Validates sources against ``shapes`` (default: ``KG_SHAPES_DIR``), with ``context``
    looked up but not reported on and ``ontology``'s class hierarchy, as
    :func:`kg.shacl.validate.validate` takes them."""

    def __init__(
        self,
        *,
        shapes: Graph | None = None,
        ontology: Graph | None = None,
        context: Graph | None = None,
    ) -> None:
        self._shapes = load_shapes() if shapes is None else shapes
        self._ontology = ontology
        self._store = ox.Store()
        if context is not None:
            _load(self._store, union_of(context), _CONTEXT)
        hierarchy = Graph()
        if ontology is not None:
            for triple in ontology.triples((None, RDFS.subClassOf, None)):
                hierarchy.add(triple)
        _load(self._store, hierarchy, _HIERARCHY)
        self._compiled: CompiledShapes | None = None
        # One store, each source loaded in turn: one validation at a time (the server runs
        # them in threads).
        self._lock = threading.Lock()

    def validate(self, data: Graph) -> ValidationReport:
        """The report on ``data`` (a graph, or a dataset whose graphs are validated as one):
        findings on its own subjects only."""
        data = union_of(data)
        with self._lock:
            self._store.clear_graph(_DATA)
            _load(self._store, data, _DATA)
            return self._validate((None, RDFS.subClassOf, None) in data)

    def validate_triples(self, triples: Iterable[ox.Triple]) -> ValidationReport:
        """:meth:`validate` on pyoxigraph triples (no rdflib graph made: the build's way)."""
        triples = triples if isinstance(triples, list) else list(triples)
        declares_classes = any(t.predicate == _SUBCLASS_OF for t in triples)
        # Loaded as N-Triples written and parsed by Oxigraph: a pyoxigraph Quad object per
        # triple cost three times as long (1.3 s of an import's 10,000 rows). A parser gives
        # blank nodes fresh ids, so a document with any is loaded quad by quad, keeping them.
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        with self._lock:
            self._store.clear_graph(_DATA)
            if b"_:" in data:
                self._store.bulk_extend(
                    [ox.Quad(t.subject, t.predicate, t.object, _DATA) for t in triples]
                )
            else:
                self._store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=_DATA)
            return self._validate(declares_classes)

    def _validate(self, declares_classes: bool) -> ValidationReport:
        compiled = self._compiled
        if compiled is None or declares_classes:
            # A source that declares classes changes what the shapes reach: compiled for it
            # alone. Otherwise the hierarchy is the ontology's, and compiled once.
            compiled = compile_for(self._store, self._shapes, self._ontology)
            if not declares_classes:
                self._compiled = compiled
        return validate_store(self._store, workers=1, focus_graph=_DATA.value, compiled=compiled)


_SOURCE_LOCATOR = ox.NamedNode("https://w3id.org/mea-kg/ontology#sourceLocator")


def source_locators(triples: Iterable[ox.Triple], report: ValidationReport) -> dict[str, str]:
    """Where in its document each finding's focus node comes from, where the document says
    (``mea:sourceLocator``: "Programme of work table, rows 2 and 12"): focus IRI -> locator.
    A secretariat officer fixes the table row, not the triple.

    >>> from kg.shacl.validate import Finding, ValidationReport
    >>> a = ox.NamedNode("urn:x:a")
    >>> finding = Finding("urn:x:a", None, None, "Violation", "m", "urn:x:shape")
    >>> report = ValidationReport(findings=(finding,), results_graph=Graph())
    >>> source_locators([ox.Triple(a, _SOURCE_LOCATOR, ox.Literal("Table 1, row 3"))], report)
    {'urn:x:a': 'Table 1, row 3'}
    """
    focuses = {finding.focus for finding in report.findings}
    found: dict[str, list[str]] = {}
    for triple in triples:
        subject = triple.subject
        if (
            triple.predicate == _SOURCE_LOCATOR
            and isinstance(subject, ox.NamedNode)
            and subject.value in focuses
            and isinstance(triple.object, ox.Literal)
        ):
            found.setdefault(subject.value, []).append(triple.object.value)
    return {focus: "; ".join(sorted(locators)) for focus, locators in found.items()}
