"""uvicorn's HTTP protocol (httptools) with the edges a public endpoint needs:

- **Slow headers.** uvicorn waits for a request's headers for ever: headers trickled a byte
  at a time held a connection open past 40 s, and 300 half-open connections were kept. Here
  a request whose line and headers are not complete within ``header_timeout`` seconds of its
  first byte (or of the connection) is answered 408 and its connection closed.
- **Over-long URLs.** The parser refuses a request line past its buffer (about 80 KiB) and
  uvicorn answered a bare 400; a URL that long is a **414** saying to send the query by POST.

Bodies are bounded by the app (:mod:`api.bodies`: size while read, and time), and the number
of connections by uvicorn's ``limit_concurrency`` (``KG_MAX_CONNECTIONS``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: A URL at least this long when the parser gives up is what made it give up.
LONG_URL = 8 * 1024


def bounded_protocol(header_timeout: float) -> type[HttpToolsProtocol]:
    """The protocol class for uvicorn's ``http=`` option, headers bounded in time."""

    class BoundedHttpToolsProtocol(HttpToolsProtocol):
        _header_deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def _arm(self) -> None:
            self._disarm()
            self._header_deadline = self.loop.call_later(header_timeout, self._headers_late)

        def _disarm(self) -> None:
            if self._header_deadline is not None:
                self._header_deadline.cancel()
                self._header_deadline = None

        def _headers_late(self) -> None:
            self._header_deadline = None
            if self.cycle is not None and not self.cycle.response_complete:
                return  # a request is being answered: its headers came in time
            _refuse(
                self,
                b"408 Request Timeout",
                f"request_timeout: the request's headers did not arrive within "
                f"{header_timeout:g} s",
            )

        def send_400_response(self, msg: str) -> None:
            if len(self.url) >= LONG_URL:
                _refuse(
                    self,
                    b"414 URI Too Long",
                    "uri_too_long: the URL is too long for this server: send the query in the "
                    "body of a POST (Content-Type: application/sparql-query)",
                )
                return
            _refuse(self, b"400 Bad Request", f"bad_request: {msg}")

    return BoundedHttpToolsProtocol


def _refuse(protocol: HttpToolsProtocol, status: bytes, message: str) -> None:
    """Answer ``status`` with ``message`` (the project's text error shape) and close."""
    if protocol.transport.is_closing():
        return
    body = (message + "\n").encode("utf-8")
    head = [b"HTTP/1.1 " + status + b"\r\n"]
    for name, value in protocol.server_state.default_headers:
        head.append(name + b": " + value + b"\r\n")
    head += [
        b"content-type: text/plain; charset=utf-8\r\n",
        b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
        b"connection: close\r\n\r\n",
    ]
    protocol.transport.write(b"".join(head) + body)
    protocol.transport.close()
