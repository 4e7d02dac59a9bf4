"""kg.shacl.compiler: the SHACL shapes compiled into SPARQL.

- every shape of ``shapes/`` compiles, into queries Oxigraph accepts, one per constraint;
- the constraint components the shapes use are exactly the ones compiled;
- features that are not compiled raise ShapeCompileError at compile time, naming the shape;
- paths, targets and SHACL-SPARQL details keep pySHACL's meaning (small shapes, checked
  against pySHACL itself);
- the rewrites of SHACL-SPARQL text return the rows of the original.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH

import kg.shacl.model
from kg.shacl.compiler import compile_shapes, subclass_closure
from kg.shacl.in_store import validate_store
from kg.shacl.model import COMPONENTS, ShapeCompileError
from kg.shacl.shapes_graph import ShapesGraph
from kg.shacl.sparql_constraints import _conjuncts, _values_hint, optimise_body
from kg.shacl.validate import Finding, load_shapes, validate

ROOT = Path(__file__).resolve().parents[2]
MEA = Namespace("https://w3id.org/mea-kg/ontology#")
SHAPE = Namespace("https://w3id.org/mea-kg/shapes#")
EX = Namespace("http://example.org/")

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
"""


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "mea.ttl", format="turtle")


@pytest.fixture(scope="module")
def compiled(shapes: Graph, ontology: Graph) -> kg.shacl.model.CompiledShapes:
    return compile_shapes(shapes, subclass_of=ontology.subject_objects(RDFS.subClassOf))


def _turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def _store(data: Graph) -> ox.Store:
    store = ox.Store()
    store.load(
        data.serialize(format="nt").encode(),
        format=ox.RdfFormat.N_TRIPLES,
        to_graph=ox.NamedNode("urn:x-test:data"),
    )
    return store


def _blank(text: str | None) -> str | None:
    """Blank node labels differ between rdflib and Oxigraph: name them all alike."""
    return None if text is None else re.sub(r"_:\w+", "_:b", text)


def _normalised(findings: tuple[Finding, ...]) -> list[tuple[str, ...]]:
    return sorted(
        (
            _blank(f.focus) or "",
            f.path or "",
            _blank(f.value) or "",
            f.severity,
            _blank(f.message) or "",
            f.shape,
        )
        for f in findings
    )


def _agree(shapes: Graph, data: Graph) -> tuple[Finding, ...]:
    """Validate ``data`` with pySHACL and with the compiled queries; they must agree."""
    expected = validate(data, shapes=shapes)
    found = validate_store(_store(data), shapes, workers=1)
    assert _normalised(found.findings) == _normalised(expected.findings), (
        f"pySHACL:\n{expected.to_text()}\nstore:\n{found.to_text()}"
    )
    assert len(found.results_graph) == len(expected.results_graph)
    return found.findings


# ------------------------------------------------------------------ the project's shapes


def test_every_shape_compiles_into_queries_oxigraph_accepts(
    compiled: kg.shacl.model.CompiledShapes,
) -> None:
    assert len(compiled.queries) == 150
    empty = ox.Store()
    for query in compiled.queries:
        list(empty.query(query.sparql))  # raises on a syntax error
        if query.parents_sparql is not None:
            list(empty.query(query.parents_sparql))


def test_every_constraint_of_every_reached_shape_has_a_query(
    shapes: Graph, compiled: kg.shacl.model.CompiledShapes
) -> None:
    """Each (shape, constraint parameter) of a shape that pySHACL validates has a query:
    shapes with targets, and the property shapes they use."""
    targets = (SH.targetClass, SH.targetSubjectsOf, SH.target, SH.targetNode, SH.targetObjectsOf)
    reached = {s for t in targets for s in shapes.subjects(t, None)}
    reached |= {p for s in reached for p in shapes.objects(s, SH.property)}
    expected = {
        (shape, parameter)
        for shape in reached
        for parameter in shapes.predicates(shape, None)
        if parameter in COMPONENTS
    }
    assert len(expected) > 100
    by_component = {v: k for k, v in COMPONENTS.items()}
    by_component[SH.QualifiedMaxCountConstraintComponent] = SH.qualifiedValueShape
    found = {(q.shape, by_component[q.component]) for q in compiled.queries}
    missing = expected - found
    # minCount 0 needs no query; nothing else may be missing
    assert all(p == SH.minCount for _s, p in missing), sorted(missing)
    assert found <= expected


def test_the_shapes_use_only_compiled_constraint_parameters(
    shapes: Graph, compiled: kg.shacl.model.CompiledShapes
) -> None:
    used = {
        p
        for p in shapes.predicates(None, None)
        if p in ALL_CONSTRAINT_PARAMETERS and p != SH.property
    }
    companions = {SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount}
    assert used - companions <= set(COMPONENTS), sorted(used - set(COMPONENTS))
    assert compiled.components() == {
        SH.ClassConstraintComponent,
        SH.DatatypeConstraintComponent,
        SH.NodeKindConstraintComponent,
        SH.MinCountConstraintComponent,
        SH.MaxCountConstraintComponent,
        SH.MinInclusiveConstraintComponent,
        SH.PatternConstraintComponent,
        SH.InConstraintComponent,
        SH.HasValueConstraintComponent,
        SH.LessThanOrEqualsConstraintComponent,
        SH.QualifiedMinCountConstraintComponent,
        SH.QualifiedMaxCountConstraintComponent,
        SH.SPARQLConstraintComponent,
    }


def test_target_class_reaches_subclasses_through_the_given_hierarchy(shapes: Graph) -> None:
    [without] = [
        q
        for q in compile_shapes(shapes).queries
        if q.shape == SHAPE.ProtocolShape and q.component == SH.NodeKindConstraintComponent
    ]
    hierarchy = [(EX.SpecialProtocol, MEA.Protocol)]
    [with_sub] = [
        q
        for q in compile_shapes(shapes, subclass_of=hierarchy).queries
        if q.shape == SHAPE.ProtocolShape and q.component == SH.NodeKindConstraintComponent
    ]
    assert str(EX.SpecialProtocol) not in without.sparql
    assert f"<{EX.SpecialProtocol}>" in with_sub.sparql


def test_subclass_closure_is_transitive() -> None:
    closure = subclass_closure([(EX.B, EX.A), (EX.C, EX.B), (EX.D, EX.A)])
    assert closure[EX.A] == {EX.A, EX.B, EX.C, EX.D}
    assert closure[EX.B] == {EX.B, EX.C}


# ------------------------------------------------------------------ refused features

REFUSED = {
    "sh:node": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:node ex:T ; sh:message 'm' .",
    "sh:or": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:or ( ex:T ex:U ) ; sh:message 'm' .",
    "sh:closed": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true ; sh:message 'm' .",
    "sh:equals": """ex:S a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ;
        sh:equals ex:q ; sh:message 'm' .""",
    "sh:uniqueLang": """ex:S a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ;
        sh:uniqueLang true ; sh:message 'm' .""",
    "no sh:message": """ex:S a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ;
        sh:minCount 1 .""",
    "two severities": """ex:S a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ;
        sh:minCount 1 ; sh:message 'm' ; sh:severity sh:Warning , sh:Info .""",
    "custom component": """ex:Comp a sh:ConstraintComponent ; sh:parameter [ sh:path ex:size ] .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; ex:size 3 ; sh:message 'm' .""",
    "ASK validator": """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
        sh:sparql [ sh:ask "ASK { $this ?p ?o }" ] ; sh:message 'm' .""",
    "MINUS": """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:message 'm' ;
        sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o MINUS { $this a ex:D } }" ] .""",
    "GROUP BY": """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:message 'm' ;
        sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o } GROUP BY $this" ] .""",
    "sub-query": """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:message 'm' ;
        sh:sparql [ sh:select
            "SELECT $this WHERE { { SELECT $this WHERE { $this ?p ?o } } }" ] .""",
    "$shapesGraph": """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:message 'm' ;
        sh:sparql [ sh:select "SELECT $this WHERE { GRAPH $shapesGraph { ?s ?p ?o } }" ] .""",
    "nested shape with properties": """ex:S a sh:PropertyShape ; sh:targetClass ex:C ;
        sh:path ex:p ; sh:qualifiedValueShape ex:T ; sh:qualifiedMinCount 1 ; sh:message 'm' .
        ex:T a sh:NodeShape ; sh:property [ sh:path ex:q ; sh:minCount 1 ] .""",
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_features_that_are_not_compiled_raise_at_compile_time(case: str) -> None:
    with pytest.raises(ShapeCompileError) as raised:
        compile_shapes(_turtle(REFUSED[case]))
    message = str(raised.value)
    assert "<http://example.org/" in message or "ConstraintComponent" in message, message


def test_a_shape_without_focus_nodes_is_not_compiled() -> None:
    shapes = _turtle("ex:S a sh:PropertyShape ; sh:path ex:p ; sh:minCount 1 ; sh:message 'm' .")
    assert compile_shapes(shapes).queries == ()


def test_deactivated_shapes_and_constraints_are_skipped() -> None:
    shapes = _turtle("""
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:deactivated true ;
            sh:property ex:P ; sh:message 'm' ; sh:nodeKind sh:Literal .
        ex:P a sh:PropertyShape ; sh:path ex:p ; sh:minCount 1 ; sh:message 'm' .
        ex:T a sh:NodeShape ; sh:targetClass ex:C ; sh:message 'm' ;
            sh:sparql [ sh:select "SELECT $this WHERE { }" ; sh:deactivated true ] .
    """)
    assert compile_shapes(shapes).queries == ()


# ------------------------------------------------------------------ meaning, against pySHACL

PATH_SHAPES = """
ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ; sh:message "person" ;
    sh:property ex:parentOf , ex:grandchildName , ex:nameOrLabel , ex:ancestorKind , ex:spouse .
ex:parentOf a sh:PropertyShape ; sh:path [ sh:inversePath ex:child ] ; sh:maxCount 2 ;
    sh:class ex:Person ; sh:message "at most two parents, who are persons" .
ex:grandchildName a sh:PropertyShape ; sh:path ( ex:child ex:child ex:name ) ;
    sh:datatype xsd:string ; sh:message "grandchildren's names are strings" .
ex:nameOrLabel a sh:PropertyShape ; sh:path [ sh:alternativePath ( ex:name rdfs:label ) ] ;
    sh:minCount 1 ; sh:pattern "^[A-Z]" ; sh:message "a capitalised name" .
ex:ancestorKind a sh:PropertyShape ; sh:path [ sh:oneOrMorePath [ sh:inversePath ex:child ] ] ;
    sh:nodeKind sh:IRI ; sh:message "ancestors are IRIs" .
ex:spouse a sh:PropertyShape ; sh:path [ sh:zeroOrOnePath ex:spouse ] ; sh:maxCount 1 ;
    sh:message "one spouse" .
"""

PATH_DATA = """
ex:ann a ex:Person ; ex:name "Ann" ; ex:child ex:bob , ex:cid ; ex:spouse ex:dan .
ex:dan a ex:Person ; rdfs:label "dan" ; ex:child ex:bob .
ex:eve a ex:Person ; ex:child ex:bob .
ex:bob a ex:Person ; ex:name "Bob" ; ex:child ex:fay .
ex:cid a ex:Person .
ex:fay a ex:Person ; ex:name 42 .
ex:gus ex:child ex:fay .
_:anon ex:child ex:ann .
"""


def test_property_paths_mean_what_they_mean_to_pyshacl() -> None:
    findings = _agree(_turtle(PATH_SHAPES), _turtle(PATH_DATA))
    shapes = {f.shape.rsplit("/", 1)[-1] for f in findings}
    assert shapes == {"parentOf", "grandchildName", "nameOrLabel", "ancestorKind", "spouse"}
    grandchildren = [f for f in findings if f.shape.endswith("grandchildName")]
    assert {(f.focus, f.value) for f in grandchildren} == {
        (str(EX.ann), "42"),
        (str(EX.dan), "42"),
        (str(EX.eve), "42"),
    }
    assert grandchildren[0].path == f"<{EX.child}>/<{EX.child}>/<{EX.name}>"
    # zero-or-one: ann's values are ann herself and dan, one too many
    assert [f.focus for f in findings if f.shape.endswith("spouse")] == [str(EX.ann)]


def test_property_paths_become_sparql_property_paths() -> None:
    queries = compile_shapes(_turtle(PATH_SHAPES)).queries
    text = " ".join(q.sparql for q in queries)
    assert f"^(<{EX.child}>)" in text
    assert f"(<{EX.child}>/<{EX.child}>/<{EX.name}>)" in text
    assert f"(<{EX.name}>|<{RDFS.label}>)" in text
    assert f"(^(<{EX.child}>))+" in text
    assert f"(<{EX.spouse}>)?" in text


TARGET_SHAPES = """
<urn:x-test:prefixes> a owl:Ontology ;
    sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
ex:NodeTarget a sh:NodeShape ; sh:targetNode ex:ann , ex:nobody ; sh:message "node" ;
    sh:nodeKind sh:BlankNode .
ex:ObjectsTarget a sh:NodeShape ; sh:targetObjectsOf ex:child ; sh:message "objects" ;
    sh:class ex:Person .
ex:Thing a rdfs:Class , sh:NodeShape ; sh:message "implicit" ; sh:hasValue ex:ann .
ex:Ranked a sh:PropertyShape ; sh:message "ranked {?value}" ;
    sh:target [ a sh:SPARQLTarget ; sh:prefixes <urn:x-test:prefixes> ;
        sh:select "SELECT ?this WHERE { ?this ex:rank ?r }" ] ;
    sh:path ex:rank ; sh:minInclusive 1 ; sh:maxExclusive 10 ; sh:in ( 1 2 3 20 ) .
"""

TARGET_DATA = """
ex:ann a ex:Person , ex:Thing ; ex:child ex:bob , "text" ; ex:rank 3 .
ex:bob a ex:Thing ; ex:rank 0 , 20 , "x" .
ex:cid ex:rank 2.5 .
"""


def test_targets_mean_what_they_mean_to_pyshacl() -> None:
    findings = _agree(_turtle(TARGET_SHAPES), _turtle(TARGET_DATA))
    shapes = {f.shape.rsplit("/", 1)[-1] for f in findings}
    assert shapes == {"NodeTarget", "ObjectsTarget", "Thing", "Ranked"}
    assert {f.focus for f in findings if f.shape.endswith("NodeTarget")} == {
        str(EX.ann),
        str(EX.nobody),
    }


SPARQL_SHAPES = """
<urn:x-test:prefixes> a owl:Ontology ;
    sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
ex:OrphanShape a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:message "{$this} has no {?what} ({?missing})" ;
    sh:sparql [ sh:prefixes <urn:x-test:prefixes> ; sh:select '''
        SELECT $this ?what WHERE {
            FILTER NOT EXISTS { ?parent ex:child $this }
            BIND("parent" AS ?what)
        }''' ] .
ex:AgeShape a sh:PropertyShape ; sh:targetClass ex:Person ; sh:path ex:age ;
    sh:message "age {?value} of {$this} is below {?min}" ;
    sh:sparql [ sh:prefixes <urn:x-test:prefixes> ; sh:select '''
        SELECT $this ?value ?min WHERE {
            $this $PATH ?value .
            ?limit ex:minimumAge ?min .
            FILTER(?value < ?min && isLiteral(?value))
            FILTER NOT EXISTS { $this ex:exempt ?why . FILTER(?why = ?value) }
        }''' ] .
ex:LinkShape a sh:NodeShape ; sh:targetSubjectsOf ex:child ; sh:message "{?p} is text" ;
    sh:sparql [ sh:prefixes <urn:x-test:prefixes> ; sh:select '''
        SELECT $this ?path ?value ?p WHERE {
            $this ?path ?value .
            FILTER(isLiteral(?value) && ?path IN (ex:child, ex:spouse))
            BIND(STR(?path) AS ?p)
        }''' ] .
"""

SPARQL_DATA = """
ex:rules ex:minimumAge 18 .
ex:ann a ex:Person ; ex:age 40 ; ex:child ex:bob , "Robert" .
ex:bob a ex:Person ; ex:age 12 , 15 ; ex:exempt 15 .
ex:cid a ex:Person ; ex:spouse "Dora" ; ex:child ex:cid .
"""


def test_sparql_constraints_pre_bind_this_and_fill_messages_as_pyshacl() -> None:
    findings = _agree(_turtle(SPARQL_SHAPES), _turtle(SPARQL_DATA))
    assert sorted(f.message for f in findings) == [
        f"age 12 of {EX}bob is below 18",  # 15 is exempt: the NOT EXISTS sees ?value
        f"{EX}ann has no parent ({{?missing}})",  # an unbound variable stays as written
        f"{EX}child is text",
        f"{EX}spouse is text",
    ]
    [orphan] = [f for f in findings if f.shape.endswith("OrphanShape")]
    assert orphan.value == str(EX.ann)  # a node shape reports the focus node as the value


def test_a_property_shape_used_by_two_node_shapes_is_reported_twice() -> None:
    shapes = _turtle("""
        ex:A a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P ; sh:message "a" .
        ex:B a sh:NodeShape ; sh:targetClass ex:D ; sh:property ex:P ; sh:message "b" .
        ex:P a sh:PropertyShape ; sh:path ex:p ; sh:minCount 1 ; sh:message "p" .
    """)
    data = _turtle("ex:x a ex:C , ex:D . ex:y a ex:C .")
    _agree(shapes, data)
    report = validate_store(_store(data), shapes, workers=1)
    assert len(set(report.results_graph.subjects(RDF.type, SH.ValidationResult))) == 3


# ------------------------------------------------------------------ the SPARQL rewrites


def test_conjuncts_split_top_level_and_only() -> None:
    assert _conjuncts("isLiteral(?v) && ?p IN (ex:a, ex:b) && (?x || ?y && ?z)") == [
        "isLiteral(?v)",
        "?p IN (ex:a, ex:b)",
        "(?x || ?y && ?z)",
    ]
    assert _conjuncts('CONTAINS(?s, "a && b")') == ['CONTAINS(?s, "a && b")']


def test_values_hint_only_for_iris_bound_by_triples() -> None:
    assert (
        _values_hint("?p IN (ex:a, <http://x/b>)", "?s ?p ?o") == "VALUES ?p { ex:a <http://x/b> }"
    )
    assert _values_hint('?p IN (ex:a, "b")', "?s ?p ?o") == ""
    assert _values_hint("?q IN (ex:a)", "?s ?p ?o") == ""


REWRITTEN = [
    """?this ex:code ?raw .
       FILTER NOT EXISTS { ?i a ex:Indicator ; ex:notation ?n . FILTER(STR(?n) = STR(?raw)) }
       BIND(STR(?raw) AS ?value)""",
    """?this ex:code ?c ; ex:title ?raw .
       ?i a ex:Indicator ; ex:notation ?n ; ex:label ?l .
       FILTER(STR(?n) = STR(?c))
       FILTER(LCASE(?raw) != LCASE(?l) && ?this IN (ex:c1, ex:c2, ex:c3))
       BIND(?raw AS ?value)""",
    """FILTER NOT EXISTS { ?this a ex:Exempt }
       FILTER NOT EXISTS { ?this ex:code ?any }""",
]


@pytest.mark.parametrize("body", REWRITTEN)
def test_rewritten_bodies_return_the_rows_of_the_original(body: str) -> None:
    data = _turtle("""
        ex:i1 a ex:Indicator ; ex:notation "1.1" ; ex:label "Coverage" .
        ex:i2 a ex:Indicator ; ex:notation "2.1" ; ex:label "Area" .
        ex:c1 ex:code "1.1" ; ex:title "coverage" .
        ex:c2 ex:code "2.1" ; ex:title "Area (planned)" .
        ex:c3 ex:code "9.9" ; ex:title "Other" .
        ex:c4 ex:code "1.1" , "2.1" ; ex:title "x" .
        ex:c5 a ex:Exempt .
        ex:c6 ex:title "none" .
    """)
    store = _store(data)
    focus = "VALUES ?this { ex:c1 ex:c2 ex:c3 ex:c4 ex:c5 ex:c6 } "
    names = ShapesGraph(Graph(), {})
    rewritten = optimise_body(URIRef("urn:x-test:shape"), body, names.fresh)
    assert rewritten != body
    prefix = f"PREFIX ex: <{EX}>\n"

    def rows(where: str) -> set[tuple[str | None, ...]]:
        solutions = store.query(
            f"{prefix}SELECT DISTINCT ?this ?value WHERE {{ {focus} {where} }}",
            use_default_graph_as_union=True,
        )
        return {tuple(None if t is None else t.value for t in s) for s in solutions}  # type: ignore[union-attr]

    assert rows(rewritten) == rows(body)
    assert rows(body)
