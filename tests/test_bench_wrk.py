"""The load client of ``python -m bench oxigraph``: with distinct texts, no text is sent twice,
even across runs (a warm-up run's texts repeated would be answered by icskg's answer cache)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from bench import wrk

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (Debian's wrk)")


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[int, list[str]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _Recorder.paths
    server.shutdown()
    server.server_close()


def test_distinct_texts_are_not_sent_again_by_a_second_run(recorder):
    port, paths = recorder
    lua = wrk.script("/sparql?query=ASK%7B%7D", "application/sparql-results+json", distinct=True)
    first = wrk.run(port, lua, 1, 1, None, timeout=5)  # as the bench's warm-up
    second = wrk.run(port, lua, 1, 1, None, timeout=5)  # and the run measured after it
    assert first["calls"] and second["calls"] and not first["errors"] and not second["errors"]
    assert all(path.startswith("/sparql?query=ASK%7B%7D%0A%23+") for path in paths)
    assert len(set(paths)) == len(paths), "a text was sent twice"
