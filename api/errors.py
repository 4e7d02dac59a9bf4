"""Short, typed error answers: JSON or plain text by ``Accept``; never a stack trace or a path.

>>> from starlette.requests import Request
>>> r = Request({"type": "http", "headers": [(b"accept", b"application/json")]})
>>> error(r, 400, "bad_query", "SPARQL syntax error").body
b'{"error":"bad_query","message":"SPARQL syntax error"}'
"""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.responses import Response

from kg.rdf.negotiate import choose


def error(
    request: Request, status: int, kind: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """An error response of type ``kind`` (e.g. ``bad_query``, ``timeout``)."""
    accept = request.headers.get("accept", "")
    media = choose(accept, ["text/plain", "application/json"]) if accept else "text/plain"
    if media == "application/json":
        body = json.dumps({"error": kind, "message": message}, separators=(",", ":"))
        return Response(body, status_code=status, media_type="application/json", headers=headers)
    return Response(
        f"{kind}: {message}\n", status_code=status, media_type="text/plain", headers=headers
    )
