"""HEAD wherever GET is allowed (RFC 9110 §9.3.2): the same status and headers, no body.

FastAPI routes answer only the methods they declare, so ``HEAD /sparql`` was a 405 while
``GET /sparql`` worked; link checkers, caches and ``curl -I`` send HEAD. This middleware lets
the GET route answer and sends its headers without the body (``Content-Length`` still says how
long the GET body is, as HTTP asks). A route that has no GET still answers 405.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """Pure ASGI (no per-request task or body buffering, unlike ``BaseHTTPMiddleware``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
