"""Graph traversal and analysis endpoints under ``/api``, and graph exports.

The graph projection (:mod:`kg.graph.projection`) is built from the app's store on first use and
kept by the service (:meth:`kg.serve.service.GraphService.projection`) until a write changes
the graph; routes get it as :data:`api.deps.Projection`. Every endpoint answers JSON from
:mod:`kg.graph.contribution`, :mod:`kg.graph.traverse` or :mod:`kg.graph.analyses`; an entity
is named by its IRI, a CURIE (``kmgbf:target_3``), ``kind/key`` (``centre/iucn-ca-tsc``) or a
label. A label that names several entities is a 409 listing them; a name nothing has is a 404.
Errors are JSON in the API's one error body (:data:`api.errors.GRAPH_API`), which the
browser graph view (``/viz``, :mod:`api.routers.ui`) reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import Projection as Graph
from api.deps import Service
from api.errors import GRAPH_API, ApiError, error_responses
from kg.graph import analyses, contribution, traverse
from kg.graph.answers import (
    AmbiguousEntity,
    CentralityAnswer,
    ContributorsAnswer,
    CoverageAnswer,
    GraphNode,
    IndicatorsAnswer,
    NodeRef,
    PathsAnswer,
    Subgraph,
    TraversalError,
    graph_node,
    ref,
)
from kg.graph.export import EXPORTERS, export, exporter_for

router = APIRouter(prefix="/api", tags=["graph"])


class ConventionInfo(NodeRef):
    nodes: int = Field(description="nodes in the convention's scope")


class GraphInfo(BaseModel):
    """What the projection holds."""

    base_iri: str
    nodes: int
    edges: int
    inferred_edges: int
    build_seconds: float
    snapshot: str | None
    kinds: dict[str, int]
    conventions: list[ConventionInfo]
    export_formats: list[str]


ERRORS = error_responses(
    GRAPH_API,
    {
        404: "Nothing in the graph has that name.",
        409: "The label names several entities (listed).",
        422: "The entity is not of a kind this question takes.",
    },
)
_ERROR_NAMES = {404: "not_found", 409: "ambiguous", 422: "wrong_kind"}

Entity = Annotated[
    str,
    Query(
        alias="for",
        min_length=1,
        description="IRI, CURIE (kmgbf:target_3), kind/key (centre/iucn-ca-tsc) or label",
        examples=["https://w3id.org/mea-kg/id/workplan/iucn-ca-tsc-workplan-2025-2026"],
    ),
]


@contextmanager
def _traversal_errors() -> Iterator[None]:
    """A question the graph cannot answer as asked (:class:`TraversalError`) as the API's
    error: 404, 409 with the candidates, 422."""
    try:
        yield
    except TraversalError as err:
        candidates = err.candidates if isinstance(err, AmbiguousEntity) else None
        kind = _ERROR_NAMES.get(err.status, "bad_request")
        raise ApiError(err.status, kind, str(err), fmt=GRAPH_API, candidates=candidates) from err


@router.get(
    "/indicators",
    summary="GBF headline indicators reached from an activity, outcome, workplan or centre",
    description="The official headline indicators of the GBF targets the entity contributes "
    "to (activity → outcome → target → indicator; workplan → outcome …; centre → workplan …), "
    "each with its code, title, KMGBF IRI and the shortest paths that reach it; and the "
    "indicator claims of the documents on the way with their reconciliation status "
    "(official / title differs / not in the framework).",
    response_model=IndicatorsAnswer,
    responses=ERRORS,
)
def get_indicators(
    graph: Graph,
    service: Service,
    entity: Entity,
    paths: Annotated[int, Query(ge=1, le=50, description="paths per indicator")] = 5,
    include: Annotated[
        Literal["suggested"] | None,
        Query(
            description="`suggested`: also the headline indicators of GBF targets suggested "
            "(`kg suggest`, never asserted) for the entities on the way, each marked "
            "`suggested` with its evidence"
        ),
    ] = None,
) -> Any:
    suggested = service.suggested_targets() if include == "suggested" else None
    with _traversal_errors():
        return contribution.indicators(graph, entity, max_paths=paths, suggested=suggested)


@router.get(
    "/reverse",
    summary="Activities, centres, conventions and parties behind a GBF target or indicator",
    response_model=ContributorsAnswer,
    responses=ERRORS,
)
def get_reverse(graph: Graph, entity: Entity) -> Any:
    with _traversal_errors():
        return contribution.contributors(graph, entity)


@router.get(
    "/path",
    summary="Shortest paths between two entities, with their predicates",
    description="Edges are walked in either direction. Provenance and scheme links "
    "(mea:fromDocument, skos:inScheme …) are left out unless all_links=true.",
    response_model=PathsAnswer,
    responses=ERRORS,
)
def get_path(
    graph: Graph,
    source: Annotated[str, Query(alias="from", description="IRI, CURIE or label")],
    target: Annotated[str, Query(alias="to", description="IRI, CURIE or label")],
    max_hops: Annotated[int, Query(alias="max", ge=1, le=traverse.MAX_HOPS)] = 6,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    all_links: bool = False,
    inferred: bool = False,
) -> Any:
    with _traversal_errors():
        return traverse.paths(
            graph,
            source,
            target,
            max_hops=max_hops,
            limit=limit,
            include_bookkeeping=all_links,
            inferred=inferred,
        )


@router.get(
    "/neighbours",
    summary="The neighbourhood of an entity to a depth, filterable by kind",
    response_model=Subgraph,
    responses=ERRORS,
)
def get_neighbours(
    graph: Graph,
    entity: Entity,
    depth: Annotated[int, Query(ge=0, le=traverse.MAX_DEPTH)] = 1,
    kind: Annotated[list[str] | None, Query(description="keep nodes of these classes")] = None,
    inferred: bool = False,
    limit: Annotated[int, Query(ge=1, le=5000)] = 300,
) -> Any:
    with _traversal_errors():
        return traverse.neighbours(
            graph, entity, depth=depth, kinds=kind or (), inferred=inferred, limit=limit
        )


@router.get(
    "/coverage",
    summary="Coverage and gaps: who addresses each GBF target and headline indicator",
    description="For each GBF target and headline indicator, the activities, workplans, "
    "centres, conventions and parties that address it, and the ones nobody addresses; "
    "optionally only for one Party or one convention.",
    response_model=CoverageAnswer,
    responses=ERRORS,
)
def get_coverage(
    graph: Graph,
    party: Annotated[str | None, Query(description="UZB, Uzbekistan or an IRI")] = None,
    convention: Annotated[str | None, Query(description="cbd, basel … or an IRI")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="longest list per cell")] = 50,
) -> Any:
    with _traversal_errors():
        return analyses.coverage(graph, party=party, convention=convention, limit=limit)


@router.get(
    "/centrality",
    summary="Decisions, centres and organisations that bridge conventions",
    response_model=CentralityAnswer,
    responses=ERRORS,
)
def get_centrality(
    graph: Graph,
    kind: Annotated[list[str] | None, Query(description="classes to rank")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> Any:
    with _traversal_errors():
        return analyses.centrality(graph, kinds=kind or analyses.BRIDGE_KINDS, limit=limit)


@router.get(
    "/graph/search",
    summary="Entities whose label matches (for search boxes)",
    response_model=list[GraphNode],
)
def search(
    graph: Graph,
    q: Annotated[str, Query(min_length=1, description="a label, part of one, or an IRI")],
    kind: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[GraphNode]:
    return [graph_node(graph, i) for i in graph.find(q, kinds=kind or (), limit=limit)]


@router.get(
    "/graph/info",
    summary="Size of the graph projection, its kinds and conventions",
    response_model=GraphInfo,
)
def info(graph: Graph) -> GraphInfo:
    conventions = [
        ConventionInfo(**ref(graph, c).model_dump(), nodes=n)
        for c, n in analyses.convention_sizes(graph).items()
    ]
    return GraphInfo(
        base_iri=graph.info.base_iri,
        nodes=graph.info.nodes,
        edges=graph.info.edges,
        inferred_edges=graph.info.inferred_edges,
        build_seconds=round(graph.info.build_seconds, 3),
        snapshot=graph.info.snapshot,
        kinds=graph.info.kinds,
        conventions=conventions,
        export_formats=sorted(EXPORTERS),
    )


@router.get(
    "/graph/export",
    summary="The graph or a subgraph as GraphML, GEXF, Cytoscape.js JSON or DOT",
    description="Whole graph by default; or the neighbourhood of `for` to `depth`; or the "
    "shortest paths `from` … `to`; or one `convention`'s part. Inferred shortcut edges only "
    "with inferred=true. List-valued attributes are joined with '; '.",
    responses={
        200: {
            "description": "The file",
            "content": {e.media_type: {} for e in EXPORTERS.values()},
        },
        **error_responses(
            GRAPH_API,
            {400: "Unknown format (a parameter out of range: `bad_request: …` as text or JSON)"},
        ),
        **ERRORS,
    },
)
def export_graph(
    graph: Graph,
    fmt: Annotated[
        str, Query(alias="format", description=", ".join(sorted(EXPORTERS)))
    ] = "graphml",
    entity: Annotated[str | None, Query(alias="for")] = None,
    depth: Annotated[int, Query(ge=0, le=traverse.MAX_DEPTH)] = 1,
    source: Annotated[str | None, Query(alias="from")] = None,
    target: Annotated[str | None, Query(alias="to")] = None,
    max_hops: Annotated[int, Query(alias="max", ge=1, le=traverse.MAX_HOPS)] = 6,
    convention: str | None = None,
    inferred: bool = False,
) -> Response:
    if fmt not in EXPORTERS:
        message = f"unknown format {fmt!r}: use one of {', '.join(sorted(EXPORTERS))}"
        raise ApiError(400, "bad_request", message, fmt=GRAPH_API)
    exporter = exporter_for(fmt)
    with _traversal_errors():
        nodes = traverse.export_scope(
            graph,
            around=entity,
            depth=depth,
            source=source,
            target=target,
            max_hops=max_hops,
            convention=convention,
        )
    data = export(graph, fmt, nodes=nodes, inferred=inferred)
    name = "mea-kg" + ("" if nodes is None else "-subgraph") + exporter.suffix
    return Response(
        data,
        media_type=exporter.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
