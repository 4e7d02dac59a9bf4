"""SHACL validation of MEA graph data against the shapes in ``shapes/`` (DESIGN.md §2).

:func:`validate` runs pySHACL with SHACL-SPARQL enabled and turns its report into
:class:`Finding` objects an information officer can act on. pySHACL is the reference the
tests hold the compiled shapes to; what ``kg build`` and ``kg validate`` run is
:class:`kg.shacl.sources.SourceValidator`, which gives the same :class:`ValidationReport`.
Severity follows ``shapes/README.md``: ``Violation`` = the data is wrong and the source is rejected,
``Warning`` = should be fixed, ``Info`` = worth knowing. A report *conforms* when it has no
violation; warnings and infos are allowed.

Spec: SHACL, https://www.w3.org/TR/shacl/ (validation report: §3.6; SHACL-SPARQL: §5).

>>> from rdflib import Graph
>>> data = Graph().parse(format="turtle", data='''
...     @prefix mea: <https://w3id.org/mea-kg/ontology#> .
...     @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...     <https://w3id.org/mea-kg/id/decision/BC-14-18> a mea:Decision ;
...         rdfs:label "Technical assistance"@en ;
...         mea:decisionCode "BC 14/18" ;
...         mea:underAgreement <https://w3id.org/mea-kg/id/agreement/basel> .
... ''')
>>> report = validate(data)
>>> report.conforms
False
>>> [f.message for f in report.violations()]  # doctest: +NORMALIZE_WHITESPACE
['Decision code BC 14/18 does not follow the Basel Convention format: write it as
  BC-<meeting>/<number>, e.g. BC-14/18']
>>> report.to_text().splitlines()[0]
'Conforms: no (1 violation, 0 warnings, 0 infos)'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import pyshacl
from rdflib import BNode, ConjunctiveGraph, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Processor, Result
from rdflib.term import Identifier, Node

from kg.rdf.namespaces import CANONICAL_BASE, PREFIXES, SHAPES_NAMESPACE
from kg.settings import get_settings

__all__ = [
    "Finding",
    "ValidationReport",
    "load_shapes",
    "shorten_iri",
    "shorten_path",
    "union_of",
    "validate",
]

_SEVERITY_RANK: dict[str, int] = {"Violation": 0, "Warning": 1, "Info": 2}

#: Prefixes used to shorten IRIs in :meth:`ValidationReport.to_text` (longest match wins).
_TEXT_PREFIXES: dict[str, str] = {
    "id": f"{CANONICAL_BASE}/id/",
    "shape": SHAPES_NAMESPACE,
    **{
        name: PREFIXES[name]
        for name in ("mea", "kmgbf", "rdf", "rdfs", "xsd", "skos", "dcterms", "sh")
    },
}


@dataclass(frozen=True)
class Finding:
    """One SHACL validation result, flattened to strings.

    ``focus`` is the node the finding is about, ``path`` the property (a full IRI, or a
    SPARQL property path such as ``<a>|<b>`` for complex paths; ``None`` for node-level
    findings), ``value`` the offending value (lexical form of a literal or an IRI; ``None``
    when a value is missing), ``severity`` one of ``Violation``, ``Warning``, ``Info``,
    ``message`` what to do, and ``shape`` the IRI of the shape that produced it.
    """

    focus: str
    path: str | None
    value: str | None
    severity: str
    message: str
    shape: str


@dataclass(frozen=True)
class ValidationReport:
    """The findings of one validation run and the SHACL report graph they came from.

    ``results_graph`` is a ``sh:ValidationReport`` holding exactly the results behind
    ``findings``; its ``sh:conforms`` is :attr:`conforms` (no violation), as pySHACL reports
    it with ``allow_warnings``.
    """

    findings: tuple[Finding, ...]
    results_graph: Graph = field(compare=False, repr=False)

    @property
    def conforms(self) -> bool:
        """True iff no finding is a ``Violation`` (warnings and infos are allowed)."""
        return not self.violations()

    def violations(self) -> tuple[Finding, ...]:
        """The findings of severity ``Violation``: the data is wrong."""
        return self._of("Violation")

    def warnings(self) -> tuple[Finding, ...]:
        """The findings of severity ``Warning``: should be fixed."""
        return self._of("Warning")

    def infos(self) -> tuple[Finding, ...]:
        """The findings of severity ``Info``: worth knowing."""
        return self._of("Info")

    def _of(self, severity: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == severity)

    def summary(self) -> str:
        """One line: whether the data conforms and how many findings of each severity."""
        v, w, i = len(self.violations()), len(self.warnings()), len(self.infos())
        return (
            f"Conforms: {'yes' if self.conforms else 'no'} "
            f"({_plural(v, 'violation')}, {_plural(w, 'warning')}, {_plural(i, 'info')})"
        )

    def to_text(self) -> str:
        """A plain-text report: the summary line, then one block per finding.

        Each block gives the severity, the node, the property, the value, the message and
        the shape, with well-known IRIs shortened (``id:``, ``mea:``, ``shape:`` ...).
        """
        blocks = [self.summary()]
        for f in self.findings:
            lines = [
                f.severity,
                f"  node:     {shorten_iri(f.focus)}",
                f"  property: {shorten_path(f.path) if f.path is not None else '-'}",
                f"  value:    {shorten_iri(f.value) if f.value is not None else '-'}",
                f"  message:  {f.message}",
                f"  shape:    {shorten_iri(f.shape)}",
            ]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks) + "\n"

    def to_json(self) -> str:
        """A JSON report: ``{"conforms", "violations", "warnings", "infos", "findings"}``.

        ``violations``, ``warnings`` and ``infos`` are counts; ``findings`` lists every
        finding as an object with the fields of :class:`Finding`.
        """
        document = {
            "conforms": self.conforms,
            "violations": len(self.violations()),
            "warnings": len(self.warnings()),
            "infos": len(self.infos()),
            "findings": [asdict(f) for f in self.findings],
        }
        return json.dumps(document, indent=2, ensure_ascii=False)

    def to_turtle(self) -> str:
        """The SHACL validation report graph (``results_graph``) as Turtle."""
        return self.results_graph.serialize(format="turtle")


def load_shapes(shapes_dir: Path | None = None) -> Graph:
    """Parse every ``*.ttl`` file of ``shapes_dir`` (default: ``KG_SHAPES_DIR``) into one graph.

    The files are one set: SHACL-SPARQL constraints in every file take their prefixes from
    the declarations in ``common.ttl``, so load the folder as a whole.

    :raises FileNotFoundError: when the folder is missing or holds no ``.ttl`` file.
    """
    folder = get_settings().shapes_dir if shapes_dir is None else Path(shapes_dir)
    files = sorted(folder.glob("*.ttl")) if folder.is_dir() else []
    if not files:
        raise FileNotFoundError(f"no SHACL shapes (*.ttl) in {folder}")
    shapes = Graph()
    for path in files:
        shapes.parse(path, format="turtle")
    for prefix, namespace in _TEXT_PREFIXES.items():
        shapes.bind(prefix, namespace, override=False)
    return shapes


def validate(
    data: Graph,
    *,
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    context: Graph | None = None,
) -> ValidationReport:
    """Validate ``data`` against ``shapes`` (default: :func:`load_shapes`).

    - ``ontology``: the OWL model. Its ``rdfs:subClassOf`` triples are added to the graph
      being validated so that ``sh:targetClass`` and ``sh:class`` reach subclasses (no other
      inference is run: pySHACL is called with ``inference="none"``). The shapes also list
      subclasses as explicit targets, so validation without the ontology checks the same.
    - ``context``: reference triples (GBF goals, targets and indicators, agreements,
      countries ...) that constraints may look up but that are not themselves reported.
      The graph validated is ``data`` ∪ ``context``, and only findings whose focus node is a
      subject of a triple in ``data`` are kept (the report graph is cut down to match).

    ``data`` may be a ``Dataset``/``ConjunctiveGraph``: the triples of all its graphs are
    validated together. The caller's graphs are never modified.

    pySHACL runs with ``advanced=True`` (SHACL-SPARQL constraints and targets) and
    ``allow_warnings=True``; :attr:`ValidationReport.conforms` is True iff there is no
    ``Violation``.

    :raises ValueError: when pySHACL cannot run the shapes (e.g. a malformed SPARQL constraint).
    """
    shapes_graph = load_shapes() if shapes is None else shapes
    data_graph = _PreparedQueryGraph()
    _add_triples(data_graph, data)
    reported: set[Node] | None = None
    if context is not None:
        reported = set(data_graph.subjects(unique=True))
        _add_triples(data_graph, context)
    if ontology is not None:
        for sub, sup in _triples_pairs(ontology, RDFS.subClassOf):
            data_graph.add((sub, RDFS.subClassOf, sup))

    _conforms, raw_results, _text = pyshacl.validate(
        data_graph,
        shacl_graph=shapes_graph,
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=True,
    )
    if not isinstance(raw_results, Graph):  # pySHACL's ValidationFailure: the shapes are broken
        raise ValueError(f"SHACL validation could not run: {raw_results}")
    results = cast(Graph, raw_results)

    kept: list[tuple[Finding, Node]] = []
    for result in results.subjects(RDF.type, SH.ValidationResult, unique=True):
        focus = results.value(result, SH.focusNode)
        if focus is None or (reported is not None and focus not in reported):
            continue
        kept.append((_finding(results, result, focus), result))

    kept.sort(key=lambda pair: _sort_key(pair[0]))
    findings = tuple(dict.fromkeys(f for f, _ in kept))
    conforms = not any(f.severity == "Violation" for f in findings)
    report_graph = _report_graph(results, [node for _, node in kept], conforms=conforms)
    return ValidationReport(findings=findings, results_graph=report_graph)


# --------------------------------------------------------------------------- helpers


class _PreparedQueryGraph(Graph):
    """An in-memory graph that parses and translates each SPARQL text only once.

    pySHACL sends the text of a SHACL-SPARQL constraint to ``query`` once per focus node,
    with ``$this`` pre-bound through ``initBindings``. rdflib would parse the text every time
    (about 0.1-0.3 s each with pyparsing), which made validating a source take minutes; a
    prepared query is the rdflib-documented way to run one text with many bindings.
    """

    def __init__(self) -> None:
        super().__init__()
        self._prepared: dict[tuple[str, tuple[tuple[str, str], ...]], Query] = {}

    def query(
        self,
        query_object: str | Query,
        processor: str | Processor = "sparql",
        result: str | type[Result] = "sparql",
        initNs: Mapping[str, Any] | None = None,
        initBindings: Mapping[str, Identifier] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Result:
        if isinstance(query_object, str) and processor == "sparql" and not kwargs:
            namespaces = dict(initNs) if initNs else dict(self.namespaces())
            key = (query_object, tuple(sorted((k, str(v)) for k, v in namespaces.items())))
            prepared = self._prepared.get(key)
            if prepared is None:
                prepared = prepareQuery(query_object, initNs=namespaces)
                self._prepared[key] = prepared
            query_object = prepared
        return super().query(
            query_object,
            processor,
            result,
            initNs,
            initBindings,
            use_store_provided,
            **kwargs,
        )


def union_of(graph: Graph) -> Graph:
    """``graph`` itself, or for a dataset a graph of the triples of all its graphs."""
    if not isinstance(graph, ConjunctiveGraph):
        return graph
    union = Graph()
    _add_triples(union, graph)
    return union


def _add_triples(target: Graph, source: Graph) -> None:
    """Add every triple of ``source`` (of all its graphs, for a dataset) to ``target``."""
    if isinstance(source, ConjunctiveGraph):
        for s, p, o, _g in source.quads((None, None, None, None)):
            target.add((s, p, o))
    else:
        for triple in source:
            target.add(triple)
    for prefix, namespace in source.namespaces():
        target.bind(prefix, namespace, override=False)


def _triples_pairs(graph: Graph, predicate: URIRef) -> Iterator[tuple[Node, Node]]:
    for s, _p, o in graph.triples((None, predicate, None)):
        yield s, o


def _finding(results: Graph, result: Node, focus: Node) -> Finding:
    path = results.value(result, SH.resultPath)
    value = results.value(result, SH.value)
    severity = results.value(result, SH.resultSeverity)
    shape = results.value(result, SH.sourceShape)
    return Finding(
        focus=_term(focus),
        path=None if path is None else _path(results, path),
        value=None if value is None else _term(value),
        severity=_local_name(severity) if severity is not None else "Violation",
        message=_message(results, result),
        shape=_term(shape) if shape is not None else "",
    )


def _message(results: Graph, result: Node) -> str:
    """The result's message: the English one if tagged, else the first; a fallback if none."""
    messages = sorted(
        (m for m in results.objects(result, SH.resultMessage) if isinstance(m, Literal)),
        key=lambda m: (m.language not in (None, "en"), str(m)),
    )
    if messages:
        return str(messages[0])
    component = results.value(result, SH.sourceConstraintComponent)
    name = _local_name(component) if component is not None else "constraint"
    return f"Fix the value to satisfy {name}"


def _term(node: Node) -> str:
    if isinstance(node, URIRef | Literal):
        return str(node)
    return node.n3()


def _local_name(node: Node) -> str:
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _path(graph: Graph, node: Node) -> str:
    """A SHACL property path (SHACL §2.3.1) as a string: an IRI as is, a complex path in
    SPARQL property-path syntax with IRIs in angle brackets."""
    if isinstance(node, URIRef):
        return str(node)
    return _path_expr(graph, node)


def _path_expr(graph: Graph, node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    unary: dict[URIRef, str] = {
        SH.inversePath: "^{}",
        SH.zeroOrMorePath: "({})*",
        SH.oneOrMorePath: "({})+",
        SH.zeroOrOnePath: "({})?",
    }
    for predicate, template in unary.items():
        inner = graph.value(node, predicate)
        if inner is not None:
            return template.format(_path_expr(graph, inner))
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_path_expr(graph, n) for n in Collection(graph, alternatives))
    if graph.value(node, RDF.first) is not None:
        return "/".join(_path_expr(graph, n) for n in Collection(graph, node))
    return node.n3()


def _sort_key(finding: Finding) -> tuple[int, str, str, str, str, str]:
    return (
        _SEVERITY_RANK.get(finding.severity, len(_SEVERITY_RANK)),
        finding.focus,
        finding.path or "",
        finding.shape,
        finding.message,
        finding.value or "",
    )


def _report_graph(results: Graph, kept: Iterable[Node], *, conforms: bool) -> Graph:
    """A ``sh:ValidationReport`` holding the ``kept`` results of ``results`` and everything
    they reference through blank nodes (paths, anonymous shapes, nested details)."""
    report_graph = Graph()
    for prefix, namespace in results.namespaces():
        report_graph.bind(prefix, namespace, override=False)
    report_graph.bind("sh", SH)
    for short, long in _TEXT_PREFIXES.items():
        report_graph.bind(short, long, override=False)
    report = BNode()
    report_graph.add((report, RDF.type, SH.ValidationReport))
    report_graph.add((report, SH.conforms, Literal(conforms)))
    seen: set[Node] = set()
    for result in kept:
        report_graph.add((report, SH.result, result))
        _copy_description(results, report_graph, result, seen)
    return report_graph


def _copy_description(source: Graph, target: Graph, node: Node, seen: set[Node]) -> None:
    """Copy the triples about ``node`` and, recursively, about the blank nodes it uses."""
    if node in seen:
        return
    seen.add(node)
    for _s, p, o in source.triples((node, None, None)):
        target.add((node, p, o))
        if isinstance(o, BNode):
            _copy_description(source, target, o, seen)


def shorten_iri(text: str) -> str:
    """``text`` with its longest known namespace written as a prefix (``id:``, ``mea:``,
    ``shape:`` …), for reports people read.

    >>> shorten_iri("https://w3id.org/mea-kg/id/party/UZB")
    'id:party/UZB'
    """
    best = ""
    for prefix, namespace in _TEXT_PREFIXES.items():
        if text.startswith(namespace) and len(namespace) > len(_TEXT_PREFIXES.get(best, "")):
            best = prefix
    if not best:
        return text
    return f"{best}:{text[len(_TEXT_PREFIXES[best]) :]}"


def shorten_path(path: str) -> str:
    """Shorten an IRI, or each ``<IRI>`` of a SPARQL property path."""
    if not path.startswith(("<", "^", "(")):
        return shorten_iri(path)
    return re.sub(
        r"<([^<>]*)>",
        lambda m: shorten_iri(m.group(1)) if shorten_iri(m.group(1)) != m.group(1) else m.group(0),
        path,
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
