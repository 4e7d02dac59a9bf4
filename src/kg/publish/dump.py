"""The linked-data export: every named graph of the built store, plus a graph of links to the
vocabularies others publish, plus a DCAT / VoID description of the dump; deterministic,
sorted output in the format a registry entry names.

* ``<base>/graph/export/links`` - decisions as ELI legal resources with DCTERMS identifier and
  title (ELI, https://op.europa.eu/en/web/eu-vocabularies/eli); GBF goals, targets and
  indicators as SKOS concepts under the CBD Secretariat's KMGBF IRIs with ``skos:related``
  between a target and its indicators; treaties linked to their InforMEA treaty page and
  ECOLEX record; subject terms linked (``skos:closeMatch``) to the LEO concept with the same
  English label, the LEO label stated exactly (``kg.publish.informea.leo.leo_match``).
* ``<base>/graph/export/description`` - ``dcat:Dataset`` / ``void:Dataset`` with licence,
  version, build date, triples in total and per named graph (VoID,
  https://www.w3.org/TR/void/; DCAT 3, https://www.w3.org/TR/vocab-dcat-3/). It counts every
  other graph of the dump, not itself.

Provenance is kept: one named graph per source document and reference table, as built, with
``mea:fromDocument`` / ``prov:wasDerivedFrom`` on every entity. Formats without named graphs
(Turtle, N-Triples) carry the union of the graphs.

>>> sorted(FORMATS)
['jsonld', 'nq', 'nt', 'trig', 'ttl']
>>> FORMATS["nq"].media_type
'application/n-quads'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from kg import __version__
from kg.build.snapshot import Manifest, read_manifest
from kg.publish.informea.leo import LEO_SCHEME, leo_match, subject_terms
from kg.query.execute import execute
from kg.rdf.namespaces import (
    ALIGNED_PREFIXES,
    DATASET_PREFIXES,
    PREFIXES,
    entity_iri,
    graph_iri,
)
from kg.rdf.syntax_limits import check_writable
from kg.settings import Settings
from kg.stores.base import GraphStore, is_solutions, is_triples

#: The prefixes the dump is written with: the project's (less SHACL, which it does not use),
#: the aligned vocabularies it links to, and those of its own description.
EXPORT_PREFIXES: dict[str, str] = {
    **{k: v for k, v in PREFIXES.items() if k != "sh"},
    **{k: ALIGNED_PREFIXES[k] for k in ("eli", "schema")},
    **DATASET_PREFIXES,
}
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
XSD = PREFIXES["xsd"]
INFORMEA_TREATY = "https://www.informea.org/en/treaties/{}"
ECOLEX_TREATY = "https://www.ecolex.org/details/treaty/{}/"


def _n(prefixed: str) -> ox.NamedNode:
    """``"dcat:Dataset"`` -> the IRI, with :data:`EXPORT_PREFIXES`."""
    prefix, local = prefixed.split(":", 1)
    return ox.NamedNode(EXPORT_PREFIXES[prefix] + local)


# ----------------------------------------------------------------------------- writers


def _sorted_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    return sorted(
        set(quads),
        key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)),
    )


def _triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The union of the graphs, each triple once, sorted."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _lines(data: bytes) -> bytes:
    """Sorted lines (N-Triples and N-Quads escape newlines, so one statement is one line)."""
    lines = sorted({line for line in data.decode("utf-8").splitlines() if line.strip()})
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_nt(quads: Sequence[ox.Quad]) -> bytes:
    return _lines(ox.serialize(_triples(quads), format=ox.RdfFormat.N_TRIPLES) or b"")


def write_nq(quads: Sequence[ox.Quad]) -> bytes:
    return _lines(ox.serialize(_sorted_quads(quads), format=ox.RdfFormat.N_QUADS) or b"")


def _sorted_prefixes(data: bytes) -> bytes:
    """The ``@prefix`` block in prefix order, so the bytes never depend on the serialiser's
    internal map order."""
    lines = data.decode("utf-8").split("\n")
    head = [line for line in lines if line.startswith("@prefix ")]
    body = lines[len(head) :]
    return "\n".join(sorted(head) + body).encode("utf-8")


def write_ttl(quads: Sequence[ox.Quad]) -> bytes:
    data = ox.serialize(_triples(quads), format=ox.RdfFormat.TURTLE, prefixes=EXPORT_PREFIXES)
    return _sorted_prefixes(data or b"")


def write_trig(quads: Sequence[ox.Quad]) -> bytes:
    data = ox.serialize(_sorted_quads(quads), format=ox.RdfFormat.TRIG, prefixes=EXPORT_PREFIXES)
    return _sorted_prefixes(data or b"")


#: The syntaxes that carry every graph the store can hold (RDF 1.2 triple terms included).
_CARRY_ALL = (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)


def write_jsonld(quads: Sequence[ox.Quad]) -> bytes:
    """Expanded JSON-LD 1.1 (no context, so nothing to fetch), one named graph per
    ``@graph`` object, nodes and properties in sorted order.

    JSON-LD cannot carry RDF 1.2 triple terms (which a writer may have uploaded): then
    :class:`kg.rdf.syntax_limits.UnwritableGraph` (a ``ValueError``), whose message names the
    formats
    that can, rather than Oxigraph's ``OSError``.
    """
    check_writable(quads, ox.RdfFormat.JSON_LD, what="This graph", offered=_CARRY_ALL)
    return ox.serialize(_sorted_quads(quads), format=ox.RdfFormat.JSON_LD) or b""


@dataclass(frozen=True)
class ExportFormat:
    """One serialisation of the dump: its RDF syntax and writer; its name, media type and
    file extension are the syntax's own (pyoxigraph's)."""

    rdf_format: ox.RdfFormat
    datasets: bool  # keeps the named graphs (else: the union of the graphs)
    writer: Callable[[Sequence[ox.Quad]], bytes]

    @property
    def name(self) -> str:
        return self.rdf_format.file_extension

    @property
    def media_type(self) -> str:
        return self.rdf_format.media_type

    @property
    def extension(self) -> str:
        return self.rdf_format.file_extension


#: ``--format`` -> how to write it, in the order offered when a client has no preference.
#: Add an entry to offer another serialisation.
FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(ox.RdfFormat.TURTLE, False, write_ttl),
        ExportFormat(ox.RdfFormat.N_TRIPLES, False, write_nt),
        ExportFormat(ox.RdfFormat.N_QUADS, True, write_nq),
        ExportFormat(ox.RdfFormat.TRIG, True, write_trig),
        ExportFormat(ox.RdfFormat.JSON_LD, True, write_jsonld),
    )
}


class ExportError(ValueError):
    """An export that cannot be made (unknown format); ``str(err)`` is for users. (A format
    that cannot carry the graph is :class:`~kg.rdf.syntax_limits.UnwritableGraph` instead.)"""


def get_format(name: str) -> ExportFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise ExportError(
            f"unknown export format {name!r}: use one of {', '.join(sorted(FORMATS))}"
        ) from None


# ----------------------------------------------------------------------------- links


def _construct(store: GraphStore, query: str) -> list[ox.Triple]:
    result = execute(store, query, with_prefixes=True)
    assert is_triples(result)
    return list(result)


def _select(store: GraphStore, query: str) -> list[dict[str, str]]:
    result = execute(store, query, with_prefixes=True)
    assert is_solutions(result)
    names = [v.value for v in result.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in result]


DECISIONS_AS_ELI = """PREFIX eli: <http://data.europa.eu/eli/ontology#>
CONSTRUCT {
  ?d a eli:LegalResource ; eli:id_local ?code ; dcterms:identifier ?code ;
     dcterms:title ?label ; eli:based_on ?agreement .
} WHERE {
  ?d a mea:Decision .
  OPTIONAL { ?d mea:decisionCode ?code }
  OPTIONAL { ?d rdfs:label ?label }
  OPTIONAL { ?d mea:underAgreement ?agreement }
}"""

GBF_AS_SKOS = """CONSTRUCT {
  ?c a skos:Concept ; skos:inScheme ?scheme .
  ?c skos:related ?i . ?i skos:related ?c .
} WHERE {
  { ?c a mea:Goal } UNION { ?c a mea:Target } UNION { ?c a mea:GBFIndicator }
  FILTER(STRSTARTS(STR(?c), "http://metadata.cbd.int/kmgbf/"))
  OPTIONAL { ?c skos:inScheme ?scheme }
  OPTIONAL { ?c mea:hasIndicator ?i . ?i a mea:GBFIndicator }
}"""


def treaty_links(store: GraphStore, base_iri: str, tehran_id: str | None) -> list[ox.Triple]:
    """Each agreement's InforMEA treaty page and ECOLEX record (``rdfs:seeAlso`` and
    ``schema:sameAs``), from ``mea:informeaId`` / ``mea:ecolexId`` (and a configured Tehran id)."""
    rows = _select(
        store,
        """SELECT DISTINCT ?a ?informea ?ecolex WHERE { ?a a mea:Agreement .
           OPTIONAL { ?a mea:informeaId ?informea } OPTIONAL { ?a mea:ecolexId ?ecolex } }""",
    )
    tehran = entity_iri(base_iri, "agreement", "tehran")
    triples: list[ox.Triple] = []
    for row in rows:
        agreement = ox.NamedNode(row["a"])
        informea = row.get("informea") or (tehran_id if row["a"] == tehran else None)
        pages = [INFORMEA_TREATY.format(informea)] if informea else []
        if row.get("ecolex"):
            pages.append(ECOLEX_TREATY.format(row["ecolex"]))
        for page in pages:
            triples.append(ox.Triple(agreement, _n("rdfs:seeAlso"), ox.NamedNode(page)))
            triples.append(ox.Triple(agreement, _n("schema:sameAs"), ox.NamedNode(page)))
    return triples


def leo_links(store: GraphStore) -> list[ox.Triple]:
    """``skos:closeMatch`` from each subject term to the LEO concept with its English label,
    and that concept's exact English label and scheme."""
    triples: list[ox.Triple] = []
    for _doc, concept, label in subject_terms(store):
        match = leo_match(label)
        if match is None:
            continue
        leo = ox.NamedNode(match.iri)
        triples += [
            ox.Triple(ox.NamedNode(concept), _n("skos:closeMatch"), leo),
            ox.Triple(leo, RDF_TYPE, _n("skos:Concept")),
            ox.Triple(leo, _n("skos:prefLabel"), ox.Literal(match.label, language="en")),
            ox.Triple(leo, _n("skos:inScheme"), ox.NamedNode(LEO_SCHEME)),
            ox.Triple(ox.NamedNode(LEO_SCHEME), RDF_TYPE, _n("skos:ConceptScheme")),
        ]
    return triples


def links_graph(store: GraphStore, base_iri: str, tehran_id: str | None = None) -> list[ox.Quad]:
    """The quads of ``<base>/graph/export/links``."""
    name = ox.NamedNode(graph_iri(base_iri, "export/links"))
    triples = (
        _construct(store, DECISIONS_AS_ELI)
        + _construct(store, GBF_AS_SKOS)
        + treaty_links(store, base_iri, tehran_id)
        + leo_links(store)
    )
    return [ox.Quad(t.subject, t.predicate, t.object, name) for t in set(triples)]


# ----------------------------------------------------------------------------- description

MEDIA_TYPE_IRI = "https://www.iana.org/assignments/media-types/{}"
VOCABULARIES = ("mea", "rdfs", "owl", "skos", "dcterms", "prov", "org", "eli", "schema")


def description_graph(
    counts: Mapping[str, int],
    manifest: Manifest,
    base_iri: str,
    license_iri: str | None,
) -> list[ox.Quad]:
    """DCAT / VoID description of a dump whose named graphs hold ``counts`` triples."""
    name = ox.NamedNode(graph_iri(base_iri, "export/description"))
    dataset = ox.NamedNode(entity_iri(base_iri, "dataset", "mea-kg"))
    built = ox.Literal(manifest.built_at, datatype=ox.NamedNode(XSD + "dateTime"))
    triples: list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]] = [
        (dataset, RDF_TYPE, _n("dcat:Dataset")),
        (dataset, RDF_TYPE, _n("void:Dataset")),
        (dataset, _n("dcterms:title"), ox.Literal("MEA knowledge graph", language="en")),
        (
            dataset,
            _n("dcterms:description"),
            ox.Literal(
                "Multilateral environmental agreements, COP decisions and meetings, Parties, "
                "centres and workplans linked to the goals, targets and indicators of the "
                "Kunming-Montreal Global Biodiversity Framework, with the provenance of every "
                "fact: one named graph per source document and reference table.",
                language="en",
            ),
        ),
        (dataset, _n("dcat:version"), ox.Literal(__version__)),
        (dataset, _n("owl:versionIRI"), ox.NamedNode(manifest.version_iri)),
        (dataset, _n("dcterms:issued"), built),
        (dataset, _n("dcterms:modified"), built),
        (dataset, _n("void:uriSpace"), ox.Literal(f"{base_iri.rstrip('/')}/id/")),
        (
            dataset,
            _n("void:triples"),
            ox.Literal(str(sum(counts.values())), datatype=ox.NamedNode(XSD + "integer")),
        ),
    ]
    if license_iri:
        triples.append((dataset, _n("dcterms:license"), ox.NamedNode(license_iri)))
    for prefix in VOCABULARIES:
        triples.append((dataset, _n("void:vocabulary"), ox.NamedNode(EXPORT_PREFIXES[prefix])))
    for graph, count in sorted(counts.items()):
        subset = ox.NamedNode(graph)
        triples += [
            (dataset, _n("void:subset"), subset),
            (subset, RDF_TYPE, _n("void:Dataset")),
            (
                subset,
                _n("void:triples"),
                ox.Literal(str(count), datatype=ox.NamedNode(XSD + "integer")),
            ),
        ]
    links = ox.NamedNode(graph_iri(base_iri, "export/links"))
    triples.append(
        (
            links,
            _n("dcterms:description"),
            ox.Literal(
                "Links added by the export: decisions as ELI legal resources, GBF targets and "
                "indicators as SKOS concepts, treaties' InforMEA and ECOLEX pages, subject "
                "terms' LEO concepts.",
                language="en",
            ),
        )
    )
    for fmt in sorted(FORMATS.values(), key=lambda f: f.name):
        dist = ox.NamedNode(entity_iri(base_iri, "distribution", f"mea-kg-{fmt.name}"))
        triples += [
            (dataset, _n("dcat:distribution"), dist),
            (dist, RDF_TYPE, _n("dcat:Distribution")),
            (dist, _n("dcat:mediaType"), ox.NamedNode(MEDIA_TYPE_IRI.format(fmt.media_type))),
            (
                dist,
                _n("dcterms:title"),
                ox.Literal(f"MEA knowledge graph ({fmt.name})", language="en"),
            ),
        ]
        if license_iri:
            triples.append((dist, _n("dcterms:license"), ox.NamedNode(license_iri)))
    return [ox.Quad(s, p, o, name) for s, p, o in triples]


# ----------------------------------------------------------------------------- the dump


def exported_quads(store: GraphStore, settings: Settings) -> list[ox.Quad]:
    """Everything the dump holds: the store's named graphs, the links graph and the
    description graph, sorted and without duplicates."""
    manifest = read_manifest(settings)
    reserved = {
        graph_iri(settings.base_iri, "export/links"),
        graph_iri(settings.base_iri, "export/description"),
    }
    quads = [
        q
        for q in store.quads_for_pattern(None, None, None, None)
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value not in reserved
    ]
    quads += links_graph(store, settings.base_iri, settings.informea_tehran_id)
    quads = _sorted_quads(quads)
    counts: dict[str, int] = {}
    for quad in quads:
        key = str(getattr(quad.graph_name, "value", quad.graph_name))
        counts[key] = counts.get(key, 0) + 1
    quads += description_graph(counts, manifest, settings.base_iri, settings.export_license)
    return _sorted_quads(quads)


def export_rdf(store: GraphStore, settings: Settings, fmt: str) -> bytes:
    """The dump in format ``fmt`` (a key of :data:`FORMATS`).

    A format that cannot carry the graph raises :class:`~kg.rdf.syntax_limits.UnwritableGraph`
    (JSON-LD and RDF 1.2 triple terms). A server keeps the bytes per state of its store
    (:class:`kg.serve.views.DerivedViews`): the same store always gives the same bytes.
    """
    return get_format(fmt).writer(exported_quads(store, settings))


def description_only(quads: Sequence[ox.Quad], base_iri: str) -> list[ox.Quad]:
    """The quads of the description graph in ``quads``."""
    name = graph_iri(base_iri, "export/description")
    return [q for q in quads if str(getattr(q.graph_name, "value", "")) == name]
