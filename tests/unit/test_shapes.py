"""The SHACL shapes (shapes/*.ttl) and kg.shacl.validate, tested with paired fixtures.

- ``tests/data/shapes/valid/<Shape>-<case>.ttl`` must conform with no finding at all;
- ``tests/data/shapes/invalid/<Shape>-<case>.ttl`` starts with
  ``# must fail: <shape> <property> <severity>`` and must yield at least one finding of that
  severity from that shape (or one of its property shapes) on that property (``-``: any);
- every fixture is validated with the ontology and ``tests/data/shapes/context.ttl`` (a tiny
  GBF framework and the agreements) as context, as the build does with ``data/reference``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from kg.settings import Settings
from kg.shacl.validate import Finding, ValidationReport, load_shapes, validate

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "shapes"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
ONTOLOGY = ROOT / "ontology" / "mea.ttl"

MEA = Namespace("https://w3id.org/mea-kg/ontology#")
SHAPE = Namespace("https://w3id.org/mea-kg/shapes#")
ID = "https://w3id.org/mea-kg/id/"
PREFIXES = {
    "mea": str(MEA),
    "shape": str(SHAPE),
    "rdfs": str(RDFS),
    "skos": str(SKOS),
    "dcterms": "http://purl.org/dc/terms/",
}
HEADER = re.compile(r"^#\s*must fail:\s*(\S+)\s+(\S+)\s+(Violation|Warning|Info)\s*$")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


@pytest.fixture(scope="module")
def context() -> Graph:
    return Graph().parse(FIXTURES / "context.ttl", format="turtle")


def _expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    if prefix not in PREFIXES:
        raise ValueError(f"unknown prefix in {curie!r}; use one of {sorted(PREFIXES)}")
    return PREFIXES[prefix] + local


def _run(path: Path, shapes: Graph, ontology: Graph, context: Graph) -> ValidationReport:
    data = Graph().parse(path, format="turtle")
    return validate(data, shapes=shapes, ontology=ontology, context=context)


def _shapes_of(shapes: Graph, node_shape: URIRef) -> set[str]:
    """The shape itself and the property shapes it uses."""
    return {str(node_shape)} | {str(p) for p in shapes.objects(node_shape, SH.property)}


def _all_shapes(shapes: Graph) -> set[URIRef]:
    found: set = set()
    for kind in (SH.NodeShape, SH.PropertyShape):
        found |= set(shapes.subjects(RDF.type, kind))
    found |= set(shapes.subjects(SH.path, None))
    for link in (SH.property, SH.node, SH.qualifiedValueShape):
        found |= set(shapes.objects(None, link))
    for target in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode):
        found |= set(shapes.subjects(target, None))
    return found


# ------------------------------------------------------------------ paired fixtures


def test_fixture_folders_are_not_empty() -> None:
    assert VALID, f"no valid fixtures in {FIXTURES / 'valid'}"
    assert INVALID, f"no invalid fixtures in {FIXTURES / 'invalid'}"


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_conforms_without_warnings(
    path: Path, shapes: Graph, ontology: Graph, context: Graph
) -> None:
    report = _run(path, shapes, ontology, context)
    assert report.conforms, report.to_text()
    assert not report.warnings(), report.to_text()
    assert not report.findings, report.to_text()  # complete: not even an Info


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_fails_as_its_header_says(
    path: Path, shapes: Graph, ontology: Graph, context: Graph
) -> None:
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    match = HEADER.match(first_line)
    assert match, f"{path.name} must start with '# must fail: <shape> <property> <severity>'"
    shape_curie, property_curie, severity = match.groups()
    shape = URIRef(_expand(shape_curie))
    assert (shape, RDF.type, SH.NodeShape) in shapes, f"{shape_curie} is not a node shape"
    allowed = _shapes_of(shapes, shape)
    prop = None if property_curie == "-" else _expand(property_curie)

    report = _run(path, shapes, ontology, context)

    def matches(f: Finding) -> bool:
        on_path = prop is None or f.path == prop or (f.path is not None and f"<{prop}>" in f.path)
        return f.severity == severity and f.shape in allowed and on_path

    assert any(matches(f) for f in report.findings), (
        f"expected a {severity} from {shape_curie} on {property_curie}; got:\n{report.to_text()}"
    )
    if severity == "Violation":
        assert not report.conforms
    else:
        assert report.conforms, f"a {severity} must not reject the source:\n{report.to_text()}"


# ------------------------------------------------------------------ the shapes themselves


def test_every_shape_has_name_description_message_and_severity(shapes: Graph) -> None:
    missing = []
    for shape in _all_shapes(shapes):
        for prop in (SH.name, SH.description, SH.message, SH.severity):
            if shapes.value(shape, prop) is None:
                missing.append(f"{shape} has no {prop.n3(shapes.namespace_manager)}")
    assert not missing, "\n".join(sorted(missing))


def test_every_shape_has_a_readable_iri(shapes: Graph) -> None:
    anonymous = [s for s in _all_shapes(shapes) if not str(s).startswith(str(SHAPE))]
    assert not anonymous, f"shapes without a shape: IRI: {anonymous}"


def test_every_ontology_class_has_a_node_shape(shapes: Graph, ontology: Graph) -> None:
    classes = {
        c
        for c in ontology.subjects(RDF.type, OWL.Class)
        if isinstance(c, URIRef)
        and str(c).startswith(str(MEA))
        and ontology.value(c, SKOS.inScheme) is None  # concept-scheme members are values
    }
    assert classes
    missing = []
    for cls in sorted(classes):
        shape = SHAPE[f"{cls.removeprefix(str(MEA))}Shape"]
        if (shape, RDF.type, SH.NodeShape) not in shapes or (shape, SH.targetClass, cls) not in (
            shapes
        ):
            missing.append(f"{shape} with sh:targetClass {cls}")
    assert not missing, "missing node shapes:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    ("shape", "kind"),
    [("ObjectLinkShape", OWL.ObjectProperty), ("LiteralValueShape", OWL.DatatypeProperty)],
)
def test_link_and_literal_shapes_cover_every_property(
    shapes: Graph, ontology: Graph, shape: str, kind: URIRef
) -> None:
    properties = {p for p in ontology.subjects(RDF.type, kind) if str(p).startswith(str(MEA))}
    targets = set(shapes.objects(SHAPE[shape], SH.targetSubjectsOf))
    query = " ".join(
        str(shapes.value(c, SH.select)) for c in shapes.objects(SHAPE[shape], SH.sparql)
    )
    assert properties - targets == set(), f"{shape} misses targets"
    listed = {
        p for p in properties if re.search(rf"\bmea:{str(p).removeprefix(str(MEA))}\b", query)
    }
    assert properties - listed == set(), f"{shape}'s query misses properties"


def test_shapes_graph_is_well_formed_shacl(shapes: Graph) -> None:
    conforms, _graph, text = pyshacl.validate(
        Graph(), shacl_graph=shapes, meta_shacl=True, advanced=True, inference="none"
    )
    assert conforms, text


def test_shapes_dir_is_the_project_folders_by_default() -> None:
    shapes_dir = Settings(project_dir=ROOT).shapes_dir
    assert shapes_dir == ROOT / "shapes"
    assert sorted(shapes_dir.glob("*.ttl"))


def test_relative_folders_are_taken_from_the_project_folder(tmp_path: Path) -> None:
    settings = Settings(project_dir=tmp_path, store=Path("elsewhere/store"))
    assert settings.store == tmp_path / "elsewhere" / "store"
    assert settings.data_dir == tmp_path / "data"
    assert Settings(project_dir=tmp_path, store=ROOT).store == ROOT


# ------------------------------------------------------------------ behaviour of kg.shacl.validate

BAD_DECISION = """
@prefix mea: <https://w3id.org/mea-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/mea-kg/id/decision/BC-14-18> a mea:Decision ;
    rdfs:label "Technical assistance"@en ;
    mea:decisionCode "BC14/18" ;
    mea:underAgreement <https://w3id.org/mea-kg/id/agreement/basel> .
"""


def test_malformed_decision_code_names_node_property_and_expected_format(
    shapes: Graph, ontology: Graph
) -> None:
    report = validate(
        Graph().parse(data=BAD_DECISION, format="turtle"), shapes=shapes, ontology=ontology
    )
    assert not report.conforms
    [finding] = [f for f in report.violations() if f.path == str(MEA.decisionCode)]
    assert finding.focus == ID + "decision/BC-14-18"
    assert finding.value == "BC14/18"
    assert "BC14/18" in finding.message
    assert "BC-<meeting>/<number>" in finding.message
    assert "BC-14/18" in finding.message


def test_backslash_in_a_value_does_not_break_messages(shapes: Graph, ontology: Graph) -> None:
    # pySHACL fills {?var} in with re.sub, which fails on a backslash in any selected value:
    # the SHACL-SPARQL shapes report such a value with its backslashes shown as "∖".
    data = Graph().parse(data=BAD_DECISION.replace("BC14/18", "BC\\\\14"), format="turtle")
    [finding] = validate(data, shapes=shapes, ontology=ontology).violations()
    assert finding.value == "BC∖14"
    assert "Decision code BC∖14 does not follow" in finding.message


def test_context_is_looked_up_but_not_reported(shapes: Graph, ontology: Graph) -> None:
    context = Graph().parse(FIXTURES / "context.ttl", format="turtle")
    broken = URIRef("http://metadata.cbd.int/kmgbf/indicator_X.9")
    context.add((broken, RDF.type, MEA.GBFIndicator))  # no notation, no label: would violate
    claim = (FIXTURES / "valid" / "IndicatorClaimShape-official-title.ttl").read_text("utf-8")
    report = validate(
        Graph().parse(data=claim, format="turtle"),
        shapes=shapes,
        ontology=ontology,
        context=context,
    )
    assert report.findings == ()
    alone = validate(Graph().parse(data=claim, format="turtle"), shapes=shapes, ontology=ontology)
    assert [f.severity for f in alone.findings] == ["Warning"]  # 1.1 unknown without the GBF


def test_report_renderings(shapes: Graph, ontology: Graph) -> None:
    data = Graph().parse(FIXTURES / "invalid" / "TimeframeShape-end-before-start.ttl")
    report = validate(data, shapes=shapes, ontology=ontology)

    document = json.loads(report.to_json())
    assert document["conforms"] is False
    assert document["violations"] == len(report.violations()) >= 1
    assert document["warnings"] == len(report.warnings())
    assert {"focus", "path", "value", "severity", "message", "shape"} <= set(
        document["findings"][0]
    )

    text = report.to_text()
    assert text.startswith("Conforms: no (1 violation, 0 warnings, 0 infos)")
    assert "The timeframe ends before it starts" in text
    assert "node:     id:activity/fx-1" in text
    assert "property: mea:startDate" in text

    results = Graph().parse(data=report.to_turtle(), format="turtle")
    [conforms] = list(results.objects(None, SH.conforms))
    assert conforms == Literal(False)
    assert len(set(results.subjects(RDF.type, SH.ValidationResult))) == len(report.findings)


def test_warnings_do_not_reject(shapes: Graph, ontology: Graph, context: Graph) -> None:
    path = FIXTURES / "invalid" / "IndicatorClaimShape-code-not-in-framework.ttl"
    report = _run(path, shapes, ontology, context)
    assert report.conforms
    [warning] = report.warnings()
    assert warning.message == (
        "Indicator claim 20.1 matches no indicator of the GBF monitoring framework "
        "(decision 16/31): check the code, or keep it as a documented unofficial indicator"
    )


def test_subclasses_are_checked_without_the_ontology(shapes: Graph) -> None:
    data = Graph().parse(FIXTURES / "invalid" / "PartyShape-missing-alpha3.ttl")
    report = validate(data, shapes=shapes)
    assert any(f.path == str(MEA.iso3166Alpha3) for f in report.violations())


def test_caller_graphs_are_not_modified(shapes: Graph, ontology: Graph, context: Graph) -> None:
    data = Graph().parse(FIXTURES / "valid" / "ActivityShape-complete.ttl")
    sizes = (len(data), len(ontology), len(context))
    validate(data, shapes=shapes, ontology=ontology, context=context)
    assert (len(data), len(ontology), len(context)) == sizes


def test_load_shapes_needs_turtle_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_shapes(tmp_path)
