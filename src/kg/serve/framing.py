"""A worker's answer on its pipe: sent by the worker, read by the server on its event loop.

An answer's bytes travel as they are (``send_bytes``), not inside a pickle, so a big result is
not copied twice more. The server reads the worker's end of the pipe like any socket, as the
bytes arrive (:func:`receive`), so an answer of any size costs no thread hand-off (a thread
cost 0.05 ms on a 20 KB answer and 0.5-1.5 ms on 2 MB).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import replace
from multiprocessing.connection import Connection

from kg.serve.jobs import Outcome

#: Answers up to this size travel inside the pipe's first message (pickled with the outcome);
#: bigger ones follow it as raw bytes, so that a big answer is not copied into a pickle.
INLINE_BYTES = 8 * 1024
#: ``multiprocessing.connection``'s message framing: a size, or -1 and then a 64-bit size.
_SIZE, _BIG_SIZE = struct.Struct("!i"), struct.Struct("!Q")


def send_outcome(conn: Connection, outcome: Outcome) -> None:
    """Send ``outcome``: one message ``(outcome, None)`` when its answer is small; otherwise
    ``(outcome without its body, body size)`` followed by the body's bytes as they are."""
    answer = outcome.answer
    if answer is None or len(answer.body) <= INLINE_BYTES:
        conn.send((outcome, None))
        return
    conn.send((replace(outcome, answer=replace(answer, body=b"")), len(answer.body)))
    conn.send_bytes(answer.body)


def with_body(outcome: Outcome, body: bytes) -> Outcome:
    """``outcome`` with the body that followed it (:func:`send_outcome`) put back."""
    assert outcome.answer is not None
    return replace(outcome, answer=replace(outcome.answer, body=body))


async def receive(conn: Connection) -> bytes:
    """One message from ``conn``, read on the running loop without blocking it.

    The framing is ``multiprocessing.connection``'s: a 4-byte big-endian size (or -1 and an
    8-byte size) before the bytes. The socket is made non-blocking only while it is read
    here, as :meth:`kg.serve.pool.QueryPool.run` reads the same worker with blocking calls."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(fileno=conn.fileno())  # a view of conn's descriptor; detached below
    try:
        sock.setblocking(False)
        (size,) = _SIZE.unpack(await _read_exactly(loop, sock, _SIZE.size))
        if size == -1:
            (size,) = _BIG_SIZE.unpack(await _read_exactly(loop, sock, _BIG_SIZE.size))
        return await _read_exactly(loop, sock, size)
    finally:
        with contextlib.suppress(OSError):
            sock.setblocking(True)
        sock.detach()


async def _read_exactly(loop: asyncio.AbstractEventLoop, sock: socket.socket, size: int) -> bytes:
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        got = await loop.sock_recv_into(sock, view[done:])
        if got == 0:
            raise EOFError("the worker closed its end")
        done += got
    return bytes(buffer)
