"""kg.shacl.in_store against pySHACL (kg.shacl.validate): the same report, from a SPARQL store.

- every source of data/sources, validated as the build validates it (reference data as
  context, the ontology's class hierarchy), gives the findings of the build's pySHACL report;
- every shape fixture (tests/data/shapes) gives pySHACL's findings: one fixture per
  constraint component in the default run, all of them in the slow one;
- every fixture keeps its header's promise (valid: no finding; invalid: the named finding);
- an on-disk store validated by two worker processes gives the in-process report.

Findings are compared field by field (focus, path, value, shape, constraint component,
severity, message), with two differences that come from the store, not the validator:
blank node labels (rdflib's and Oxigraph's differ) and numeric literals, which Oxigraph
stores in canonical form (``-5.0`` is read back as ``-5``).
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH

from kg.bench.generate import write
from kg.build.inputs import load_inputs
from kg.rdf.terms import rdflib_graph
from kg.shacl.in_store import compile_for, count_focus_nodes, validate_store
from kg.shacl.model import CompiledShapes
from kg.shacl.sources import SourceValidator
from kg.shacl.validate import ValidationReport, _path, load_shapes, validate

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "shapes"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
HEADER = re.compile(r"^#\s*must fail:\s*(\S+)\s+(\S+)\s+(Violation|Warning|Info)\s*$")
MEA = Namespace("https://w3id.org/mea-kg/ontology#")
PREFIXES = {
    "mea": str(MEA),
    "shape": "https://w3id.org/mea-kg/shapes#",
    "rdfs": str(RDFS),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
}
DATA = "urn:x-test:data"

#: One invalid fixture per constraint component the shapes use (checked below), so that the
#: default run compares every kind of constraint with pySHACL.
ONE_PER_COMPONENT = [
    "ActivityShape-document-not-a-document",  # class
    "ActivityShape-label-not-english",  # qualified min count (nested languageIn)
    "ActivityShape-missing-document",  # min count
    "ActivityShape-status-without-need",  # SPARQL with $PATH
    "ActivityShape-two-english-labels",  # qualified max count
    "AgreementShape-blank-node",  # node kind, a blank focus node
    "AgreementShape-ecolex-format",  # pattern
    "CountShape-party-count-as-text",  # datatype, min inclusive
    "CountryShape-two-alpha3",  # max count, SPARQL
    "FundingStatusShape-missing-scheme",  # has value
    "IndicatorClaimShape-reconciliation-status-unknown",  # in
    "TimeframeShape-end-before-start",  # less than or equals
]


# ------------------------------------------------------------------ helpers


def _load(store: ox.Store, graph: Graph, name: str) -> None:
    store.load(
        graph.serialize(format="nt").encode(),
        format=ox.RdfFormat.N_TRIPLES,
        to_graph=ox.NamedNode(name),
    )


def _store(data: Graph, context: Graph | None, ontology: Graph) -> ox.Store:
    """The graph kg.shacl.validate.validate checks: data, context and the ontology's
    rdfs:subClassOf triples (added to the data by validate), each in a named graph."""
    store = ox.Store()
    _load(store, data, DATA)
    if context is not None:
        _load(store, context, "urn:x-test:context")
    hierarchy = Graph()
    for triple in ontology.triples((None, RDFS.subClassOf, None)):
        hierarchy.add(triple)
    _load(store, hierarchy, "urn:x-test:ontology")
    return store


def _canonical(value: object) -> str | None:
    """A value as compared: blank node labels dropped, numbers by value."""
    if value is None:
        return None
    if isinstance(value, BNode):
        return "_:b"
    if isinstance(value, Literal) and isinstance(value.value, Decimal | int | float):
        return f"{value.datatype}:{Decimal(str(value.value)).normalize()}"
    return re.sub(r"_:\w+", "_:b", str(value))


def _number(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return str(Decimal(text).normalize())
    except InvalidOperation:
        return re.sub(r"_:\w+", "_:b", text)


def _results(report: ValidationReport) -> Counter[tuple[str | None, ...]]:
    """The validation results of the report graph, every field, as a multiset."""
    g = report.results_graph
    found: Counter[tuple[str | None, ...]] = Counter()
    for result in g.subjects(RDF.type, SH.ValidationResult):
        path = g.value(result, SH.resultPath)
        messages = sorted(str(m) for m in g.objects(result, SH.resultMessage))
        found[
            (
                _canonical(g.value(result, SH.focusNode)),
                None if path is None else _path(g, path),
                _canonical(g.value(result, SH.value)),
                str(g.value(result, SH.sourceShape)),
                str(g.value(result, SH.sourceConstraintComponent)),
                str(g.value(result, SH.resultSeverity)),
                _canonical(" | ".join(messages)),
            )
        ] += 1
    return found


def _findings(report: ValidationReport) -> list[tuple[str | None, ...]]:
    return [
        (_number(f.focus), f.path, _number(f.value), f.severity, _number(f.message), f.shape)
        for f in report.findings
    ]


def _assert_same(expected: ValidationReport, found: ValidationReport) -> None:
    assert _results(found) == _results(expected), (
        f"pySHACL:\n{expected.to_text()}\nstore:\n{found.to_text()}"
    )
    assert sorted(_findings(found), key=str) == sorted(_findings(expected), key=str)
    assert found.conforms == expected.conforms
    assert found.summary() == expected.summary()


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "mea.ttl", format="turtle")


@pytest.fixture(scope="module")
def context() -> Graph:
    return Graph().parse(FIXTURES / "context.ttl", format="turtle")


@pytest.fixture(scope="module")
def compiled(shapes: Graph, ontology: Graph, context: Graph) -> CompiledShapes:
    """Compiled once for the fixtures' class hierarchy (the ontology's)."""
    return compile_for(_store(Graph(), context, ontology), shapes, ontology)


def _compare_fixture(path: Path, shapes: Graph, ontology: Graph, context: Graph) -> None:
    data = Graph().parse(path, format="turtle")
    expected = validate(data, shapes=shapes, ontology=ontology, context=context)
    store = _store(data, context, ontology)
    found = validate_store(store, shapes, ontology, workers=1, focus_graph=DATA)
    _assert_same(expected, found)


# ------------------------------------------------------------------ against pySHACL


def test_the_builds_report_on_every_source_is_pyshacls(built, shapes: Graph) -> None:  # type: ignore[no-untyped-def]
    """The build validates each source with the compiled shapes (kg.shacl.sources); pySHACL,
    the oracle, given the same source, context and class hierarchy, reports the same."""
    inputs = load_inputs(built.settings)
    context = rdflib_graph(inputs.reference_union())
    totals: Counter[str] = Counter()
    for name, triples in inputs.sources.items():
        expected = validate(
            rdflib_graph(triples), shapes=shapes, ontology=inputs.ontology, context=context
        )
        found = built.result.reports[name]
        _assert_same(expected, found)
        totals.update(f.severity for f in found.findings)
    assert len(inputs.sources) == 5
    assert totals["Violation"] == 0
    assert totals["Warning"] > 0 and totals["Info"] > 0  # real findings were compared


@pytest.mark.parametrize("name", ONE_PER_COMPONENT)
def test_the_source_validator_gives_pyshacls_report(
    name: str, shapes: Graph, ontology: Graph, context: Graph
) -> None:
    """What ``kg validate`` and the build run, one validator for many sources (the context
    and the class hierarchy loaded once), against pySHACL on a fixture per component."""
    validator = SourceValidator(shapes=shapes, ontology=ontology, context=context)
    validator.validate(Graph().parse(FIXTURES / "valid" / f"{VALID[0].stem}.ttl"))  # reused
    data = Graph().parse(FIXTURES / "invalid" / f"{name}.ttl", format="turtle")
    expected = validate(data, shapes=shapes, ontology=ontology, context=context)
    _assert_same(expected, validator.validate(data))


def test_the_listed_fixtures_cover_every_constraint_component(
    compiled: CompiledShapes, shapes: Graph, ontology: Graph, context: Graph
) -> None:
    components: set[str] = set()
    for name in ONE_PER_COMPONENT:
        data = Graph().parse(FIXTURES / "invalid" / f"{name}.ttl", format="turtle")
        report = validate_store(
            _store(data, context, ontology), workers=1, focus_graph=DATA, compiled=compiled
        )
        for result in report.results_graph.subjects(RDF.type, SH.ValidationResult):
            components.add(str(report.results_graph.value(result, SH.sourceConstraintComponent)))
    assert components == {str(c) for c in compiled.components()}


@pytest.mark.parametrize("name", ONE_PER_COMPONENT)
def test_one_fixture_per_component_gives_pyshacls_findings(
    name: str, shapes: Graph, ontology: Graph, context: Graph
) -> None:
    _compare_fixture(FIXTURES / "invalid" / f"{name}.ttl", shapes, ontology, context)


@pytest.mark.slow
@pytest.mark.parametrize("path", VALID + INVALID, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_fixture_gives_pyshacls_findings(
    path: Path, shapes: Graph, ontology: Graph, context: Graph
) -> None:
    _compare_fixture(path, shapes, ontology, context)


# ------------------------------------------------------------------ fixture headers


def _expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_has_no_finding(
    path: Path, compiled: CompiledShapes, ontology: Graph, context: Graph
) -> None:
    data = Graph().parse(path, format="turtle")
    report = validate_store(
        _store(data, context, ontology), workers=1, focus_graph=DATA, compiled=compiled
    )
    assert report.findings == (), report.to_text()


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_fails_as_its_header_says(
    path: Path, compiled: CompiledShapes, shapes: Graph, ontology: Graph, context: Graph
) -> None:
    match = HEADER.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert match, path.name
    shape_curie, property_curie, severity = match.groups()
    shape = URIRef(_expand(shape_curie))
    allowed = {str(shape)} | {str(p) for p in shapes.objects(shape, SH.property)}
    prop = None if property_curie == "-" else _expand(property_curie)
    data = Graph().parse(path, format="turtle")
    report = validate_store(
        _store(data, context, ontology), workers=1, focus_graph=DATA, compiled=compiled
    )
    assert any(
        f.severity == severity
        and f.shape in allowed
        and (prop is None or f.path == prop or (f.path is not None and f"<{prop}>" in f.path))
        for f in report.findings
    ), report.to_text()
    assert report.conforms == (severity != "Violation")


# ------------------------------------------------------------------ on disk, in parallel


def test_on_disk_store_with_two_workers_gives_the_in_process_report(tmp_path: Path) -> None:
    nquads = tmp_path / "gen.nq"
    write(nquads, triples=5_000, seed=3)
    memory = ox.Store()
    memory.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    disk = ox.Store(str(tmp_path / "store"))
    disk.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    disk.flush()
    del disk  # the workers open it read-only

    in_process = validate_store(memory, workers=1)
    parallel = validate_store(tmp_path / "store", workers=2)
    assert parallel.findings == in_process.findings
    assert _results(parallel) == _results(in_process)
    assert parallel.conforms
    claims = len(list(memory.quads_for_pattern(None, ox.NamedNode(str(MEA.claimedCode)), None)))
    assert 0 < len(parallel.warnings()) < claims  # claims not in the GBF framework

    compiled = compile_for(memory)
    assert count_focus_nodes(tmp_path / "store", compiled) == count_focus_nodes(memory, compiled)
    assert count_focus_nodes(memory, compiled) > 1_000
