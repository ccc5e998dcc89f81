"""The HTTP systems, started as their users start them, and a keep-alive client for them.

icskg runs as README starts it (``icskg serve``: gunicorn, its default workers and threads,
killable query processes); rdflib-endpoint as its README starts it (``rdflib-endpoint serve
FILE``: uvicorn, one process). Each gets its own session so that stopping it stops its whole
process tree and nothing else.
"""

from __future__ import annotations

import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.memory import tree_memory
from bench.timing import pin

VENV_BIN = Path(sys.executable).parent
# icskg's settings for a load client: every request from one address (as behind a reverse proxy),
# so per-client lanes are off; with the default two, four clients on two workers got 503s.
ONE_ADDRESS = {"ICSKG_CLIENT_SLOTS": "0"}
# icskg's answer cache off: every request works its answer out, none is a repeat from memory.
CACHE_OFF = {"ICSKG_ANSWER_CACHE_BYTES": "0"}
ACCEPT = {"bindings": "application/sparql-results+json", "boolean": "application/sparql-results+json",
          "graph": "application/n-triples"}


class ServerFailed(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers: dict | None = None, timeout: float = 600) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def query_path(sparql: str, endpoint: str = "/sparql") -> str:
    return f"{endpoint}?" + urlencode({"query": sparql})


class Server:
    """A server process tree; ``ready_path`` answers 200 once it serves."""

    name = "server"
    endpoint = "/sparql"

    def __init__(self, command: list[str], log: Path, ready_path: str, cpu: int | None,
                 env: dict | None = None, timeout: float = 900) -> None:
        self.port = free_port()
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [part.replace("{port}", str(self.port)) for part in command],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, env={**os.environ, **(env or {})},
                preexec_fn=(lambda: pin(cpu)) if cpu is not None else None,
            )
        self.ready_seconds = self._wait(ready_path, started, timeout)

    def _wait(self, path: str, started: float, timeout: float) -> float:
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise ServerFailed(f"{self.name} exited with {self.process.returncode}; see {self.log}")
            try:
                status, body = get(self.port, path, timeout=5)
            except OSError:
                time.sleep(0.005)
                continue
            if status == 200:
                return time.perf_counter() - started
            if 400 <= status < 500:
                self.stop()
                raise ServerFailed(f"{self.name} answered {path} with {status}: {body[:200]!r}")
            time.sleep(0.005)
        self.stop()
        raise ServerFailed(f"{self.name} was not ready after {timeout:g} s; see {self.log}")

    def memory(self) -> dict:
        return tree_memory(self.process.pid)

    def stop(self) -> None:
        """Stop the server's process group (its own session: nothing else is in it)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        try:  # query processes left behind by a killed worker
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Icskg(Server):
    name = "icskg serve"

    def __init__(self, data_dir: Path, log: Path, cpu: int | None, data: list[Path] = (),
                 env: dict | None = None) -> None:
        files = [part for path in data for part in ("--data", str(path))]
        super().__init__([str(VENV_BIN / "icskg"), "--data-dir", str(data_dir), "serve", "--port", "{port}",
                          *files], log, "/healthz", cpu, env=env)


class BareStack(Server):
    """:mod:`bench.bare` under gunicorn with icskg's settings (gthread workers, threads, access log)."""

    name = "bare stack"

    def __init__(self, answers: Path, log: Path, cpu: int | None) -> None:
        from icskg.config import load_settings

        settings = load_settings()
        super().__init__([str(VENV_BIN / "gunicorn"), "--worker-class", "gthread",
                          "--workers", str(settings.workers), "--threads", str(settings.threads),
                          "--access-logfile", "-", "--limit-request-line", "8190",
                          "--bind", "127.0.0.1:{port}", "bench.bare:app"],
                         log, "/healthz", cpu, env={"BENCH_BARE_ANSWERS": str(answers),
                                                    "PYTHONPATH": str(Path(__file__).parent.parent)})


class RdflibEndpoint(Server):
    name = "rdflib-endpoint serve"
    endpoint = "/"  # its default path

    def __init__(self, nquads: Path, log: Path, cpu: int | None) -> None:
        super().__init__([str(VENV_BIN / "rdflib-endpoint"), "serve", str(nquads),
                          "--host", "127.0.0.1", "--port", "{port}"],
                         log, query_path("ASK { }", self.endpoint), cpu)


class Client:
    """One keep-alive connection; reconnects once if the server closed it while idle."""

    def __init__(self, port: int, path: str, headers: dict, timeout: float = 600) -> None:
        self.port, self.path, self.headers, self.timeout = port, path, headers, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def next_path(self) -> str:
        return self.path

    def __call__(self) -> bytes:
        path = self.next_path()
        for attempt in (1, 2):
            try:
                self.conn.request("GET", path, headers=self.headers)
                response = self.conn.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                if attempt == 2:
                    raise
                continue
            if response.status not in (200, 304):
                raise ServerFailed(f"HTTP {response.status}: {body[:200]!r}")
            return body
        raise AssertionError("unreachable")


class FreshClient(Client):
    """A client whose every request is a different query text (a numbered comment appended), as
    when many people ask many questions: a server's cache keyed by the text never hits."""

    serial = itertools.count()

    def __init__(self, port: int, sparql: str, endpoint: str, headers: dict) -> None:
        super().__init__(port, "", headers)
        self.sparql, self.endpoint = sparql, endpoint

    def next_path(self) -> str:
        return query_path(f"{self.sparql}\n# request {next(self.serial)}", self.endpoint)
