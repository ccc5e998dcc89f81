"""A real OpenLink Virtuoso (Debian's virtuoso-opensource) for the tests, on loopback.

Use it from a test module with ``pytest_plugins = ["tests.virtuoso"]``. Each server gets a
directory of its own with its own ``virtuoso.ini`` (free ports, its own database files, limits
high enough for the whole dataset) and a random ``dba`` password, and runs in the foreground as
a child process that the tests can stop and start again.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
CheckpointInterval = 60
DirsAllowed = {dir}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


def require_virtuoso() -> str:
    """The path of ``virtuoso-t``; skips the test where Virtuoso is not installed, except in CI
    (``CI`` set), where a missing server is a failure."""
    binary = shutil.which("virtuoso-t")
    if binary and shutil.which("isql-vt"):
        return binary
    message = ("OpenLink Virtuoso is not installed (virtuoso-t, isql-vt); "
               "install the Debian package virtuoso-opensource to run these tests.")
    if os.environ.get("CI"):
        pytest.fail(message + " CI must run them: .ci/run installs it.")
    pytest.skip(message)


class Virtuoso:
    """One Virtuoso server in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.binary = require_virtuoso()
        self.directory = directory
        self.sql_port, self.http_port = free_port(), free_port()
        self.password = secrets.token_hex(8)
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.process: subprocess.Popen | None = None
        (directory / "virtuoso.ini").write_text(INI.format(
            dir=directory, sql_port=self.sql_port, http_port=self.http_port), encoding="utf-8")

    @property
    def sparql(self) -> str:
        return self.base + "/sparql"

    @property
    def sparql_auth(self) -> str:
        return self.base + "/sparql-auth"

    @property
    def graph_store(self) -> str:
        return self.base + "/sparql-graph-crud-auth"

    def start(self, first: bool = False) -> None:
        log = (self.directory / "stdout.log").open("ab")
        self.process = subprocess.Popen(
            [self.binary, "-c", "virtuoso.ini", "+foreground"],
            cwd=self.directory, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 90
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = (self.directory / "virtuoso.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"Virtuoso did not start:\n{tail}")
            time.sleep(0.2)
        if first:  # quoted: unquoted identifiers are upper-cased
            self.isql("dba", f'set password "dba" "{self.password}";')

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.sparql + "?query=ASK%7B%7D", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def isql(self, password: str, statement: str) -> None:
        """Run one SQL statement as ``dba`` (isql exits 0 even when it fails, so read its output)."""
        done = subprocess.run(
            ["isql-vt", str(self.sql_port), "dba", password, f"exec={statement}"],
            capture_output=True, timeout=60, text=True,
        )
        if "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql failed on {statement!r}: {done.stdout}{done.stderr}")

    def stop(self) -> None:
        """Stop the server at once (SIGKILL: as a crash or a pulled cable would)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def shutdown(self) -> None:
        """Stop the server cleanly (checkpoint, then exit)."""
        if self.process and self.process.poll() is None:
            try:
                self.isql(self.password, "checkpoint; shutdown;")
                self.process.wait(timeout=30)
            except (subprocess.SubprocessError, OSError):
                pass
        self.stop()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """One Virtuoso for the session, started empty with a fresh ``dba`` password."""
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    server.start(first=True)
    yield server
    server.shutdown()
