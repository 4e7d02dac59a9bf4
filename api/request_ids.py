"""Every request gets an id: in the ``X-Request-ID`` header of its answer, in the body of an
error (``request_id``), and in the server's log line about that error, so that an operator
finds what a user reports ("request 3f2a… failed") in the log.

A pure ASGI middleware (no body buffering): the id is put in the request's ``state`` before
the app runs and added to the answer's headers as they are sent.
"""

from __future__ import annotations

import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"


def new_id() -> str:
    """A short random id (64 bits: unique enough for a log, not guessable)."""
    return secrets.token_hex(8)


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_id()
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


def request_id_of(state: object) -> str | None:
    """The id :class:`RequestIds` gave the request whose ``state`` this is."""
    return getattr(state, "request_id", None)
