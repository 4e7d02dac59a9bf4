"""Virtuoso Open Source 7 on loopback, for the scale-out tests: install, configure, start,
grant, bulk-load, stop.

Everything the tests need comes from Debian packages (``virtuoso-opensource-7-bin``: the
server ``virtuoso-t`` and the SQL client ``isql-vt``); nothing is downloaded by hand, and the
server listens on 127.0.0.1 only, on ports chosen free at run time.

What the recipe found out about this Virtuoso (7.2.5.1 in Debian 12), which the tests pin:

* SPARQL Update over ``/sparql`` needs ``GRANT SPARQL_UPDATE TO "SPARQL"`` (the anonymous
  web user); the same grant opens the Graph Store Protocol at ``/sparql-graph-crud`` without
  credentials. ``/sparql-graph-crud-auth`` always asks for HTTP digest (``dba``/``dba`` here).
* The bulk loader (``ld_dir`` + ``rdf_loader_run``) reads ``*.nq`` files as N-Quads and keeps
  each quad's graph name; the graph given to ``ld_dir`` is only used for triples without one.
* ``isql-vt`` exits 0 even when a statement fails, so its output is checked for ``*** Error``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

PACKAGE = "virtuoso-opensource-7-bin"
SERVER = "virtuoso-t"
ISQL = "isql-vt"
#: Virtuoso's built-in administrator (a throw-away database: the default password is fine).
USER = "dba"
PASSWORD = "dba"
LOOPBACK = "127.0.0.1"

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort = {host}:{isql_port}
; ld_dir() only reads files under these directories.
DirsAllowed = ., {dir}, {dir}/load

[HTTPServer]
ServerPort = {host}:{http_port}
ServerRoot = {dir}

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


class VirtuosoError(RuntimeError):
    """Virtuoso could not be installed, started or driven; the message carries its log."""


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def missing_binaries() -> list[str]:
    return [name for name in (SERVER, ISQL) if shutil.which(name) is None]


def ensure_installed(*, timeout: float = 600.0) -> str | None:
    """Install the Debian package when ``virtuoso-t`` or ``isql-vt`` is missing.

    Returns ``None`` when both are there (afterwards), or the reason they cannot be (not
    root): the caller skips with it. A failed install as root raises :class:`VirtuosoError`.
    """
    if not missing_binaries():
        return None
    if os.geteuid() != 0:
        return (
            f"{' and '.join(missing_binaries())} missing and not root: "
            f"apt-get install -y {PACKAGE} (or run `make test-virtuoso` as root)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", PACKAGE]
    outputs = []
    # The package lists may be missing or stale on a fresh machine: update once, then retry.
    for step in (install, ["apt-get", "update", "-qq"], install):
        done = subprocess.run(step, env=env, capture_output=True, text=True, timeout=timeout)
        outputs.append(f"$ {' '.join(step)}\n{done.stdout[-1500:]}{done.stderr[-1500:]}")
        if step is install and done.returncode == 0 and not missing_binaries():
            return None
    raise VirtuosoError(f"could not install {PACKAGE}:\n" + "\n".join(outputs))


@dataclass
class Virtuoso:
    """A running ``virtuoso-t`` in ``directory``; the URLs the project's ``sparql`` backend
    is pointed at (``KG_SPARQL_QUERY`` / ``_UPDATE`` / ``_GSP`` / ``_USER`` / ``_PASSWORD``)."""

    directory: Path
    http_port: int
    isql_port: int
    process: subprocess.Popen[bytes] | None = None
    user: str = USER
    password: str = PASSWORD
    #: The Graph Store endpoint the tests load through (set by :meth:`probe_graph_store`).
    gsp_url: str = ""
    gsp_needs_auth: bool = False

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}"

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/sparql"

    @property
    def update_url(self) -> str:
        """Same endpoint as queries; writes are allowed once :meth:`grant_update` ran."""
        return f"{self.base_url}/sparql"

    @property
    def log_path(self) -> Path:
        return self.directory / "stdout.log"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    # -- life cycle ----------------------------------------------------------------------

    def start(self, *, startup: float = 120.0) -> None:
        """Write ``virtuoso.ini`` and start the server in the foreground of a child process;
        return when SPARQL answers. On failure the process is stopped and the log raised."""
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "load").mkdir(exist_ok=True)
        ini = self.directory / "virtuoso.ini"
        ini.write_text(
            INI.format(
                dir=self.directory,
                host=LOOPBACK,
                isql_port=self.isql_port,
                http_port=self.http_port,
            ),
            encoding="utf-8",
        )
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [SERVER, "+configfile", str(ini), "+foreground"],
                cwd=self.directory,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in pytest does not hit it mid-checkpoint
            )
        try:
            self._wait_until_ready(startup)
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self, startup: float) -> None:
        deadline = time.monotonic() + startup
        assert self.process is not None
        while True:
            if self.process.poll() is not None:
                raise VirtuosoError(
                    f"virtuoso-t exited with {self.process.returncode} while starting:\n"
                    + self.log_tail()
                )
            try:
                answer = httpx.post(
                    self.query_url,
                    data={"query": "SELECT (1 AS ?one) WHERE {}"},
                    headers={"Accept": "application/sparql-results+json"},
                    timeout=5,
                )
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise VirtuosoError(
                    f"Virtuoso's SPARQL endpoint did not answer within {startup:.0f} s:\n"
                    + self.log_tail()
                )
            time.sleep(0.25)

    def stop(self, *, grace: float = 60.0) -> None:
        """Stop the server by its process id (SIGTERM: a quick shutdown), then wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    # -- administration ------------------------------------------------------------------

    def isql(self, *statements: str, timeout: float = 600.0) -> str:
        """Run SQL statements through ``isql-vt`` as ``dba``; their output.

        ``isql-vt`` exits 0 when a statement fails, so the output is checked instead.
        """
        script = "".join(s.rstrip().rstrip(";") + ";\n" for s in statements)
        done = subprocess.run(
            [ISQL, f"{LOOPBACK}:{self.isql_port}", self.user, self.password, f"exec={script}"],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            raise VirtuosoError(f"isql-vt failed on:\n{script}\n{output[-3000:]}")
        return output

    def grant_update(self) -> None:
        """Let the anonymous web user ("SPARQL") run SPARQL Update at ``/sparql``."""
        self.isql('GRANT SPARQL_UPDATE TO "SPARQL"')

    def auth(self) -> httpx.DigestAuth:
        return httpx.DigestAuth(self.user, self.password)

    def probe_graph_store(self) -> None:
        """Find the Graph Store Protocol endpoint that accepts a write: the open
        ``/sparql-graph-crud`` (after :meth:`grant_update`) or, failing that, the
        digest-protected ``/sparql-graph-crud-auth``. Writes one triple to a probe graph
        and drops it again."""
        probe = "urn:kg-test:gsp-probe"
        body = b'<urn:kg-test:s> <urn:kg-test:p> "probe" .\n'
        headers = {"Content-Type": "text/turtle"}
        open_url = f"{self.base_url}/sparql-graph-crud"
        auth_url = f"{self.base_url}/sparql-graph-crud-auth"
        with httpx.Client(timeout=30) as client:
            answer = client.post(open_url, params={"graph": probe}, content=body, headers=headers)
            if answer.status_code in (200, 201, 204):
                self.gsp_url, self.gsp_needs_auth = open_url, False
                client.delete(open_url, params={"graph": probe})
                return
            answer = client.post(
                auth_url, params={"graph": probe}, content=body, headers=headers, auth=self.auth()
            )
            if answer.status_code in (200, 201, 204):
                self.gsp_url, self.gsp_needs_auth = auth_url, True
                client.delete(auth_url, params={"graph": probe}, auth=self.auth())
                return
        raise VirtuosoError(
            f"no Graph Store endpoint accepts writes: {auth_url} answered {answer.status_code}"
        )

    def bulk_load(self, nquads: Path, *, unnamed_graph: str = "urn:kg-test:unnamed") -> float:
        """Load an N-Quads file with Virtuoso's bulk loader (``ld_dir`` + ``rdf_loader_run``
        + ``checkpoint``), graph names kept; seconds taken. The file is copied under the
        server's directory because ``ld_dir`` only reads ``DirsAllowed``."""
        started = time.monotonic()
        load_dir = self.directory / "load"
        target = load_dir / (nquads.stem + ".nq")
        shutil.copyfile(nquads, target)
        self.isql(
            f"ld_dir('{load_dir}', '{target.name}', '{unnamed_graph}')",
            "rdf_loader_run()",
            "checkpoint",
        )
        # rdf_loader_run() reports a bad file in DB.DBA.LOAD_LIST, not as an error.
        errors = self.isql(
            "SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL"
        )
        if "0 Rows." not in errors:
            raise VirtuosoError(f"the bulk loader rejected {target.name}:\n{errors[-3000:]}")
        return time.monotonic() - started


def start_virtuoso(directory: Path) -> Virtuoso:
    """Start a fresh server in ``directory`` on free loopback ports, with SPARQL Update and
    the Graph Store Protocol open to the tests (see the module docstring)."""
    http_port = free_port()
    isql_port = free_port()
    while isql_port == http_port:  # both were free at once, so the kernel may hand out one twice
        isql_port = free_port()
    server = Virtuoso(directory=directory, http_port=http_port, isql_port=isql_port)
    server.start()
    try:
        server.grant_update()
        server.probe_graph_store()
    except BaseException:
        server.stop()
        raise
    return server
