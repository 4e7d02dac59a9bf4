"""Reading a request's body within a size limit: the one place the API takes a body.

The limit is checked against ``Content-Length`` before reading, and against the bytes read
so far while reading, so a larger body is answered 413 as soon as it passes the limit,
chunked or not, without being held in memory (Starlette's ``Request.body()`` reads it whole
first). It must also arrive in time: a body trickled a few bytes at a time held a
connection for as long as the client liked; past ``timeout`` seconds it is a 408.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

import pyoxigraph as ox
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError
from api.negotiation import body_media_type
from kg.rdf.formats import UPLOAD_SYNTAXES, rdf_format
from kg.rdf.upload import UploadRefused

__all__ = ["read_body", "read_document", "too_large"]

T = TypeVar("T")
_UPLOAD_TYPES = ", ".join(syntax.media_type for syntax in UPLOAD_SYNTAXES)


async def read_body(
    request: Request,
    limit: int,
    *,
    what: str = "The request body",
    kind: str = "too_large",
    timeout: float | None = None,
) -> bytes:
    """The body of ``request``, or :class:`ApiError` 413 of type ``kind`` past ``limit``
    bytes (``what`` names the body in the message), or 408 if it has not all arrived within
    ``timeout`` seconds (default: the app's ``KG_BODY_TIMEOUT``)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(what, int(declared), limit, kind=kind)
    if timeout is None:
        timeout = getattr(request.app.state, "body_timeout", 60.0)
    chunks: list[bytes] = []

    async def read() -> None:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(what, size, limit, kind=kind, at_least=True)
            chunks.append(chunk)

    try:
        await asyncio.wait_for(read(), timeout)
    except TimeoutError:
        message = f"{what} did not arrive within {timeout:g} s"
        # The rest of the body may still trickle in: the connection is not reused.
        raise ApiError(408, "request_timeout", message, headers={"Connection": "close"}) from None
    return b"".join(chunks)


def too_large(
    what: str, size: int, limit: int, *, kind: str = "too_large", at_least: bool = False
) -> ApiError:
    """The 413 for a ``what`` of ``size`` bytes past ``limit``."""
    more = "more than " if at_least else ""
    return ApiError(
        413, kind, f"{what} is {more}{size:,} bytes; this endpoint takes at most {limit:,}"
    )


async def read_document(
    request: Request, limit: int, parse: Callable[[bytes, ox.RdfFormat], T]
) -> T:
    """The request's body, an RDF document in the syntax its ``Content-Type`` names, read
    within ``limit`` bytes and given to ``parse`` (in a thread: a big document must not hold
    up other requests). 415 for a syntax the server does not read, 413 past the limit, 400
    for a document that is refused (:class:`kg.rdf.upload.UploadRefused`) or is not RDF."""
    media, _ = body_media_type(request)
    syntax = rdf_format(media) if media else None
    if syntax is None or syntax not in UPLOAD_SYNTAXES:
        raise ApiError(415, "unsupported_media_type", f"Send one of: {_UPLOAD_TYPES}")
    body = await read_body(request, limit, what="The document")
    try:
        return await run_in_threadpool(parse, body, syntax)
    except UploadRefused as err:
        raise ApiError(400, "refused_upload", f"The document is refused: {err}") from err
    except (SyntaxError, ValueError) as err:
        message = str(err).splitlines()[0][:300] if str(err) else "syntax error"
        raise ApiError(400, "bad_rdf", f"The document is not valid RDF: {message}") from err
