"""The web worker as HTTP clients meet it on a real socket: keep-alive, pipelining, HTTP/1.0,
``Expect: 100-continue``, chunked bodies, files, bad requests, and the time a client is given to
send its request (``icskg serve`` on loopback, as README starts it)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from bench.memory import descendants

from icskg import resources
from icskg.killable import cpu_seconds
from tests.conftest import free_port
from tests.processes import wait_until_idle

pytestmark = [pytest.mark.server, pytest.mark.slow]

ASK = "ASK { <https://w3id.org/icskg/id/org/QYG> ?p ?o }"
STATIC = Path(resources.__file__).resolve().parent / "web" / "static" / "query.js"


def address(base: str) -> tuple[str, int]:
    url = urlparse(base)
    return url.hostname, url.port


def exchange(base: str, *parts: bytes, timeout: float = 30) -> bytes:
    """Send ``parts`` (one write each) and read until the server closes the connection."""
    with socket.create_connection(address(base), timeout=timeout) as sock:
        for part in parts:
            sock.sendall(part)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_requests_on_one_kept_alive_connection_are_each_answered(live_server):
    connection = http.client.HTTPConnection(*address(live_server), timeout=30)
    try:
        answers = []
        for method, path, body in (("GET", "/healthz", None),
                                   ("GET", "/sparql?query=" + quote(ASK), None),
                                   ("POST", "/sparql", ASK.encode())):
            headers = {"Accept": "application/sparql-results+json",
                       "Content-Type": "application/sparql-query"}
            connection.request(method, path, body=body, headers=headers)
            first = connection.sock
            response = connection.getresponse()
            answers.append((response.status, response.read(), response.getheader("Connection")))
            assert connection.sock is first, "the connection was kept"
    finally:
        connection.close()
    assert [status for status, _, _ in answers] == [200, 200, 200]
    assert b'"ok"' in answers[0][1]
    assert all(b'"boolean":true' in body.replace(b" ", b"") for _, body, _ in answers[1:])
    assert {connection for _, _, connection in answers} == {"keep-alive"}


def test_pipelined_requests_are_answered_in_order(live_server):
    received = exchange(live_server, (
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /sparql?query=" + quote(ASK).encode() + b" HTTP/1.1\r\nHost: x\r\n"
        b"Accept: application/sparql-results+json\r\nConnection: close\r\n\r\n"))
    assert received.count(b"HTTP/1.1 200 OK") == 2
    assert received.index(b'"ok"') < received.index(b'"boolean"')


def test_http_1_0_is_answered_and_the_connection_closed(live_server):
    received = exchange(live_server, b"GET /healthz HTTP/1.0\r\n\r\n")
    assert received.startswith(b"HTTP/1.0 200 OK")
    assert b"Connection: close" in received
    assert received.endswith(b"}\n"), "the whole answer, then the close"


def test_expect_100_continue_is_answered_once_before_the_body(live_server):
    body = ASK.encode()
    with socket.create_connection(address(live_server), timeout=30) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     b"Accept: application/sparql-results+json\r\nConnection: close\r\n"
                     b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 200 OK")
    assert b"100 Continue" not in received
    assert b'"boolean":true' in received.replace(b" ", b"")


def test_a_chunked_body_sent_in_pieces_with_a_trailer_is_read_whole(live_server):
    text = ASK.encode()
    half = len(text) // 2
    received = exchange(
        live_server,
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Accept: application/sparql-results+json\r\nConnection: close\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n",
        b"%x\r\n%s\r\n" % (half, text[:half]),
        b"%x;note=split\r\n%s\r\n" % (len(text) - half, text[half:]),
        b"0\r\nX-Trailer: done\r\n\r\n")
    assert received.startswith(b"HTTP/1.1 200 OK"), received[:300]
    assert b'"boolean":true' in received.replace(b" ", b"")


def test_a_malformed_request_is_400_with_a_reason(live_server):
    received = exchange(live_server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n")
    assert received.startswith(b"HTTP/1.1 400 Bad Request")
    assert b"Traceback" not in received
    received = exchange(live_server, b"NOT A REQUEST\r\n\r\n")
    assert received.startswith(b"HTTP/1.1 400 Bad Request")


def test_a_file_arrives_whole(live_server):
    with urllib.request.urlopen(live_server + "/static/query.js", timeout=30) as response:
        assert response.status == 200
        assert response.read() == STATIC.read_bytes()


@pytest.fixture(scope="module")
def impatient_server(data_dir: Path, store) -> Iterator[str]:
    """``icskg serve`` giving each client one second to send its request."""
    port = free_port()
    env = {**os.environ, "ICSKG_DATA_DIR": str(data_dir), "ICSKG_WORKERS": "1",
           "ICSKG_REQUEST_SECONDS": "1"}
    log = (data_dir / "impatient.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "icskg", "serve", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a wait for start-up, not a speed claim
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError((data_dir / "impatient.log").read_text()[-2000:]) from None
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=30)
    log.close()


def test_a_client_that_does_not_finish_its_request_is_disconnected(impatient_server):
    with socket.create_connection(address(impatient_server), timeout=60) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert sock.recv(100) == b"", "the server closed the connection without an answer"
    with urllib.request.urlopen(impatient_server + "/healthz", timeout=30) as response:
        assert response.status == 200


def test_a_kept_alive_connection_left_idle_is_closed(impatient_server):
    with socket.create_connection(address(impatient_server), timeout=60) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while b'"ok"' not in received:
            received += sock.recv(65536)
        assert received.startswith(b"HTTP/1.1 200 OK")
        assert sock.recv(100) == b"", "the idle connection was closed"


def test_a_body_over_the_limit_is_answered_413_not_reset(live_server):
    body = b"ASK { } #" + b"x" * 1_100_000
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    received = exchange(live_server, head, body)
    assert received.startswith(b"HTTP/1.1 413"), received[:200]
    assert b"limit of 1,000,000 bytes" in received


@pytest.mark.parametrize("request_bytes,status", [
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", b"400"),  # two Hosts
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n", b"400"),  # obsolete folding
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: a-miracle\r\n\r\n", b"417"),
    (b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", b"400"),
    (b"GET /healthz?" + b"q" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"414"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-A: 1\r\n" * 120 + b"\r\n", b"431"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Endless: " + b"x" * 70_000, b"431"),  # never ends
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", b"400"),
])
def test_what_is_not_a_plain_request_gets_gunicorns_answer(live_server, request_bytes, status):
    """Requests the worker's own parser does not take are parsed by gunicorn's, which says what is
    wrong with them."""
    received = exchange(live_server, request_bytes)
    assert received.startswith(b"HTTP/1.1 " + status), received[:200]


def test_once_back_to_back_requests_stop_the_server_uses_no_cpu(live_server_process):
    """A worker's idle thread watches for the next request without sleeping while requests come
    back to back; once they stop, it must sleep rather than keep a core busy."""
    base, pid = live_server_process
    tree = descendants(pid)
    wait_until_idle(tree)
    connection = http.client.HTTPConnection(*address(base), timeout=30)
    try:
        for _ in range(300):
            connection.request("GET", "/sparql?query=" + quote(ASK),
                               headers={"Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            assert response.status == 200 and b"true" in response.read()
    finally:
        connection.close()
    before = sum(cpu_seconds(p) for p in tree)
    time.sleep(1.0)  # the window CPU is counted over, not a wait for an event
    used = sum(cpu_seconds(p) for p in tree) - before
    assert used < 0.2, f"the server used {used:.2f} s of CPU in the second after its last request"
