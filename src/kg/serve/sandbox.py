"""Keeping query processes off the network, and tied to the process that started them.

Query workers (and the template, :mod:`kg.serve.workers`) have no network: each moves itself
into a network namespace of its own, with no interface up, before it reads anything (Linux
``unshare(CLONE_NEWNET)``; as root, or through an unprivileged user namespace). Oxigraph
would run ``SERVICE`` by opening HTTP connections; :mod:`kg.sparql.guard` refuses it by reading
the query, and the namespace makes sure that a query the guard misreads still cannot reach
anything, loopback included. The ``sparql`` backend's workers are clients of a remote server
and keep the network. Where namespaces are not allowed the server says so at start.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kg.settings import Settings

#: prctl(2) option: the signal a process gets when its parent ends (Linux).
_PR_SET_PDEATHSIG = 1
_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000


def needs_no_network(settings: Settings) -> bool:
    """Whether this backend's workers can do without the network (all but ``sparql``)."""
    return settings.backend != "sparql"


def leave_network() -> bool:
    """Move this process into a new network namespace, where no interface is up: any
    connection it then tries fails at once, to loopback as to anywhere. True if it moved.

    As root (``CAP_SYS_ADMIN``) a network namespace alone; otherwise inside a new user
    namespace whose only user is this one (mapped to itself), so files stay readable
    exactly as before. Must run while the process has one thread (a kernel rule for user
    namespaces), so before the store is opened."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    if libc.unshare(_CLONE_NEWNET) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
        return False
    try:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    except OSError:
        pass  # unmapped, files are read as the overflow user: reading may fail, not leak
    return True


def _probe_leave_network(conn: Connection) -> None:
    conn.send(leave_network())


def workers_can_leave_network(context: Any) -> bool:
    """Whether a process started from ``context`` can leave the network (see
    :func:`leave_network`); asked once when a pool starts, in a process of its own."""
    ours, theirs = context.Pipe()
    probe = context.Process(target=_probe_leave_network, args=(theirs,), daemon=True)
    probe.start()
    theirs.close()
    try:
        return bool(ours.recv()) if ours.poll(30) else False
    except EOFError:
        return False
    finally:
        probe.join(timeout=5)
        ours.close()


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent ends (``PR_SET_PDEATHSIG``), so that
    stopping the template stops every worker it forked, busy or not."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
