"""Reading a request's body within a size limit: the one place the API takes a body.

The limit is checked against ``Content-Length`` before reading, and against the bytes read
so far while reading, so a larger body is answered 413 as soon as it passes the limit,
chunked or not, without being held in memory (Starlette's ``Request.body()`` reads it whole
first).
"""

from __future__ import annotations

from fastapi import Request

from api.errors import ApiError

__all__ = ["read_body", "too_large"]


async def read_body(
    request: Request, limit: int, *, what: str = "The request body", kind: str = "too_large"
) -> bytes:
    """The body of ``request``, or :class:`ApiError` 413 of type ``kind`` past ``limit``
    bytes (``what`` names the body in the message)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(what, int(declared), limit, kind=kind)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(what, size, limit, kind=kind, at_least=True)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(
    what: str, size: int, limit: int, *, kind: str = "too_large", at_least: bool = False
) -> ApiError:
    """The 413 for a ``what`` of ``size`` bytes past ``limit``."""
    more = "more than " if at_least else ""
    return ApiError(
        413, kind, f"{what} is {more}{size:,} bytes; this endpoint takes at most {limit:,}"
    )
