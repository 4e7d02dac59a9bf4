"""The VoID description of the dataset at ``/void`` (https://www.w3.org/TR/void/): the dataset,
its SPARQL endpoint, its licence and vocabulary, and one subset per named graph with its size.
The SPARQL service description links here (``rdfs:seeAlso``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import Service
from api.errors import PROTOCOL, error_responses
from api.negotiation import rdf_response
from kg.query.describe import void_description
from kg.rdf.formats import GRAPH_TYPES

router = APIRouter(prefix="/void", tags=["sparql"])


@router.get(
    "",
    name="void_description",
    summary="VoID description of the dataset, with triples per named graph",
    responses={
        200: {"content": {media: {} for media in GRAPH_TYPES}},
        **error_responses(PROTOCOL, {406: "No RDF syntax the client accepts"}),
    },
)
def void_get(request: Request, service: Service) -> Response:
    triples = void_description(
        f"{service.settings.base_iri}/dataset", str(request.url_for("sparql_get")), service.counts
    )
    return rdf_response(request, triples, "The VoID description")
