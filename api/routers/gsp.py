"""The SPARQL 1.1 Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/).

Graphs are named indirectly (``/gsp?graph=<IRI>``, ``/gsp?default``) or directly (the request
URL ``/gsp/<path>`` is the graph IRI). GET and HEAD always work; PUT, POST and DELETE need
``Authorization: Bearer <KG_WRITE_TOKEN>``. A body is parsed completely before anything is
written, so a rejected upload leaves the graph exactly as it was.

A write to a source document's graph (a graph under ``<base>/graph/`` other than those
``kg build`` makes from the ontology and the reference tables, or derives:
:data:`kg.rdf.namespaces.BUILT_GRAPHS`) is a publish of the whole document, exactly as
``PUT /sources/{key}`` (:mod:`api.routers.sources`): validated, reasoned and served as a new
version; one that would not conform is a 422 with the findings, and nothing is written. The built
graphs stay writable, so that ``kg build`` can load a snapshot into this server as into any
SPARQL server (``KG_BACKEND=sparql``); the next build replaces them. Graphs outside
``<base>/graph/`` are scratch space, not validated.
"""

from __future__ import annotations

import uuid
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.bodies import read_body
from api.deps import Service, WriteAccess, WriteGate
from api.errors import PROTOCOL, ApiError, error_responses
from api.negotiation import body_media_type, rdf_response
from api.routing import route_per_method
from kg.rdf.formats import GRAPH_TYPES, UPLOAD_SYNTAXES
from kg.rdf.namespaces import source_key
from kg.rdf.upload import UploadRefused, read_upload
from kg.serve.service import GraphService
from kg.stores.base import GraphStore
from kg.stores.writes import replace_graph

router = APIRouter(prefix="/gsp", tags=["graph store"])

#: Request media type -> parser format for graph content.
UPLOAD_TYPES = {syntax.media_type: syntax for syntax in UPLOAD_SYNTAXES}
Target = ox.NamedNode | ox.DefaultGraph


def _target(request: Request, path: str | None) -> Target | str:
    """The graph a request names, or an error message."""
    params = request.query_params
    if path is not None:
        if "graph" in params or "default" in params:
            return "Name the graph by the request URL or by ?graph=, not both"
        url = str(request.url.replace(query=""))
        try:
            return ox.NamedNode(url)
        except ValueError:
            return f"This URL cannot name a graph (it is not a valid IRI): {url}"
    if "default" in params and "graph" in params:
        return "Give ?graph=<IRI> or ?default, not both"
    if "default" in params:
        return ox.DefaultGraph()
    graph = params.get("graph")
    if not graph:
        return "Name the graph: ?graph=<IRI> or ?default"
    try:
        return ox.NamedNode(graph)
    except ValueError:
        return f"Not an IRI: {graph}"


def _exists(store: GraphStore, graph: Target) -> bool:
    if isinstance(graph, ox.DefaultGraph):
        return True
    return bool(store.contains_named_graph(graph))


def _require_graph(store: GraphStore, graph: Target) -> None:
    if not _exists(store, graph):
        raise ApiError(404, "not_found", "No such graph in this store")


def _parse_body(media: str, body: bytes, graph: Target) -> list[ox.Quad]:
    """The body's triples, placed in ``graph``; ValueError/SyntaxError when it is not RDF."""
    if media == "multipart/form-data":
        raise ValueError("multipart bodies are handled part by part")
    rdf_format = UPLOAD_TYPES.get(media)
    if rdf_format is None:
        raise LookupError(media)
    base = graph.value if isinstance(graph, ox.NamedNode) else None
    return read_upload(body, rdf_format, base_iri=base, to_graph=graph)


def _multipart(content_type: str, body: bytes, graph: Target) -> list[ox.Quad]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    quads: list[ox.Quad] = []
    parts = 0
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        quads += _parse_body(part.get_content_type(), payload, graph)
        parts += 1
    if not parts:  # a broken or empty multipart body must not empty the graph (PUT)
        raise ValueError("the multipart body has no parts (check its boundary)")
    return quads


async def _read_upload(request: Request, service: Service, graph: Target) -> list[ox.Quad]:
    """The request body's quads, placed in ``graph``; :class:`ApiError` 413 past
    ``KG_MAX_UPLOAD_BYTES``, 415 or 400 when the body is not RDF in a syntax this store reads
    or is refused (:mod:`kg.rdf.upload`: DTDs, deep blank-node nesting)."""
    media, _ = body_media_type(request)
    body = await read_body(request, service.settings.max_upload_bytes, what="The upload")
    try:
        # Parsed in a thread: a big or deeply nested upload must not hold up other requests.
        if media == "multipart/form-data":
            content_type = request.headers.get("content-type", "")
            return await run_in_threadpool(_multipart, content_type, body, graph)
        return await run_in_threadpool(_parse_body, media, body, graph)
    except LookupError as err:
        offered = ", ".join(UPLOAD_TYPES)
        raise ApiError(415, "unsupported_media_type", f"Send one of: {offered}") from err
    except UploadRefused as err:
        raise ApiError(400, "refused_upload", f"The upload is refused: {err}") from err
    except (SyntaxError, ValueError) as err:
        message = str(err).splitlines()[0][:300] if str(err) else type(err).__name__
        raise ApiError(400, "bad_rdf", f"The body is not valid RDF: {message}") from err


def _graph_response(request: Request, store: GraphStore, graph: Target, *, head: bool) -> Response:
    _require_graph(store, graph)
    triples = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, graph)
    ]
    response = rdf_response(request, triples, "A graph")
    if head:
        return Response(status_code=response.status_code, headers=dict(response.headers))
    return response


async def _handle(
    request: Request, service: Service, write: WriteGate, path: str | None
) -> Response:
    graph = _target(request, path)
    method = request.method
    if isinstance(graph, str):
        if method == "POST" and path is None and not request.query_params:
            return await _create(request, service, write)
        raise ApiError(400, "bad_request", graph)
    if method in ("GET", "HEAD"):
        return _graph_response(request, service.store, graph, head=method == "HEAD")
    who = write.require()
    base = service.settings.base_iri
    key = source_key(base, graph.value) if isinstance(graph, ox.NamedNode) else None
    if method == "DELETE":
        _require_graph(service.store, graph)
        if key is not None:  # a source document: removed as a new version
            await run_in_threadpool(service.publish, key, None, who=who)
            return Response(status_code=204)

        def drop(store: GraphStore) -> None:
            if isinstance(graph, ox.DefaultGraph):
                store.clear_graph(graph)
            else:
                store.remove_graph(graph)

        await run_in_threadpool(service.write, drop)
        return Response(status_code=204)
    upload = await _read_upload(request, service, graph)
    existed = _exists(service.store, graph)
    if key is not None:  # a source document: published, validated and versioned
        await run_in_threadpool(_publish, service, key, method, upload, who)
        return Response(status_code=204 if existed else 201)

    def put(store: GraphStore) -> None:
        if method == "PUT":  # one step: readers never see the graph half-replaced
            replace_graph(store, graph, upload)
            return
        if isinstance(graph, ox.NamedNode):
            store.add_graph(graph)
        store.extend(upload)  # one transaction

    await run_in_threadpool(service.write, put)
    return Response(status_code=204 if existed else 201)


def _publish(service: GraphService, key: str, method: str, upload: list[ox.Quad], who: str) -> None:
    """A Graph Store write to a source document's graph, made as a publish of the whole
    document (:meth:`GraphService.publish`): PUT replaces it, POST adds to the file served."""
    added = ox.serialize([q.triple for q in upload], format=ox.RdfFormat.N_TRIPLES) or b""
    if method == "POST":
        served = service.settings.sources_dir / f"{key}.ttl"
        current = served.read_bytes() if served.exists() else b""
        document = current + b"\n" + added  # Turtle may follow Turtle: N-Triples is Turtle
    else:
        document = added
    service.publish(key, document, who=who)


async def _create(request: Request, service: Service, write: WriteGate) -> Response:
    """POST to the store itself: a new graph with a fresh IRI (§5.5), given in Location."""
    write.require()
    location = str(request.url_for("gsp_direct", path=f"graphs/{uuid.uuid4().hex}"))
    graph = ox.NamedNode(location)
    upload = await _read_upload(request, service, graph)

    def create(store: GraphStore) -> None:
        store.add_graph(graph)
        store.extend(upload)

    await run_in_threadpool(service.write, create)
    return Response(status_code=201, headers={"Location": location})


METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {media: {} for media in GRAPH_TYPES}},
    **error_responses(
        PROTOCOL,
        {
            400: "No graph named, a body that is not RDF, or an upload refused (a DTD in "
            "RDF/XML, blank nodes nested too deep): nothing was written",
            401: "A write without a valid bearer token",
            403: "Writes are disabled on this endpoint",
            404: "No such graph",
            406: "No RDF syntax the client accepts can carry the graph",
            413: "An upload past KG_MAX_UPLOAD_BYTES (nothing was written)",
            415: "Unsupported body media type",
            422: "A source document's graph that would not conform to the shapes: the "
            "findings, and nothing was written",
        },
    ),
}


@route_per_method(
    router,
    "",
    methods=METHODS,
    summary="Graph Store Protocol, indirect graph identification",
    responses=RESPONSES,
)
async def gsp_indirect(request: Request, service: Service, write: WriteAccess) -> Response:
    return await _handle(request, service, write, None)


@route_per_method(
    router,
    "/{path:path}",
    methods=METHODS,
    name="gsp_direct",
    summary="Graph Store Protocol, direct graph identification",
    responses=RESPONSES,
)
async def gsp_direct(request: Request, service: Service, write: WriteAccess, path: str) -> Response:
    return await _handle(request, service, write, path)
