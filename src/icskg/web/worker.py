"""A gunicorn worker whose threads only ever see whole requests.

gunicorn's threaded worker hands a connection to a thread as soon as its first byte arrives; the
thread then reads the rest of the request, so a client that sends a header line or a body byte
every few seconds holds a thread for as long as it likes, and ten such clients took every
thread. Here the worker's event loop reads each request (head and body, up to the body limit)
without a thread, and hands a thread only a request that has fully arrived; a client that has not
sent its whole request within ``request_seconds`` is disconnected. Slow clients then cost a
socket each, not a thread.

Each client address may have at most ``client_slots`` queries, downloads and validations
(``LANED`` paths) in the threads of a worker at once; past that it is answered 503 at once from
the event loop. So a client sending many long queries or downloads holds a bounded lane, and the
other threads (and query processes) stay free for everyone else; pages and static files are not
counted. Behind a reverse proxy every client has the proxy's address: set
``ICSKG_CLIENT_SLOTS=0`` there and limit per client in the proxy.
"""

from __future__ import annotations

import selectors
import time
from collections import Counter
from functools import partial

from gunicorn.workers.gthread import TConn, ThreadWorker

HEAD_END = b"\r\n\r\n"
LANED = (b"/sparql", b"/download", b"/validate", b"/compliance")
MAX_HEAD = 64 * 1024  # gunicorn refuses longer heads itself


class _Request:
    """The bytes of one request read so far, and whether they make a whole request."""

    def __init__(self, max_body: int) -> None:
        self.data = bytearray()
        self.max_body = max_body
        self.head_end = -1
        self.length: int | None = None
        self.chunked = False
        self.continued = False

    def add(self, chunk: bytes) -> None:
        self.data += chunk
        if self.head_end < 0:
            end = self.data.find(HEAD_END)
            if end >= 0:
                self.head_end = end + len(HEAD_END)
                for line in bytes(self.data[:end]).lower().split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip() == b"content-length" and value.strip().isdigit():
                        self.length = int(value.strip())
                    elif name.strip() == b"transfer-encoding" and b"chunked" in value:
                        self.chunked = True
                    elif name.strip() == b"expect" and b"100-continue" in value:
                        self.continued = True

    @property
    def expects_continue(self) -> bool:
        return self.continued and self.head_end >= 0 and len(self.data) == self.head_end

    @property
    def whole(self) -> bool:
        """A whole request has arrived, or more than the app would read anyway (it answers)."""
        if self.head_end < 0:
            return len(self.data) > MAX_HEAD
        body = len(self.data) - self.head_end
        if body > self.max_body:
            return True
        if self.chunked:
            return self.data.endswith(b"0\r\n\r\n")
        return body >= (self.length or 0)


class BufferingWorker(ThreadWorker):
    """gunicorn's threaded worker, reading requests in its event loop (see the module)."""

    request_seconds = 10.0
    max_body = 1_000_000
    client_slots = 2
    BUSY_TEXT = b"503 Too many requests from your address at once; wait for an answer before asking more.\n"
    BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Retry-After: 2\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s"
            % (len(BUSY_TEXT), BUSY_TEXT))

    def init_process(self) -> None:
        self.in_threads: Counter = Counter()  # requests in the threads, by client address
        super().init_process()

    def accept(self, listener) -> None:
        try:
            client, address = listener.accept()
        except (BlockingIOError, ConnectionAbortedError):
            return
        self.nr_conns += 1
        self._read(TConn(self.cfg, client, address, listener.getsockname()))

    def on_client_socket_readable(self, conn, client) -> None:
        """A kept-alive connection has a new request coming: read it here too."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._read(conn)

    def _read(self, conn) -> None:
        conn.sock.setblocking(False)
        conn.request = _Request(self.max_body)
        conn.timeout = time.monotonic() + self.request_seconds
        self.pending_conns.append(conn)  # closed by murder_pending() past the deadline
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_bytes, conn))

    def _on_bytes(self, conn, sock) -> None:
        try:
            chunk = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:  # the client went away
            self._forget(conn)
            self.nr_conns -= 1
            conn.close()
            return
        request = conn.request
        request.add(chunk)
        if request.expects_continue:
            try:
                sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            except OSError:
                pass
        if request.whole:
            self._forget(conn)
            address = conn.client[0] if isinstance(conn.client, tuple) else conn.client
            target = bytes(request.data[:request.data.find(b"\r\n")]).split(b" ")[1:2]
            if not (self.client_slots and target and target[0].startswith(LANED)):
                address = None
            elif self.in_threads[address] >= self.client_slots:
                try:
                    sock.setblocking(True)
                    sock.settimeout(1)
                    sock.sendall(self.BUSY)
                except OSError:
                    pass
                self.nr_conns -= 1
                conn.close()
                return
            if address is not None:
                self.in_threads[address] += 1
            conn.address = address
            conn.data_ready = True
            self.enqueue_req(conn)

    def finish_request(self, conn, fs) -> None:
        address = getattr(conn, "address", None)
        if address is not None:
            conn.address = None
            self.in_threads[address] -= 1
            if self.in_threads[address] <= 0:
                del self.in_threads[address]
        super().finish_request(conn, fs)

    def _forget(self, conn) -> None:
        self.poller.unregister(conn.sock)
        self.pending_conns.remove(conn)

    def handle(self, conn):
        """In a thread: the request is here; the parser reads it from what was received."""
        request = getattr(conn, "request", None)
        if request is not None:
            conn.request = None
            conn.sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(bytes(request.data))
        return super().handle(conn)
