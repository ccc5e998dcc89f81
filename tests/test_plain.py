"""The worker's parser of plain requests builds the environ gunicorn's parser builds, and leaves
every other request to gunicorn's parser; its response sends the bytes gunicorn's would (real
gunicorn code on both sides), and a large answer arrives whole through a socket that fills."""

from __future__ import annotations

import socket
import threading

import pytest
from gunicorn.config import Config
from gunicorn.http import wsgi
from gunicorn.http.errors import InvalidHeader, InvalidHeaderName
from gunicorn.http.message import Request
from gunicorn.http.unreader import IterUnreader

from icskg.web.plain import Parser
from icskg.web.worker import _Out, _Response

CLIENT, SERVER = ("127.0.0.1", 50123), ("127.0.0.1", 8000)
PLAIN = [
    b"GET /sparql?query=SELECT%20%2A%20%7B%7D&x=%C3%A9 HTTP/1.1\r\nHost: localhost:8000\r\n"
    b"Accept: application/sparql-results+json\r\nUser-Agent: t/1\r\n\r\n",
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
    b"Content-Length: 8\r\nExpect: 100-continue\r\nX-Twice: a\r\nX-Twice: b\r\n\r\nASK { } ",
    b"GET /page/caf%C3%A9 HTTP/1.0\r\nConnection: keep-alive\r\nAccept:   text/html  \r\n\r\n",
    b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"OPTIONS /sparql HTTP/1.1\r\n\r\n",
]
NOT_PLAIN = [
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nX_Forwarded_For: 10.0.0.1\r\n\r\n",  # gunicorn drops these
    b"GET /healthz HTTP/1.1\r\nX-Forwarded-Proto: https\r\n\r\n",  # the scheme, from a proxy
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nX-A: caf\xc3\xa9\r\n\r\n",
    b"GET //twice HTTP/1.1\r\n\r\n",
    b"GET /a#fragment HTTP/1.1\r\n\r\n",
    b"GET http://example.org/ HTTP/1.1\r\n\r\n",
    b"BREW /pot HTTP/1.1\r\n\r\n",
    b"GET / HTTP/2.0\r\n\r\n",
    b"POST /sparql HTTP/1.1\r\nContent-Length: 5\r\n\r\nASK",
    b"GET /healthz HTTP/1.1\r\nExpect: a-miracle\r\n\r\n",
    b"GET /a HTTP/1.1\nHost: x\r\n\r\n",  # a bare line feed
    b"GET /a HTTP/1.1\r\nX-A: a\rb\r\n\r\n",  # a bare carriage return
    b"GET /a HTTP/1.1\r\nX-A: a\x00b\r\n\r\n",
    b"GET /a\tb HTTP/1.1\r\n\r\n",
    b"GET  /a HTTP/1.1\r\n\r\n",
    b"get /a HTTP/1.1\r\n\r\n",
    b"GET /a HTTP/1.1\r\nX-A : 1\r\n\r\n",
    b"GET /a HTTP/1.1\r\n: no name\r\n\r\n",
]


@pytest.fixture(scope="module")
def cfg() -> Config:
    config = Config()
    config.set("limit_request_line", 8190)
    return config


class Sink:
    def sendall(self, data: bytes) -> None:
        pass

    send = sendall


@pytest.mark.parametrize("data", PLAIN)
def test_a_plain_request_has_gunicorns_environ(cfg, data):
    request = Parser(cfg).parse(data, CLIENT, SERVER)
    assert request is not None
    theirs = Request(cfg, IterUnreader((data,)), CLIENT, 1)
    _, environ = wsgi.create(theirs, Sink(), CLIENT, SERVER, cfg)
    environ["wsgi.multithread"] = True
    skip = {"wsgi.input", "wsgi.errors", "wsgi.early_hints", "gunicorn.socket"}
    assert {k: v for k, v in request.environ.items() if k not in skip} == \
        {k: v for k, v in environ.items() if k not in skip}
    assert request.environ["wsgi.input"].read() == theirs.body.read()
    assert request.should_close() == theirs.should_close()
    assert (request.method, request.uri, request.query, request.version) == \
        (theirs.method, theirs.uri, theirs.query, theirs.version)


@pytest.mark.parametrize("data", NOT_PLAIN)
def test_anything_else_is_left_to_gunicorn(cfg, data):
    assert Parser(cfg).parse(data, CLIENT, SERVER) is None


class Recorder:
    def __init__(self) -> None:
        self.data = b""

    def sendall(self, data: bytes) -> None:
        self.data += data

    send = sendall


ANSWERS = [
    ("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2"), ("Vary", "Accept")], [b"ok"]),
    ("200 OK", [("Content-Type", "text/plain"), ("X-A", "  padded\t")], [b"no ", b"length"]),
    ("304 NOT MODIFIED", [("ETag", '"abc"'), ("Connection", "close"), ("Server", "x")], []),
    ("200 OK", [("Transfer-Encoding", "chunked"), ("Keep-Alive", "5"), ("Date", "x")], [b"x"]),
]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(("status", "headers", "body"), ANSWERS)
@pytest.mark.parametrize("data", PLAIN[:3])
def test_the_workers_response_sends_what_gunicorns_sends(cfg, data, method, status, headers, body):
    """The same bytes twice over (the names are then known to the worker), the Date aside."""
    data = data.replace(data.split(b" ", 1)[0], method.encode(), 1)
    for _ in range(2):
        sent = []
        for kind in (wsgi.Response, _Response):
            sink = Recorder()
            response = kind(Parser(cfg).parse(data, CLIENT, SERVER), sink, cfg)
            response.start_response(status, list(headers))
            for part in body:
                response.write(part)
            response.close()
            sent.append((b"\r\n".join(line for line in sink.data.split(b"\r\n")
                                      if not line.startswith(b"Date: ")),
                         response.should_close(), response.sent))
        assert sent[0] == sent[1]


@pytest.mark.parametrize("header", [("X-A", "a\r\nSet-Cookie: b"), ("X A", "a"), ("X-A", "\x00"), ("X-A", 1)])
def test_the_workers_response_refuses_a_header_gunicorn_refuses(cfg, header):
    for kind in (wsgi.Response, _Response):
        for headers in ([("X-A", "fine"), header], [header]):  # the name known to the worker, or not
            response = kind(Parser(cfg).parse(PLAIN[0], CLIENT, SERVER), Recorder(), cfg)
            with pytest.raises((TypeError, InvalidHeader, InvalidHeaderName)):
                response.start_response("200 OK", headers)


@pytest.mark.parametrize("size", [10, 70_000, 3_000_000])
def test_an_answer_arrives_whole_and_in_order_however_large(size):
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size
    body = (bytes(range(256)) * (size // 256 + 1))[:size]
    ours, theirs = socket.socketpair()
    ours.setblocking(False)  # as the worker's sockets are: the buffer fills, the rest waits
    received = bytearray()

    def read() -> None:
        while len(received) < len(head) + size and (chunk := theirs.recv(65536)):
            received.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    out = _Out(ours, 30)
    out.sendall(head)
    out.sendall(body)
    out.flush()
    reader.join(60)
    ours.close()
    theirs.close()
    assert bytes(received) == head + body
